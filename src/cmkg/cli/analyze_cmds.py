"""Verbs about networks: ``analyze`` (measures) and ``network`` (export for Gephi)."""

from __future__ import annotations

from dataclasses import replace

from pathlib import Path
from typing import Annotated, Optional

import typer
from rdflib import XSD, Literal, URIRef

from cmkg.cli.app import console, err_console, verb
from cmkg.cli.common import EndpointOpt, EngineOpt, StoreOpt, open_kg
from cmkg.cli.output import TABLE_FORMATS, FormatOpt, print_table
from cmkg.errors import CmkgError, UnsupportedFormat
from cmkg.results import ResultTable

TopOpt = Annotated[Optional[int], typer.Option("--top", help="Show the first N rows of each table.", metavar="N")]


# Left out of the human table to keep it readable in a terminal (csv, json and the rest keep them):
# IRIs are long and the labels say the same; the others repeat a neighbouring column.
_MACHINE_ONLY = frozenset(
    {"iri", "from_iri", "to_iri", "start_iri", "end_iri", "source_iri", "target_iri", "degree_centrality", "neighbour_countries"}
)


def _readable(table: ResultTable) -> ResultTable:
    keep = [i for i, c in enumerate(table.columns) if c not in _MACHINE_ONLY]
    return ResultTable.from_rows([table.columns[i] for i in keep], [tuple(row[i] for i in keep) for row in table.terms])


def _check_format(fmt: str) -> None:
    if fmt not in TABLE_FORMATS:
        raise UnsupportedFormat(f"--format {fmt!r} is not one of: {', '.join(TABLE_FORMATS)}")


