"""The ``load`` verb: bring external RDF (a dump of another practice database) beside the curated graph."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from cmkg.cli.app import console, err_console, verb
from cmkg.errors import CmkgError


@verb(
    "load",
    "Load RDF files (Turtle, N-Triples, N-Quads, TriG) beside the curated graph into an Oxigraph store.",
    "cmkg load dump.nt --store build/store",
)
def load_cmd(
    files: Annotated[list[Path], typer.Argument(help="RDF files or folders of them (.ttl .nt .nq .trig .jsonld .rdf).", show_default=False)],
    store: Annotated[
        Optional[Path],
        typer.Option("--store", help="On-disk Oxigraph store to load into; later verbs read it with --engine oxigraph --store PATH.", metavar="PATH"),
    ] = None,
    engine: Annotated[str, typer.Option("--engine", help="Only oxigraph can keep loaded data (the memory engine holds nothing between runs).")] = "oxigraph",
    reload: Annotated[bool, typer.Option("--reload", help="Empty the store first and parse everything again.")] = False,
    lenient: Annotated[bool, typer.Option("--lenient", help="Skip IRI validation: faster on large dumps you trust.")] = False,
    progress: Annotated[Optional[bool], typer.Option("--progress/--no-progress", help="Progress bar (default: for inputs over 16 MB on a terminal).")] = None,
) -> None:
    """Parse FILES with Oxigraph, each into its own named graph, beside the ontology and the curated graph.

    With --store the result is kept on disk: the next `cmkg query … --engine oxigraph --store PATH`
    opens it without parsing anything again. Without --store the files are only checked (parsed into
    memory and counted). A file that does not parse is reported as file:line:column and adds nothing.
    """
    from cmkg.engine.oxigraph import OxigraphEngine
    from cmkg.kg import KnowledgeGraph
    from cmkg.loadfiles import files_under
    from cmkg.loading import default_files

    if engine != "oxigraph":
        raise CmkgError(f"--engine {engine}: cmkg load needs --engine oxigraph (the memory engine keeps nothing between runs)")
    paths = files_under(files)
    for p in paths:
        if not p.exists():
            raise CmkgError(f"{p}: no such file")
    start = time.perf_counter()
    eng = OxigraphEngine.open(default_files() + paths, path=store, reload=reload, progress=progress, lenient=lenient)
    seconds = time.perf_counter() - start
    kg = KnowledgeGraph(eng)
    try:
        counts = {str(g): int(n) for g, n in kg.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g").rows}
        parsed = {f.path.resolve() for f in eng.loaded}
        from cmkg.loading import graph_iri

        table = Table(header_style="bold", title="Loaded (not kept)" if store is None else f"Store {store}")
        table.add_column("file", overflow="fold")
        table.add_column("named graph", overflow="fold")
        table.add_column("triples", justify="right")
        table.add_column("", style="dim", no_wrap=True)
        for p in paths:
            g = str(graph_iri(p))
            table.add_row(p.name, g, f"{counts.get(g, 0):,}", "parsed" if p.resolve() in parsed else "kept")
        console.print(table)
        total = sum(counts.values())
        new = len(eng.loaded)
        kept = sum(1 for p in paths if p.resolve() not in parsed)
        console.print(
            f"{total:,} triples in {len(counts)} named graphs; parsed {new} file{'s' if new != 1 else ''} in {seconds:.2f} s"
            + (f"; {kept} unchanged since the last load, not parsed again" if kept else ""),
            highlight=False,
        )
        if store is None:
            err_console.print("nothing was kept: give --store PATH to keep the data for later verbs", style="dim")
        else:
            console.print(f"query it with: cmkg query NAME --engine oxigraph --store {store}", style="dim", highlight=False)
    finally:
        kg.close()
