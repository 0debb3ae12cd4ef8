"""A static linked-data site: the explorer's pages as files, with relative links.

``build_site(kg, out)`` writes, for every resource of the ``id/`` space, a page
``id/{kind}/{slug}.html`` with ``.ttl``, ``.jsonld`` and ``.nt`` twins; index
pages per class and concept scheme; the ontology's documentation and RDF; the
query catalogue; the VoID/DCAT description (``void.ttl``, also at
``.well-known/void``); the dumps; and the stylesheet and scripts. Every link is
relative, so the folder can go on any static host or be opened from disk.

The folder is written next to ``out`` and moved into place only when complete,
so a failed build leaves the previous site untouched.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from cmkg import KnowledgeGraph
>>> from cmkg.paths import ontology_dir
>>> kg = KnowledgeGraph.load(files=[ontology_dir() / "cmo.ttl", ontology_dir() / "schemes" / "audiences.ttl"])
>>> out = Path(tempfile.mkdtemp()) / "site"
>>> report = build_site(kg, out)
>>> (out / "index.html").is_file(), (out / "id/audience/local-governments.ttl").is_file()
(True, True)
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cmkg.errors import CmkgError
from cmkg.export import FORMATS, serialise
from cmkg.server import ego, views
from cmkg.server.negotiation import JSONLD, NTRIPLES, RDF_TYPES, TURTLE, serialise_graph
from cmkg.server.ontology_docs import ontology_doc, ontology_graph
from cmkg.server.render import Linker, render
from cmkg.void import describe_dataset, dump_files

if TYPE_CHECKING:
    from cmkg.kg import KnowledgeGraph

__all__ = ["SiteReport", "build_site"]

_ENTITY_FILES = ((TURTLE, ".ttl"), (JSONLD, ".jsonld"), (NTRIPLES, ".nt"))


@dataclass(frozen=True)
class SiteReport:
    """What a site build wrote."""

    root: Path
    pages: int
    files: int
    bytes: int


class _Writer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.pages = 0
        self.files = 0

    def linker(self, rel: str) -> Linker:
        depth = rel.count("/")
        return Linker(root="../" * depth, static_site=True)

    def write(self, rel: str, data: bytes | str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        self.files += 1

    def page(self, rel: str, template: str, **context: object) -> None:
        self.write(rel, render(template, self.linker(rel), **context))
        self.pages += 1


def build_site(kg: KnowledgeGraph, out: Path, *, base_url: str = "https://w3id.org/cmkg/", sparql_url: str | None = None) -> SiteReport:
    """Write the static site to ``out`` (replacing it whole once the new one is complete)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    try:
        w = _Writer(tmp)
        _write_all(kg, w, base_url, sparql_url)
        size = sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file())
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return SiteReport(out, w.pages, w.files, size)


