"""The one interface everything above the engine talks to: SPARQL in, results out."""

from __future__ import annotations

import abc
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal as Lit

from pyparsing import ParseException
from rdflib import Graph
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.term import Node

from cmkg.errors import QueryRefused, QuerySyntaxError
from cmkg.results import ResultTable

__all__ = ["Engine", "PARSE_LOCK", "QueryInfo", "QueryKind", "QueryResult", "inspect_query", "refuse_remote_access"]

QueryKind = Lit["select", "construct", "describe", "ask"]
QueryResult = ResultTable | Graph | bool

_KINDS = {
    "SelectQuery": "select",
    "ConstructQuery": "construct",
    "DescribeQuery": "describe",
    "AskQuery": "ask",
}


@dataclass(frozen=True)
class QueryInfo:
    """What a query text is, found by parsing it (never by pattern matching)."""

    kind: QueryKind
    uses_service: bool
    dataset_iris: tuple[str, ...]  # IRIs named by FROM / FROM NAMED


def _walk(node: Any, found: set[str]) -> None:
    name = getattr(node, "name", None)
    if name:
        found.add(name)
    if isinstance(node, dict):
        for v in node.values():
            _walk(v, found)
    elif isinstance(node, (list, tuple)):
        for v in node:
            _walk(v, found)


def syntax_error_message(err: ParseException, text: str) -> str:
    line = text.splitlines()[err.lineno - 1] if 0 < err.lineno <= len(text.splitlines()) else ""
    near = line.strip()[:60]
    return f"SPARQL syntax error at line {err.lineno}, column {err.col}" + (f" near {near!r}" if near else "")


#: rdflib's parser is not thread-safe: pyparsing's packrat cache can hand two threads the
#: same parse-tree objects, which rdflib's algebra translation then mutates in place. Every
#: parse and translation in cmkg holds this lock.
PARSE_LOCK = threading.RLock()


def inspect_query(text: str) -> QueryInfo:
    """Parse a query and say what it is; an update or bad syntax raises a CmkgError."""
    with PARSE_LOCK:
        return _inspect_query(text)


@lru_cache(maxsize=512)
def _inspect_query(text: str) -> QueryInfo:
    """Parse a query and say what it is; an update or bad syntax raises a CmkgError."""
    try:
        parsed = parseQuery(text)
    except ParseException as err:
        try:
            parseUpdate(text)
        except Exception:
            raise QuerySyntaxError(syntax_error_message(err, text)) from None
        raise QueryRefused("SPARQL updates (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE …) are refused: this engine is read-only") from None
    except Exception as err:  # rdflib raises a few other kinds on odd input
        raise QuerySyntaxError(f"SPARQL syntax error: {err}") from None
    body = parsed[1]
    kind = _KINDS.get(body.name)
    if kind is None:  # pragma: no cover - the grammar knows only these four
        raise QuerySyntaxError(f"unsupported query form {body.name}")
    names: set[str] = set()
    _walk(body, names)
    iris: list[str] = []
    # CompValue.get() answers the key's name for a missing key: test membership first
    for clause in body["datasetClause"] if "datasetClause" in body else []:
        iri = clause["default"] if "default" in clause else clause["named"] if "named" in clause else None
        if iri is not None:
            iris.append(str(iri))
    return QueryInfo(kind=kind, uses_service="ServiceGraphPattern" in names, dataset_iris=tuple(iris))  # type: ignore[arg-type]


def refuse_remote_access(info: QueryInfo, who: str = "this engine") -> None:
    """Refuse SERVICE and FROM/FROM NAMED: rdflib would fetch any URL a query names."""
    if info.uses_service:
        raise QueryRefused(f"SERVICE (federated query) is refused: {who} makes no outbound requests")
    if info.dataset_iris:
        raise QueryRefused(f"FROM/FROM NAMED <{info.dataset_iris[0]}> is refused: {who} does not fetch remote graphs")


class Engine(abc.ABC):
    """A SPARQL 1.1 query engine: embedded rdflib, embedded Oxigraph, or a remote endpoint."""

    #: short name shown to users: memory, oxigraph, remote
    name: str = "engine"

    @abc.abstractmethod
    def query(
        self,
        text: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        timeout: float | None = None,
    ) -> QueryResult:
        """Run a read-only SPARQL query; SELECT gives a ResultTable, ASK a bool, CONSTRUCT/DESCRIBE a Graph."""

    def triple_count(self) -> int:
        table = self.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        assert isinstance(table, ResultTable)
        return int(table.rows[0][0])

    def close(self) -> None:
        """Release what the engine holds (files, connections)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"
