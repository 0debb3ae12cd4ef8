"""Named queries as an HTTP API, its OpenAPI description, the VoID/DCAT description and the dumps."""

from __future__ import annotations

import csv
import io

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCAT, RDF

from cmkg.void import DATASET, VOID


def test_list_of_queries(server_client, kg) -> None:
    body = server_client.get("/api/queries").json()
    names = [q["name"] for q in body["queries"]]
    assert names == sorted(kg.catalogue)
    city = next(q for q in body["queries"] if q["name"] == "practices-in-city")
    assert city["params"][0]["name"] == "city" and city["url"] == "/api/queries/practices-in-city"


def test_named_query_as_json_and_csv(server_client) -> None:
    r = server_client.get("/api/queries/practices-in-city", params={"city": "testville"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/sparql-results+json")
    labels = [b["label"]["value"] for b in r.json()["results"]["bindings"]]
    assert "Testville Mentoring" in labels
    for how in ({"url": "/api/queries/practices-in-city.csv", "headers": {}},
                {"url": "/api/queries/practices-in-city", "headers": {"Accept": "text/csv"}}):
        r = server_client.get(how["url"], params={"city": "Testville"}, headers=how["headers"])
        assert r.headers["content-type"].startswith("text/csv")
        assert "Testville Mentoring" in [row["label"] for row in csv.DictReader(io.StringIO(r.text))]


def test_parameter_values_are_bound_not_pasted(server_client) -> None:
    r = server_client.get("/api/queries/practices-in-city", params={"city": 'x") } ; DROP ALL ; SELECT * { ("'})
    assert r.status_code == 200 and r.json()["results"]["bindings"] == []


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [({}, 400, "needs parameter 'city'"), ({"city": "x", "town": "y"}, 400, "no parameter 'town'")],
)
def test_parameter_errors(server_client, params: dict[str, str], status: int, words: str) -> None:
    r = server_client.get("/api/queries/practices-in-city", params=params)
    assert r.status_code == status and words in r.json()["error"]["message"]


def test_unknown_query_suggests_a_name(server_client) -> None:
    r = server_client.get("/api/queries/practices-in-cty")
    assert r.status_code == 404 and "practices-in-city" in r.json()["error"]["message"]


def test_openapi_describes_every_query(server_client, kg) -> None:
    doc = server_client.get("/api/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    for name, q in kg.catalogue.items():
        op = doc["paths"][f"/api/queries/{name}"]["get"]
        assert op["summary"] == q.summary
        assert {p["name"] for p in op["parameters"]} == {p.name for p in q.params} | {"timeout"}
    assert "text/csv" in doc["paths"]["/api/queries/practices-in-city"]["get"]["responses"]["200"]["content"]


def test_void_describes_the_dataset(server_client, server_kg) -> None:
    r = server_client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and "Accept" in r.headers["vary"]
    g = Graph().parse(data=r.text, format="turtle")
    assert (DATASET, RDF.type, VOID.Dataset) in g and (DATASET, RDF.type, DCAT.Dataset) in g
    assert g.value(DATASET, VOID.triples) == Literal(server_kg.engine.triple_count())
    assert (DATASET, VOID.sparqlEndpoint, URIRef("http://testserver/sparql")) in g
    assert (DATASET, VOID.dataDump, URIRef("http://testserver/dumps/cmkg.nq")) in g
    classes = {g.value(p, VOID["class"]) for p in g.objects(DATASET, VOID.classPartition)}
    assert URIRef("https://w3id.org/cmkg/ontology#City") in classes
    assert len(list(g.objects(DATASET, VOID.propertyPartition))) > 10
    assert URIRef("https://w3id.org/cmkg/ontology#") in set(g.objects(DATASET, VOID.vocabulary))
    assert list(g.objects(DATASET, VOID.exampleResource))
    assert server_client.get("/.well-known/void", headers={"Accept": "text/html"}).text.count("cmkg.trig") >= 1


def test_dumps_download_and_keep_named_graphs(server_client, server_kg) -> None:
    r = server_client.get("/dumps/cmkg.nq")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/n-quads")
    ds = Dataset()
    ds.parse(data=r.content, format="nquads")
    graphs = {str(g.identifier) for g in ds.graphs()}
    assert "https://w3id.org/cmkg/graph/ontology/cmo" in graphs
    assert len(Graph().parse(data=server_client.get("/dumps/cmkg.ttl").content, format="turtle")) == server_kg.engine.triple_count()
    assert server_client.get("/dumps/cmkg.zip").status_code == 404
