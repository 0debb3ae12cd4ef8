"""The static linked-data site: every page exists, every local link resolves, data is escaped."""

from __future__ import annotations

import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDF

from cmkg.site import build_site
from cmkg.void import DATASET, VOID

from plugins.server import FIXTURE


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [v for k, v in attrs if k in ("href", "src") and v]
        if tag == "script":
            self.scripts.append(dict(attrs))


def cmkg(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cmkg", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One site build, through the real verb, of the curated graph plus the Testville fixture."""
    cwd = tmp_path_factory.mktemp("site")
    done = cmkg("site", "-o", "site", "--add", str(FIXTURE), "--base-url", "https://example.org/cmkg/", cwd=cwd)
    assert done.returncode == 0, done.stderr
    assert "pages" in done.stdout
    return cwd / "site"


def test_every_resource_has_a_page_and_rdf_twins(site: Path, server_kg) -> None:
    from cmkg.server.views import ID_NS, all_resources

    resources = all_resources(server_kg)
    assert "https://w3id.org/cmkg/id/city/testville" in resources
    for iri in resources:
        base = site / ("id/" + iri[len(ID_NS):])
        for suffix in (".html", ".ttl", ".jsonld", ".nt"):
            assert base.with_name(base.name + suffix).is_file(), iri + suffix
    g = Graph().parse(site / "id/city/testville.ttl", format="turtle")
    assert (URIRef("https://w3id.org/cmkg/id/city/testville"), RDF.type, None) in g
    assert len(Graph().parse(site / "id/city/testville.jsonld", format="json-ld")) == len(g)


def test_every_local_link_resolves(site: Path) -> None:
    pages = list(site.rglob("*.html"))
    assert len(pages) > 50
    broken = []
    for page in pages:
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("#"):
                continue
            assert not link.startswith("/"), f"{page}: absolute link {link}"
            target = (page.parent / unquote(parts.path)).resolve()
            if not target.is_file():
                broken.append(f"{page.relative_to(site)} -> {link}")
        if page.parent.name == "viz":
            # cmkg.visualize's pages are self-contained: inline scripts, each pinned by a CSP hash
            assert "script-src" in page.read_text(encoding="utf-8") and "sha256-" in page.read_text(encoding="utf-8"), page
            continue
        for script in parser.scripts:
            assert script.get("type") == "application/json" or script.get("src"), page
    assert broken == []


def test_index_pages_ontology_void_and_dumps(site: Path, server_kg) -> None:
    for rel in ("index.html", "-/classes.html", "-/classes/cmo-City.html", "-/schemes.html", "-/queries.html",
                "-/dataset.html", "ontology.html", "ontology.ttl", "void.ttl", ".well-known/void",
                "-/static/cmkg.css", "-/static/ego.js", "-/static/vendor/vis-network.min.js"):
        assert (site / rel).is_file(), rel
    void = Graph().parse(site / "void.ttl", format="turtle")
    assert (DATASET, VOID.dataDump, URIRef("https://example.org/cmkg/dumps/cmkg.nq")) in void
    assert (DATASET, VOID.sparqlEndpoint, None) not in void  # a static site has none unless told
    ds = Dataset()
    ds.parse(site / "dumps/cmkg.nq", format="nquads")
    assert len(ds) == server_kg.engine.triple_count()
    for name in ("cmkg.ttl", "cmkg.nt", "cmkg.trig", "cmkg.jsonld", "cmkg.rdf"):
        assert (site / "dumps" / name).stat().st_size > 1000


def test_site_pages_escape_the_data(site: Path) -> None:
    for rel in ("id/practice/testville-welcome-desk.html", "id/city/testville.html", "-/classes/cmo-Practice.html"):
        html = (site / rel).read_text(encoding="utf-8")
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_failed_build_leaves_the_old_site(site: Path, server_kg, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    out = tmp_path / "site"
    shutil.copytree(site, out)
    before = sorted(p.relative_to(out) for p in out.rglob("*"))

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("cmkg.site.describe_dataset", broken)
    with pytest.raises(RuntimeError):
        build_site(server_kg, out)
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    assert [p.name for p in tmp_path.iterdir()] == ["site"]  # no half-built folder left behind


def test_export_verb(tmp_path: Path) -> None:
    done = cmkg("export", "--format", "trig", "-o", "g.trig", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout and (tmp_path / "g.trig").stat().st_size > 1000
    done = cmkg("export", "--format", "docx", "-o", "g.docx", cwd=tmp_path)
    assert done.returncode == 1 and "docx" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "g.docx").exists()
