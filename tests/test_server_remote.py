"""The explorer fronting a remote SPARQL store (a real Oxigraph server), as ``cmkg serve --endpoint`` does."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from rdflib import Graph, URIRef

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def remote_client(request: pytest.FixtureRequest) -> Any:
    try:
        remote_kg = request.getfixturevalue("remote_kg")  # the real Oxigraph server of tests/plugins/remote.py
    except pytest.FixtureLookupError:
        pytest.skip("the remote query layer (tests/plugins/remote.py: remote_kg) is not in this tree yet")
    from cmkg.server import ServerSettings, create_app

    with TestClient(create_app(remote_kg, ServerSettings(timeout=10, max_rows=20)), raise_server_exceptions=False) as client:
        yield client


def test_entity_pages_and_rdf_come_from_the_remote_store(remote_client: Any) -> None:
    html = remote_client.get("/id/city/toronto", headers={"Accept": "text/html"})
    assert html.status_code == 200 and "<h1>Toronto</h1>" in html.text
    assert 'href="/id/organisation/maytree-foundation"' in html.text  # an incoming link, with its label
    ttl = remote_client.get("/id/city/toronto.ttl")
    g = Graph().parse(data=ttl.text, format="turtle")
    assert (URIRef("https://w3id.org/cmkg/id/city/toronto"), None, None) in g
    assert remote_client.get("/id/city/atlantis", headers={"Accept": "text/turtle"}).status_code == 404


def test_sparql_named_queries_and_limits_through_the_remote_store(remote_client: Any) -> None:
    r = remote_client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 20 and r.headers["x-cmkg-truncated"] == "true"
    r = remote_client.get("/api/queries/practices-in-city", params={"city": "Toronto"})
    assert r.status_code == 200 and r.json()["results"]["bindings"]
    assert remote_client.post("/sparql", data={"update": "CLEAR ALL"}).status_code == 403
    for page in ("/", "/-/classes/cmo-City", "/ontology", "/.well-known/void", "/-/search?q=toronto"):
        assert remote_client.get(page, headers={"Accept": "text/html"}).status_code == 200, page
