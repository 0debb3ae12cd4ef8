"""Issue 9, requirement 6: hostile labels and descriptions stay inert on every page.

Hypothesis writes labels, descriptions and links full of markup, quotes,
``javascript:`` IRIs and ``</script>``; the data is then rendered by the explorer's
entity page, the static site's page for the same resource and a ``cmkg.visualize``
page. Parsed with html.parser, no page may gain a script element or an ``on…``
event attribute beyond what the clean page has, nor a ``javascript:`` link; a real
Chromium opens each page and no dialog may appear. Served pages carry a CSP.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS

from cmkg import KnowledgeGraph
from cmkg.server import views
from cmkg.server.app import ServerSettings, create_app
from cmkg.site import _write_entities
from cmkg.visualize.views import visualize

pytestmark = pytest.mark.server

CMO = "https://w3id.org/cmkg/ontology#"
ID = "https://w3id.org/cmkg/id/"
CITY = URIRef(ID + "city/hostileville")
PRACTICE = URIRef(ID + "practice/hostile-practice")
OTHER = URIRef(ID + "practice/plain-practice")
PIECES = [
    "<script>alert(1)</script>", "</script><script>alert(2)</script>", "<img src=x onerror=alert(3)>",
    '" onmouseover="alert(4)', "' onfocus='alert(5)' autofocus='", "javascript:alert(6)", "<svg onload=alert(7)>",
    "<iframe src=javascript:alert(8)>", "]]>", "<!--", "-->", "&lt;script&gt;", "{{ 7*7 }}", "${alert(9)}", "\\u003cscript",
    "</title><script>alert(10)</script>", "<a href='javascript:alert(11)'>x</a>", "`", "\u2028",
]
HOSTILE = st.lists(st.one_of(st.sampled_from(PIECES), st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=5)), min_size=1, max_size=4).map("".join)


class _Scan(HTMLParser):
    """Scripts, event-handler attributes and javascript: links of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts = 0
        self.handlers: list[str] = []
        self.js_links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts += 1
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"{tag}.{name}")
            if name in ("href", "src", "action", "formaction", "xlink:href") and value and value.strip().lower().startswith(("javascript:", "data:text/html")):
                self.js_links.append(f"{tag}.{name}={value[:40]}")


def scan(html: str) -> _Scan:
    s = _Scan()
    s.feed(html)
    s.close()
    return s


def _kg(label: str, description: str, link: str) -> KnowledgeGraph:
    ds = Dataset(default_union=True)
    g = ds.graph(URIRef("https://w3id.org/cmkg/graph/test"))
    g.add((CITY, RDF.type, URIRef(CMO + "City")))
    g.add((CITY, RDFS.label, Literal("Hostileville " + label, lang="en")))
    for p, text in ((PRACTICE, label), (OTHER, "Plain practice")):
        g.add((p, RDF.type, URIRef(CMO + "Practice")))
        g.add((p, RDFS.label, Literal(text, lang="en")))
        g.add((p, URIRef(CMO + "implementedIn"), CITY))
    g.add((PRACTICE, DCTERMS.description, Literal(description, lang="en")))
    g.add((PRACTICE, URIRef(CMO + "inspiredBy"), OTHER))
    g.add((PRACTICE, FOAF.homepage, URIRef(link)))
    g.add((PRACTICE, RDFS.seeAlso, Literal(link)))
    return KnowledgeGraph.from_dataset(ds)


def _pages(kg: KnowledgeGraph, tmp: Path) -> dict[str, tuple[str, dict[str, str]]]:
    """The practice's page from the explorer, the static site and cmkg.visualize (html, headers)."""
    out: dict[str, tuple[str, dict[str, str]]] = {}
    with TestClient(create_app(kg, ServerSettings(timeout=10))) as client:
        r = client.get("/id/practice/hostile-practice", headers={"Accept": "text/html"})
        assert r.status_code == 200
        out["server"] = (r.text, dict(r.headers))
    _write_entities(kg, tmp / "site", [str(PRACTICE)])
    out["site"] = ((tmp / "site" / "id" / "practice" / "hostile-practice.html").read_text(encoding="utf-8"), {})
    visualize(kg, "ego", tmp / "ego.html", focus=str(PRACTICE))
    out["visualize"] = ((tmp / "ego.html").read_text(encoding="utf-8"), {})
    return out


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, _Scan]:
    """What the pages hold with harmless data: hostile data may add nothing to it."""
    pages = _pages(_kg("Plain label", "Plain description", "https://example.org/"), tmp_path_factory.mktemp("clean"))
    return {k: scan(html) for k, (html, _h) in pages.items()}


@settings(max_examples=12, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate], suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(label=HOSTILE, description=HOSTILE, link=st.sampled_from(["javascript:alert(12)", "JaVaScRiPt:alert(13)", "data:text/html,%3Cscript%3Ealert(14)%3C/script%3E", " javascript:alert(15)"[1:], "https://example.org/%22%3E%3Cscript%3E"]))
def test_hostile_data_adds_no_script_handler_or_js_link(clean: dict[str, _Scan], tmp_path_factory: pytest.TempPathFactory, label: str, description: str, link: str) -> None:
    pages = _pages(_kg(label, description, link), tmp_path_factory.mktemp("hostile"))
    for where, (html, _headers) in pages.items():
        s = scan(html)
        assert s.scripts == clean[where].scripts, where
        assert sorted(s.handlers) == sorted(clean[where].handlers), where
        assert s.js_links == [], where
    html, headers = pages["server"]
    assert "script-src" in headers.get("content-security-policy", ""), "served pages need a Content-Security-Policy"


def test_no_dialog_opens_in_a_browser(server_browser: Any, tmp_path: Path) -> None:
    kg = _kg(PIECES[0] + PIECES[2] + PIECES[3], "".join(PIECES), "javascript:alert(16)")
    pages = _pages(kg, tmp_path)
    dialogs: list[str] = []
    for where, (html, _h) in pages.items():
        path = tmp_path / f"{where}.html"
        path.write_text(html, encoding="utf-8")
        page = server_browser.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(path.as_uri())
        page.wait_for_timeout(300)
        for link in page.locator("a").all()[:40]:  # hovering fires any smuggled onmouseover
            try:
                link.hover(timeout=200)
            except Exception:  # noqa: BLE001 - hidden links cannot be hovered
                pass
        page.close()
    assert dialogs == []
    assert "alert(" in pages["server"][0]  # the hostile text is there, shown as text


def test_every_served_page_carries_a_csp(server_client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/", "/id/city/testville", "/-/query", "/-/classes", "/-/search?q=testville", "/ontology"):
        r = server_client.get(path, headers={"Accept": "text/html"})
        assert r.status_code == 200 and "default-src" in r.headers.get("content-security-policy", ""), path
