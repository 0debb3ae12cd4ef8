"""The same queries against a real Oxigraph server (published with `cmkg publish`) as locally."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef

from cmkg.catalogue import Catalogue
from cmkg.engine.remote import RemoteEngine, inject_values
from cmkg.errors import EndpointError, QueryRefused, QuerySyntaxError
from cmkg.kg import KnowledgeGraph
from cmkg.results import ResultTable

from querytools import normalised
from plugins.remote import free_port

CATALOGUE = Catalogue.load()


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_named_query_gives_the_same_rows_remotely(example_result, remote_kg, name: str) -> None:  # type: ignore[no-untyped-def]
    local = example_result(name)
    remote = remote_kg.query(name, **CATALOGUE[name].example_values())
    assert type(local) is type(remote)
    assert normalised(remote) == normalised(local)


def test_unprojected_bound_variable_behaves_as_locally(kg, remote_kg) -> None:  # type: ignore[no-untyped-def]
    # ?_city is bound but not projected, and used only in a FILTER
    q = CATALOGUE["practices-in-city"]
    assert "?_city" not in q.text.split("WHERE")[0]
    for city in ("Toronto", "toronto", "Nowhere"):
        assert normalised(remote_kg.query("practices-in-city", city=city)) == normalised(kg.query("practices-in-city", city=city))


def test_ask_construct_and_describe_remotely(remote_kg) -> None:  # type: ignore[no-untyped-def]
    assert remote_kg.sparql("ASK { ?s a <https://w3id.org/cmkg/ontology#City> }") is True
    g = remote_kg.sparql("CONSTRUCT WHERE { <https://w3id.org/cmkg/id/city/toronto> ?p ?o }")
    assert isinstance(g, Graph) and len(g) > 3
    d = remote_kg.sparql("DESCRIBE <https://w3id.org/cmkg/id/city/toronto>")
    assert isinstance(d, Graph) and len(d) > 0


def test_short_construct_with_bindings(kg, remote_kg) -> None:  # type: ignore[no-untyped-def]
    text = "CONSTRUCT WHERE { ?_s <http://www.w3.org/2000/01/rdf-schema#label> ?o }"
    b = {"_s": URIRef("https://w3id.org/cmkg/id/city/toronto")}
    assert normalised(remote_kg.sparql(text, b)) == normalised(kg.sparql(text, b))


def test_syntax_error_names_line_and_column(remote_kg) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QuerySyntaxError, match=r"line 2, column \d+"):
        remote_kg.sparql("SELECT ?s\nWHERE { ?s ?p }")


def test_update_is_refused_remotely(remote_kg) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QueryRefused):
        remote_kg.sparql("DROP ALL")
    assert remote_kg.sparql("ASK { ?s ?p ?o }") is True


def test_unreachable_endpoint_is_one_sentence() -> None:
    kg = KnowledgeGraph.remote(f"http://127.0.0.1:{free_port()}/query", timeout=5)
    with pytest.raises(EndpointError, match="cannot reach the endpoint") as err:
        kg.sparql("ASK { ?s ?p ?o }")
    assert "\n" not in str(err.value)


def test_endpoint_answering_with_an_error(oxigraph_server) -> None:  # type: ignore[no-untyped-def]
    kg = KnowledgeGraph.remote(oxigraph_server.base + "/no-such-service", timeout=5)
    with pytest.raises(EndpointError, match="answered"):
        kg.sparql("ASK { ?s ?p ?o }")


def test_timeout_is_always_set() -> None:
    with pytest.raises(EndpointError):
        RemoteEngine("http://127.0.0.1:1/query", timeout=0)
    assert RemoteEngine("http://127.0.0.1:1/query").timeout > 0


@pytest.mark.parametrize(
    "text, where",
    [
        ("SELECT ?x WHERE { ?x ?p ?_v }", "WHERE { VALUES"),
        ("SELECT ?x { ?x ?p ?_v }", "?x { VALUES"),
        ("# a { comment\nSELECT ?x WHERE { ?x ?p '}' . ?x ?q ?_v }", "WHERE { VALUES"),
        ("SELECT (COUNT(*) AS ?n) WHERE { ?x ?p ?_v }", "WHERE { VALUES"),
        ("CONSTRUCT { ?x ?p ?_v } WHERE { ?x ?p ?_v }", "WHERE { VALUES"),
        ("ASK { ?x ?p ?_v FILTER(1 < 2 && 3 > 2) }", "ASK { VALUES"),
    ],
)
def test_values_block_opens_the_outermost_group(text: str, where: str) -> None:
    out = inject_values(text, {"_v": Literal("a")})
    assert where in out
    assert out.count("VALUES") == 1


def test_a_silent_endpoint_times_out() -> None:
    import socket

    from cmkg.errors import QueryTimeout

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)  # accepts the connection, never answers
        port = server.getsockname()[1]
        kg = KnowledgeGraph.remote(f"http://127.0.0.1:{port}/query", timeout=1)
        with pytest.raises(QueryTimeout, match="did not answer within 1 seconds"):
            kg.sparql("ASK { ?s ?p ?o }")


def test_endpoint_rejecting_a_query_is_one_sentence(remote_kg) -> None:  # type: ignore[no-untyped-def]
    # rdflib parses this; Oxigraph refuses a BIND to a variable already in scope, with HTTP 400.
    with pytest.raises((QuerySyntaxError, EndpointError)) as err:
        remote_kg.sparql("SELECT * WHERE { ?s ?p ?o BIND(1 AS ?s) }")
    assert "\n" not in str(err.value) and str(oxigraph_url(remote_kg)) in str(err.value)


def oxigraph_url(kg: KnowledgeGraph) -> str:
    return kg.engine.url  # type: ignore[attr-defined]


def test_describe_of_a_bound_variable(kg, remote_kg) -> None:  # type: ignore[no-untyped-def]
    b = {"_x": URIRef("https://w3id.org/cmkg/id/city/toronto")}
    local, remote = kg.sparql("DESCRIBE ?_x", b), remote_kg.sparql("DESCRIBE ?_x", b)
    assert isinstance(remote, Graph) and len(remote) > 3
    assert {str(s) for s in remote.subjects()} >= {"https://w3id.org/cmkg/id/city/toronto"}
    assert isinstance(local, Graph) and len(local) > 3
