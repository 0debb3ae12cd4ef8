"""The embedded default: rdflib's in-memory Dataset and its SPARQL engine."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from rdflib import Dataset, Graph
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node
from typing import Any

from cmkg.engine.rdflib_plan import push_filters
from cmkg.engine.base import PARSE_LOCK, Engine, QueryInfo, QueryResult, check_federation, inspect_query, take_parse
from cmkg.errors import EndpointError, QueryRefused
from cmkg.gcpause import collector_paused
from cmkg.results import ResultTable
from cmkg.safety import FederationPolicy, egress_guard

__all__ = ["LocalEngine", "check_rdflib_service", "federated"]

# rdflib's own reading of a SERVICE clause (rdflib.plugins.sparql.evaluate.evalServiceQuery)
_RDFLIB_SERVICE = re.compile(r"^service <(.*)>[ \n]*{(.*)}[ \n]*$", re.DOTALL | re.I)


def check_rdflib_service(text: str, info: QueryInfo) -> None:
    """Refuse a SERVICE clause that rdflib would not send where the parsed query says.

    rdflib does not evaluate the parsed clause: its parser searches the *whole
    text* (strings and comments included) for the first thing shaped like a
    SERVICE clause and every SERVICE node of the query calls that one's endpoint
    with that one's pattern. So the memory engine runs one SERVICE clause per
    query, written ``SERVICE <IRI> { … }``, and nothing SERVICE-like elsewhere.

    Examples
    --------
    >>> text = 'SELECT * { BIND("SERVICE <http://evil.example/> {}" AS ?x) SERVICE <https://a.example/sparql> { ?s ?p ?o } }'
    >>> check_rdflib_service(text, inspect_query(text))
    Traceback (most recent call last):
    ...
    cmkg.errors.QueryRefused: SERVICE <https://a.example/sparql> is refused: the memory engine (rdflib) would send it elsewhere, to the first SERVICE-like text of the query; write one SERVICE <IRI> { … } clause and no SERVICE text in strings or comments
    """
    if not info.service_endpoints:
        return
    endpoint = info.service_endpoints[0]
    if len(info.service_endpoints) > 1:
        raise QueryRefused(
            "a query with several SERVICE clauses is refused: the memory engine (rdflib) would send every one "
            f"to the first one's endpoint <{endpoint}>; split the query"
        )
    from pyparsing import original_text_for
    from rdflib.plugins.sparql import parser

    with PARSE_LOCK:
        found = original_text_for(parser.ServiceGraphPattern.expr).search_string(text)
    clause = found[0][0] if len(found) == 1 else ""
    if re.match(r"(?is)service\s+silent\b", clause):
        raise QueryRefused("SERVICE SILENT is refused: the memory engine (rdflib) skips such a clause without calling the endpoint")
    match = _RDFLIB_SERVICE.match(clause)
    if match is None or match.group(1) != endpoint:
        raise QueryRefused(
            f"SERVICE <{endpoint}> is refused: the memory engine (rdflib) would send it elsewhere, to the first "
            "SERVICE-like text of the query; write one SERVICE <IRI> { … } clause and no SERVICE text in strings or comments"
        )


@contextmanager
def federated(policy: FederationPolicy | None, endpoints: tuple[str, ...] = ()) -> Iterator[None]:
    """Run rdflib inside :func:`~cmkg.safety.egress_guard` and say in one sentence when a SERVICE call fails.

    The guard holds whatever the checks before missed: DNS, the address actually
    connected to and every redirect are judged by ``policy`` (none: no request at all).
    """
    with egress_guard(policy):
        try:
            yield
        except OSError as err:  # urllib's URLError/HTTPError, a reset or a timeout from the SERVICE call
            if not endpoints:
                raise
            reason = getattr(err, "reason", None) or getattr(err, "strerror", None) or type(err).__name__
            raise EndpointError(f"SERVICE <{endpoints[0]}> could not be queried: {reason}") from None


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
            parsed = take_parse(text)
            if parsed is None:
                query = prepareQuery(text, initNs=PREFIXES)
            else:  # what prepareQuery does, on the tree inspect_query has just made
                query = translateQuery(parsed, None, PREFIXES)
                query._original_args = (text, PREFIXES, None)
            # rdflib filters a group last; apply each filter as soon as its variables are bound
            query.algebra = push_filters(query.algebra)
            cache[text] = query
    return query


class LocalEngine(Engine):
    """rdflib in process. The default graph is the union of the named graphs.

    ``SERVICE`` and ``FROM``/``FROM NAMED`` are refused, because rdflib would
    fetch whatever URL a query names, unless a ``federation`` policy allows the
    ``SERVICE`` endpoint (``FROM`` stays refused). Every query runs inside
    :func:`~cmkg.safety.egress_guard` with that policy (none: no request at all),
    so DNS, the address connected to and every redirect are checked again when
    rdflib connects.
    """

    name = "memory"

    def __init__(self, dataset: Dataset, *, federation: FederationPolicy | None = None) -> None:
        self.dataset = dataset
        self.federation = federation

    def query(
        self,
        text: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        timeout: float | None = None,
    ) -> QueryResult:
        info = inspect_query(text)
        check_federation(info, self.federation)
        bindings = dict(bindings or {})
        if bindings and info.kind == "describe":
            # rdflib ignores initBindings in DESCRIBE (e.g. `DESCRIBE ?_x` with no WHERE): bind with VALUES instead.
            from cmkg.engine.binding import inject_values

            text, bindings = inject_values(text, bindings), {}
        check_rdflib_service(text, info)  # on the text rdflib runs
        # rdflib's evaluation allocates a binding dict per partial solution, none in cycles; with the
        # cyclic collector held, network-actors takes 1.6 s instead of 2.9 s at 10^5 triples (peak
        # memory +10 MB). What cycles a query does make are collected after it.
        with federated(self.federation, info.service_endpoints), collector_paused():
            return self._answer(info, self.dataset.query(_prepared(text), initBindings=bindings))

    def _answer(self, info: QueryInfo, result: Any) -> QueryResult:
        # rdflib evaluates lazily: this runs inside the caller's egress guard
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
