"""Any SPARQL 1.1 endpoint, through SPARQLWrapper.

Parameters are never pasted into the query text as strings: each bound value
is written as one RDF term inside a ``VALUES`` block placed in the query's
outermost group graph pattern (:mod:`cmkg.engine.binding`). That gives the same
results as rdflib's ``initBindings`` on the embedded engine, also for a bound
variable that the query does not project.
"""

from __future__ import annotations

import math
import re
import http.client
import socket
import urllib.error
from collections.abc import Mapping
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from cmkg.engine.base import Engine, QueryResult, inspect_query
from cmkg.safety import resolve_codepoint_escapes
from cmkg.engine.binding import inject_values, sparql_term, substitute, values_block
from cmkg.errors import EndpointError, QuerySyntaxError, QueryTimeout
from cmkg.results import ResultTable

__all__ = ["RemoteEngine", "inject_values", "sparql_term", "values_block"]


def _term_from_json(cell: Mapping[str, Any]) -> Node:
    kind = cell.get("type")
    value = cell.get("value", "")
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if kind in ("literal", "typed-literal"):
        if "xml:lang" in cell:
            return Literal(value, lang=cell["xml:lang"])
        dt = cell.get("datatype")
        return Literal(value, datatype=URIRef(dt) if dt else None)
    raise EndpointError(f"the endpoint answered with an RDF term of unknown type {kind!r}")


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class RemoteEngine(Engine):
    """A remote SPARQL 1.1 query endpoint, reached with SPARQLWrapper over HTTP POST.

    A timeout is always set (``timeout`` seconds, default 30), so an endpoint
    that hangs cannot hang cmkg. Updates are refused here as on the embedded
    engines: use :func:`cmkg.publish.publish` to write to a store.
    """

    name = "remote"
    embedded = False

    def __init__(self, url: str, *, timeout: float = 30.0, user_agent: str = "cmkg (+https://w3id.org/cmkg)") -> None:
        if not re.match(r"^https?://", url or ""):
            raise EndpointError(f"endpoint {url!r} is not an http(s) URL")
        if not timeout or timeout <= 0:
            raise EndpointError("the endpoint timeout must be a positive number of seconds")
        self.url = url
        self.timeout = float(timeout)
        self.user_agent = user_agent

    def _wrapper(self, text: str, kind: str, fmt: str, timeout: float | None) -> Any:
        import warnings

        from SPARQLWrapper import POST, URLENCODED, SPARQLWrapper

        sw = SPARQLWrapper(self.url, agent=self.user_agent)
        sw.setMethod(POST)
        sw.setRequestMethod(URLENCODED)  # long VALUES blocks fit in a POST body, not in a URL
        sw.setTimeout(max(1, math.ceil(timeout or self.timeout)))
        sw.setReturnFormat(fmt)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sw.setQuery(text)
        # We parsed the query already; SPARQLWrapper's regex guess could be fooled by comments.
        sw.queryType = kind.upper()
        return sw

    def _send(self, text: str, kind: str, fmt: str, timeout: float | None) -> bytes:
        from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

        sw = self._wrapper(text, kind, fmt, timeout)
        try:
            response = sw.query().response
            return response.read()
        except QueryBadFormed as err:
            raise QuerySyntaxError(f"the endpoint {self.url} rejected the query: {_one_line(_detail(err))}") from None
        except SPARQLWrapperException as err:
            raise EndpointError(f"the endpoint {self.url} answered with an error: {_one_line(_detail(err))}") from None
        except urllib.error.HTTPError as err:
            body = err.read().decode("utf-8", "replace") if err.fp else ""
            raise EndpointError(f"the endpoint {self.url} answered HTTP {err.code}: {_one_line(body or err.reason)}") from None
        except urllib.error.URLError as err:
            if isinstance(err.reason, (TimeoutError, socket.timeout)):
                raise QueryTimeout(f"the endpoint {self.url} did not answer within {timeout or self.timeout:g} seconds") from None
            raise EndpointError(f"cannot reach the endpoint {self.url}: {_one_line(str(err.reason))}") from None
        except http.client.HTTPException:
            # e.g. IncompleteRead: the store closed the connection mid-answer
            raise EndpointError(
                f"the endpoint {self.url} closed the connection before its answer was complete"
            ) from None
        except (TimeoutError, socket.timeout):
            raise QueryTimeout(f"the endpoint {self.url} did not answer within {timeout or self.timeout:g} seconds") from None
        except (ConnectionError, OSError) as err:
            raise EndpointError(f"cannot reach the endpoint {self.url}: {_one_line(str(err))}") from None

    def query(
        self,
        text: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        timeout: float | None = None,
    ) -> QueryResult:
        # send exactly the text that was checked (rdflib and other stores read \uXXXX escapes differently)
        text = resolve_codepoint_escapes(text)
        info = inspect_query(text)  # refuses updates and reports syntax errors with line and column
        if bindings:
            # each value written in place of its variable where a constant may stand: Oxigraph and
            # other stores plan around a constant far better than around VALUES (engine/binding.py)
            written, left = substitute(text, bindings)
            if written != text:
                try:
                    return self._run(inject_values(written, left) if left else written, info, timeout)
                except QuerySyntaxError:
                    pass  # a literal where only an IRI may stand: send the VALUES form instead
            text = inject_values(text, bindings)
        return self._run(text, info, timeout)

    def _run(self, text: str, info: Any, timeout: float | None) -> QueryResult:
        if info.kind in ("select", "ask"):
            import json

            raw = self._send(text, info.kind, "json", timeout)
            try:
                doc = json.loads(raw)
            except ValueError:
                said = _one_line(raw.decode("utf-8", "replace"), 200)
                raise EndpointError(
                    f"the endpoint {self.url} did not answer with SPARQL results JSON" + (f" (it sent: {said})" if said else "")
                ) from None
            if info.kind == "ask":
                if "boolean" not in doc:
                    raise EndpointError(f"the endpoint {self.url} answered an ASK query without a boolean")
                return bool(doc["boolean"])
            try:
                columns = list(doc["head"].get("vars", []))
                rows = [
                    tuple(_term_from_json(b[c]) if c in b else None for c in columns)
                    for b in doc["results"]["bindings"]
                ]
            except (KeyError, TypeError, AttributeError):
                raise EndpointError(f"the endpoint {self.url} answered with malformed SPARQL results JSON") from None
            return ResultTable.from_rows(columns, rows)
        raw = self._send(text, info.kind, "n3", timeout)  # asks for Turtle or N-Triples
        g = Graph()
        try:
            g.parse(data=raw.decode("utf-8"), format="turtle")
        except Exception as err:
            raise EndpointError(f"the endpoint {self.url} answered with RDF cmkg cannot parse: {_one_line(str(err))}") from None
        from cmkg.loading import PREFIXES

        for prefix, ns in PREFIXES.items():
            g.bind(prefix, ns, override=True)
        return g

    def __repr__(self) -> str:
        return f"<RemoteEngine {self.url}>"


def _detail(err: Exception) -> str:
    # SPARQLWrapper prefixes its messages with a generic sentence and appends the server's answer.
    msg = str(err)
    if "Response:" in msg:
        msg = msg.split("Response:", 1)[1].strip()
        if msg.startswith("b'") or msg.startswith('b"'):
            msg = msg[2:-1].encode("utf-8").decode("unicode_escape", "replace")
    return msg
