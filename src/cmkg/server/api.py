"""The named queries of the catalogue as an HTTP API, described by OpenAPI (as grlc does).

``GET /api/queries`` lists them; ``GET /api/queries/{name}?param=value`` runs one
(JSON by default, CSV by ``Accept: text/csv``, a ``.csv``/``.json``/``.tsv``
suffix or ``format=``); ``GET /api/openapi.json`` describes every one.
Parameters are bound as typed RDF terms, never pasted into the query text.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from cmkg import __version__ as _version
from cmkg.catalogue import NamedQuery
from cmkg.server.app import state
from cmkg.server.sparql import run_and_respond, run_watching_client

__all__ = ["router", "openapi_document", "query_summary"]

router = APIRouter()
_RESERVED = {"timeout", "format", "download"}
_SUFFIXES = {".csv": "text/csv", ".json": "application/sparql-results+json", ".tsv": "text/tab-separated-values"}
_SCHEMA = {
    "literal": {"type": "string"}, "iri": {"type": "string", "format": "iri"}, "integer": {"type": "integer"},
    "decimal": {"type": "number"}, "year": {"type": "string", "pattern": "^-?[0-9]{4}$"},
    "date": {"type": "string", "format": "date"}, "boolean": {"type": "boolean"},
}


def query_summary(q: NamedQuery) -> dict[str, Any]:
    return {
        "name": q.name, "summary": q.summary, "description": q.description, "tags": list(q.tags), "kind": q.kind,
        "group": q.group, "url": f"/api/queries/{q.name}",
        "params": [
            {"name": p.name, "type": p.type, "description": p.description, "example": p.example, "optional": p.optional}
            for p in q.params
        ],
    }


def openapi_document(queries: list[NamedQuery], server_url: str = "/") -> dict[str, Any]:
    """OpenAPI 3.1: one GET operation per named query, its parameters typed, JSON and CSV responses."""
    paths: dict[str, Any] = {}
    error = {"description": "An error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for q in queries:
        params = [
            {"name": p.name, "in": "query", "required": not p.optional, "description": p.description or p.name,
             "schema": _SCHEMA.get(p.type, {"type": "string"}), **({"example": p.example} if p.example is not None else {})}
            for p in q.params
        ]
        params.append({"name": "timeout", "in": "query", "required": False,
                       "description": "Seconds before the query is stopped (at most the server's limit)",
                       "schema": {"type": "number", "exclusiveMinimum": 0}})
        paths[f"/api/queries/{q.name}"] = {"get": {
            "operationId": q.name.replace("-", "_"), "summary": q.summary, "description": q.description,
            "tags": list(q.tags) or [q.group or "queries"], "parameters": params,
            "responses": {
                "200": {"description": "The results; `X-Cmkg-Truncated: true` when cut at the row limit",
                        "headers": {"X-Cmkg-Truncated": {"schema": {"type": "boolean"}}},
                        "content": {"application/sparql-results+json": {"schema": {"type": "object"}},
                                    "text/csv": {"schema": {"type": "string"}}}},
                "400": error, "404": error, "406": error, "503": error,
            },
        }}
    paths["/api/queries"] = {"get": {"operationId": "list_queries", "summary": "The named queries and their parameters",
                                      "responses": {"200": {"description": "List", "content": {"application/json": {}}}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Cities of Migration Knowledge Graph: named queries", "version": _version,
                 "description": "Each named query of the cmkg catalogue as a GET endpoint.",
                 "license": {"name": "CC-BY-4.0 (data)", "identifier": "CC-BY-4.0"}},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": {"Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
            "status": {"type": "integer"}, "message": {"type": "string"}}}}}}},
    }


@router.get("/api/queries")
def list_queries(request: Request) -> JSONResponse:
    st = state(request)
    return JSONResponse({"queries": [query_summary(q) for q in st.kg.catalogue.values()]})


@router.get("/api/openapi.json")
def openapi(request: Request) -> JSONResponse:
    st = state(request)
    return JSONResponse(openapi_document(list(st.kg.catalogue.values()), st.base_url(request)))


@router.get("/api/queries/{name}")
async def run_named(name: str, request: Request) -> Response:
    st = state(request)
    params = parse_qs(request.url.query, keep_blank_values=True)
    accept = request.headers.get("accept")
    for suffix, media_type in _SUFFIXES.items():
        if name.endswith(suffix):
            name, accept = name[: -len(suffix)], media_type
            params.pop("format", None)
    q = st.kg.catalogue[name]
    values: dict[str, str] = {}
    for key, vals in params.items():
        if key in _RESERVED:
            continue
        if len(vals) > 1:
            from cmkg.errors import QueryParameterError

            raise QueryParameterError(f"parameter {key!r} is given {len(vals)} times")
        values[key] = vals[0]
    bindings = q.bindings(values)
    # like /sparql: a client that hangs up stops its query's worker at once
    return await run_watching_client(request, run_and_respond, st, q.text, params, accept, bindings, q.name)
