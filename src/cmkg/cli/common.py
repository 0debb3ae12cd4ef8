"""Options and helpers shared by the verbs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from cmkg.errors import CmkgError

__all__ = ["EndpointOpt", "EngineOpt", "StoreOpt", "open_kg"]

EndpointOpt = Annotated[
    Optional[str], typer.Option("--endpoint", help="Query a remote SPARQL 1.1 endpoint instead of the embedded graph.", metavar="URL")
]
EngineOpt = Annotated[str, typer.Option("--engine", help="Embedded engine: memory (rdflib) or oxigraph.")]
StoreOpt = Annotated[
    Optional[Path], typer.Option("--store", help="On-disk Oxigraph store (with --engine oxigraph).", metavar="PATH")
]
TimeoutOpt = Annotated[float, typer.Option("--timeout", help="Seconds before a remote request or query is abandoned.")]


def open_kg(endpoint: str | None = None, engine: str = "memory", store: Path | None = None, timeout: float = 30.0):  # type: ignore[no-untyped-def]
    """The graph a verb should read: remote when --endpoint is given, else embedded."""
    from cmkg.kg import KnowledgeGraph

    if endpoint:
        if store is not None:
            raise CmkgError("--store and --endpoint cannot be used together")
        return KnowledgeGraph.remote(endpoint, timeout=timeout)
    return KnowledgeGraph.load(engine=engine, path=store)
