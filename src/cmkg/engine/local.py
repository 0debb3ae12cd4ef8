"""The embedded default: rdflib's in-memory Dataset and its SPARQL engine."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from rdflib import Dataset, Graph
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from cmkg.engine.base import Engine, QueryResult, inspect_query
from cmkg.errors import QueryRefused
from cmkg.results import ResultTable

__all__ = ["LocalEngine"]


@lru_cache(maxsize=512)
def _prepared(text: str) -> Query:
    """Parse and translate a query once: rdflib's parser costs more than most of our queries."""
    from cmkg.loading import PREFIXES

    return prepareQuery(text, initNs=PREFIXES)


class LocalEngine(Engine):
    """rdflib in process. The default graph is the union of the named graphs.

    ``SERVICE`` and ``FROM``/``FROM NAMED`` are refused unless ``allow_remote``
    is set, because rdflib would fetch whatever URL a query names.
    """

    name = "memory"

    def __init__(self, dataset: Dataset, *, allow_remote: bool = False) -> None:
        self.dataset = dataset
        self.allow_remote = allow_remote

    def query(
        self,
        text: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        timeout: float | None = None,
    ) -> QueryResult:
        info = inspect_query(text)
        if not self.allow_remote:
            if info.uses_service:
                raise QueryRefused("SERVICE (federated query) is refused: this engine makes no outbound requests")
            if info.dataset_iris:
                raise QueryRefused(
                    f"FROM/FROM NAMED <{info.dataset_iris[0]}> is refused: this engine does not fetch remote graphs"
                )
        bindings = dict(bindings or {})
        if bindings and info.kind == "describe":
            # rdflib ignores initBindings in DESCRIBE (e.g. `DESCRIBE ?_x` with no WHERE): bind with VALUES instead.
            from cmkg.engine.binding import inject_values

            text, bindings = inject_values(text, bindings), {}
        result = self.dataset.query(_prepared(text), initBindings=bindings)
        if info.kind == "select":
            columns = [str(v) for v in (result.vars or [])]
            return ResultTable.from_rows(columns, [tuple(row) for row in result])
        if info.kind == "ask":
            return bool(result.askAnswer)
        g = Graph()
        for prefix, ns in self.dataset.namespace_manager.namespaces():
            g.bind(prefix, ns)
        if result.graph is not None:
            for t in result.graph:
                g.add(t)
        return g

    def triple_count(self) -> int:
        return len(self.dataset)
