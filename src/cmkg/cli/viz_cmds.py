"""The ``viz`` verb: draw a network view as an interactive, offline HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from cmkg.cli.app import console, verb
from cmkg.cli.common import EndpointOpt, EngineOpt, StoreOpt, open_kg
from cmkg.errors import CmkgError

VIEW_HELP = (
    "actors (practices, organisations, people, places), organisations (co-involvement), cities (shared "
    "organisations and inspiration), diffusion (who drew on whom, left to right), policy (policy areas by "
    "recommendation) or ego (around --focus)."
)


@verb("viz", "Draw a network as an interactive HTML page that works offline.", "cmkg viz actors -o actors.html")
def viz_cmd(
    view: Annotated[str, typer.Argument(help=VIEW_HELP, metavar="VIEW")],
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.", metavar="FILE.html")],
    focus: Annotated[Optional[str], typer.Option("--focus", help="ego view: the resource at the centre, by label or IRI.", metavar="LABEL_OR_IRI")] = None,
    depth: Annotated[int, typer.Option("--depth", help="ego view: how many ties out from the focus.", metavar="N")] = 1,
    policy_area: Annotated[Optional[str], typer.Option("--policy-area", help="Keep what practices addressing this policy area touch.", metavar="LABEL_OR_IRI")] = None,
    country: Annotated[Optional[str], typer.Option("--country", help="Keep what lies, runs or is based in this country.", metavar="LABEL_OR_IRI")] = None,
    top: Annotated[int, typer.Option("--top", "--max-nodes", help="Draw at most N nodes, the most central by PageRank; the page says how many were left out.", metavar="N")] = 1500,
    explorer: Annotated[Optional[str], typer.Option("--explorer", help="Link nodes to a local explorer's entity pages (…/id/{kind}/{slug}) instead of their w3id IRIs.", metavar="URL")] = None,
    layout: Annotated[str, typer.Option("--layout", help="auto, spring, kamada-kawai or layered (left to right).")] = "auto",
    endpoint: EndpointOpt = None,
    engine: EngineOpt = "memory",
    store: StoreOpt = None,
) -> None:
    """Draw one network view as a single HTML file: no network needed to open it, every script inside.

    Nodes are coloured and shaped by type and sized by PageRank; hover for a
    description, click for the facts and a link to the entity page; search and
    type filters sit beside the drawing. Above --top nodes only the most central
    are drawn, and the page says how many were left out.
    """
    from cmkg.visualize import VIEWS, visualize

    if view not in VIEWS:
        raise CmkgError(f"unknown view {view!r}; choose one of: {', '.join(VIEWS)}")
    if out.suffix.lower() not in (".html", ".htm"):
        raise CmkgError(f"--out {out}: give a file name ending in .html")
    kg = open_kg(endpoint, engine, store)
    page = visualize(
        kg,
        view,
        out,
        focus=focus,
        depth=depth,
        policy_area=policy_area,
        country=country,
        top=top,
        explorer=explorer,
        layout=layout,
    )
    console.print(f"wrote {out} ({out.stat().st_size:,} bytes): {page.title}", highlight=False)
    console.print(f"{page.nodes:,} nodes and {page.edges:,} edges, sized by {page.measure}", highlight=False)
    if page.left_out:
        console.print(f"[yellow]{page.left_out:,} nodes left out: kept the {page.nodes:,} most central by {page.measure} (raise --top to draw more)[/yellow]", highlight=False)
