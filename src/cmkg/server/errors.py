"""One error shape for every error: ``{"error": {"status": 4xx, "message": "…"}}``, or an HTML page for a browser.

Never a stack trace or a file path: an unexpected exception becomes a 500 with
a generic sentence (the details go to the server log only).
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, JSONResponse, Response

from cmkg.errors import CmkgError
from cmkg.server.negotiation import choose
from cmkg.server.render import SERVER, render

__all__ = ["install", "error_response"]

log = logging.getLogger("cmkg.server")


def error_response(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """The error in the shape the client reads: HTML for a browser, JSON otherwise."""
    wants = choose(request.headers.get("accept"), ["application/json", "text/html"])
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    if wants == "text/html":
        body = render("error.html", SERVER, status=status, reason=reason, message=message)
        return HTMLResponse(body, status_code=status, headers=headers)
    return JSONResponse({"error": {"status": status, "message": message}}, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(CmkgError)
    async def cmkg_error(request: Request, exc: CmkgError) -> Response:
        return error_response(request, exc.status_code, str(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        if exc.status_code == 404 and message == "Not Found":
            message = f"nothing is served at {request.url.path}"
        if exc.status_code == 405 and message == "Method Not Allowed":
            message = f"{request.method} is not allowed on {request.url.path}"
        return error_response(request, exc.status_code, message, dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "body", "path"))
        return error_response(request, 400, f"parameter {where!r}: {first.get('msg', 'invalid value')}")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        return error_response(request, 500, "the server hit an unexpected error; the operator's log has the details")
