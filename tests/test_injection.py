"""Parameter values cannot change a query: the algebra stays the same and no extra rows appear."""

from __future__ import annotations

import pyoxigraph
import pytest
from hypothesis import given, settings, strategies as st
from rdflib import Literal
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery

from cmkg.catalogue import Catalogue
from cmkg.engine.remote import inject_values, sparql_term
from cmkg.errors import QueryParameterError

from querytools import normalised

PAYLOADS = ['"} ; DROP ALL #', "\\u0022", "> <", "Toronto\n} UNION { ?s ?p ?o", "x" * 100_000, "'''", "\\", 'Toronto" || "1" = "1']
CATALOGUE = Catalogue.load()
LITERAL_QUERIES = sorted(n for n, q in CATALOGUE.items() if any(p.type == "literal" for p in q.params))


def _masked_algebra(text: str, literals: bool = False) -> str:
    """The algebra with the data of VALUES blocks (and, with ``literals``, every literal) masked,
    so only the query's shape is compared (``\\uXXXX`` in a payload is read as an escape by
    SPARQL's first pass, so a parsed value need not equal its payload)."""
    algebra = translateQuery(parseQuery(text)).algebra

    def walk(node):  # type: ignore[no-untyped-def]
        if hasattr(node, "name") and node.name == "values":
            return "VALUES(masked)"
        if literals and isinstance(node, Literal):
            return "LITERAL"
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items() if not k.startswith("_")}
        if isinstance(node, (list, tuple)):
            return [walk(v) for v in node]
        return repr(node)

    return repr(walk(algebra))


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_remote_text_keeps_the_algebra(payload: str) -> None:
    q = CATALOGUE["practices-in-city"]
    benign = inject_values(q.text, q.bindings({"city": "Toronto"}))
    hostile = inject_values(q.text, q.bindings({"city": payload}))
    assert _masked_algebra(hostile) == _masked_algebra(benign)


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_value_round_trips_through_a_real_sparql_parser(payload: str) -> None:
    store = pyoxigraph.Store()
    (row,) = list(store.query(f"SELECT ?x WHERE {{ VALUES (?x) {{ ({sparql_term(Literal(payload))}) }} }}"))
    assert row["x"].value == payload


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_round_trips(text: str) -> None:
    store = pyoxigraph.Store()
    rows = list(store.query(f"SELECT ?x WHERE {{ VALUES (?x) {{ ({sparql_term(Literal(text))}) }} }}"))
    assert len(rows) == 1 and rows[0]["x"].value == text


@pytest.mark.parametrize("name", LITERAL_QUERIES)
@pytest.mark.parametrize("payload", [PAYLOADS[0], PAYLOADS[3]], ids=["quote-brace", "newline-union"])
def test_hostile_values_return_no_extra_rows(kg, remote_kg, name: str, payload: str) -> None:  # type: ignore[no-untyped-def]
    q = CATALOGUE[name]
    params = q.example_values()
    for p in q.params:
        if p.type == "literal":
            params[p.name] = payload
    local = kg.query(name, **params)  # initBindings: the value never enters the text
    if isinstance(local, bool):
        assert local is False
    else:
        assert len(local) == 0, f"{name} returned rows for {payload!r}"
    assert normalised(remote_kg.query(name, **params)) == normalised(local)


@pytest.mark.parametrize("iri", ["https://x/y> <z", "https://x/{y}", "not an iri", "https://x/ y", 'https://x/"'])
def test_bad_iris_are_refused(kg, iri: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QueryParameterError, match="not an absolute IRI"):
        kg.query("describe-resource", resource=iri)


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_every_payload_on_both_paths(kg, remote_kg, payload: str) -> None:  # type: ignore[no-untyped-def]
    local = kg.query("practices-in-city", city=payload)
    assert len(local) == 0
    assert normalised(remote_kg.query("practices-in-city", city=payload)) == normalised(local)


# --- substitution: a value written in place of its variable (engine/binding.py) -------------

@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_substituted_text_keeps_the_algebra(payload: str) -> None:
    from cmkg.engine.binding import bind_parameters

    for name in LITERAL_QUERIES:
        q = CATALOGUE[name]
        p = next(p for p in q.params if p.type == "literal")
        var = "_" + p.name
        harmless = bind_parameters(q.text, {var: Literal("x")})
        evil = bind_parameters(q.text, {var: Literal(payload)})
        assert _masked_algebra(evil, literals=True) == _masked_algebra(harmless, literals=True), name


@pytest.mark.parametrize(
    "query, written",
    [
        ('SELECT ?s WHERE { ?s ?p ?o . FILTER(STR(?o) = ?_x) }', True),
        ('SELECT ?s WHERE { ?s ?p ?o . { ?o ?q ?_x } }', True),  # a triple pattern in a nested group
        ('SELECT ?s WHERE { ?s ?p ?o . { FILTER(STR(?o) = ?_x) } }', False),  # out of scope there
        ('SELECT ?s WHERE { ?s ?p ?_x FILTER NOT EXISTS { ?s ?q ?_x } }', True),
        ('SELECT ?s WHERE { ?s ?p ?o } GROUP BY ?s HAVING (COUNT(?o) > ?_x)', True),
        ('SELECT ?s ?_x WHERE { ?s ?p ?_x }', False),  # projected
        ('SELECT * WHERE { ?s ?p ?_x }', False),  # SELECT * would lose the column
        ('SELECT ?s WHERE { ?s ?p ?o BIND(?o AS ?_x) }', False),  # assigned
        ('SELECT ?s WHERE { VALUES ?_x { "a" } ?s ?p ?_x }', False),  # a VALUES header
        ('SELECT ?s WHERE { ?s ?p ?_x } ORDER BY ?_x', False),
        ('SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?_x } } }', False),  # a subquery's own scope
        ('CONSTRUCT { ?s ?p ?_x } WHERE { ?s ?p ?_x }', False),  # the template
    ],
)
def test_substitution_only_where_a_constant_may_stand(query: str, written: bool) -> None:
    from cmkg.engine.binding import substitute

    text, left = substitute(query, {"_x": Literal("zz")})
    assert (left == {}) is written
    assert ('"zz"' in text) is written
    parseQuery(text)


def test_substitution_leaves_strings_iris_and_comments_alone() -> None:
    from cmkg.engine.binding import substitute

    query = 'SELECT ?s WHERE {\n # ?_x in a comment\n ?s <http://e/?_x> "?_x" ; ?p ?_x }'
    text, left = substitute(query, {"_x": Literal("a")})
    assert left == {}
    assert text == 'SELECT ?s WHERE {\n # ?_x in a comment\n ?s <http://e/?_x> "?_x" ; ?p "a" }'
