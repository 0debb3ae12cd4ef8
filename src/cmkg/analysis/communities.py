"""Communities: Louvain with a fixed seed, so the same graph gives the same partition."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import networkx as nx

from cmkg.analysis.table import Table
from cmkg.errors import CmkgError

__all__ = ["Partition", "detect_communities", "communities_table", "count_summary"]


@dataclass(frozen=True)
class Partition:
    """A division of a network's nodes into communities.

    ``communities`` are ordered largest first (ties by their first IRI) and
    numbered from 1 in ``membership``.
    """

    communities: tuple[frozenset[str], ...]
    modularity: float
    seed: int
    resolution: float
    membership: Mapping[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.communities)

    def community_of(self, node: str) -> int:
        return self.membership[node]


def detect_communities(graph: nx.Graph, *, seed: int = 42, resolution: float = 1.0) -> Partition:
    """Louvain communities (weighted) and their modularity; a directed graph is read as undirected.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.barbell_graph(4, 0)
    >>> p = detect_communities(g)
    >>> sorted(sorted(c) for c in p.communities), round(p.modularity, 4)
    ([[0, 1, 2, 3], [4, 5, 6, 7]], 0.4231)
    """
    if resolution <= 0:
        raise CmkgError(f"the resolution must be above 0, not {resolution}")
    und = graph.to_undirected(as_view=True) if graph.is_directed() else graph
    if und.number_of_nodes() == 0:
        return Partition((), 0.0, seed, resolution, {})
    if und.number_of_edges() == 0:
        found: list[set[str]] = [{v} for v in und]
        q = 0.0
    else:
        found = nx.community.louvain_communities(und, weight="weight", resolution=resolution, seed=seed)
        q = nx.community.modularity(und, found, weight="weight", resolution=resolution)
    ordered = sorted((frozenset(c) for c in found), key=lambda c: (-len(c), min(map(str, c))))
    membership = {v: i for i, c in enumerate(ordered, start=1) for v in c}
    return Partition(tuple(ordered), float(q), seed, resolution, membership)


def count_summary(values: list[str], limit: int = 4) -> str:
    """``"Canada 3, Germany 1"``: the commonest values with their counts.

    Examples
    --------
    >>> count_summary(["b", "a", "b", ""])
    'b 2, a 1'
    """
    counts = Counter(v for v in values if v)
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    text = ", ".join(f"{k} {n}" for k, n in top[:limit])
    return text + (f", … {len(top) - limit} more" if len(top) > limit else "")


def communities_table(graph: nx.Graph, partition: Partition, *, top: int | None = None, members: int = 5) -> Table:
    """One row per community: size, share of modularity, types, countries and its best-connected members.

    ``modularity`` is the community's contribution L_c/m - resolution * (d_c/2m)^2,
    so the column sums to the partition's modularity.
    """
    und = graph.to_undirected(as_view=True) if graph.is_directed() else graph
    m = und.size(weight="weight")
    nodes = graph.nodes
    rows = []
    for i, comm in enumerate(partition.communities, start=1):
        if top is not None and i > top:
            break
        inside = und.subgraph(comm).size(weight="weight")
        degree_sum = sum(d for _, d in und.degree(comm, weight="weight"))
        share = (inside / m - partition.resolution * (degree_sum / (2 * m)) ** 2) if m else 0.0
        best = sorted(comm, key=lambda v: (-und.degree(v), str(nodes[v].get("label", v))))
        countries = [c for v in comm for c in str(nodes[v].get("country", "")).split("; ")]
        rows.append(
            (
                i,
                len(comm),
                float(share),
                count_summary([str(nodes[v].get("type", "")) for v in comm]),
                count_summary(countries),
                "; ".join(str(nodes[v].get("label", v)) for v in best[:members]),
            )
        )
    title = (
        f"{graph.graph.get('title', 'Network')}: {len(partition)} communities "
        f"(Louvain, seed {partition.seed}), modularity {partition.modularity:.4f}"
    )
    return Table.build(title, ("community", "size", "modularity", "types", "countries", "members"), rows)
