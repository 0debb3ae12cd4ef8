"""The Oxigraph engine's fast row conversion gives exactly the terms ``to_rdflib`` gives."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import BNode, Literal, URIRef

from cmkg.engine.oxigraph import OxigraphEngine
from cmkg.engine.terms import to_rdflib
from cmkg.results import ResultTable

EX = "https://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"

OBJECTS = [
    ox.Literal("Toronto", language="en"),
    ox.Literal("Montréal", language="fr-ca"),
    ox.Literal("plain text"),
    ox.Literal(""),
    ox.Literal("  spaced  \n text "),
    ox.Literal("42", datatype=ox.NamedNode(XSD + "integer")),
    ox.Literal("2004", datatype=ox.NamedNode(XSD + "gYear")),
    ox.Literal("2012-05-01", datatype=ox.NamedNode(XSD + "date")),
    ox.Literal("not a number", datatype=ox.NamedNode(XSD + "integer")),
    ox.Literal("x", datatype=ox.NamedNode(EX + "custom")),
    ox.NamedNode(EX + "thing"),
    ox.BlankNode("b0"),
]


@pytest.fixture(scope="module")
def table() -> ResultTable:
    store = ox.Store()
    for i, o in enumerate(OBJECTS):
        # every object twice, on two subjects: the second row reuses the converted term
        for s in ("a", "b"):
            store.add(ox.Quad(ox.NamedNode(f"{EX}{s}"), ox.NamedNode(f"{EX}p{i}"), o, ox.NamedNode(EX + "g")))
    result = OxigraphEngine(store).query("SELECT ?s ?p ?o ?unbound WHERE { ?s ?p ?o } ORDER BY ?p ?s")
    assert isinstance(result, ResultTable)
    return result


def test_every_cell_is_the_term_to_rdflib_builds(table: ResultTable) -> None:
    assert len(table) == 2 * len(OBJECTS)
    by_predicate = {str(row[1]): row[2] for row in table.terms}
    for i, o in enumerate(OBJECTS):
        got, want = by_predicate[f"{EX}p{i}"], to_rdflib(o)
        assert type(got) is type(want)
        assert got == want and hash(got) == hash(want) and got.n3() == want.n3()
        if isinstance(want, Literal):
            assert isinstance(got, Literal)
            for slot in ("_language", "_datatype", "_value", "_ill_typed"):
                assert getattr(got, slot) == getattr(want, slot), (o, slot)
                assert type(getattr(got, slot)) is type(getattr(want, slot)), (o, slot)
            assert got.toPython() == want.toPython()


def test_unbound_cells_stay_none_and_python_values_match(table: ResultTable) -> None:
    assert all(row[3] is None for row in table.terms)
    values = {row[1]: row[2] for row in table.rows}
    assert values[f"{EX}p5"] == 42
    assert values[f"{EX}p0"] == "Toronto"
    assert isinstance(table.terms[0][0], URIRef)
    assert any(isinstance(row[2], BNode) for row in table.terms)
