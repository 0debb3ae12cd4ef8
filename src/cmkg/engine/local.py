"""The embedded default: rdflib's in-memory Dataset and its SPARQL engine."""

from __future__ import annotations

from collections.abc import Mapping
import threading

from rdflib import Dataset, Graph
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from cmkg.engine.base import PARSE_LOCK, Engine, QueryResult, inspect_query, refuse_remote_access
from cmkg.results import ResultTable

__all__ = ["LocalEngine"]


_local = threading.local()


def _prepared(text: str) -> Query:
    """Parse and translate a query once per thread: rdflib's parser costs more than most of our queries.

    Per thread, because rdflib's evaluation is not safe on one Query object shared by threads.
    """
    from cmkg.loading import PREFIXES

    cache: dict[str, Query] | None = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    query = cache.get(text)
    if query is None:
        if len(cache) >= 512:
            cache.clear()
        with PARSE_LOCK:
            query = cache[text] = prepareQuery(text, initNs=PREFIXES)
    return query


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
            refuse_remote_access(info)
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
