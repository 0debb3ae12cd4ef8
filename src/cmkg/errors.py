"""Exceptions raised by cmkg.

Every error a user can cause is a :class:`CmkgError` whose message is one
sentence naming what is wrong and where. The CLI prints that sentence and exits
non-zero; the server turns it into one JSON error shape with a status code.
"""

from __future__ import annotations

__all__ = [
    "CmkgError",
    "DataFileError",
    "QuerySyntaxError",
    "QueryNotFound",
    "QueryParameterError",
    "QueryHeaderError",
    "QueryTimeout",
    "QueryRefused",
    "ValidationFailed",
    "EndpointError",
    "ResourceNotFound",
    "UnsupportedFormat",
]


class CmkgError(Exception):
    """Base class of every error a user of cmkg can cause."""

    #: HTTP status the server answers with for this error.
    status_code: int = 400


class DataFileError(CmkgError):
    """An RDF file could not be read or parsed (the message names file and line)."""


class QuerySyntaxError(CmkgError):
    """A SPARQL query does not parse (the message names line and column)."""


class QueryNotFound(CmkgError):
    """No named query in the catalogue has this name."""

    status_code = 404


class QueryParameterError(CmkgError):
    """A named-query parameter is missing, unknown or of the wrong type."""


class QueryHeaderError(CmkgError):
    """The metadata header of a named query file does not parse."""

    status_code = 500


class QueryTimeout(CmkgError):
    """A query ran past its time limit and was stopped."""

    status_code = 503


class QueryRefused(CmkgError):
    """A query asks for something the engine will not do (update, SERVICE, remote FROM)."""

    status_code = 403


class ValidationFailed(CmkgError):
    """The graph does not conform to its SHACL shapes or check queries."""

    status_code = 422


class EndpointError(CmkgError):
    """A remote SPARQL endpoint is unreachable or answered with an error."""

    status_code = 502


class ResourceNotFound(CmkgError):
    """No resource in the graph matches the given label or IRI."""

    status_code = 404


class UnsupportedFormat(CmkgError):
    """An output or input format is not one cmkg knows."""

    status_code = 406
