"""Counts that tell what is in the graph: instances per class, links per property."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cmkg.results import ResultTable

if TYPE_CHECKING:
    from cmkg.kg import KnowledgeGraph

__all__ = ["GraphStats", "compute_stats"]

_CLASSES = """
PREFIX cmo: <https://w3id.org/cmkg/ontology#>
SELECT ?class (COUNT(DISTINCT ?s) AS ?instances) WHERE {
  ?s a ?class .
  FILTER(STRSTARTS(STR(?class), "https://w3id.org/cmkg/ontology#"))
} GROUP BY ?class ORDER BY DESC(?instances) ?class
"""

_PROPERTIES = """
SELECT ?property (COUNT(*) AS ?links) WHERE {
  ?s ?property ?o .
  FILTER(STRSTARTS(STR(?s), "https://w3id.org/cmkg/id/"))
} GROUP BY ?property ORDER BY DESC(?links) ?property
"""

_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
_GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"


@dataclass(frozen=True)
class GraphStats:
    """What ``cmkg stats`` prints."""

    triples: int
    classes: ResultTable
    properties: ResultTable
    graphs: ResultTable

    def instances(self, local_name: str) -> int:
        for cls, n in self.classes.rows:
            if str(cls).endswith("#" + local_name):
                return int(n)
        return 0


def _table(kg: KnowledgeGraph, text: str) -> ResultTable:
    t = kg.sparql(text)
    assert isinstance(t, ResultTable)
    return t


def compute_stats(kg: KnowledgeGraph) -> GraphStats:
    triples = _table(kg, _TRIPLES).rows[0][0]
    return GraphStats(
        triples=int(triples),
        classes=_table(kg, _CLASSES),
        properties=_table(kg, _PROPERTIES),
        graphs=_table(kg, _GRAPHS),
    )
