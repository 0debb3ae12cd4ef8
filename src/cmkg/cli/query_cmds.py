"""Verbs of the query layer: queries, query, sparql, describe, publish."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rdflib import Graph
from rich.table import Table

from cmkg.cli.app import console, err_console, verb
from cmkg.cli.common import EndpointOpt, EngineOpt, StoreOpt, TimeoutOpt, open_kg
from cmkg.cli.output import FormatOpt, LimitOpt, TABLE_FORMATS, print_table
from cmkg.cli.serve_cmds import FederateOpt, FederateTrustOpt, federation_policy
from cmkg.errors import CmkgError, QueryParameterError, UnsupportedFormat
from cmkg.results import ResultTable
from cmkg.safety import FederationPolicy

GRAPH_FORMATS = {"turtle": "turtle", "ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "json": "json-ld", "xml": "xml", "table": "turtle"}

ParamOpt = Annotated[
    Optional[list[str]],
    typer.Option("--param", "-p", help="A parameter as key=value (repeatable); see `cmkg queries` for each query's parameters.", metavar="KEY=VALUE"),
]


def parse_params(items: list[str] | None) -> dict[str, str]:
    """``["city=Toronto", …]`` as a dict; a malformed item raises QueryParameterError."""
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise QueryParameterError(f"-p {item!r} is not key=value (e.g. -p city=Toronto)")
        if key.strip() in out:
            raise QueryParameterError(f"parameter {key.strip()!r} is given twice")
        out[key.strip()] = value
    return out


def print_result(result: Any, fmt: str, limit: int | None, title: str | None = None) -> None:
    """Print a SELECT table, an ASK answer or a CONSTRUCT/DESCRIBE graph."""
    if isinstance(result, ResultTable):
        print_table(result, fmt, limit, title=title)
    elif isinstance(result, bool):
        if fmt == "json":
            sys.stdout.write(f'{{"head": {{}}, "boolean": {"true" if result else "false"}}}\n')
        elif fmt in TABLE_FORMATS:
            sys.stdout.write(("true" if result else "false") + "\n")
        else:
            raise UnsupportedFormat(f"--format {fmt!r} is not one of: {', '.join(TABLE_FORMATS)}")
    elif isinstance(result, Graph):
        if fmt in TABLE_FORMATS and fmt != "table":
            # A graph asked for as a table: one row per triple, so CSV/TSV/JSON users get something they can load.
            triples = sorted(result, key=lambda t: (str(t[0]), str(t[1]), str(t[2])))
            print_table(ResultTable.from_rows(["subject", "predicate", "object"], triples), fmt, limit)
            return
        if fmt not in GRAPH_FORMATS:
            raise UnsupportedFormat(f"--format {fmt!r} for a graph is not one of: turtle, nt, jsonld, xml, csv, tsv, json, md")
        sys.stdout.write(result.serialize(format=GRAPH_FORMATS[fmt]))
        err_console.print(f"{len(result)} triples", style="dim", highlight=False)


@verb("queries", "List the named query catalogue: names, summaries and parameters.", "cmkg queries --tag places")
def queries_cmd(
    tag: Annotated[Optional[str], typer.Option("--tag", help="Only queries with this tag.")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """List every named query with its summary and parameters (type and example); run one with `cmkg query NAME`."""
    from cmkg.catalogue import Catalogue
    from rdflib import Literal

    cat = Catalogue.load()
    chosen = [q for q in cat.values() if tag is None or tag in q.tags]
    if tag is not None and not chosen:
        tags = sorted({t for q in cat.values() for t in q.tags})
        raise CmkgError(f"no query has the tag {tag!r}; tags: {', '.join(tags)}")

    def params(q: Any) -> str:
        return ", ".join(f"{p.name}:{p.type}" + ("?" if p.optional else "") + (f"={p.example}" if p.example else "") for p in q.params)

    if fmt != "table":
        rows = [
            tuple(Literal(x) for x in (q.name, q.group, q.kind, q.summary, params(q), " ".join(q.tags)))
            for q in chosen
        ]
        print_table(ResultTable.from_rows(["name", "group", "kind", "summary", "parameters", "tags"], rows), fmt)
        return
    groups = sorted({q.group for q in chosen})
    for group in groups:
        table = Table(title=f"{group or 'queries'}/", title_justify="left", header_style="bold", show_lines=False)
        table.add_column("name", style="cyan", no_wrap=True)
        table.add_column("summary", overflow="fold", ratio=3)
        table.add_column("parameters (name:type=example)", overflow="fold", ratio=2)
        for q in sorted((q for q in chosen if q.group == group), key=lambda q: q.name):
            table.add_row(q.name, q.summary + (f" [dim]({q.kind})[/dim]" if q.kind != "select" else ""), params(q))
        console.print(table)
    console.print(f"{len(chosen)} queries; run one with: cmkg query NAME -p key=value [--format csv]", style="dim", highlight=False)


@verb("query", "Run a named query with its parameters bound safely.", "cmkg query practices-in-city -p city=Toronto --format csv")
def query_cmd(
    name: Annotated[str, typer.Argument(help="The query's name (its file stem); see `cmkg queries`.")],
    param: ParamOpt = None,
    fmt: FormatOpt = "table",
    limit: LimitOpt = None,
    examples: Annotated[bool, typer.Option("--examples", help="Fill parameters you leave out with the examples of the query's header.")] = False,
    show: Annotated[bool, typer.Option("--show", help="Print the query's SPARQL text and parameters instead of running it.")] = False,
    endpoint: EndpointOpt = None,
    engine: EngineOpt = "memory",
    store: StoreOpt = None,
    timeout: TimeoutOpt = 30.0,
    federate: FederateOpt = None,
    federate_trust: FederateTrustOpt = None,
) -> None:
    """Run the named query NAME. Parameters are bound as typed RDF terms, never pasted into the text."""
    from cmkg.catalogue import Catalogue

    q = Catalogue.load()[name]
    policy = federation_policy(federate, federate_trust, endpoint, engine)
    values = parse_params(param)
    if examples:
        values = {**q.example_values(), **values}
    bindings = q.bindings(values)  # checks names and types before any engine starts
    if show:
        console.print(f"# {q.name}: {q.summary}\n# file: {q.path}", highlight=False, markup=False)
        for var, term in bindings.items():
            console.print(f"# ?{var} = {term.n3()}", highlight=False, markup=False)
        sys.stdout.write(q.text if q.text.endswith("\n") else q.text + "\n")
        return
    kg = open_kg(endpoint, engine, store, timeout)
    result = guard(kg.engine, endpoint, timeout, policy).query(q.text, bindings, timeout=timeout)
    if q.kind == "check" and isinstance(result, ResultTable) and not len(result) and fmt == "table":
        console.print(f"[green]check {q.name}: no violations[/green] ({q.summary})", highlight=False)
        return
    if fmt == "table" and isinstance(result, ResultTable):
        console.print(f"[bold]{q.summary}[/bold]", highlight=False)
    print_result(result, fmt, limit)
    if q.kind == "check" and isinstance(result, ResultTable) and len(result):
        raise typer.Exit(1)
    labels = [p for p in q.params if p.type == "literal" and p.name in values]
    if isinstance(result, ResultTable) and not len(result) and labels and q.name != "label-search":
        p = labels[0]
        err_console.print(
            f"No rows. Names are matched whole (case-insensitive); to find the exact name try: "
            f"cmkg query label-search -p text={str(values[p.name])[:40]!r}",
            style="dim",
            highlight=False,
        )


@verb("sparql", "Run a SPARQL query given on the command line or in a file.", "cmkg sparql 'SELECT * WHERE { ?s ?p ?o } LIMIT 5'")
def sparql_cmd(
    text: Annotated[Optional[str], typer.Argument(help="The query text ('-' reads standard input).")] = None,
    file: Annotated[Optional[Path], typer.Option("--file", "-f", help="Read the query from FILE.", metavar="FILE")] = None,
    fmt: Annotated[str, typer.Option("--format", help="Output: table, csv, tsv, json (SPARQL results JSON) or md; turtle, nt, jsonld for graphs.")] = "table",
    limit: LimitOpt = None,
    endpoint: EndpointOpt = None,
    engine: EngineOpt = "memory",
    store: StoreOpt = None,
    timeout: TimeoutOpt = 30.0,
    federate: FederateOpt = None,
    federate_trust: FederateTrustOpt = None,
) -> None:
    """Run an ad-hoc read-only SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE); updates are refused.

    SERVICE (federated query) is refused unless --federate lists the endpoint's URL prefix.
    """
    policy = federation_policy(federate, federate_trust, endpoint, engine)
    if (text is None) == (file is None):
        raise CmkgError("give the query text or --file FILE (one of them)")
    if file is not None:
        if not file.is_file():
            raise CmkgError(f"--file {file}: no such file")
        text = file.read_text(encoding="utf-8")
    elif text == "-":
        text = sys.stdin.read()
    assert text is not None
    from cmkg.engine.base import inspect_query

    from cmkg.engine.base import check_federation

    # a syntax error, or a SERVICE the policy refuses, is reported before the graph is loaded
    info = inspect_query(text)
    if not endpoint:
        check_federation(info, policy)
    kg = open_kg(endpoint, engine, store, timeout)
    print_result(guard(kg.engine, endpoint, timeout, policy).query(text, timeout=timeout), fmt, limit)


def guard(engine: Any, endpoint: str | None, timeout: float, federation: FederationPolicy | None = None) -> Any:
    """The engine to run an embedded query on, stopped for good at ``timeout`` seconds.

    Neither rdflib nor Oxigraph can interrupt a running query, so an embedded query
    runs in a forked worker that is killed at the deadline (the endpoint enforces its
    own limit and the HTTP request is abandoned at ``timeout``). The worker makes no
    outbound request unless ``federation`` (``--federate``) allows the SERVICE endpoint.
    """
    if endpoint:
        return engine
    if timeout <= 0:
        raise CmkgError(f"--timeout {timeout:g}: give a positive number of seconds")
    from cmkg.engine.guarded import GuardedEngine

    # No row cap for the user's own query: --limit trims what is printed.
    return GuardedEngine(engine, timeout=timeout, max_rows=2**62, max_workers=1, federation=federation)


@verb("describe", "Show everything about one resource, found by label or IRI.", "cmkg describe Toronto")
def describe_cmd(
    resource: Annotated[str, typer.Argument(help="A label (case-insensitive), a CURIE such as city:toronto, or an IRI.", metavar="LABEL_OR_IRI")],
    fmt: FormatOpt = "table",
    limit: LimitOpt = None,
    endpoint: EndpointOpt = None,
    engine: EngineOpt = "memory",
    store: StoreOpt = None,
    timeout: TimeoutOpt = 30.0,
) -> None:
    """Print the statements about a resource and those pointing at it, with labels; a near-miss label suggests candidates."""
    from cmkg.describe import describe

    kg = open_kg(endpoint, engine, store, timeout)
    d = describe(kg, resource)
    if fmt != "table":
        print_table(d.table(), fmt, limit)
        return
    console.print(f"[bold]{d.label}[/bold]  <{d.iri}>", highlight=False)
    if d.types:
        console.print("a " + ", ".join(d.types), style="dim", highlight=False)
    def title(t: ResultTable, what: str) -> str:
        more = f" (showing {limit})" if limit is not None and len(t) > limit else ""
        return f"{len(t)} statement{'s' if len(t) != 1 else ''} {what}{more}"

    _print_links(d.outgoing, ("property", "value"), title(d.outgoing, "about it"), limit)
    _print_links(d.incoming, ("value", "property"), title(d.incoming, "pointing at it"), limit)


def _print_links(table: ResultTable, order: tuple[str, str], title: str, limit: int | None) -> None:
    from cmkg.cli.output import _short as _prefixed

    def _short(value: object) -> str:
        text = str(value)
        rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
        return "rdf:" + text[len(rdf):] if text.startswith(rdf) else _prefixed(value)

    if not len(table):
        return
    shown = table.limit(limit)
    rich_table = Table(title=title, header_style="bold", title_justify="left")
    heads = ["property", "value"] if order[0] == "property" else ["from", "property"]
    for h in heads:
        rich_table.add_column(h, overflow="fold")
    for rec in shown.records():
        prop = rec["propertyLabel"] or _short(rec["property"])
        value = rec["value"]
        shown_value = (f"{rec['valueLabel']}  [dim]{_short(value)}[/dim]" if rec["valueLabel"] else _short(value))
        cells = [prop, shown_value] if order[0] == "property" else [shown_value, prop]
        rich_table.add_row(*[c.replace("[", "\\[") if "[dim]" not in c else c for c in map(str, cells)])
    console.print(rich_table)


@verb("publish", "Upload the graph to a SPARQL 1.1 store (Graph Store Protocol, atomic).", "cmkg publish --endpoint http://127.0.0.1:7878/query")
def publish_cmd(
    endpoint: Annotated[str, typer.Option("--endpoint", help="The store's SPARQL query URL (or its Graph Store URL).", metavar="URL")],
    graph: Annotated[Optional[str], typer.Option("--graph", help="Put every triple in this one named graph instead of one graph per file.", metavar="IRI")] = None,
    store_url: Annotated[Optional[str], typer.Option("--store-url", help="Graph Store HTTP Protocol URL (default: derived from --endpoint).", metavar="URL")] = None,
    update_url: Annotated[Optional[str], typer.Option("--update-url", help="SPARQL Update URL for the atomic swap (default: derived from --endpoint).", metavar="URL")] = None,
    atomic: Annotated[bool, typer.Option("--atomic/--no-atomic", help="Upload to temporary graphs and swap them in with one update.")] = True,
    reason: Annotated[bool, typer.Option("--reason/--no-reason", help="Also publish the OWL-RL entailments (graph …/graph/inferred).")] = False,
    timeout: TimeoutOpt = 120.0,
) -> None:
    """Upload the ontology and curated graph (one named graph per file) to a store; publishing twice leaves one copy."""
    from cmkg.kg import KnowledgeGraph
    from cmkg.publish import publish

    # The files are the source of truth: read them into rdflib, which keeps one named graph per file.
    kg = KnowledgeGraph.load(engine="memory", reason=reason)
    result = publish(kg.dataset, endpoint, graph=graph, store=store_url, update=update_url, atomic=atomic, timeout=timeout)
    how = "atomically (temporary graphs, then one MOVE update)" if result.atomic else "graph by graph (PUT)"
    console.print(
        f"published {result.triples:,} triples in {len(result.graphs)} named graph{'s' if len(result.graphs) != 1 else ''} "
        f"to {result.urls.store} {how}",
        highlight=False,
    )
    for g in result.dropped:
        console.print(f"dropped stale graph <{g}>", style="dim", highlight=False)
