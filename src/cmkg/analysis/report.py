"""One call per question a researcher asks: project the network, measure it, tabulate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import networkx as nx

from cmkg.analysis import brokers as _brokers
from cmkg.analysis import diffusion as _diffusion
from cmkg.analysis.centrality import MEASURES, CentralityOptions, centrality, centrality_table
from cmkg.analysis.communities import Partition, communities_table, detect_communities
from cmkg.analysis.components import components, components_table
from cmkg.analysis.coverage import coverage, uncovered
from cmkg.analysis.table import Table
from cmkg.errors import CmkgError
from cmkg.network import NETWORKS, network_spec, project

if TYPE_CHECKING:  # pragma: no cover
    from cmkg.kg import KnowledgeGraph

__all__ = ["ANALYSES", "AnalysisOptions", "Analysis", "analyze", "measure_network"]

#: What ``cmkg analyze`` can do: name -> one-line description.
ANALYSES: dict[str, str] = {
    "actors": "Centrality in the actor network (practices, organisations, people, places).",
    "organisations": "Centrality in the organisation co-involvement network.",
    "cities": "Centrality in the city network (shared organisations, inspiration).",
    "policy": "Centrality in the policy area by recommendation network.",
    "diffusion": "Origins, end points, longest chains and cross-border links of practice diffusion.",
    "coverage": "For each recommendation, the practices, cities and countries that exemplify it.",
    "communities": "Louvain communities and modularity of a network (--network, default actors).",
    "brokers": "Nodes whose neighbours span several communities or countries (--network).",
    "components": "The connected pieces of a network (--network).",
}

# Tables shown when no --show is given (the first alone in csv/json).
_DEFAULT_TABLES = {
    "diffusion": ("sources", "sinks", "chains", "cross-border"),
    "coverage": ("coverage", "uncovered"),
    "communities": ("communities",),
    "brokers": ("brokers",),
    "components": ("components",),
}


@dataclass(frozen=True)
class AnalysisOptions:
    """The knobs of :func:`analyze`; the defaults give repeatable results."""

    network: str = "actors"  # for communities, brokers and components
    by: str = "betweenness"  # the measure centrality tables are ranked by
    top: int | None = None
    seed: int = 42
    resolution: float = 1.0
    min_communities: int = 2
    min_countries: int = 2
    centrality: CentralityOptions = field(default_factory=CentralityOptions)

    def __post_init__(self) -> None:
        if self.top is not None and self.top < 1:
            raise CmkgError(f"--top must be 1 or more, not {self.top}")
        if self.by not in MEASURES:
            raise CmkgError(f"--by {self.by!r} is not one of: {', '.join(MEASURES)}")
        network_spec(self.network)


@dataclass(frozen=True)
class Analysis:
    """What :func:`analyze` found: named tables (the first is the main one), the graph and node measures."""

    kind: str
    network: str | None
    tables: dict[str, Table]
    shown: tuple[str, ...]
    graph: nx.Graph | None = None
    partition: Partition | None = None
    #: node IRI -> measure -> value (degree, degree_centrality, betweenness, pagerank, eigenvector, community, is_broker)
    node_measures: dict[str, dict[str, Any]] = field(default_factory=dict)
    options: AnalysisOptions = field(default_factory=AnalysisOptions)

    @property
    def main(self) -> Table:
        return self.tables[self.shown[0]]

    def summary(self) -> str:
        """One line on the network analysed: size, components, communities."""
        if self.graph is None:
            return self.main.title
        g = self.graph
        text = (
            f"{g.graph.get('title', self.network)}: {g.number_of_nodes():,} nodes, {g.number_of_edges():,} "
            f"{'links' if g.is_directed() else 'ties'}, {len(components(g))} components"
        )
        if self.partition is not None and len(self.partition):
            text += f", {len(self.partition)} communities (modularity {self.partition.modularity:.3f}, seed {self.partition.seed})"
        return text


def _with_role(practices: Table, role: str, title: str) -> Table:
    """The practices of one role, ranked afresh."""
    i = practices.columns.index("role")
    rows = [r for r in practices.rows if r[i] == role]
    return Table.build(title, practices.columns, [(n, *r[1:]) for n, r in enumerate(rows, start=1)])


def measure_network(graph: nx.Graph, options: AnalysisOptions) -> tuple[dict[str, dict[str, Any]], Partition, dict[str, Table]]:
    """Every node measure of ``graph`` and the tables built from them."""
    m = centrality(graph, options.centrality)
    partition = detect_communities(graph, seed=options.seed, resolution=options.resolution)
    spans = _brokers.brokerage(
        graph, partition, min_communities=options.min_communities, min_countries=options.min_countries
    )
    per_node = {
        v: {
            **{k: m[k].get(v, 0) for k in MEASURES},
            "community": partition.membership.get(v),
            "is_broker": spans[v].is_broker,
        }
        for v in graph
    }
    tables = {
        "centrality": centrality_table(graph, m, by=options.by, top=options.top, community=partition.membership),
        "communities": communities_table(graph, partition, top=options.top),
        "brokers": _brokers.brokers_table(
            graph,
            partition,
            m["betweenness"],
            top=options.top,
            min_communities=options.min_communities,
            min_countries=options.min_countries,
        ),
        "components": components_table(graph, top=options.top),
    }
    return per_node, partition, tables


def analyze(kg: KnowledgeGraph, kind: str, options: AnalysisOptions | None = None) -> Analysis:
    """Run one analysis of ``kg`` (any engine, local or remote).

    Parameters
    ----------
    kg : KnowledgeGraph
    kind : str
        One of :data:`ANALYSES`.
    options : AnalysisOptions, optional

    Examples
    --------
    >>> from cmkg import KnowledgeGraph
    >>> a = analyze(KnowledgeGraph.load(), "coverage")
    >>> a.shown, len(a.main)
    (('coverage', 'uncovered'), 24)
    >>> a = analyze(KnowledgeGraph.load(), "actors", AnalysisOptions(top=3))
    >>> a.main.columns[:4], len(a.main) <= 3
    (('rank', 'label', 'type', 'country'), True)
    """
    options = options or AnalysisOptions()
    if kind not in ANALYSES:
        raise CmkgError(f"cannot analyse {kind!r}; choose one of: {', '.join(ANALYSES)}")
    if kind == "coverage":
        table = coverage(kg)
        return Analysis(
            kind, None, {"coverage": table.head(options.top), "uncovered": uncovered(table)}, _DEFAULT_TABLES[kind], options=options
        )
    network = kind if kind in NETWORKS else options.network
    graph = project(kg, network)
    per_node, partition, tables = measure_network(graph, options)
    if kind == "diffusion":
        practices = _diffusion.practices_table(graph)
        tables = {
            "sources": _with_role(practices, "source", "Diffusion: sources (drawn on, drawing on no stated model)").head(options.top),
            "sinks": _with_role(practices, "sink", "Diffusion: sinks (drew on a model, not drawn on in turn)").head(options.top),
            "chains": _diffusion.chains_table(graph, top=options.top),
            "cross-border": _diffusion.cross_border_table(graph, top=options.top),
            "country-flows": _diffusion.country_flows_table(graph, top=options.top),
            "practices": practices.head(options.top),
            **tables,
        }
    shown = _DEFAULT_TABLES.get(kind, ("centrality",))
    return Analysis(kind, network, tables, shown, graph, partition, per_node, options)
