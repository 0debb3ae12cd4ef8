"""The explorer's application factory: ``create_app(kg, settings)``.

URL map (system pages live under ``/-/``):

==============================  ==========================================================
``/``                           home page: what is here, classes, search, downloads
``/id/{kind}/{slug}``           an entity: HTML, Turtle, N-Triples, JSON-LD, RDF/XML by
                                ``Accept`` or suffix (``.html .ttl .nt .jsonld .rdf``)
``/ontology``                   the ontology: HTML documentation, or RDF by ``Accept``/suffix
``/sparql``                     SPARQL 1.1 Protocol endpoint (read-only), service description
``/api/queries[/{name}]``       the named queries as an HTTP API (JSON, CSV);
``/api/openapi.json``           described by OpenAPI 3.1
``/.well-known/void``           VoID + DCAT description of the dataset
``/dumps/cmkg.{ttl,nt,nq,…}``   the dumps
``/-/query``                    query editor; ``/-/classes``, ``/-/classes/{prefix-Local}``,
                                ``/-/schemes``, ``/-/search?q=``, ``/-/api``, ``/-/dataset``,
                                ``/-/static/…``
==============================  ==========================================================
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.responses import FileResponse, Response

from cmkg.engine.guarded import GuardedEngine
from cmkg.errors import ResourceNotFound
from cmkg.safety import FederationPolicy
from cmkg.server.cache import CacheStats, ResponseCache
from cmkg.server.render import CSP

if TYPE_CHECKING:
    from cmkg.kg import KnowledgeGraph

__all__ = ["ServerSettings", "ServerState", "create_app", "state"]

STATIC = Path(__file__).resolve().parent / "static"


@dataclass(frozen=True)
class ServerSettings:
    """What the operator chooses when starting the explorer.

    ``timeout`` is the hard limit per query in seconds (a client may ask for less),
    ``max_rows`` the most rows or triples a query returns, ``allow_remote`` passes
    ``SERVICE`` and remote ``FROM`` on to a remote store (``--endpoint``) that
    applies its own policy, ``federation`` lets ``SERVICE`` from the embedded
    memory engine reach the endpoints a :class:`~cmkg.safety.FederationPolicy`
    lists (default: the engine's own policy, usually none),
    ``public_url`` the address the explorer is reached at (for the VoID links;
    default: the address of each request), ``cache_mb`` the memory kept for
    repeated ``GET`` answers (0: no cache) and ``cache_ttl`` how long they stay
    valid when a remote store (``--endpoint``) may change under the explorer (the
    embedded graph cannot change while served, so its answers never expire).
    """

    timeout: float = 30.0
    max_rows: int = 10_000
    allow_remote: bool = False
    public_url: str | None = None
    max_workers: int | None = None
    federation: FederationPolicy | None = None
    cache_mb: float = 64.0
    cache_ttl: float = 300.0


@dataclass
class ServerState:
    """What the routes share: the graph, the guarded engine for user queries, caches."""

    kg: KnowledgeGraph
    settings: ServerSettings
    guarded: GuardedEngine
    cache: dict[str, Any] = field(default_factory=dict)
    responses: CacheStats = field(default_factory=CacheStats)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def cached(self, key: str, make: Any) -> Any:
        """A value computed once (the graph is read-only while served)."""
        with self.lock:
            if key not in self.cache:
                self.cache[key] = make()
            return self.cache[key]

    def base_url(self, request: Request) -> str:
        url = self.settings.public_url or str(request.base_url)
        return url if url.endswith("/") else url + "/"


def state(request: Request) -> ServerState:
    return request.app.state.cmkg  # type: ignore[no-any-return]


def create_app(kg: KnowledgeGraph, settings: ServerSettings | None = None) -> FastAPI:
    """The explorer over ``kg``: pages, SPARQL endpoint, API, dataset description.

    Examples
    --------
    >>> from cmkg import KnowledgeGraph
    >>> app = create_app(KnowledgeGraph.load(), ServerSettings(timeout=10))
    >>> app.state.cmkg.guarded.timeout, app.state.cmkg.guarded.max_rows
    (10.0, 10000)
    """
    from cmkg.server import api, errors, pages, sparql, void

    settings = settings or ServerSettings()
    app = FastAPI(
        title="Cities of Migration Knowledge Graph",
        docs_url=None,  # FastAPI's docs page loads scripts from a CDN; /-/api is ours
        redoc_url=None,
        openapi_url=None,  # /api/openapi.json describes the named queries instead
    )
    app.state.cmkg = ServerState(
        kg=kg,
        settings=settings,
        guarded=GuardedEngine(
            kg.engine, settings.timeout, settings.max_rows, allow_remote=settings.allow_remote,
            max_workers=settings.max_workers, federation=settings.federation,
        ),
    )
    errors.install(app)
    # Public read-only data: any web page may query it (no credentials are ever involved).
    app.add_middleware(
        CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "HEAD", "POST"],
        allow_headers=["Accept", "Content-Type"], expose_headers=["X-Cmkg-Truncated", "X-Cmkg-Seconds"],
    )
    app.add_middleware(HeadAsGet)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.get("/-/static/vendor/vis-network.min.js", include_in_schema=False)
    def vis_network() -> FileResponse:
        return FileResponse(vis_network_path(), media_type="text/javascript")

    from cmkg.engine.remote import RemoteEngine

    # Outermost, so a stored answer already carries the security and CORS headers.
    app.add_middleware(
        ResponseCache, max_bytes=int(settings.cache_mb * 2**20), stats=app.state.cmkg.responses,
        ttl=settings.cache_ttl if isinstance(kg.engine, RemoteEngine) else None,
    )
    app.mount("/-/static", StaticFiles(directory=STATIC), name="static")
    for module in (sparql, api, void, pages):
        app.include_router(module.router)
    return app


class HeadAsGet:
    """Answer ``HEAD`` like ``GET`` without the body (linked-data clients check IRIs with HEAD)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Any) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


def vis_network_path() -> Path:
    """vis-network as shipped inside the installed pyvis package (no CDN)."""
    import pyvis

    root = Path(pyvis.__file__).parent
    found = sorted(root.glob("lib/vis-*/vis-network.min.js")) or sorted(root.glob("templates/lib/vis-*/vis-network.min.js"))
    if not found:
        raise ResourceNotFound("vis-network is not in the installed pyvis package")
    return found[-1]