def _swap(new: Path, out: Path) -> None:
    if out.exists():
        old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old."))
        os.replace(out, old / "site")
        os.replace(new, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(new, out)
    os.chmod(out, 0o755)  # mkdtemp makes it private; a site is for reading


def _write_all(kg: KnowledgeGraph, w: _Writer, base_url: str, sparql_url: str | None) -> None:
    from cmkg.server.app import STATIC, vis_network_path

    classes = views.classes(kg)
    counts = views.home_counts(kg)
    dumps = dump_files()
    visualisations = _write_visualisations(kg, w)
    w.page("index.html", "home.html", title="Home", counts=counts, classes=views.home_classes(classes), dumps=dumps,
           visualisations=visualisations)
    w.page("-/classes.html", "classes.html", title="Browse", classes=classes)
    for c in classes:
        page = Linker(static_site=True, root="").class_page(c.iri)
        if page is None:
            continue
        members, truncated = views.class_members(kg, c.iri, limit=100_000)
        w.page(page, "class.html", title=c.label, label=c.label, comment=c.description, iri=c.iri, members=members, truncated=truncated)
    w.page("-/schemes.html", "schemes.html", title="Concept schemes", schemes=views.schemes(kg))
    w.page("-/queries.html", "queries.html", title="Queries", queries=list(kg.catalogue.values()))

    w.page("ontology.html", "ontology.html", title="Ontology", doc=ontology_doc(kg))
    og = ontology_graph(kg)
    for media_type, (_fmt, suffix) in RDF_TYPES.items():
        w.write("ontology" + suffix, serialise_graph(og, media_type))

    base = base_url if base_url.endswith("/") else base_url + "/"
    void = describe_dataset(kg, base_url=base, endpoint_url=sparql_url)
    void_ttl = serialise_graph(void, TURTLE)
    w.write("void.ttl", void_ttl)
    w.write(".well-known/void", void_ttl)
    dump_rows = [(name, FORMATS[fmt][3], FORMATS[fmt][2]) for fmt, name in dumps.items()]
    w.page("-/dataset.html", "dataset.html", title="Dataset", dumps=dump_rows, turtle=void_ttl.decode("utf-8"))
    dataset = kg.dataset
    for fmt, name in dumps.items():
        w.write("dumps/" + name, serialise(dataset, fmt))

    resources = views.all_resources(kg)
    global _NETWORK
    _NETWORK = ego.actor_network(kg)  # projected once, before the workers fork
    workers = min(os.cpu_count() or 1, 8) if len(resources) >= 200 else 1
    if workers == 1:
        counts = [_write_entities(kg, w.root, resources)]
    else:
        # The pages are independent: forked workers share the loaded graph copy-on-write.
        global _JOB
        _JOB = (kg, w.root)
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                counts = pool.map(_entity_chunk, [resources[i::workers] for i in range(workers)])
        finally:
            _JOB = None
    w.pages += sum(c[0] for c in counts)
    w.files += sum(c[1] for c in counts)

    for path in STATIC.rglob("*"):
        if path.is_file():
            w.write("-/static/" + path.relative_to(STATIC).as_posix(), path.read_bytes())
    w.write("-/static/vendor/vis-network.min.js", vis_network_path().read_bytes())


_JOB: tuple[KnowledgeGraph, Path] | None = None
_NETWORK: object = None


def _entity_chunk(resources: list[str]) -> tuple[int, int]:
    assert _JOB is not None
    return _write_entities(_JOB[0], _JOB[1], resources)


def _write_entities(kg: KnowledgeGraph, root: Path, resources: list[str]) -> tuple[int, int]:
    """Write the page and RDF twins of each resource; return (pages, files) written."""
    w = _Writer(root)
    alternates = list(_ENTITY_FILES)
    for iri in resources:
        rel = "id/" + iri[len(views.ID_NS):]
        e = views.entity(kg, iri)
        if e is None:  # pragma: no cover - all_resources lists only mentioned IRIs
            continue
        w.page(rel + ".html", "entity.html", title=e.label, e=e, ego=ego.ego_network(kg, e, network=_NETWORK), path=rel, alternates=alternates)
        g = views.entity_graph(kg, iri)
        for media_type, suffix in _ENTITY_FILES:
            w.write(rel + suffix, serialise_graph(g, media_type))
    return w.pages, w.files


def _write_visualisations(kg: KnowledgeGraph, w: _Writer) -> list[tuple[str, str]]:
    """The network pictures of :mod:`cmkg.visualize` (offline HTML), when that package is installed."""
    try:
        from cmkg.visualize import VIEWS, visualize
    except ImportError:
        return []
    made: list[tuple[str, str]] = []
    for view in VIEWS:
        if view == "ego":  # one per resource would be the entity pages' own network view
            continue
        rel = f"-/viz/{view}.html"
        (w.root / rel).parent.mkdir(parents=True, exist_ok=True)
        try:
            visualize(kg, view, w.root / rel)
        except CmkgError:
            continue  # an empty view: nothing to draw
        w.files += 1
        made.append((view, rel))
    return made
