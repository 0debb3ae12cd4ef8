"""Components: the separate pieces a network falls into."""

from __future__ import annotations

import networkx as nx

from cmkg.analysis.communities import count_summary
from cmkg.analysis.table import Table

__all__ = ["components", "components_table"]


def components(graph: nx.Graph) -> list[frozenset[str]]:
    """Connected components (weakly connected for a directed graph), largest first.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.Graph([("a", "b"), ("b", "c"), ("x", "y")])
    >>> [sorted(c) for c in components(g)]
    [['a', 'b', 'c'], ['x', 'y']]
    """
    parts = nx.weakly_connected_components(graph) if graph.is_directed() else nx.connected_components(graph)
    return sorted((frozenset(c) for c in parts), key=lambda c: (-len(c), min(map(str, c))))


def components_table(graph: nx.Graph, *, top: int | None = None, members: int = 5) -> Table:
    """One row per component: size, share of the nodes, diameter (in hops), types, countries, hubs."""
    parts = components(graph)
    n = graph.number_of_nodes()
    und = graph.to_undirected(as_view=True) if graph.is_directed() else graph
    nodes = graph.nodes
    rows = []
    for i, comp in enumerate(parts, start=1):
        if top is not None and i > top:
            break
        sub = und.subgraph(comp)
        hubs = sorted(comp, key=lambda v: (-und.degree(v), str(nodes[v].get("label", v))))
        countries = [c for v in comp for c in str(nodes[v].get("country", "")).split("; ")]
        rows.append(
            (
                i,
                len(comp),
                len(comp) / n,
                int(sub.number_of_edges()),
                int(nx.diameter(sub)) if len(comp) > 1 else 0,
                count_summary([str(nodes[v].get("type", "")) for v in comp]),
                count_summary(countries),
                "; ".join(str(nodes[v].get("label", v)) for v in hubs[:members]),
            )
        )
    title = f"{graph.graph.get('title', 'Network')}: {len(parts)} component{'s' if len(parts) != 1 else ''}, {n} nodes"
    return Table.build(title, ("component", "size", "share", "edges", "diameter", "types", "countries", "hubs"), rows)
