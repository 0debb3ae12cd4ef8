"""``/sparql``: the SPARQL 1.1 Protocol, read-only, under the guarded engine's limits.

Queries come by GET (``?query=``), by POST form (``query=``) or by POST with the
query as the body (``application/sparql-query``). Every update form is refused
with 403 before anything runs. Results are chosen by ``Accept`` or by a
``format``/``output`` parameter (what SPARQLWrapper and most clients send).
Without a query, the endpoint answers with its service description.
"""

from __future__ import annotations

import asyncio
from typing import Any
import threading
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from starlette.exceptions import HTTPException
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF
from starlette.responses import RedirectResponse, Response

from cmkg.engine.guarded import Outcome
from cmkg.errors import CmkgError, QueryRefused, UnsupportedFormat
from cmkg.results import ResultTable
from cmkg.server.app import ServerState, state
from cmkg.server.formats import TABLE_TYPES, ask_to_json, ask_to_xml, render_table
from cmkg.server.negotiation import FORMAT_NAMES, RDF_TYPES, choose, serialise_graph
from cmkg.void import DATASET

__all__ = ["router", "run_and_respond", "parse_timeout"]

router = APIRouter()
#: Longest query text accepted (Wikidata's examples are all far shorter).
MAX_QUERY_CHARS = 50_000
#: Longest URL query string accepted: a query of MAX_QUERY_CHARS, percent-encoded, fits.
MAX_URL_QUERY_CHARS = 3 * MAX_QUERY_CHARS
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
GRAPH_TYPES = tuple(RDF_TYPES)
_UPDATE_REFUSED = "SPARQL updates (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE …) are refused: this endpoint is read-only"
_SUFFIX = {
    "application/sparql-results+json": "json", "application/json": "json", "application/sparql-results+xml": "xml",
    "application/xml": "xml", "text/csv": "csv", "text/tab-separated-values": "tsv", "text/turtle": "ttl",
    "application/n-triples": "nt", "application/ld+json": "jsonld", "application/rdf+xml": "rdf",
}


def parse_timeout(values: list[str]) -> float | None:
    if not values or values[-1] == "":
        return None
    try:
        seconds = float(values[-1])
    except ValueError:
        raise CmkgError(f"parameter 'timeout': {values[-1][:40]!r} is not a number of seconds") from None
    if seconds <= 0:
        raise CmkgError("parameter 'timeout' must be a positive number of seconds")
    return seconds


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name) or []
    if len(values) > 1:
        raise CmkgError(f"parameter {name!r} is given {len(values)} times; the protocol allows one")
    return values[0] if values else None


def _requested_type(params: dict[str, list[str]], accept: str | None, kind: str) -> str:
    """The media type to answer with, from ``format``/``output`` if given, else from ``Accept``."""
    offers = GRAPH_TYPES if kind in ("construct", "describe") else TABLE_TYPES
    for key in ("format", "output", "results"):
        value = (params.get(key) or [""])[-1].strip().lower()
        if not value:
            continue
        if value == "json":
            return "application/ld+json" if offers is GRAPH_TYPES else "application/sparql-results+json"
        if value == "xml":
            return "application/rdf+xml" if offers is GRAPH_TYPES else "application/sparql-results+xml"
        named = FORMAT_NAMES.get(value, value)
        chosen = choose(named, offers)
        if chosen is None:
            raise UnsupportedFormat(f"parameter {key!r}: a {kind.upper()} result cannot be given as {value!r}")
        return chosen
    chosen = choose(accept, offers)
    if chosen is None:
        raise UnsupportedFormat(
            f"a {kind.upper()} result can be given as {', '.join(offers[:4] if offers is TABLE_TYPES else offers)}, "
            f"not as {accept!r}"
        )
    return chosen


def respond(outcome: Outcome, media_type: str, *, download: bool = False, name: str = "results") -> Response:
    """The HTTP response for a query outcome in ``media_type``, with the truncation header."""
    result = outcome.result
    if isinstance(result, ResultTable):
        body: bytes | str = render_table(result, media_type)
    elif isinstance(result, bool):
        if media_type in ("text/csv", "text/tab-separated-values"):
            body = "_askResult\n" + ("true" if result else "false") + "\n"
        elif "xml" in media_type:
            body = ask_to_xml(result)
        else:
            body = ask_to_json(result)
    else:
        assert isinstance(result, Graph)
        body = serialise_graph(result, media_type)
    charset = "; charset=utf-8" if media_type.startswith("text/") or "json" in media_type or "xml" in media_type else ""
    headers = {
        "Vary": "Accept",
        "X-Cmkg-Truncated": "true" if outcome.truncated else "false",
        "X-Cmkg-Seconds": f"{outcome.seconds:.3f}",
        "Cache-Control": "no-store",
    }
    if download:
        headers["Content-Disposition"] = f'attachment; filename="{name}.{_SUFFIX.get(media_type, "txt")}"'
    return Response(body, media_type=media_type + charset, headers=headers)


def run_and_respond(
    st: ServerState, text: str, params: dict[str, list[str]], accept: str | None, bindings: dict | None = None,
    name: str = "results", cancel: threading.Event | None = None,
) -> Response:
    kind = st.guarded.check(text)
    media_type = _requested_type(params, accept, kind)  # before running: a 406 costs no work
    outcome = st.guarded.run(text, bindings, timeout=parse_timeout(params.get("timeout", [])), cancel=cancel)
    # An explicit format (the query page's download links) comes as a file to save.
    download = bool(params.get("format") or params.get("download"))
    return respond(outcome, media_type, download=download, name=name)


