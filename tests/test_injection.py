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


def _masked_algebra(text: str) -> str:
    """The algebra with the data of VALUES blocks masked, so only the query's shape is compared."""
    algebra = translateQuery(parseQuery(text)).algebra

    def walk(node):  # type: ignore[no-untyped-def]
        if hasattr(node, "name") and node.name == "values":
            return "VALUES(masked)"
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
