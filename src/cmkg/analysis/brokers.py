"""Brokers: nodes whose neighbours span several communities or countries."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx

from cmkg.analysis.communities import Partition
from cmkg.analysis.table import Table

__all__ = ["Brokerage", "brokerage", "brokers_table"]


@dataclass(frozen=True)
class Brokerage:
    """What one node's neighbourhood spans."""

    node: str
    communities: frozenset[int]  # communities of its neighbours
    countries: frozenset[str]  # countries of its neighbours
    is_broker: bool


def _countries(attrs: Mapping[str, object]) -> list[str]:
    return [c for c in str(attrs.get("country", "") or "").split("; ") if c]


def brokerage(
    graph: nx.Graph,
    partition: Partition,
    *,
    min_communities: int = 2,
    min_countries: int = 2,
) -> dict[str, Brokerage]:
    """For every node, the communities and countries its neighbours belong to.

    A node is a broker when its neighbours (either direction, in a directed
    graph) lie in at least ``min_communities`` communities or at least
    ``min_countries`` countries.

    Examples
    --------
    >>> import networkx as nx
    >>> from cmkg.analysis.communities import detect_communities
    >>> g = nx.barbell_graph(4, 1)  # cliques 0-3 and 5-8 joined through node 4
    >>> p = detect_communities(g)
    >>> b = brokerage(g, p)
    >>> sorted(b[4].communities) == sorted({p.membership[3], p.membership[5]}), b[4].is_broker
    (True, True)
    >>> b[0].is_broker, b[8].is_broker
    (False, False)
    """
    und = graph.to_undirected(as_view=True) if graph.is_directed() else graph
    out: dict[str, Brokerage] = {}
    for v in und:
        neighbours = [u for u in und.neighbors(v) if u != v]
        comms = frozenset(partition.membership[u] for u in neighbours if u in partition.membership)
        countries = frozenset(c for u in neighbours for c in _countries(und.nodes[u]))
        out[v] = Brokerage(v, comms, countries, len(comms) >= min_communities or len(countries) >= min_countries)
    return out


def brokers_table(
    graph: nx.Graph,
    partition: Partition,
    betweenness: Mapping[str, float],
    *,
    top: int | None = None,
    min_communities: int = 2,
    min_countries: int = 2,
) -> Table:
    """The brokers, ranked by communities spanned, then countries spanned, then betweenness.

    ``communities`` and ``countries`` count what the node's neighbours span;
    ``neighbour_countries`` names those countries; ``constraint`` is Burt's
    constraint (lower: more brokerage opportunity); ``community`` is the node's own.
    """
    info = brokerage(graph, partition, min_communities=min_communities, min_countries=min_countries)
    nodes = graph.nodes
    found = [b for b in info.values() if b.is_broker]
    found.sort(
        key=lambda b: (
            -len(b.communities),
            -len(b.countries),
            -betweenness.get(b.node, 0.0),
            str(nodes[b.node].get("label", b.node)),
        )
    )
    if top is not None:
        found = found[:top]
    und = graph.to_undirected(as_view=True) if graph.is_directed() else graph
    constraint = nx.constraint(und, [b.node for b in found], weight="weight") if found else {}
    rows = []
    for i, b in enumerate(found, start=1):
        a = nodes[b.node]
        c = constraint.get(b.node, math.nan)
        rows.append(
            (
                i,
                str(a.get("label", b.node)),
                str(a.get("type", "")),
                str(a.get("country", "")),
                int(und.degree(b.node)),
                len(b.communities),
                len(b.countries),
                "; ".join(sorted(b.countries)),
                float(betweenness.get(b.node, 0.0)),
                None if math.isnan(c) else float(c),
                partition.membership.get(b.node),
                str(a.get("iri") or b.node),
            )
        )
    title = (
        f"{graph.graph.get('title', 'Network')}: brokers (neighbours in ≥{min_communities} communities "
        f"or ≥{min_countries} countries), {sum(1 for b in info.values() if b.is_broker)} of {len(info)} nodes"
    )
    columns = (
        "rank",
        "label",
        "type",
        "country",
        "degree",
        "communities",
        "countries",
        "neighbour_countries",
        "betweenness",
        "constraint",
        "community",
        "iri",
    )
    return Table.build(title, columns, rows)
