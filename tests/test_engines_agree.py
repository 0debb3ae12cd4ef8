"""The whole catalogue gives the same answers on rdflib memory, embedded Oxigraph and an Oxigraph server."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from rdflib import BNode, Graph, Literal
from rdflib.compare import isomorphic

from cmkg import KnowledgeGraph, ResultTable
from cmkg.catalogue import Catalogue

CATALOGUE = Catalogue.load()


@pytest.fixture(scope="module")
def engines(kg: KnowledgeGraph, remote_kg: KnowledgeGraph) -> dict[str, KnowledgeGraph]:
    return {"memory": kg, "oxigraph": KnowledgeGraph.load(engine="oxigraph"), "remote": remote_kg}


def _cell(term: Any) -> Any:
    if term is None:
        return None
    if isinstance(term, BNode):
        return "_:"  # blank node labels are each engine's own
    if isinstance(term, Literal):
        value = term.toPython()
        # Oxigraph writes numbers canonically ("43.650" is "43.65"): compare numbers by value
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            return ("number", round(float(value), 9))
        return ("literal", str(term), term.language, str(term.datatype) if term.datatype else None)
    return str(term)


def canonical(result: Any) -> Any:
    """What must be equal across engines: the multiset of rows (and the columns), the boolean, or the graph."""
    if isinstance(result, bool):
        return result
    if isinstance(result, ResultTable):
        return result.columns, Counter(tuple(_cell(t) for t in row) for row in result.terms)
    assert isinstance(result, Graph)
    return result


def runnable() -> list[str]:
    return [n for n, q in CATALOGUE.items() if all(p.optional or p.example is not None for p in q.params)]


def test_every_query_is_runnable_with_its_examples() -> None:
    assert len(runnable()) == len(CATALOGUE)


@pytest.mark.parametrize("name", runnable())
def test_query_agrees_on_all_engines(engines: dict[str, KnowledgeGraph], name: str) -> None:
    q = CATALOGUE[name]
    params = q.example_values()
    results = {eng: kg.run(q, params) for eng, kg in engines.items()}
    base = canonical(results["memory"])
    for eng in ("oxigraph", "remote"):
        other = canonical(results[eng])
        if isinstance(base, Graph):
            assert isinstance(other, Graph) and isomorphic(base, other), f"{name}: {eng} graph differs from memory"
        else:
            assert other == base, f"{name}: {eng} differs from memory"
