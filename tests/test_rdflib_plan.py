"""The memory engine's filter push-down (cmkg.engine.rdflib_plan) moves filters, never changes answers."""

from __future__ import annotations

import pytest
from rdflib import Dataset, Literal, URIRef, Variable
from rdflib.plugins.sparql import prepareQuery

from cmkg.engine.rdflib_plan import push_filters

EX = "urn:ex:"
DATA = """
@prefix : <urn:ex:> .
:a a :T ; :label "Alpha"@en ; :n 1 ; :next :b .
:b a :T ; :label "Beta"@en ; :n 2 ; :next :c .
:c a :U ; :label "Gamma"@en ; :n 3 .
:d a :T ; :label "alpha" ; :n 4 .
:e :note "urn:ex:a literal", "urn:ex:tagged"@en ; :link [ :label "blank" ] ; :next :e .
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
    # a nested group evaluated once per outer solution: its triples reordered and split
    "SELECT ?x ?y WHERE { ?x <urn:ex:label> ?l . FILTER(LCASE(STR(?l)) = LCASE(STR(?_name))) { ?y a <urn:ex:T> . ?x <urn:ex:next>+ ?y } }",
    # the same inside an OPTIONAL, and a blank node in the group
    "SELECT ?x ?y ?m WHERE { ?x a <urn:ex:T> OPTIONAL { ?y a <urn:ex:T> . ?x <urn:ex:next> ?y . ?y <urn:ex:n> ?m } }",
    "SELECT ?x ?l WHERE { ?x a <urn:ex:T> { [] <urn:ex:next> ?x ; <urn:ex:label> ?l } }",
    # joins made lazy inside an EXISTS, with a BIND in a union branch reading a variable bound outside it
    "SELECT ?x ?e WHERE { ?x a <urn:ex:T> . BIND(EXISTS { ?x <urn:ex:next> ?y . "
    "{ ?y a <urn:ex:T> . BIND(?y AS ?z) } UNION { ?y a <urn:ex:U> . BIND(?y AS ?z) } FILTER(!BOUND(?z)) } AS ?e) }",
    # a union joined after a join: lazy, with BINDs of constants and of the branch's own variables
    "SELECT ?x ?k WHERE { ?x a ?t . ?x <urn:ex:n> ?n . { ?x <urn:ex:next> ?y BIND(?y AS ?k) } UNION { BIND('none' AS ?k) } }",
    # every node, read from the store, with the kind and prefix tests folded in (and one that is not)
    "SELECT DISTINCT ?r WHERE { { ?r ?p ?o } UNION { ?s ?p ?r } }",
    "SELECT ?r WHERE { { { SELECT DISTINCT ?r WHERE { { ?r ?p ?o } UNION { ?s ?p ?r } } } FILTER(isIRI(?r)) }"
    " FILTER(STRSTARTS(STR(?r), 'urn:ex:a')) }",
    "SELECT ?r WHERE { { SELECT DISTINCT ?r WHERE { ?s ?p ?r } } FILTER(STRSTARTS(STR(?r), 'urn:ex:a') && isLiteral(?r)) }",
    "SELECT ?r WHERE { { SELECT DISTINCT ?r WHERE { ?s ?p ?r } } FILTER(isBlank(?r) || STRSTARTS(STR(?r), 'urn:ex:t'@en)) }",
    "SELECT ?r WHERE { { SELECT DISTINCT ?r WHERE { ?s ?p ?r } } FILTER(isBlank(?r)) }",
    # bound from outside (a parameter, a lazy join): the original pattern answers
    "SELECT ?r WHERE { BIND(?_name AS ?r) { SELECT DISTINCT ?r WHERE { ?r ?p ?o } } }",
    "SELECT ?x ?c WHERE { ?x a <urn:ex:T> . { SELECT DISTINCT ?x WHERE { ?s ?p ?x } } ?x <urn:ex:n> ?c }",
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


def _kind(node) -> str:  # type: ignore[no-untyped-def]
    """The algebra operator a node is, whether rdflib's or the memory engine's own evaluation of it."""
    return {"CmkgFilter": "Filter", "CmkgOptional": "LeftJoin", "CmkgExtend": "Extend"}.get(node.name, node.name)


def test_parameter_filter_moves_below_the_join() -> None:
    q = prepareQuery(QUERIES[0])
    assert q.algebra.p.p.name == "Filter"
    plan = push_filters(q.algebra)
    # the filter now sits on the name lookup, the rest is joined to what it keeps
    assert plan.p.p.name == "Join" and _kind(plan.p.p.p1) == "Filter"
    assert plan.p.p.p1.p.name == "BGP"


def test_optional_variable_filter_stays_on_top() -> None:
    plan = push_filters(prepareQuery(QUERIES[1]).algebra)
    assert _kind(plan.p.p) == "Filter" and _kind(plan.p.p.p) == "LeftJoin"


def test_first_query_finds_both_spellings(dataset: Dataset) -> None:
    assert {str(r[0]) for r in _rows(dataset, QUERIES[0], push=True)} == {EX + "a", EX + "d"}


def test_blank_node_pattern_is_not_split(dataset: Dataset) -> None:
    text = "SELECT ?x WHERE { ?x <urn:ex:next> [ <urn:ex:label> ?l ] . FILTER(STR(?l) = 'Beta') ?x <urn:ex:n> ?n }"
    assert _rows(dataset, text, push=True) == _rows(dataset, text, push=False) == [(URIRef(EX + "a"),)]


def test_outer_variable_stays_out_of_scope(dataset: Dataset) -> None:
    text = "SELECT ?x ?n ?z WHERE { BIND(2 AS ?z) { ?x <urn:ex:n> ?n . FILTER(?n = ?z) ?x <urn:ex:label> ?l } }"
    assert _rows(dataset, text, push=True) == []


def _bgps(node) -> list:  # type: ignore[no-untyped-def]
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        if node.name == "BGP":
            return [list(node.triples)]
        return [b for k, v in node.items() if k != "_vars" for b in _bgps(v)]
    if isinstance(node, list):
        return [b for n in node for b in _bgps(n)]
    return []


def test_group_after_a_lookup_starts_from_what_is_bound() -> None:
    # rdflib alone starts the nested group from every ?y of type T, then walks the path from
    # each; evaluated once per ?x, the path from the bound ?x comes first
    order = [t for b in _bgps(push_filters(prepareQuery(QUERIES[7]).algebra)) for t in b]
    path_at = next(i for i, t in enumerate(order) if not isinstance(t[1], URIRef))
    type_at = next(i for i, t in enumerate(order) if t[2] == URIRef(EX + "T"))
    assert path_at < type_at
    unplanned = [t for b in _bgps(prepareQuery(QUERIES[7]).algebra) for t in b]
    assert unplanned.index(order[type_at]) < unplanned.index(order[path_at])  # what rdflib would do


def test_bgp_split_where_rdflib_would_undo_the_order() -> None:
    # bound ?c: the link from ?c (1 unbound), then the type test on ?o (then bound), last the
    # alternative path between the two; rdflib's sort at evaluation (by variables unbound at the
    # start: 1, 2, 1) would put the type test second, so the BGP is split
    text = (
        "SELECT * WHERE { ?c <urn:ex:label> ?l . FILTER(STR(?l) = 'Alpha') "
        "{ ?p <urn:ex:next> ?c ; <urn:ex:a>|<urn:ex:b> ?o . ?o a <urn:ex:T> } }"
    )
    bgps = _bgps(push_filters(prepareQuery(text).algebra))
    inner = [b for b in bgps if not any(t[1] == URIRef(EX + "label") for t in b)]
    assert len(inner) == 2
    assert inner[0][0][1] == URIRef(EX + "next") and not isinstance(inner[0][1][1], URIRef)
    assert inner[1] == [(inner[0][1][2], URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), URIRef(EX + "T"))]


def test_bind_in_a_lazy_union_inside_exists_sees_the_outer_binding(dataset: Dataset) -> None:
    # ?z is always bound (the BIND reads ?y, bound by the triple before the union), so no EXISTS holds
    rows = _rows(dataset, QUERIES[10], push=True)
    assert rows and all(e == Literal(False) for _x, e in rows)


def _names(node: object) -> list[str]:
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, list):
        return [n for x in node for n in _names(x)]
    if not isinstance(node, CompValue):
        return []
    return [node.name] + [n for k, v in node.items() if k not in ("_vars", "original") for n in _names(v)]


def test_every_node_is_read_from_the_store_with_its_filters_folded() -> None:
    text = QUERIES[13]
    plan = push_filters(prepareQuery(text).algebra)
    assert "CmkgDistinctTerms" in _names(plan)
    assert not {"Filter", "CmkgFilter"} & set(_names(plan))  # isIRI and STRSTARTS became Python tests on the terms
    # an OR is not folded: the filter stays above the terms
    plan = push_filters(prepareQuery(QUERIES[15]).algebra)
    assert "CmkgDistinctTerms" in _names(plan) and "CmkgFilter" in _names(plan)


MINUS_QUERIES = [
    "SELECT ?x WHERE { ?x a ?t MINUS { ?x <urn:ex:next> ?y } }",
    # no variable in common: nothing is removed
    "SELECT ?x WHERE { ?x a ?t MINUS { ?z <urn:ex:next> ?y } }",
    # solutions on both sides that bind ?y or not
    "SELECT ?x ?y WHERE { ?x a ?t OPTIONAL { ?x <urn:ex:next> ?y } MINUS { ?x a <urn:ex:T> OPTIONAL { ?y <urn:ex:next> ?x } } }",
    "SELECT ?x ?n WHERE { ?x <urn:ex:n> ?n MINUS { ?x <urn:ex:n> ?m FILTER(?m > 2) } MINUS { ?x <urn:ex:label> 'Beta'@en } }",
    # an empty right side
    "SELECT ?x WHERE { ?x a ?t MINUS { ?x <urn:ex:none> ?y } }",
]


@pytest.mark.parametrize("text", MINUS_QUERIES)
def test_minus_answers_unchanged(dataset: Dataset, text: str) -> None:
    # no parameters: the memory engine's own MINUS (with parameters it is rdflib's)
    planned = prepareQuery(text)
    planned.algebra = push_filters(planned.algebra)
    assert "CmkgMinus" in _names(planned.algebra)
    got = sorted(map(tuple, dataset.query(planned)), key=repr)
    assert got == sorted(map(tuple, dataset.query(prepareQuery(text))), key=repr)
    assert got  # none removes every solution


# --- OPTIONAL and FILTER evaluated natively -----------------------------------------------------

OPTIONAL_QUERIES = [
    # one lookup per solution, with a constant, with a repeated variable, with a filter inside
    "SELECT ?x ?l WHERE { ?x a ?t OPTIONAL { ?x <urn:ex:label> ?l } }",
    "SELECT ?x WHERE { ?x a ?t OPTIONAL { ?x <urn:ex:next> <urn:ex:b> } }",
    "SELECT ?x ?y WHERE { ?x a ?t OPTIONAL { ?x <urn:ex:next> ?x } }",
    "SELECT ?x ?y WHERE { ?x a ?t OPTIONAL { ?y <urn:ex:next> ?y } }",
    "SELECT ?x ?n WHERE { ?x a ?t OPTIONAL { ?x <urn:ex:n> ?n FILTER(?n > 1) } }",
    # patterns that are hashed: a path, a union with a BIND, a join, and a chain of OPTIONALs
    "SELECT ?x ?y WHERE { ?x a ?t OPTIONAL { ?x <urn:ex:next>+ ?y } }",
    "SELECT ?x ?k WHERE { ?x a ?t OPTIONAL { { ?x <urn:ex:next> ?k } UNION { ?x a <urn:ex:U> BIND(?x AS ?k) } } }",
    "SELECT ?x ?y ?m WHERE { ?x a ?t OPTIONAL { ?x <urn:ex:next> ?y . ?y <urn:ex:n> ?m } OPTIONAL { ?x <urn:ex:label> ?l } }",
    # a variable both sides may bind, and one the first part leaves unbound
    "SELECT ?x ?y ?z WHERE { ?x a ?t OPTIONAL { ?x <urn:ex:next> ?y } OPTIONAL { ?y <urn:ex:next> ?z } }",
    # a parameter in the OPTIONAL, and one in the first part
    "SELECT ?x ?l WHERE { ?x a ?t OPTIONAL { ?x <urn:ex:label> ?l FILTER(LCASE(STR(?l)) = LCASE(STR(?_name))) } }",
    # inside a lazy join's second part (outer bindings): rdflib's own evaluation
    "SELECT ?x ?y ?l WHERE { ?x <urn:ex:n> ?n . { ?x a ?t OPTIONAL { ?x <urn:ex:next>/<urn:ex:label> ?l } } }",
]

FILTER_QUERIES = [
    "SELECT ?x WHERE { ?x <urn:ex:label> ?l FILTER(CONTAINS(LCASE(STR(?l)), LCASE(STR(?_name)))) }",
    # errors: a blank node's STR, a typed literal in a string function, a language mismatch, an unbound variable
    "SELECT ?x ?l WHERE { ?x ?p ?l FILTER(STRSTARTS(?l, 'urn')) }",
    "SELECT ?x ?l WHERE { ?x ?p ?l FILTER(CONTAINS(?l, 'a'@en)) }",
    "SELECT ?x WHERE { ?x a ?t OPTIONAL { ?x <urn:ex:next> ?y } FILTER(!BOUND(?y) || isIRI(?y)) }",
    "SELECT ?x WHERE { ?x a ?t OPTIONAL { ?x <urn:ex:next> ?y } FILTER(isIRI(?y)) }",
    "SELECT ?x WHERE { ?x ?p ?o FILTER(REGEX(STRAFTER(STR(?x), 'urn:ex:'), '^[a-c]$', 'i') && ?p != <urn:ex:n>) }",
    "SELECT ?a ?b WHERE { ?a <urn:ex:n> ?m . ?b <urn:ex:n> ?n FILTER(?m < ?n && STR(?a) < STR(?b)) }",
    "SELECT ?x ?l WHERE { ?x ?p ?l FILTER(LANG(?l) = 'en' || sameTerm(?l, 'alpha')) }",
]


BIND_QUERIES = [
    # a constant, a variable (unbound in some solutions: the BIND leaves its variable unbound), an error
    "SELECT ?x ?k ?c WHERE { ?x a ?t BIND('kind' AS ?k) OPTIONAL { ?x <urn:ex:next> ?y } BIND(?y AS ?c) }",
    "SELECT ?x ?s WHERE { ?x ?p ?o BIND(STRBEFORE(STRAFTER(STR(?o), 'urn:'), ':') AS ?s) }",
    "SELECT ?x ?u WHERE { ?x <urn:ex:label> ?l BIND(UCASE(?l) AS ?u) FILTER(BOUND(?u)) }",
    # a parameter, and a BIND inside a union inside an OPTIONAL (hashed)
    "SELECT ?x ?m WHERE { ?x <urn:ex:label> ?l BIND(CONTAINS(LCASE(STR(?l)), LCASE(?_name)) AS ?m) }",
    "SELECT ?x ?c WHERE { ?x a ?t OPTIONAL { { ?x a <urn:ex:U> BIND(?x AS ?c) } UNION { ?x <urn:ex:next>/<urn:ex:next> ?c } } }",
]


@pytest.fixture()
def hash_always(monkeypatch: pytest.MonkeyPatch) -> None:
    from cmkg.engine import rdflib_plan

    monkeypatch.setattr(rdflib_plan, "HASH_AFTER", 1)
    monkeypatch.setattr(rdflib_plan, "HASH_RATIO", 1e9)


def _plain_rows(ds: Dataset, text: str, push: bool, **bindings: object) -> list:
    q = prepareQuery(text)
    if push:
        q.algebra = push_filters(q.algebra)
    return sorted(map(tuple, ds.query(q, initBindings=bindings)), key=repr)


@pytest.mark.parametrize("text", OPTIONAL_QUERIES + FILTER_QUERIES + BIND_QUERIES)
@pytest.mark.parametrize("hashed", [False, True], ids=["per-solution", "hashed"])
def test_native_optional_and_filter_answers_unchanged(dataset: Dataset, text: str, hashed: bool, request: pytest.FixtureRequest) -> None:
    if hashed:
        request.getfixturevalue("hash_always")
    for bindings in ({}, {"_name": Literal("ALPHA")}):
        assert _plain_rows(dataset, text, True, **bindings) == _plain_rows(dataset, text, False, **bindings)


def test_optional_over_few_rows_is_not_hashed(dataset: Dataset, monkeypatch: pytest.MonkeyPatch) -> None:
    from cmkg.engine import rdflib_plan

    built: list[int] = []
    real = rdflib_plan._Compatible

    class Spy(real):  # type: ignore[misc, valid-type]
        def __init__(self, rows: list) -> None:  # type: ignore[type-arg]
            built.append(len(rows))
            super().__init__(rows)

    monkeypatch.setattr(rdflib_plan, "_Compatible", Spy)
    text = "SELECT ?x ?y ?m WHERE { ?x a ?t OPTIONAL { ?x <urn:ex:next> ?y . ?y <urn:ex:n> ?m } }"
    _plain_rows(dataset, text, True)
    assert built == []  # 4 typed resources: fewer than HASH_AFTER, evaluated for each
    monkeypatch.setattr(rdflib_plan, "HASH_AFTER", 2)
    _plain_rows(dataset, text, True)
    assert built == [2]  # the pattern's 2 solutions (a->b, b->c: e has no n), found once
    # more solutions in the OPTIONAL than HASH_RATIO times the rows: evaluated per row after all
    built.clear()
    monkeypatch.setattr(rdflib_plan, "HASH_RATIO", 0.25)
    assert _plain_rows(dataset, text, True) == _plain_rows(dataset, text, False)
    assert built == []


def test_parameter_only_parts_of_a_filter_are_evaluated_once(dataset: Dataset, monkeypatch: pytest.MonkeyPatch) -> None:
    from cmkg.engine import rdflib_plan

    seen: list[dict] = []  # type: ignore[type-arg]
    real = rdflib_plan._Args

    class Spy(real):  # type: ignore[misc, valid-type]
        def __init__(self, values: dict) -> None:  # type: ignore[type-arg]
            seen.append(values)
            super().__init__(values)

    monkeypatch.setattr(rdflib_plan, "_Args", Spy)
    q = prepareQuery(FILTER_QUERIES[0])
    q.algebra = push_filters(q.algebra)
    assert "CmkgFilter" in _names(q.algebra)
    rows = list(dataset.query(q, initBindings={"_name": Literal("ALPHA")}))
    assert len(rows) == 2  # "Alpha"@en and "alpha"
    from collections import Counter

    args = Counter(str(v["arg"]) for v in seen if "arg" in v)
    # STR and LCASE of each label: once per label; of the parameter: once for the query, not once per label
    assert args == {"Alpha": 2, "Beta": 2, "Gamma": 2, "alpha": 2, "blank": 2, "ALPHA": 2}


def test_a_part_kept_for_the_query_is_recomputed_where_a_solution_binds_its_variable(dataset: Dataset) -> None:
    # a plan that wrongly records ?_x as not bound by the pattern: the kept value must not be reused
    from rdflib.plugins.sparql.sparql import FrozenBindings, QueryContext

    from cmkg.engine.rdflib_plan import _compiled_value

    q = prepareQuery("SELECT ?u WHERE { ?s ?p ?_x BIND(UCASE(STR(?_x)) AS ?u) }")
    extend = q.algebra.p.p
    assert extend.name == "Extend"
    value = _compiled_value(extend.expr, set())
    assert value is not None
    ctx = QueryContext(dataset, initBindings={Variable("_x"): Literal("param")})
    memo: dict = {}  # type: ignore[type-arg]
    got = [value(FrozenBindings(ctx, row), memo) for row in ({}, {Variable("_x"): Literal("a")}, {Variable("_x"): Literal("b")}, {})]
    assert got == [Literal("PARAM"), Literal("A"), Literal("B"), Literal("PARAM")]


# --- joins of parts evaluated on their own (rdflib compares every pair) --------------------------

JOIN_QUERIES = [
    # two sub-selects joined on what they share (network-cities' shape); rdflib joins parts
    # eagerly when one holds a DISTINCT (or a LIMIT), else lazily, once per solution
    "SELECT ?x ?y ?v WHERE { { SELECT DISTINCT ?v ?x WHERE { ?x <urn:ex:next> ?v } } "
    "{ SELECT DISTINCT ?v ?y WHERE { ?y <urn:ex:n> ?n . ?y <urn:ex:next>? ?v } } FILTER(STR(?x) <= STR(?y)) }",
    # nothing shared: every pair
    "SELECT ?a ?b WHERE { { SELECT DISTINCT ?a WHERE { ?a a <urn:ex:T> } } { SELECT DISTINCT ?b WHERE { ?b a <urn:ex:U> } } }",
    # a variable one side leaves unbound in some solutions (an OPTIONAL in a sub-select)
    "SELECT ?x ?y ?l WHERE { { SELECT DISTINCT ?x ?y WHERE { ?x a ?t OPTIONAL { ?x <urn:ex:next> ?y } } } "
    "{ SELECT ?y ?l WHERE { ?y <urn:ex:label> ?l } LIMIT 10 } }",
    # repeated solutions on the first side, and an empty second side
    "SELECT ?t WHERE { { SELECT ?t WHERE { ?x a ?t } } { SELECT DISTINCT ?t WHERE { ?t ?p ?o } } }",
    "SELECT ?x WHERE { { SELECT ?x WHERE { ?x a ?t } } { SELECT DISTINCT ?x WHERE { ?x <urn:ex:none> ?z } } }",
]


def _stock_rows(ds: Dataset, text: str, **bindings: object) -> list:
    """rdflib's own evaluation: no plan, and the memory engine's hook taken out."""
    from rdflib.plugins.sparql import CUSTOM_EVALS

    hook = CUSTOM_EVALS.pop("cmkg-native")
    try:
        return sorted(map(tuple, ds.query(prepareQuery(text), initBindings=bindings)), key=repr)
    finally:
        CUSTOM_EVALS["cmkg-native"] = hook


@pytest.mark.parametrize("text", JOIN_QUERIES)
def test_joins_of_parts_evaluated_alone_are_hashed_with_rdflibs_answers(
    dataset: Dataset, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rdflib.plugins.sparql.sparql import FrozenDict

    compared: list[int] = []
    real = FrozenDict.compatible

    def compatible(self: FrozenDict, other: object) -> bool:
        compared.append(1)
        return real(self, other)  # type: ignore[arg-type]

    monkeypatch.setattr(FrozenDict, "compatible", compatible)
    expected = _stock_rows(dataset, text)
    assert compared or not expected  # rdflib's join compares pairs of solutions
    compared.clear()
    assert _plain_rows(dataset, text, True) == expected
    assert not compared  # the memory engine looks them up
