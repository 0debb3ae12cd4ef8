"""The memory engine's filter push-down (cmkg.engine.rdflib_plan) moves filters, never changes answers."""

from __future__ import annotations

import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.plugins.sparql import prepareQuery

from cmkg.engine.rdflib_plan import push_filters

EX = "urn:ex:"
DATA = """
@prefix : <urn:ex:> .
:a a :T ; :label "Alpha"@en ; :n 1 ; :next :b .
:b a :T ; :label "Beta"@en ; :n 2 ; :next :c .
:c a :U ; :label "Gamma"@en ; :n 3 .
:d a :T ; :label "alpha" ; :n 4 .
"""

QUERIES = [
    # a parameter filter in the outermost group, the rest joined after it
    "SELECT ?x ?n WHERE { ?x a <urn:ex:T> ; <urn:ex:label> ?l . FILTER(LCASE(STR(?l)) = LCASE(STR(?_name))) ?x <urn:ex:n> ?n }",
    # a filter on a variable that an OPTIONAL binds: must stay where it is
    "SELECT ?x ?y WHERE { ?x a <urn:ex:T> . OPTIONAL { ?x <urn:ex:next> ?y } FILTER(!BOUND(?y)) }",
    # a filter on a BIND's variable: must stay above the BIND
    "SELECT ?x ?m WHERE { ?x <urn:ex:n> ?n . BIND(?n * 2 AS ?m) FILTER(?m > 2) OPTIONAL { ?x <urn:ex:next> ?z } }",
    # EXISTS in a filter: left alone
    "SELECT ?x WHERE { ?x a ?t . FILTER(EXISTS { ?x <urn:ex:next> ?y }) OPTIONAL { ?x <urn:ex:label> ?l } }",
    # two conjuncts, one pushable
    "SELECT ?x ?y WHERE { ?x <urn:ex:n> ?n . OPTIONAL { ?x <urn:ex:next> ?y } FILTER(?n < 3 && !BOUND(?y)) }",
    # an outer variable is out of scope in a nested group's filter (W3C bind10)
    "SELECT ?x ?n ?z WHERE { BIND(2 AS ?z) { ?x <urn:ex:n> ?n . FILTER(?n = ?z) } }",
    # a filter on a variable bound by a later triple block and a union
    "SELECT ?x ?v WHERE { ?x a <urn:ex:T> . { ?x <urn:ex:n> ?v } UNION { ?x <urn:ex:label> ?v } FILTER(isLiteral(?v) && ?x != <urn:ex:d>) }",
]


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    ds = Dataset(default_union=True)
    ds.graph(URIRef(EX + "g")).parse(data=DATA, format="turtle")
    return ds


def _rows(ds: Dataset, text: str, push: bool) -> list:
    q = prepareQuery(text)
    if push:
        q.algebra = push_filters(q.algebra)
    return sorted(map(tuple, ds.query(q, initBindings={"_name": Literal("ALPHA")})), key=repr)


@pytest.mark.parametrize("text", QUERIES)
def test_answers_unchanged(dataset: Dataset, text: str) -> None:
    assert _rows(dataset, text, push=True) == _rows(dataset, text, push=False)


def test_parameter_filter_moves_below_the_join() -> None:
    q = prepareQuery(QUERIES[0])
    assert q.algebra.p.p.name == "Filter"
    plan = push_filters(q.algebra)
    # the filter now sits on the name lookup, the rest is joined to what it keeps
    assert plan.p.p.name == "Join" and plan.p.p.p1.name == "Filter"
    assert plan.p.p.p1.p.name == "BGP"


def test_optional_variable_filter_stays_on_top() -> None:
    plan = push_filters(prepareQuery(QUERIES[1]).algebra)
    assert plan.p.p.name == "Filter" and plan.p.p.p.name == "LeftJoin"


def test_first_query_finds_both_spellings(dataset: Dataset) -> None:
    assert {str(r[0]) for r in _rows(dataset, QUERIES[0], push=True)} == {EX + "a", EX + "d"}


def test_blank_node_pattern_is_not_split(dataset: Dataset) -> None:
    text = "SELECT ?x WHERE { ?x <urn:ex:next> [ <urn:ex:label> ?l ] . FILTER(STR(?l) = 'Beta') ?x <urn:ex:n> ?n }"
    assert _rows(dataset, text, push=True) == _rows(dataset, text, push=False) == [(URIRef(EX + "a"),)]


def test_outer_variable_stays_out_of_scope(dataset: Dataset) -> None:
    text = "SELECT ?x ?n ?z WHERE { BIND(2 AS ?z) { ?x <urn:ex:n> ?n . FILTER(?n = ?z) ?x <urn:ex:label> ?l } }"
    assert _rows(dataset, text, push=True) == []