@verb(
    "analyze",
    "Measure a network: centrality, communities, brokers, components, diffusion, recommendation coverage.",
    "cmkg analyze actors --top 10",
)
def analyze_cmd(
    what: Annotated[
        str,
        typer.Argument(
            help="actors, organisations, cities, policy (centrality in that network); diffusion; coverage; "
            "communities, brokers, components (of the --network).",
            metavar="WHAT",
            show_default=False,
        ),
    ],
    top: TopOpt = None,
    by: Annotated[
        str, typer.Option("--by", help="Rank centrality by degree, degree_centrality, betweenness, pagerank or eigenvector.")
    ] = "betweenness",
    network: Annotated[
        str, typer.Option("--network", "-n", help="The network for communities, brokers and components.")
    ] = "actors",
    show: Annotated[
        Optional[str],
        typer.Option("--show", help="Print this table only (e.g. centrality, communities, brokers, components, chains, all).", metavar="TABLE"),
    ] = None,
    fmt: FormatOpt = "table",
    as_rdf: Annotated[
        Optional[Path],
        typer.Option("--as-rdf", help="Also write the node measures as RDF (.trig or .nq) in the graph …/graph/analysis/NETWORK.", metavar="FILE"),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of Louvain and of sampled betweenness (same seed, same result).")] = 42,
    resolution: Annotated[float, typer.Option("--resolution", help="Louvain resolution: above 1 gives more, smaller communities.")] = 1.0,
    exact_max: Annotated[
        int, typer.Option("--exact-max", help="Betweenness is exact up to this many nodes, sampled above.", metavar="NODES")
    ] = 2000,
    samples: Annotated[int, typer.Option("--samples", help="Nodes sampled for betweenness above --exact-max.")] = 500,
    endpoint: EndpointOpt = None,
    engine: EngineOpt = "memory",
    store: StoreOpt = None,
) -> None:
    """Project a network from the graph with SPARQL and print its measures as tables.

    Centrality tables rank nodes by --by (betweenness by default) and give each
    node's degree, betweenness, PageRank, eigenvector centrality and Louvain
    community. Works the same on the embedded graph and on a remote --endpoint.
    """
    from cmkg.analysis import ANALYSES, AnalysisOptions, CentralityOptions, analyze

    if what not in ANALYSES:
        raise CmkgError(f"cannot analyse {what!r}; choose one of: {', '.join(ANALYSES)}")
    _check_format(fmt)
    options = AnalysisOptions(
        network=network,
        by=by,
        top=top,
        seed=seed,
        resolution=resolution,
        centrality=CentralityOptions(exact_max=exact_max, samples=samples, seed=seed),
    )
    if as_rdf is not None and what == "coverage":
        options = replace(options, top=None)  # the RDF holds every recommendation, not the top N
    kg = open_kg(endpoint, engine, store)
    result = analyze(kg, what, options)
    if show is None:
        names = list(result.shown)
    elif show == "all":
        names = list(result.tables)
    elif show in result.tables:
        names = [show]
    else:
        raise CmkgError(f"--show {show!r}: '{what}' has the tables {', '.join(result.tables)} (or all)")
    if fmt == "table":
        if result.graph is not None:
            console.print(result.summary(), style="dim", highlight=False)
        for name in names:
            table = result.tables[name]
            print_table(_readable(table.to_result_table(precision=4)), "table", title=table.title)
    else:
        if len(names) > 1 and show != "all":
            err_console.print(f"(printing the {names[0]!r} table; the others: --show {', '.join(names[1:])})", highlight=False)
        elif len(names) > 1:
            raise CmkgError(f"--format {fmt} prints one table; pick it with --show {' | '.join(names)}")
        print_table(result.tables[names[0]].to_result_table(), fmt)
    if as_rdf is not None:
        from cmkg.analysis.rdf import analysis_graph_iri, write_measures

        write_measures(result, as_rdf)
        note = err_console if fmt != "table" else console
        note.print(f"wrote {as_rdf} (graph <{analysis_graph_iri(result.network or what)}>)", highlight=False)


def _edges_result(graph) -> ResultTable:  # type: ignore[no-untyped-def]
    rows = []
    for u, v, d in sorted(graph.edges(data=True), key=lambda e: (-e[2].get("weight", 1.0), str(e[0]), str(e[1]))):
        rows.append(
            (
                Literal(graph.nodes[u].get("label", u)),
                Literal(d.get("relation", "")),
                Literal(graph.nodes[v].get("label", v)),
                Literal(float(d.get("weight", 1.0)), datatype=XSD.double),
                Literal(d.get("via", "")) if d.get("via") else None,
                URIRef(u),
                URIRef(v),
            )
        )
    return ResultTable.from_rows(("source", "relation", "target", "weight", "via", "source_iri", "target_iri"), rows)


@verb(
    "network",
    "Project a network (actors, organisations, cities, diffusion, policy) and save it for Gephi, or list its edges.",
    "cmkg network actors -o actors.gexf",
)
def network_cmd(
    name: Annotated[str, typer.Argument(help="actors, organisations, cities, diffusion or policy.", metavar="NAME", show_default=False)],
    out: Annotated[
        Optional[Path],
        typer.Option("--out", "-o", help="Write the graph here: .graphml, .gexf (Gephi) or .json (node-link).", metavar="FILE"),
    ] = None,
    to: Annotated[
        Optional[str], typer.Option("--to", help="File format when the suffix does not say: graphml, gexf or json.")
    ] = None,
    fmt: FormatOpt = "table",
    limit: Annotated[Optional[int], typer.Option("--limit", help="Without -o: print at most N edges.", min=0)] = None,
    endpoint: EndpointOpt = None,
    engine: EngineOpt = "memory",
    store: StoreOpt = None,
) -> None:
    """Project one network from the graph with its SPARQL query.

    With -o, write it as GraphML or GEXF (node attributes iri, label, type,
    country, city, description, source; edge attributes relation, weight, via),
    or node-link JSON. Without -o, print its edges as a table.
    """
    from cmkg.network import network_spec, project, write_network
    from cmkg.network.export import format_for

    network_spec(name)
    if out is not None:
        format_for(out, to)  # a bad suffix fails before the graph is read
    else:
        _check_format(fmt)
    kg = open_kg(endpoint, engine, store)
    graph = project(kg, name)
    if out is None:
        edges = _edges_result(graph)
        print_table(_readable(edges) if fmt == "table" else edges, fmt, limit=limit, title=graph.graph["title"])
        return
    write_network(graph, out, to)
    console.print(
        f"wrote {out}: {graph.graph['title']}, {graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges",
        highlight=False,
    )
