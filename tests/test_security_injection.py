"""Requirement 5, injection: named-query parameters cannot change a query's structure.

Locally a parameter is bound through ``initBindings``; a remote engine writes it
into a ``VALUES`` block as the term's N-Triples form. Both routes are checked
with hypothesis-generated hostile strings and IRIs: the term written as text
parses back as exactly that one term, and a hostile value never adds rows.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rdflib import Dataset, Graph, Literal, URIRef

from cmkg import KnowledgeGraph, ResultTable
from cmkg.catalogue import Catalogue, Param
from cmkg.engine.local import LocalEngine
from cmkg.errors import QueryParameterError, QuerySyntaxError

BREAKOUTS = [
    '"', "'", '"""', "'''", "\\", "\\\"", ">", "<", "}", "{", " } UNION { ?s ?p ?o } #", '" } UNION { ?s ?p ?o } #',
    "' ) } ; DROP ALL ; #", "\n", "\r", "# comment", "^^<http://www.w3.org/2001/XMLSchema#integer>", "@en", "\u0000",
    "\\u0022", "\\U0000003E", "> } ; LOAD <http://127.0.0.1:9/x> #", "?s", "$s", "VALUES", "SERVICE <http://127.0.0.1:9/>",
]
HOSTILE = st.lists(st.one_of(st.sampled_from(BREAKOUTS), st.text(max_size=6)), min_size=1, max_size=5).map("".join)
HOSTILE_IRI = st.one_of(
    # control characters are left out here: see test_iri_parameters_refuse_control_characters
    HOSTILE.map(lambda s: "https://example.org/" + "".join(c for c in s if ord(c) > 0x20)),
    st.sampled_from(["https://example.org/a> } UNION { ?s ?p ?o } #", "https://example.org/a>", "javascript:alert(1)",
                     "file:///etc/passwd", "urn:x:%3E%7D", "https://example.org/\u00e9t\u00e9", "https://example.org/a\\u003E"]),
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

EMPTY = LocalEngine(Dataset())
CATALOGUE_PARAMS = [(q.name, p) for q in Catalogue.load().values() for p in q.params]


def _one_per_shape() -> list[tuple[str, Param]]:
    """One catalogue parameter per (parameter type, query form, optional): each runs its query in about a second."""
    seen: dict[tuple[str, str, bool], tuple[str, Param]] = {}
    catalogue = Catalogue.load()
    for name, p in CATALOGUE_PARAMS:
        seen.setdefault((p.type, catalogue[name].kind, p.optional), (name, p))
    return list(seen.values())


SHAPES = _one_per_shape()


# values a text round trip may change without changing structure: \\u escapes (SPARQL §19.2) and tabs
# (rdflib's parser expands a raw tab inside a string to spaces)
# values rdflib's own query parser may change without changing structure: \\u escapes (SPARQL §19.2)
# and tabs (it expands a raw tab inside a string to spaces); a real store (Oxigraph) keeps them
_CODEPOINT = re.compile(r"\\[uU]|\t")


def _term(p: Param, value: str) -> object | None:
    try:
        return p.to_term(value)
    except QueryParameterError as err:
        assert "\n" not in str(err) and p.name in str(err)
        return None


def test_hostile_city_names_add_no_rows(kg: KnowledgeGraph) -> None:
    q = kg.catalogue["practices-in-city"]
    honest = kg.run(q, {"city": "Toronto"})
    assert isinstance(honest, ResultTable) and len(honest) > 0
    for suffix in ['" ) } UNION { ?practice ?p ?label } #', "') || true) #", "\" || \"\" = \"", "Toronto\" || \"1\" = \"1"]:
        for value in (suffix, "Toronto" + suffix):
            result = kg.run(q, {"city": value})
            assert isinstance(result, ResultTable) and len(result) == 0, value
    # the lower-case match is the query's own, not a loophole
    assert kg.run(q, {"city": "TORONTO"}) == honest


@pytest.mark.parametrize("value", ['x" . ?s ?p ?o . FILTER("1', Literal("x", lang="en")])
def test_bindings_cannot_reach_other_variables(kg: KnowledgeGraph, value: object) -> None:
    text = "SELECT ?s WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?name }"
    result = kg.sparql(text, {"name": Literal(value) if isinstance(value, str) else value})  # type: ignore[dict-item]
    assert isinstance(result, ResultTable) and len(result) == 0


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x7f", "\x85"])
def test_iri_parameters_refuse_control_characters(char: str) -> None:
    with pytest.raises(QueryParameterError):
        Param("p_iri", "iri", variable="_p_iri").to_term(f"https://example.org/a{char}b")


# --- the text route a remote engine takes, and describe/search -----------------------------
# (cmkg.engine.binding and cmkg.describe come with the query layer; these run once it is merged)


def _binding():  # type: ignore[no-untyped-def]
    return pytest.importorskip("cmkg.engine.binding", reason="the query layer (cmkg.engine.binding) is not merged yet")


def _oxigraph_values(text_term: str) -> list[tuple[str, str | None]]:
    """How a real SPARQL store (Oxigraph, the remote store of the tests) reads one written term."""
    import pyoxigraph as ox

    rows = list(ox.Store().query(f"SELECT ?v WHERE {{ }} VALUES ?v {{ {text_term} }}"))
    return [(r["v"].value, getattr(r["v"], "language", None)) for r in rows]


def _valid_iri(value: str) -> bool:
    """RFC 3987, as a strict store checks it (see test_iri_parameters_refuse_control_characters)."""
    import pyoxigraph as ox

    try:
        ox.NamedNode(value)
    except ValueError:
        return False
    return True


@SETTINGS
@given(value=HOSTILE, lang=st.sampled_from([None, "en", "fr-CA"]))
def test_sparql_term_writes_a_literal_a_store_reads_back_exactly(value: str, lang: str | None) -> None:
    binding = _binding()
    term = Literal(value, lang=lang)
    text = binding.sparql_term(term)
    # exactly one row holding exactly this literal (stores may lower-case the language tag: BCP 47 ignores case)
    assert _oxigraph_values(text) == [(value, lang.lower() if lang else None)]
    assert as_values_block_text(text, term) in ([(term,)], "changed")


def as_values_block_text(text_term: str, term: object) -> list[tuple[object, ...]] | str:
    """The same through rdflib's parser; a value with \\\\u or a tab may change there (§19.2), never the structure."""
    try:
        table = EMPTY.query(f"SELECT ?v WHERE {{ }} VALUES ?v {{ {text_term} }}")
    except QuerySyntaxError:
        assert _CODEPOINT.search(str(term))
        return "changed"
    assert isinstance(table, ResultTable) and table.columns == ("v",) and len(table) == 1
    return list(table.terms) if table.terms == ((term,),) or not _CODEPOINT.search(str(term)) else "changed"


@SETTINGS
@given(value=HOSTILE_IRI.filter(_valid_iri))
def test_sparql_term_refuses_or_writes_one_iri(value: str) -> None:
    binding = _binding()
    try:
        text = binding.sparql_term(URIRef(value))
    except QueryParameterError as err:
        assert "\n" not in str(err)
        return
    assert _oxigraph_values(text) == [(value, None)]


@pytest.mark.parametrize("name, param", SHAPES, ids=[f"{n}:{p.name}" for n, p in SHAPES])
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.one_of(HOSTILE, HOSTILE_IRI.filter(_valid_iri)))
@example(value='" ) } UNION { ?s ?p ?o } #')  # each catalogue query runs in seconds: a few sharp cases, not many
@example(value="https://w3id.org/cmkg/id/city/toronto> } UNION { ?s ?p ?o } #")
def test_injected_values_give_what_initbindings_give(kg: KnowledgeGraph, name: str, param: Param, value: str) -> None:
    """The query with a VALUES block answers exactly as the query with initBindings: same structure, same rows."""
    binding = _binding()
    q = kg.catalogue[name]
    term = _term(param, value)
    if term is None or _CODEPOINT.search(str(term)):
        return
    values = {k: v for k, v in q.bindings(q.example_values()).items()}
    values[param.variable] = term  # type: ignore[assignment]
    by_text = kg.engine.query(binding.inject_values(q.text, values))
    by_terms = kg.engine.query(q.text, values)
    if isinstance(by_text, Graph):  # rdflib compares graphs by identity: compare their triples
        assert isinstance(by_terms, Graph) and set(by_text) == set(by_terms)
    else:
        assert by_text == by_terms


@pytest.mark.parametrize(
    "text",
    [
        "<https://w3id.org/cmkg/id/city/toronto> } UNION { ?s ?p ?o } #",
        "Toronto\" ) } UNION { ?s ?p ?o } #",
        "city:toronto> <x",
        "') || true #",
        "<javascript:alert(1)>",
        "<file:///etc/passwd>",
        "\u0000",
        "Toronto\n} ; DROP ALL",
    ],
)
def test_describe_inputs_cannot_change_its_queries(kg: KnowledgeGraph, text: str) -> None:
    describe = pytest.importorskip("cmkg.describe", reason="cmkg.describe is not merged yet")
    from cmkg.errors import CmkgError

    try:
        found = describe.describe(kg, text)
    except (QuerySyntaxError,) as err:  # a syntax error would mean the input reached the query text
        pytest.fail(f"describe({text!r}) put its input into the query text: {err}")
    except CmkgError as err:
        assert "\n" not in str(err)
        return
    # a hostile string can only name a resource that exists, and then describes just that one
    assert found.iri in {str(s) for s in kg.dataset.subjects()}
