"""Against a real ``cmkg serve`` (uvicorn, subprocess): real SPARQL clients, curl-style requests, the time limit."""

from __future__ import annotations

from urllib.error import HTTPError

import httpx
import pytest
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import CSV, JSON, JSONLD, RDFXML, TURTLE, XML, SPARQLWrapper

from plugins.server import LIVE_TIMEOUT

pytestmark = pytest.mark.server

CITY = URIRef("https://w3id.org/cmkg/id/city/testville")
SELECT = "PREFIX cmo: <https://w3id.org/cmkg/ontology#> SELECT ?p WHERE { ?p cmo:implementedIn <https://w3id.org/cmkg/id/city/testville> } ORDER BY ?p"
CONSTRUCT = "CONSTRUCT { <https://w3id.org/cmkg/id/city/testville> ?p ?o } WHERE { <https://w3id.org/cmkg/id/city/testville> ?p ?o }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
PATHOLOGICAL = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def wrapper(live_server: str, fmt: str, query: str, method: str = "GET") -> SPARQLWrapper:
    w = SPARQLWrapper(live_server + "sparql")
    w.setReturnFormat(fmt)
    w.setMethod(method)
    w.setQuery(query)
    return w


def test_curl_style_turtle_on_an_entity_path(live_server: str) -> None:
    r = httpx.get(live_server + "id/city/testville", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    assert (CITY, None, None) in Graph().parse(data=r.text, format="turtle")


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("fmt", [JSON, XML, CSV])
def test_sparqlwrapper_select(live_server: str, fmt: str, method: str) -> None:
    result = wrapper(live_server, fmt, SELECT, method).query().convert()
    if fmt == JSON:
        values = [b["p"]["value"] for b in result["results"]["bindings"]]
    elif fmt == XML:
        values = [n.firstChild.data for n in result.getElementsByTagName("uri")]
    else:
        values = result.decode("utf-8").split()[1:]
    assert values == ["https://w3id.org/cmkg/id/practice/testville-mentoring", "https://w3id.org/cmkg/id/practice/testville-welcome-desk"]


@pytest.mark.parametrize("fmt", [TURTLE, RDFXML, JSONLD])
def test_sparqlwrapper_construct(live_server: str, fmt: str) -> None:
    result = wrapper(live_server, fmt, CONSTRUCT).query().convert()
    g = result if isinstance(result, Graph) else Graph().parse(data=result, format="turtle" if fmt == TURTLE else "json-ld")
    assert (CITY, None, None) in g


def test_sparqlwrapper_ask(live_server: str) -> None:
    assert wrapper(live_server, JSON, "ASK { ?s ?p ?o }").query().convert()["boolean"] is True


def test_rdflib_sparqlstore_reads_the_endpoint(live_server: str) -> None:
    g = Graph(store=SPARQLStore(live_server + "sparql", returnFormat="xml"))
    rows = list(g.query(SELECT))
    assert [str(r[0]) for r in rows][0].endswith("testville-mentoring")
    assert (CITY, None, None) in g  # triple pattern lookups go through SELECT too
    labels = set(g.objects(CITY, URIRef("http://www.w3.org/2000/01/rdf-schema#label")))
    assert [str(label) for label in labels] == ["Testville"]


def _count(live_server: str) -> int:
    doc = wrapper(live_server, JSON, COUNT).query().convert()
    return int(doc["results"]["bindings"][0]["n"]["value"])


def test_updates_from_real_clients_are_refused(live_server: str) -> None:
    before = _count(live_server)
    store = SPARQLUpdateStore(query_endpoint=live_server + "sparql", update_endpoint=live_server + "sparql")
    with pytest.raises(Exception) as err:
        store.update("INSERT DATA { <urn:x> <urn:y> <urn:z> }")
    assert "403" in str(err.value)
    w = SPARQLWrapper(live_server + "sparql")
    w.setMethod("POST")
    w.setQuery("DELETE WHERE { ?s ?p ?o }")
    with pytest.raises(HTTPError) as refused:  # SPARQLWrapper passes a 403 on as it is
        w.query()
    assert refused.value.code == 403
    assert _count(live_server) == before


def test_pathological_query_is_stopped_and_the_server_goes_on(live_server: str) -> None:
    # The client gives up at the limit plus two seconds: a server that kept
    # working past its limit would fail this test with a read timeout.
    r = httpx.get(live_server + "sparql", params={"query": PATHOLOGICAL}, timeout=LIVE_TIMEOUT + 2)
    assert r.status_code == 503
    assert r.json()["error"]["message"] == f"the query ran past the time limit of {LIVE_TIMEOUT:g} s and was stopped"
    # a client cannot raise the operator's limit
    r = httpx.get(live_server + "sparql", params={"query": PATHOLOGICAL, "timeout": "600"}, timeout=LIVE_TIMEOUT + 2)
    assert r.status_code == 503
    after = httpx.get(live_server + "sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "application/json"})
    assert after.status_code == 200 and after.json()["boolean"] is True


def test_serve_prints_its_url_and_refuses_a_taken_port(live_server: str, live_server_log) -> None:
    assert f"cmkg explorer at {live_server}" in live_server_log.read_text()
    import subprocess
    import sys

    port = live_server.rstrip("/").rsplit(":", 1)[1]
    done = subprocess.run([sys.executable, "-m", "cmkg", "serve", "--port", port], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr and "Traceback" not in done.stderr
