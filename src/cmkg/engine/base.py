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
from cmkg.safety import FederationPolicy

__all__ = [
    "Engine",
    "PARSE_LOCK",
    "QueryInfo",
    "QueryKind",
    "QueryResult",
    "inspect_query",
    "refuse_remote_access",
    "check_federation",
]

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
    #: what each SERVICE clause names, in query order: an absolute IRI (``http://…``), a
    #: variable (``?x``) or anything else as written (a prefixed name ``wd:x``, a relative IRI)
    service_endpoints: tuple[str, ...] = ()


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


def _service_endpoints(node: Any, out: list[str]) -> None:
    """The endpoint of every ServiceGraphPattern below ``node``, as written (depth first, in order)."""
    from rdflib.term import URIRef, Variable

    if getattr(node, "name", None) == "ServiceGraphPattern":
        term = node["term"] if "term" in node else None
        if isinstance(term, Variable):
            out.append(f"?{term}")
        elif isinstance(term, URIRef):
            out.append(str(term))
        elif getattr(term, "name", None) == "pname":
            out.append(f"{term['prefix'] if 'prefix' in term else ''}:{term['localname'] if 'localname' in term else ''}")
        else:  # pragma: no cover - the grammar allows only a variable or an IRI
            out.append(str(term))
    if isinstance(node, dict):
        for v in node.values():
            _service_endpoints(v, out)
    elif isinstance(node, (list, tuple)):
        for v in node:
            _service_endpoints(v, out)


def syntax_error_message(err: ParseException, text: str) -> str:
    line = text.splitlines()[err.lineno - 1] if 0 < err.lineno <= len(text.splitlines()) else ""
    near = line.strip()[:60]
    return f"SPARQL syntax error at line {err.lineno}, column {err.col}" + (f" near {near!r}" if near else "")


#: rdflib's parser is not thread-safe: pyparsing's packrat cache can hand two threads the
#: same parse-tree objects, which rdflib's algebra translation then mutates in place. Every
#: parse and translation in cmkg holds this lock.
PARSE_LOCK = threading.RLock()


#: the parse trees :func:`_inspect_query` made last, by query text, for the memory engine to
#: translate instead of parsing the same text again (each taken at most once: rdflib's
#: translation changes the tree it is given); a cold ``cmkg query`` parses its query once
_FRESH_PARSES: dict[str, Any] = {}


def take_parse(text: str) -> Any | None:
    """The parse tree :func:`inspect_query` made of ``text``, if not taken yet (call under PARSE_LOCK)."""
    return _FRESH_PARSES.pop(text, None)


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
    if len(_FRESH_PARSES) >= 8:  # a text inspected but never run on the memory engine
        _FRESH_PARSES.pop(next(iter(_FRESH_PARSES)))
    _FRESH_PARSES[text] = parsed
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
    endpoints: list[str] = []
    if "ServiceGraphPattern" in names:
        _service_endpoints(body, endpoints)
    return QueryInfo(
        kind=kind,  # type: ignore[arg-type]
        uses_service="ServiceGraphPattern" in names,
        dataset_iris=tuple(iris),
        service_endpoints=tuple(endpoints),
    )


def refuse_remote_access(info: QueryInfo, who: str = "this engine") -> None:
    """Refuse SERVICE and FROM/FROM NAMED: rdflib would fetch any URL a query names."""
    if info.uses_service:
        raise QueryRefused(f"SERVICE (federated query) is refused: {who} makes no outbound requests")
    if info.dataset_iris:
        raise QueryRefused(f"FROM/FROM NAMED <{info.dataset_iris[0]}> is refused: {who} does not fetch remote graphs")


def check_federation(info: QueryInfo, policy: FederationPolicy | None, who: str = "this engine") -> None:
    """Refuse the remote access a query asks for unless ``policy`` allows every endpoint it names.

    With no policy everything remote is refused (:func:`refuse_remote_access`).
    With one, each ``SERVICE`` must name a full ``http(s)`` IRI under a listed
    prefix; an IP address in it must be public or trusted (names are checked on
    the address they resolve to, when the engine connects, by
    :func:`~cmkg.safety.egress_guard`). ``SERVICE ?var`` is refused: a variable
    endpoint cannot be checked before the query runs. ``FROM``/``FROM NAMED`` is
    refused in any case: federation goes through ``SERVICE`` only.

    Examples
    --------
    >>> policy = FederationPolicy(("https://query.wikidata.org/sparql",))
    >>> check_federation(inspect_query("ASK { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }"), policy)
    >>> check_federation(inspect_query("ASK { SERVICE <https://evil.example/sparql> { ?s ?p ?o } }"), policy)
    Traceback (most recent call last):
    ...
    cmkg.errors.QueryRefused: SERVICE <https://evil.example/sparql> is refused: federation allows only endpoints under https://query.wikidata.org/sparql
    """
    if policy is None or not policy.prefixes:
        if info.uses_service:
            raise QueryRefused(
                f"SERVICE (federated query) is refused: {who} makes no outbound requests "
                "unless the operator allows the endpoint (--federate PREFIX)"
            )
        refuse_remote_access(info, who)
        return
    if info.dataset_iris:
        raise QueryRefused(
            f"FROM/FROM NAMED <{info.dataset_iris[0]}> is refused: {who} does not fetch remote graphs, "
            "even with federation on (name the endpoint with SERVICE instead)"
        )
    import ipaddress
    from urllib.parse import urlsplit

    for endpoint in info.service_endpoints:
        if endpoint.startswith("?"):
            raise QueryRefused(
                f"SERVICE {endpoint} is refused: a variable endpoint cannot be checked against the federation "
                "policy before the query runs (name the endpoint as an IRI)"
            )
        parts = urlsplit(endpoint)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise QueryRefused(
                f"SERVICE {endpoint} is refused: name the endpoint as a full http(s) IRI such as <https://example.org/sparql>"
            )
        if not policy.allows_url(endpoint):
            raise QueryRefused(
                f"SERVICE <{endpoint}> is refused: federation allows only endpoints under {', '.join(policy.prefixes)}"
            )
        try:
            ipaddress.ip_address(parts.hostname)
        except ValueError:
            continue  # a name: judged on the address it resolves to, at connection time
        if not policy.allows_address(parts.hostname):
            raise QueryRefused(
                f"SERVICE <{endpoint}> is refused: {parts.hostname} is a loopback, private or link-local address, "
                "which federation never reaches unless the operator trusts it (--federate-trust)"
            )


class Engine(abc.ABC):
    """A SPARQL 1.1 query engine: embedded rdflib, embedded Oxigraph, or a remote endpoint."""

    #: short name shown to users: memory, oxigraph, remote
    name: str = "engine"
    #: whether the engine answers in this process (False: a remote store, reached over HTTP)
    embedded: bool = True
    #: which endpoints SERVICE may reach (None: none; see :class:`~cmkg.safety.FederationPolicy`)
    federation: FederationPolicy | None = None

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
