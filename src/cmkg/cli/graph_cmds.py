"""Verbs about the graph as a whole: build, validate, stats."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from cmkg.cli.app import console, verb
from cmkg.cli.common import EndpointOpt, EngineOpt, StoreOpt, open_kg
from cmkg.errors import CmkgError

DataOpt = Annotated[
    Optional[Path],
    typer.Option("--data", help="Use the Turtle files under DIR instead of the curated graph/ (the ontology still comes from ontology/).", metavar="DIR"),
]


def _load(endpoint: str | None, engine: str, store: Path | None, data: Path | None):  # type: ignore[no-untyped-def]
    if data is None:
        return open_kg(endpoint, engine, store)
    if endpoint:
        raise CmkgError("--data and --endpoint cannot be used together")
    from cmkg.kg import KnowledgeGraph
    from cmkg.paths import ontology_dir

    if not data.is_dir():
        raise CmkgError(f"--data {data}: no such folder")
    files = sorted(ontology_dir().rglob("*.ttl")) + sorted(data.rglob("*.ttl"))
    return KnowledgeGraph.load(engine=engine, path=store, files=files)


@verb("validate", "Check the graph against the SHACL shapes and the check queries.", "cmkg validate")
def validate_cmd(
    endpoint: EndpointOpt = None,
    engine: EngineOpt = "memory",
    store: StoreOpt = None,
    data: DataOpt = None,
) -> None:
    """Check the graph against the SHACL shapes and the check queries; exit 1 on any violation."""
    kg = _load(endpoint, engine, store, data)
    report = kg.validate()
    if report.shacl:
        # one block per distinct message, so a rule broken fifty times reads as one finding
        by_message: dict[tuple[str, str], list[str]] = {}
        for r in report.shacl:
            where = r.focus + (f" {r.path}" if r.path else "") + (f" = {r.value}" if r.value else "")
            by_message.setdefault((r.severity, r.message), []).append(where)
        console.print(f"[bold]SHACL[/bold]: {len(report.shacl)} result(s) in {len(by_message)} kind(s)", highlight=False)
        for (severity, message), wheres in by_message.items():
            colour = "red" if severity == "Violation" else "yellow"
            console.print(f"[{colour}]{severity}[/{colour}] ×{len(wheres)}: {message}", highlight=False)
            for where in wheres[:20]:
                console.print(f"    {where}", highlight=False, soft_wrap=True)
            if len(wheres) > 20:
                console.print(f"    … and {len(wheres) - 20} more", highlight=False)
    for check in report.checks:
        table = Table(title=f"check {check.name}: {check.summary}", header_style="bold")
        for col in check.rows.columns:
            table.add_column(col, overflow="fold")
        for row in check.rows.terms:
            table.add_row(*["" if t is None else str(t) for t in row])
        console.print(table)
    colour = "green" if report.conforms else "red"
    console.print(f"[{colour}]{report.summary()}[/{colour}]", highlight=False)
    if not report.conforms:
        raise typer.Exit(1)


@verb("build", "Validate, optionally reason, and write the dumps to build/.", "cmkg build --reason")
def build_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the dumps.")] = Path("build"),
    reason: Annotated[bool, typer.Option("--reason/--no-reason", help="Add OWL-RL entailments (owlrl) in their own named graph.")] = False,
    engine: EngineOpt = "memory",
) -> None:
    """Load the ontology and graph, validate them, and write cmkg.ttl, .nt, .jsonld, .trig and .nq.

    Nothing is written when validation fails, so the previous build stays in place.
    """
    from cmkg.build import build
    from cmkg.kg import KnowledgeGraph

    kg = KnowledgeGraph.load(engine="memory") if engine == "memory" else KnowledgeGraph.load(engine=engine)
    result = build(out, reason=reason, kg=kg)
    console.print(f"[green]{result.report.summary()}[/green]", highlight=False)
    if reason:
        console.print(f"OWL-RL added {result.inferred} inferred triples (graph https://w3id.org/cmkg/graph/inferred)")
    for f in result.files:
        console.print(f"wrote {f} ({f.stat().st_size:,} bytes)", highlight=False)
    console.print(f"{result.triples:,} triples")


@verb("stats", "Count instances per class, triples, and links per property.", "cmkg stats")
def stats_cmd(
    endpoint: EndpointOpt = None,
    engine: EngineOpt = "memory",
    store: StoreOpt = None,
    top: Annotated[int, typer.Option("--top", help="Show this many properties.")] = 25,
) -> None:
    """Print how many triples, instances of each cmo class, and links of each property the graph has."""
    kg = open_kg(endpoint, engine, store)
    stats = kg.stats()
    console.print(f"[bold]{stats.triples:,}[/bold] triples in {len(stats.graphs)} named graphs", highlight=False)
    t = Table(title="Instances per class", header_style="bold")
    t.add_column("class")
    t.add_column("instances", justify="right")
    for cls, n in stats.classes.rows:
        t.add_row("cmo:" + str(cls).rsplit("#", 1)[-1], f"{n:,}")
    console.print(t)
    p = Table(title=f"Links per property (top {top}, subjects in the id/ space)", header_style="bold")
    p.add_column("property")
    p.add_column("links", justify="right")
    from cmkg.loading import PREFIXES

    def short(iri: str) -> str:
        for prefix, ns in PREFIXES.items():
            if iri.startswith(ns):
                return f"{prefix}:{iri[len(ns):]}"
        return iri

    for prop, n in stats.properties.rows[:top]:
        p.add_row(short(str(prop)), f"{n:,}")
    console.print(p)
    g = Table(title="Named graphs", header_style="bold")
    g.add_column("graph")
    g.add_column("triples", justify="right")
    for name, n in stats.graphs.rows:
        g.add_row(str(name), f"{n:,}")
    console.print(g)
