"""Who is central: degree, betweenness, PageRank and eigenvector centrality."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx

from cmkg.analysis.table import Table
from cmkg.errors import CmkgError

__all__ = ["CentralityOptions", "MEASURES", "centrality", "centrality_table"]

#: The measures :func:`centrality` computes, in table order.
MEASURES = ("degree", "degree_centrality", "betweenness", "pagerank", "eigenvector")


@dataclass(frozen=True)
class CentralityOptions:
    """How to compute centrality.

    Betweenness is exact on graphs of up to ``exact_max`` nodes; above that it
    is estimated from ``samples`` source nodes drawn with ``seed``, so the
    estimate repeats from run to run.
    """

    exact_max: int = 2000
    samples: int = 500
    seed: int = 42
    alpha: float = 0.85  # PageRank damping factor

    def __post_init__(self) -> None:
        if self.exact_max < 0 or self.samples < 1:
            raise CmkgError("the betweenness node threshold must be 0 or more and the sample size 1 or more")
        if not 0 < self.alpha < 1:
            raise CmkgError(f"the PageRank damping factor must lie between 0 and 1, not {self.alpha}")


def _eigenvector(graph: nx.Graph) -> dict[str, float]:
    # eigenvector centrality of a directed acyclic graph is zero everywhere, so use the ties both ways
    und = graph.to_undirected(as_view=True) if graph.is_directed() else graph
    if und.number_of_edges() == 0:
        return {n: 0.0 for n in und}
    try:
        return nx.eigenvector_centrality(und, max_iter=2000, tol=1e-9, weight="weight")
    except nx.PowerIterationFailedConvergence:
        return nx.eigenvector_centrality_numpy(und, weight="weight")


def centrality(graph: nx.Graph, options: CentralityOptions | None = None) -> dict[str, dict[str, float]]:
    """Every node's centrality, by measure name then node.

    ``degree`` counts ties (in and out for a directed graph) and
    ``degree_centrality`` divides it by n - 1; ``betweenness`` counts shortest
    paths in hops (weights are strengths, not distances), normalised;
    ``pagerank`` and ``eigenvector`` use the edge weights. Eigenvector
    centrality of a directed graph is computed on its undirected version.

    Examples
    --------
    >>> import networkx as nx
    >>> c = centrality(nx.star_graph(4))
    >>> c["degree"][0], c["betweenness"][0], round(c["eigenvector"][0], 6)
    (4, 1.0, 0.707107)
    >>> round(c["pagerank"][0], 5), round(c["pagerank"][1], 5)  # 0.132/0.2775 and 0.03 + 0.2125 * that
    (0.47568, 0.13108)
    """
    options = options or CentralityOptions()
    n = graph.number_of_nodes()
    out: dict[str, dict[str, float]] = {m: {} for m in MEASURES}
    if n == 0:
        return out
    out["degree"] = dict(graph.degree())
    out["degree_centrality"] = nx.degree_centrality(graph) if n > 1 else {v: 0.0 for v in graph}
    if n > options.exact_max:
        out["betweenness"] = nx.betweenness_centrality(graph, k=min(options.samples, n), seed=options.seed)
    else:
        out["betweenness"] = nx.betweenness_centrality(graph)
    out["pagerank"] = nx.pagerank(graph, alpha=options.alpha, weight="weight") if graph.number_of_edges() else {
        v: 1.0 / n for v in graph
    }
    out["eigenvector"] = _eigenvector(graph)
    return out


def centrality_table(
    graph: nx.Graph,
    measures: Mapping[str, Mapping[str, float]] | None = None,
    *,
    by: str = "betweenness",
    top: int | None = None,
    community: Mapping[str, int] | None = None,
    options: CentralityOptions | None = None,
) -> Table:
    """Nodes ranked by one measure (ties broken by degree, then label).

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.path_graph(["a", "b", "c"])
    >>> t = centrality_table(g, by="betweenness")
    >>> [(r["rank"], r["label"], r["betweenness"]) for r in t.records()]
    [(1, 'b', 1.0), (2, 'a', 0.0), (3, 'c', 0.0)]
    """
    if by not in MEASURES:
        raise CmkgError(f"--by {by!r} is not one of: {', '.join(MEASURES)}")
    m = measures if measures is not None else centrality(graph, options)
    nodes = graph.nodes

    def label(v: str) -> str:
        return str(nodes[v].get("label") or v)

    order = sorted(graph, key=lambda v: (-m[by].get(v, 0.0), -m["degree"].get(v, 0), label(v), v))
    columns = ["rank", "label", "type", "country", *MEASURES]
    if community is not None:
        columns.append("community")
    columns.append("iri")
    rows = []
    for i, v in enumerate(order[:top] if top is not None else order, start=1):
        row = [i, label(v), nodes[v].get("type", ""), nodes[v].get("country", "")]
        row += [int(m["degree"].get(v, 0))] + [float(m[k].get(v, 0.0)) for k in MEASURES[1:]]
        if community is not None:
            row.append(community.get(v))
        row.append(str(nodes[v].get("iri") or v))
        rows.append(tuple(row))
    title = f"{graph.graph.get('title', 'Network')}: nodes ranked by {by.replace('_', ' ')}"
    return Table.build(title, columns, rows)