async def _params(request: Request) -> dict[str, list[str]]:
    if len(request.url.query) > MAX_URL_QUERY_CHARS:
        # Checked before parsing: a huge query string costs nothing to refuse.
        raise HTTPException(
            414, f"the URL's query string is {len(request.url.query):,} characters long; this endpoint takes at most "
            f"{MAX_URL_QUERY_CHARS:,} (send a long query by POST)",
        )
    params = parse_qs(request.url.query, keep_blank_values=True)
    if request.method == "POST":
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > 4 * MAX_QUERY_CHARS:
            raise HTTPException(413, f"the request body is {int(declared):,} bytes; this endpoint takes at most {4 * MAX_QUERY_CHARS:,}")
        body = (await request.body()).decode("utf-8", "replace")
        if ctype == "application/sparql-update":
            raise QueryRefused(_UPDATE_REFUSED)
        if ctype == "application/sparql-query":
            params.setdefault("query", []).append(body)
        elif ctype in ("application/x-www-form-urlencoded", ""):
            for key, values in parse_qs(body, keep_blank_values=True).items():
                params.setdefault(key, []).extend(values)
        elif ctype == "multipart/form-data":
            form = await request.form()
            for key, value in form.multi_items():
                if isinstance(value, str):
                    params.setdefault(key, []).append(value)
        else:
            raise UnsupportedFormat(
                f"a POST to /sparql must be application/x-www-form-urlencoded or application/sparql-query, not {ctype!r}"
            )
    return params


@router.api_route("/sparql", methods=["GET", "POST"])
async def sparql_endpoint(request: Request) -> Response:
    st = state(request)
    params = await _params(request)
    if "update" in params:
        raise QueryRefused(_UPDATE_REFUSED)
    for key in ("default-graph-uri", "named-graph-uri", "using-graph-uri", "using-named-graph-uri"):
        if params.get(key):
            raise QueryRefused(f"parameter {key!r} is not supported: name graphs with GRAPH inside the query instead")
    text = _one(params, "query")
    if text is not None and len(text) > MAX_QUERY_CHARS:
        # Parsing happens before the worker is forked, so a huge text would be parsed unguarded.
        if request.method == "GET":
            raise HTTPException(414, f"the query is {len(text):,} characters long; this endpoint takes at most {MAX_QUERY_CHARS:,}")
        raise HTTPException(413, f"the query is {len(text):,} characters long; this endpoint takes at most {MAX_QUERY_CHARS:,}")
    if text is None or not text.strip():
        return service_description(request, st)
    return await run_watching_client(request, run_and_respond, st, text, params, request.headers.get("accept"))


async def run_watching_client(request: Request, func: Any, *args: Any, **kwargs: Any) -> Response:
    """Run ``func`` (which takes ``cancel=``) in a thread; if the client hangs up meanwhile, set ``cancel``.

    The guarded engine then kills the query's worker at once: an abandoned request
    must not keep a core busy until its deadline.
    """
    from starlette.concurrency import run_in_threadpool

    cancel = threading.Event()
    task = asyncio.ensure_future(run_in_threadpool(func, *args, cancel=cancel, **kwargs))
    # After the body, the next ASGI message is http.disconnect: wait for it beside the query.
    # (request.is_disconnected() only peeks, which misses the hang-up behind the middleware.)
    watch = asyncio.ensure_future(_hang_up(request))
    try:
        done, _ = await asyncio.wait({task, watch}, return_when=asyncio.FIRST_COMPLETED)
        if task not in done:
            cancel.set()  # the worker is killed within 0.1 s; the response goes nowhere
        return await task
    finally:
        watch.cancel()
        cancel.set()  # also when this coroutine itself is cancelled


async def _hang_up(request: Request) -> None:
    try:
        if request.method == "GET":
            await request.body()  # consume the empty body so the next message is the disconnect
        while (await request.receive())["type"] != "http.disconnect":
            pass
    except Exception:  # noqa: BLE001 - a broken connection is a hang-up too
        return


def service_description(request: Request, st: ServerState) -> Response:
    """The SPARQL 1.1 Service Description, or the query page for a browser."""
    offers = (*RDF_TYPES, "text/html")
    chosen = choose(request.headers.get("accept"), offers)
    if chosen == "text/html":
        return RedirectResponse("/-/query", status_code=303)
    if chosen is None:
        raise UnsupportedFormat("the service description is available as Turtle, N-Triples, JSON-LD or RDF/XML")
    endpoint = URIRef(st.base_url(request) + "sparql")
    g = Graph()
    g.bind("sd", SD)
    g.bind("void", "http://rdfs.org/ns/void#")
    svc = URIRef(str(endpoint) + "#service")
    g.add((svc, RDF.type, SD.Service))
    g.add((svc, SD.endpoint, endpoint))
    g.add((svc, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((svc, SD.feature, SD.UnionDefaultGraph))
    if st.guarded.federates:
        g.add((svc, SD.feature, SD.BasicFederatedQuery))
    for fmt in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        g.add((svc, SD.resultFormat, URIRef("http://www.w3.org/ns/formats/" + fmt)))
    ds = URIRef(str(endpoint) + "#dataset")
    g.add((svc, SD.defaultDataset, ds))
    g.add((ds, RDF.type, SD.Dataset))
    g.add((ds, URIRef("http://rdfs.org/ns/void#inDataset"), DATASET))
    g.add((svc, URIRef("http://www.w3.org/2000/01/rdf-schema#comment"), Literal(
        f"Read-only. Each query stops after {st.settings.timeout:g} s and returns at most {st.settings.max_rows} rows "
        "(a cut result carries the header X-Cmkg-Truncated: true). "
        + st.guarded.remote_access(), lang="en")))
    return Response(serialise_graph(g, chosen), media_type=chosen, headers={"Vary": "Accept"})
