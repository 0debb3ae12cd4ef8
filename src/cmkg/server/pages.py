"""HTML pages and dereferenceable IRIs: home, entities, classes, schemes, search, ontology, query, API."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response

from cmkg.errors import ResourceNotFound, UnsupportedFormat
from cmkg.server import ego, views
from cmkg.server.app import ServerState, state
from cmkg.server.negotiation import ENTITY_TYPES, HTML, RDF_TYPES, SUFFIXES, choose, serialise_graph
from cmkg.server.ontology_docs import ontology_doc, ontology_graph
from cmkg.server.render import SERVER, render
from cmkg.void import dump_files

__all__ = ["router", "entity_response"]

router = APIRouter()
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_ALTERNATES = [(mt, suffix) for suffix, mt in SUFFIXES.items() if mt != HTML]


def _html(body: str) -> HTMLResponse:
    return HTMLResponse(body, headers={"Vary": "Accept"})


def _negotiate(request: Request, suffix: str | None, offers: tuple[str, ...]) -> str:
    if suffix is not None:
        if suffix not in SUFFIXES or SUFFIXES[suffix] not in offers:
            raise UnsupportedFormat(f"no {suffix!r} representation; try {', '.join(s for s in SUFFIXES if SUFFIXES[s] in offers)}")
        return SUFFIXES[suffix]
    fmt = request.query_params.get("format")
    accept = request.headers.get("accept")
    if fmt:
        from cmkg.server.negotiation import FORMAT_NAMES

        accept = FORMAT_NAMES.get(fmt.lower(), fmt)
    chosen = choose(accept, offers)
    if chosen is None:
        raise UnsupportedFormat(f"this resource is available as {', '.join(offers)}, not as {accept!r}")
    return chosen


def _split_suffix(slug: str) -> tuple[str, str | None]:
    for suffix in SUFFIXES:
        if slug.endswith(suffix):
            return slug[: -len(suffix)], suffix
    return slug, None


@router.get("/")
def home(request: Request) -> HTMLResponse:
    st = state(request)
    counts = st.cached("home:counts", lambda: views.home_counts(st.kg))
    classes = st.cached("classes", lambda: views.classes(st.kg))
    return _html(render("home.html", SERVER, title="Home", counts=counts, classes=views.home_classes(classes), dumps=dump_files()))


def entity_response(st: ServerState, request: Request, kind: str, slug: str) -> Response:
    slug, suffix = _split_suffix(slug)
    if not _SLUG.match(kind) or not _SLUG.match(slug):
        raise ResourceNotFound(f"/id/{kind}/{slug} is not a resource IRI of this graph")
    iri = f"{views.ID_NS}{kind}/{slug}"
    media_type = _negotiate(request, suffix, ENTITY_TYPES)
    if media_type != HTML:
        g = views.entity_graph(st.kg, iri)
        if not len(g):
            raise ResourceNotFound(f"the graph has nothing about <{iri}>")
        return Response(serialise_graph(g, media_type), media_type=media_type, headers={"Vary": "Accept"})
    e = views.entity(st.kg, iri)
    if e is None:
        raise ResourceNotFound(f"the graph has nothing about <{iri}>")
    network = st.cached("actor-network", lambda: ego.actor_network(st.kg))
    drawing = ego.ego_network(st.kg, e, network=network)
    page = _html(render("entity.html", SERVER, title=e.label, e=e, ego=drawing, path=f"id/{kind}/{slug}", alternates=_ALTERNATES))
    # The other representations, for clients that read headers rather than HTML.
    page.headers["Link"] = ", ".join(f'</id/{kind}/{slug}{suffix}>; rel="alternate"; type="{mt}"' for mt, suffix in _ALTERNATES)
    return page


@router.get("/id/{kind}/{slug}")
async def entity_page(kind: str, slug: str, request: Request) -> Response:
    return await run_in_threadpool(entity_response, state(request), request, kind, slug)


@router.get("/-/classes")
def classes_page(request: Request) -> HTMLResponse:
    st = state(request)
    return _html(render("classes.html", SERVER, title="Browse", classes=st.cached("classes", lambda: views.classes(st.kg))))


@router.get("/-/classes/{name}")
def class_page(name: str, request: Request) -> HTMLResponse:
    st = state(request)
    iri = views.from_curie(name)
    if iri is None:
        raise ResourceNotFound(f"no class {name!r}; /-/classes lists them")
    members, truncated = views.class_members(st.kg, iri)
    known = {c.iri: c for c in st.cached("classes", lambda: views.classes(st.kg))}
    if not members and iri not in known:
        raise ResourceNotFound(f"no instances of {views.curie(iri)}; /-/classes lists the classes")
    c = known.get(iri)
    return _html(render("class.html", SERVER, title=c.label if c else name, label=c.label if c else views.curie(iri),
                        comment=c.description if c else "", iri=iri, members=members, truncated=truncated))


@router.get("/-/schemes")
def schemes_page(request: Request) -> HTMLResponse:
    st = state(request)
    return _html(render("schemes.html", SERVER, title="Concept schemes", schemes=views.schemes(st.kg)))


@router.get("/-/search")
def search_page(request: Request, q: str = "") -> HTMLResponse:
    st = state(request)
    text = q[:200]
    results = views.search(st.kg, text)
    return _html(render("search.html", SERVER, title="Search", query_text=text, results=results, limit=100))


@router.get("/ontology")
def ontology_page(request: Request) -> Response:
    return _ontology(request, None)


@router.get("/ontology.{ext}")
def ontology_file(ext: str, request: Request) -> Response:
    return _ontology(request, "." + ext)


def _ontology(request: Request, suffix: str | None) -> Response:
    st = state(request)
    media_type = _negotiate(request, suffix, (HTML, *RDF_TYPES))
    if media_type == HTML:
        doc = st.cached("ontology:doc", lambda: ontology_doc(st.kg))
        return _html(render("ontology.html", SERVER, title="Ontology", doc=doc))
    g = st.cached("ontology:graph", lambda: ontology_graph(st.kg))
    return Response(serialise_graph(g, media_type), media_type=media_type, headers={"Vary": "Accept"})


@router.get("/-/query")
def query_page(request: Request) -> HTMLResponse:
    st = state(request)
    queries = list(st.kg.catalogue.values())
    catalogue = [
        {"name": q.name, "summary": q.summary, "description": q.description,
         "query": "\n".join(line for line in q.text.splitlines() if not line.startswith("#+")).lstrip("\n"),
         "params": [{"name": p.name, "type": p.type, "description": p.description, "example": p.example,
                     "optional": p.optional} for p in q.params]}
        for q in queries
    ]
    initial = "PREFIX cmo: <https://w3id.org/cmkg/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n\n" \
              "SELECT ?city ?label WHERE {\n  ?city a cmo:City ; rdfs:label ?label .\n}\nORDER BY ?label\nLIMIT 50\n"
    return _html(render("query.html", SERVER, title="Query", queries=queries, catalogue=catalogue, initial=initial,
                        max_timeout=st.settings.timeout))


@router.get("/-/api")
def api_page(request: Request) -> HTMLResponse:
    st = state(request)
    return _html(render("api.html", SERVER, title="HTTP API", queries=list(st.kg.catalogue.values()),
                        timeout=st.settings.timeout, max_rows=st.settings.max_rows))
