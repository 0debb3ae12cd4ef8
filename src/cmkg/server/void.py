"""``/.well-known/void`` (VoID + DCAT by content negotiation), ``/-/dataset`` and the dumps."""

from __future__ import annotations

from collections import OrderedDict

from fastapi import APIRouter, Request
from rdflib import Graph
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response

from cmkg.errors import ResourceNotFound, UnsupportedFormat
from cmkg.export import FORMATS, serialise
from cmkg.server.app import ServerState, state
from cmkg.server.negotiation import RDF_TYPES, TURTLE, choose, serialise_graph
from cmkg.server.render import SERVER, render
from cmkg.void import describe_dataset, dump_files

__all__ = ["router", "void_graph", "dump_bytes"]

router = APIRouter()


_VOID_BASES = 4  # the description names the address it was asked at; keep a few, not one per Host header


def void_graph(st: ServerState, request: Request) -> Graph:
    base = st.base_url(request)
    with st.lock:
        kept: OrderedDict[str, Graph] = st.cache.setdefault("void", OrderedDict())
        if base in kept:
            kept.move_to_end(base)
            return kept[base]
    g = describe_dataset(st.kg, base_url=base, endpoint_url=base + "sparql")
    with st.lock:
        kept[base] = g
        while len(kept) > _VOID_BASES:
            kept.popitem(last=False)
    return g


def dump_bytes(st: ServerState, fmt: str) -> bytes:
    return st.cached(f"dump:{fmt}", lambda: serialise(st.kg.dataset, fmt))  # type: ignore[no-any-return]


@router.get("/.well-known/void")
async def well_known_void(request: Request) -> Response:
    st = state(request)
    chosen = choose(request.headers.get("accept"), (*RDF_TYPES, "text/html"))
    if chosen is None:
        raise UnsupportedFormat("the dataset description is available as Turtle, N-Triples, JSON-LD, RDF/XML or HTML")
    if chosen == "text/html":
        return await dataset_page(request)
    g = await run_in_threadpool(void_graph, st, request)
    return Response(serialise_graph(g, chosen), media_type=chosen, headers={"Vary": "Accept"})


@router.get("/-/dataset")
async def dataset_page(request: Request) -> HTMLResponse:
    st = state(request)
    g = await run_in_threadpool(void_graph, st, request)
    dumps = [(name, FORMATS[fmt][3], FORMATS[fmt][2]) for fmt, name in dump_files().items()]
    body = render("dataset.html", SERVER, title="Dataset", dumps=dumps, turtle=serialise_graph(g, TURTLE).decode("utf-8"))
    return HTMLResponse(body, headers={"Vary": "Accept"})


@router.get("/dumps/{name}")
async def dump(name: str, request: Request) -> Response:
    st = state(request)
    by_name = {file: fmt for fmt, file in dump_files().items()}
    if name not in by_name:
        raise ResourceNotFound(f"no dump called {name!r}; there are: {', '.join(by_name)}")
    fmt = by_name[name]
    data = await run_in_threadpool(dump_bytes, st, fmt)
    return Response(data, media_type=FORMATS[fmt][3], headers={"Content-Disposition": f'attachment; filename="{name}"'})
