"""Entity pages and content negotiation, index pages, errors, escaping and the security headers."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

CITY = "/id/city/testville"
CITY_IRI = URIRef("https://w3id.org/cmkg/id/city/testville")
HOSTILE = "/id/practice/testville-welcome-desk"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.handlers: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append(dict(attrs))
        self.handlers += [name for name, _ in attrs if name.startswith("on")]
        self.hrefs += [v for k, v in attrs if k in ("href", "src") and v]


def parse(html: str) -> _Scripts:
    p = _Scripts()
    p.feed(html)
    return p


@pytest.mark.parametrize(
    ("accept", "media_type", "rdf_format"),
    [
        (BROWSER, "text/html", None),
        ("text/turtle", "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/rdf+xml;q=0.5, text/turtle;q=0.9", "text/turtle", "turtle"),
        ("text/*", "text/html", None),
        ("application/*", "application/ld+json", "json-ld"),
        ("*/*", "text/html", None),
    ],
)
def test_entity_by_accept(server_client, accept: str, media_type: str, rdf_format: str | None) -> None:
    r = server_client.get(CITY, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media_type
    assert "Accept" in r.headers["vary"]
    if rdf_format:
        g = Graph().parse(data=r.content, format=rdf_format)
        assert (CITY_IRI, RDF.type, URIRef("https://w3id.org/cmkg/ontology#City")) in g
        # the links to it come along, so a client can follow them both ways
        assert (URIRef("https://w3id.org/cmkg/id/practice/testville-mentoring"), None, CITY_IRI) in g
    else:
        assert "<h1>Testville</h1>" in r.text


@pytest.mark.parametrize(
    ("suffix", "media_type"),
    [(".ttl", "text/turtle"), (".nt", "application/n-triples"), (".jsonld", "application/ld+json"),
     (".rdf", "application/rdf+xml"), (".html", "text/html")],
)
def test_entity_by_suffix_beats_accept(server_client, suffix: str, media_type: str) -> None:
    r = server_client.get(CITY + suffix, headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media_type


def test_unknown_resource_is_404_in_the_error_shape(server_client) -> None:
    r = server_client.get("/id/city/atlantis", headers={"Accept": "text/turtle"})
    assert r.status_code == 404
    assert r.json() == {"error": {"status": 404, "message": "the graph has nothing about <https://w3id.org/cmkg/id/city/atlantis>"}}


def test_unsupported_type_is_406(server_client) -> None:
    r = server_client.get(CITY, headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert r.json()["error"]["status"] == 406
    assert server_client.get(CITY + ".png").status_code in (404, 406)


def test_errors_are_html_for_browsers_and_never_leak_internals(server_client) -> None:
    r = server_client.get("/id/city/atlantis", headers={"Accept": BROWSER})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "atlantis" in r.text
    for path in ("/nowhere", "/id/city/Bad%20Slug", "/-/classes/nope-Thing", "/api/queries/nope"):
        r = server_client.get(path)
        assert r.status_code == 404, path
        body = r.json()
        assert set(body) == {"error"} and body["error"]["status"] == 404
        assert "Traceback" not in r.text and ".py" not in r.text and "/work" not in r.text


def test_entity_page_shows_label_types_links_sources_and_figures(server_client) -> None:
    html = server_client.get(CITY, headers={"Accept": BROWSER}).text
    assert "Testville Mentoring" in html  # incoming link, with its label
    assert 'href="/id/practice/testville-mentoring"' in html
    assert "Foreign-born share of Testville" in html and "42.5" in html  # a figure
    assert 'href="/-/classes/cmo-City"' in html  # its type, linking to the class index
    assert 'rel="alternate" type="text/turtle" href="/id/city/testville.ttl"' in html
    link = server_client.get(CITY, headers={"Accept": BROWSER}).headers["link"]
    assert '</id/city/testville.ttl>; rel="alternate"; type="text/turtle"' in link
    data = json.loads(html.split('id="ego-data">', 1)[1].split("</script>", 1)[0])
    assert {n["id"] for n in data["nodes"]} >= {str(CITY_IRI), "https://w3id.org/cmkg/id/practice/testville-mentoring"}


@pytest.mark.parametrize(
    "path",
    ["/", CITY, HOSTILE, "/id/practice/testville-mentoring", "/-/classes", "/-/classes/cmo-Practice",
     "/-/classes/cmo-City", "/-/search?q=testville", "/-/search?q=%3Cscript%3E", "/-/query", "/-/api", "/ontology",
     "/-/dataset", "/-/schemes", "/id/policy-area/settlement-and-welcome"],
)
def test_pages_escape_data_and_carry_no_inline_script(server_client, path: str) -> None:
    r = server_client.get(path, headers={"Accept": BROWSER})
    assert r.status_code == 200
    html = r.text
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold</b>" not in html
    page = parse(html)
    assert page.handlers == []  # no onerror=, onclick= … from the data
    for script in page.scripts:  # only our files, or JSON data blocks
        assert script.get("src", "").startswith("/-/static/") or script.get("type") == "application/json", script
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"


def test_hostile_labels_are_shown_as_text(server_client) -> None:
    html = server_client.get(HOSTILE, headers={"Accept": BROWSER}).text
    assert "Testville &lt;script&gt;alert(1)&lt;/script&gt; Welcome Desk" in html
    # inside the JSON data block, < is escaped too, so the block cannot be closed early
    block = html.split('id="ego-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and "alert(1)" in json.loads(block)["nodes"][0]["label"]


def test_home_page_tells_a_newcomer_what_is_here(server_client) -> None:
    html = server_client.get("/").text
    for link in ('href="/-/classes/cmo-City"', 'href="/-/query"', 'href="/sparql"', 'href="/ontology"',
                 'href="/dumps/cmkg.ttl"', 'href="/.well-known/void"', 'action="/-/search"'):
        assert link in html, link


def test_class_and_search_pages_lead_to_a_city(server_client) -> None:
    html = server_client.get("/-/classes/cmo-City").text
    assert f'href="{CITY}"' in html
    html = server_client.get("/-/search", params={"q": "TESTVILLE"}).text
    assert f'href="{CITY}"' in html and 'href="/id/practice/testville-mentoring"' in html


def test_concept_scheme_page_lists_its_concepts(server_client) -> None:
    html = server_client.get("/id/scheme/policy-areas", headers={"Accept": BROWSER}).text
    assert "Concepts in this scheme" in html and 'href="/id/policy-area/settlement-and-welcome"' in html


def test_ontology_docs_and_rdf_at_its_namespace(server_client, kg) -> None:
    html = server_client.get("/ontology", headers={"Accept": BROWSER}).text
    assert 'id="Practice"' in html and 'id="implementedIn"' in html
    r = server_client.get("/ontology", headers={"Accept": "text/turtle"})
    assert r.headers["content-type"].startswith("text/turtle") and "Accept" in r.headers["vary"]
    g = Graph().parse(data=r.text, format="turtle")
    assert (URIRef("https://w3id.org/cmkg/ontology"), RDF.type, OWL.Ontology) in g
    assert (URIRef("https://w3id.org/cmkg/ontology#Practice"), RDF.type, OWL.Class) in g
    assert server_client.get("/ontology.jsonld").headers["content-type"].startswith("application/ld+json")


def test_vis_network_comes_from_the_installed_pyvis(server_client) -> None:
    r = server_client.get("/-/static/vendor/vis-network.min.js")
    assert r.status_code == 200 and "vis" in r.text[:5000]
    assert server_client.get("/-/static/ego.js").status_code == 200


def test_head_answers_like_get_without_a_body(server_client) -> None:
    r = server_client.head(CITY, headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle") and r.content == b""
    assert server_client.head("/id/city/atlantis").status_code == 404


def test_other_sites_may_read_the_data(server_client) -> None:
    r = server_client.get(CITY, headers={"Accept": "text/turtle", "Origin": "https://example.org"})
    assert r.headers["access-control-allow-origin"] == "*"
