"""OWL-RL materialisation with owlrl, kept in its own named graph."""

from __future__ import annotations

from rdflib import Dataset, Graph, URIRef

from cmkg.loading import GRAPH_BASE

__all__ = ["INFERRED_GRAPH", "materialise"]

INFERRED_GRAPH = URIRef(GRAPH_BASE + "inferred")


def materialise(ds: Dataset) -> int:
    """Add the OWL 2 RL entailments of the union graph to ``…/graph/inferred``; returns how many."""
    import owlrl

    union = Graph()
    for t in ds.triples((None, None, None)):
        union.add(t)
    before = set(union)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(union)
    inferred = ds.graph(INFERRED_GRAPH)
    n = 0
    for t in union:
        if t not in before:
            # owlrl also states trivia about literals and blank nodes; keep statements about resources
            if not isinstance(t[0], URIRef):
                continue
            inferred.add(t)
            n += 1
    return n
