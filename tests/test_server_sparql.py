"""The /sparql endpoint over the ASGI app: protocol, formats, read-only, refusals, limits."""

from __future__ import annotations

import csv
import io
import socket
import threading
import xml.etree.ElementTree as ET

import pytest
from rdflib import Graph

SELECT = "PREFIX cmo: <https://w3id.org/cmkg/ontology#> SELECT ?p WHERE { ?p cmo:implementedIn <https://w3id.org/cmkg/id/city/testville> } ORDER BY ?p"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(?s = <https://w3id.org/cmkg/id/city/testville>) }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
PRACTICES = ["https://w3id.org/cmkg/id/practice/testville-mentoring", "https://w3id.org/cmkg/id/practice/testville-welcome-desk"]


def count(client) -> int:
    r = client.get("/sparql", params={"query": COUNT}, headers={"Accept": "application/sparql-results+json"})
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def test_select_by_get_post_form_and_post_direct(server_client) -> None:
    accept = {"Accept": "application/sparql-results+json"}
    answers = [
        server_client.get("/sparql", params={"query": SELECT}, headers=accept),
        server_client.post("/sparql", data={"query": SELECT}, headers=accept),
        server_client.post("/sparql", content=SELECT, headers={**accept, "Content-Type": "application/sparql-query"}),
    ]
    for r in answers:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/sparql-results+json")
        assert [b["p"]["value"] for b in r.json()["results"]["bindings"]] == PRACTICES
        assert r.headers["x-cmkg-truncated"] == "false"


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [("application/sparql-results+xml", "application/sparql-results+xml"), ("text/csv", "text/csv"),
     ("text/tab-separated-values", "text/tab-separated-values"), ("application/json", "application/json"), ("*/*", "application/sparql-results+json")],
)
def test_select_formats(server_client, accept: str, media_type: str) -> None:
    r = server_client.get("/sparql", params={"query": SELECT}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == media_type
    if media_type == "text/csv":
        assert [row["p"] for row in csv.DictReader(io.StringIO(r.text))] == PRACTICES
    elif media_type == "text/tab-separated-values":
        assert r.text.splitlines()[1:] == [f"<{p}>" for p in PRACTICES]
    elif "xml" in media_type:
        ns = "{http://www.w3.org/2005/sparql-results#}"
        assert [u.text for u in ET.fromstring(r.content).iter(ns + "uri")] == PRACTICES


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")],
)
def test_construct_formats(server_client, accept: str, fmt: str) -> None:
    r = server_client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    assert len(Graph().parse(data=r.content, format=fmt)) >= 3


def test_ask_and_format_parameter(server_client) -> None:
    r = server_client.get("/sparql", params={"query": "ASK { ?s ?p ?o }", "format": "xml"})
    assert "<boolean>true</boolean>" in r.text
    r = server_client.get("/sparql", params={"query": SELECT, "format": "csv"})
    assert r.headers["content-type"].startswith("text/csv") and "attachment" in r.headers["content-disposition"]


def test_unacceptable_result_type_is_406(server_client) -> None:
    r = server_client.get("/sparql", params={"query": SELECT}, headers={"Accept": "image/png"})
    assert r.status_code == 406 and r.json()["error"]["status"] == 406


def test_service_description(server_client) -> None:
    r = server_client.get("/sparql", headers={"Accept": "text/turtle"})
    g = Graph().parse(data=r.text, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert any(str(o) == sd + "SPARQL11Query" for o in g.objects(None, None))
    browser = server_client.get("/sparql", headers={"Accept": "text/html"}, follow_redirects=False)
    assert browser.status_code == 303 and browser.headers["location"] == "/-/query"


@pytest.mark.parametrize(
    "how",
    ["INSERT DATA { <urn:a> <urn:b> <urn:c> }", "DELETE WHERE { ?s ?p ?o }", "LOAD <http://127.0.0.1:9/x.ttl>",
     "CLEAR ALL", "DROP DEFAULT", "CREATE GRAPH <urn:g>"],
)
def test_every_update_form_is_refused_and_changes_nothing(server_client, how: str) -> None:
    before = count(server_client)
    answers = [
        server_client.post("/sparql", data={"update": how}),
        server_client.post("/sparql", content=how, headers={"Content-Type": "application/sparql-update"}),
        server_client.get("/sparql", params={"update": how}),
        server_client.get("/sparql", params={"query": how}),
        server_client.post("/sparql", data={"query": how}),
    ]
    for r in answers:
        assert r.status_code == 403, r.text
        assert "read-only" in r.json()["error"]["message"]
    assert count(server_client) == before


def test_service_to_a_local_port_makes_no_request(server_client) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    connections: list[object] = []

    def watch() -> None:
        try:
            connections.append(listener.accept())
        except OSError:
            pass

    t = threading.Thread(target=watch)
    t.start()
    try:
        for q in (f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
                  f"SELECT * FROM <http://127.0.0.1:{port}/data.ttl> WHERE {{ ?s ?p ?o }}",
                  f"SELECT * FROM NAMED <http://127.0.0.1:{port}/g.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"):
            r = server_client.get("/sparql", params={"query": q})
            assert r.status_code == 403 and "refused" in r.json()["error"]["message"]
    finally:
        t.join()
        listener.close()
    assert connections == []


def test_syntax_error_names_line_and_column(server_client) -> None:
    r = server_client.get("/sparql", params={"query": "SELECT ?s WHERE {\n  ?s ?p \n"})
    assert r.status_code == 400
    assert "line" in r.json()["error"]["message"] and "column" in r.json()["error"]["message"]


def test_row_cap_is_signalled_in_header_and_body(server_client) -> None:
    r = server_client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers={"Accept": "application/sparql-results+json"})
    assert r.headers["x-cmkg-truncated"] == "true"
    doc = r.json()
    assert len(doc["results"]["bindings"]) == 40 and doc["truncated"] is True
    xml = server_client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers={"Accept": "application/sparql-results+xml"})
    assert 'link href="urn:cmkg:truncated"' in xml.text


@pytest.mark.parametrize("value", ["soon", "-1", "0"])
def test_bad_timeout_parameter_is_400(server_client, value: str) -> None:
    r = server_client.get("/sparql", params={"query": "ASK {}", "timeout": value})
    assert r.status_code == 400 and "timeout" in r.json()["error"]["message"]


def test_a_client_may_lower_the_limit(server_client) -> None:
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    r = server_client.get("/sparql", params={"query": q, "timeout": "0.5"})
    assert r.status_code == 503
    assert "0.5 s" in r.json()["error"]["message"]  # the client's limit, not the server's 5 s
    assert server_client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True


def test_an_overlong_query_is_413(server_client) -> None:
    long_query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 60_000
    # By GET the URL is too long (414, issue 9); by POST the body is (413).
    for r, status in ((server_client.get("/sparql", params={"query": long_query}), 414), (server_client.post("/sparql", data={"query": long_query}), 413)):
        assert r.status_code == status and "at most 50,000" in r.json()["error"]["message"]
