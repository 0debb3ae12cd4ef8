from __future__ import annotations

import pytest
from rdflib import Graph, Literal

from cmkg import KnowledgeGraph, ResultTable
from cmkg.engine import inspect_query
from cmkg.errors import QueryRefused, QuerySyntaxError


def test_select_ask_construct(kg: KnowledgeGraph) -> None:
    t = kg.sparql("SELECT ?c WHERE { ?c a <http://www.w3.org/2002/07/owl#Class> } LIMIT 3")
    assert isinstance(t, ResultTable) and t.columns == ("c",) and len(t) == 3
    assert kg.sparql("ASK { ?s ?p ?o }") is True
    g = kg.sparql("CONSTRUCT { ?s a ?c } WHERE { ?s a ?c } LIMIT 5")
    assert isinstance(g, Graph) and len(g) == 5


def test_bindings_are_applied(kg: KnowledgeGraph) -> None:
    text = "SELECT ?s WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
    t = kg.sparql(text, {"label": Literal("no such label, surely", lang="en")})
    assert isinstance(t, ResultTable) and len(t) == 0


def test_syntax_error_has_line_and_column(kg: KnowledgeGraph) -> None:
    with pytest.raises(QuerySyntaxError, match=r"line 2, column \d+"):
        kg.sparql("SELECT ?x WHERE {\n ?x ?y \n")


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <http://a> <http://b> <http://c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "DROP ALL",
        "CLEAR DEFAULT",
        "LOAD <http://127.0.0.1:9/x.ttl>",
        "CREATE GRAPH <http://a>",
    ],
)
def test_updates_are_refused_and_change_nothing(kg: KnowledgeGraph, update: str) -> None:
    before = kg.engine.triple_count()
    with pytest.raises(QueryRefused, match="read-only"):
        kg.sparql(update)
    assert kg.engine.triple_count() == before


def test_service_and_remote_from_are_refused(kg: KnowledgeGraph) -> None:
    with pytest.raises(QueryRefused, match="SERVICE"):
        kg.sparql("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    with pytest.raises(QueryRefused, match="FROM"):
        kg.sparql("SELECT * FROM <http://127.0.0.1:9/data.ttl> WHERE { ?s ?p ?o }")


def test_inspect_query_kinds() -> None:
    assert inspect_query("SELECT * WHERE { ?s ?p ?o }").kind == "select"
    assert inspect_query("ASK { ?s ?p ?o }").kind == "ask"
    assert inspect_query("DESCRIBE <http://a>").kind == "describe"
    assert inspect_query("CONSTRUCT WHERE { ?s ?p ?o }").kind == "construct"
