"""Diffusion: where practices come from and how far they travel.

The diffusion network points from a model to the practice that drew on it, so
a *source* is an origin (drawn on, drawing on nothing stated) and a *sink* an
end point (drawing on a model, not drawn on in turn).
"""

from __future__ import annotations

from collections import Counter

import networkx as nx

from cmkg.analysis.table import Table

__all__ = [
    "sources",
    "sinks",
    "chains",
    "cross_border_links",
    "practices_table",
    "chains_table",
    "cross_border_table",
    "country_flows_table",
]

#: Enumerating chains stops after this many, whatever the graph.
MAX_CHAINS = 10_000


def _label(graph: nx.DiGraph, v: str) -> str:
    return str(graph.nodes[v].get("label") or v)


def _countries(graph: nx.DiGraph, v: str) -> set[str]:
    return {c for c in str(graph.nodes[v].get("country", "") or "").split("; ") if c}


def sources(graph: nx.DiGraph) -> list[str]:
    """Practices others drew on that draw on none themselves.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([("a", "b"), ("b", "c"), ("a", "d")])
    >>> sources(g), sinks(g)
    (['a'], ['c', 'd'])
    """
    return sorted(v for v in graph if graph.in_degree(v) == 0 and graph.out_degree(v) > 0)


def sinks(graph: nx.DiGraph) -> list[str]:
    """Practices that drew on a model and were not drawn on in turn."""
    return sorted(v for v in graph if graph.out_degree(v) == 0 and graph.in_degree(v) > 0)


def chains(graph: nx.DiGraph, *, limit: int = MAX_CHAINS) -> list[tuple[str, ...]]:
    """Every maximal chain of influence, longest first (ties by the labels along it).

    A chain starts at a source (or, in a cycle with no source, at its first
    node) and follows the links until it can go no further without revisiting a
    practice.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([("a", "b"), ("b", "c"), ("a", "d")])
    >>> chains(g)
    [('a', 'b', 'c'), ('a', 'd')]
    """
    starts = set(sources(graph))
    for comp in nx.weakly_connected_components(graph):
        if len(comp) > 1 and not starts & comp:
            starts.add(min(comp))
    found: list[tuple[str, ...]] = []
    for start in sorted(starts):
        stack: list[tuple[str, tuple[str, ...]]] = [(start, (start,))]
        while stack and len(found) < limit:
            node, path = stack.pop()
            nexts = [u for u in graph.successors(node) if u not in path]
            if not nexts:
                if len(path) > 1:
                    found.append(path)
                continue
            for u in sorted(nexts, reverse=True):
                stack.append((u, (*path, u)))
    found.sort(key=lambda p: (-len(p), [_label(graph, v) for v in p]))
    return found


def cross_border_links(graph: nx.DiGraph) -> list[tuple[str, str]]:
    """Links between practices with no country in common (both countries known)."""
    out = []
    for u, v in graph.edges():
        cu, cv = _countries(graph, u), _countries(graph, v)
        if cu and cv and not cu & cv:
            out.append((u, v))
    return sorted(out, key=lambda e: (_label(graph, e[0]), _label(graph, e[1])))


def practices_table(graph: nx.DiGraph, *, top: int | None = None) -> Table:
    """Each practice's role: how many it drew on, inspired, and reached downstream."""
    src, snk = set(sources(graph)), set(sinks(graph))
    rows = []
    for v in graph:
        role = "source" if v in src else "sink" if v in snk else "relay"
        a = graph.nodes[v]
        rows.append(
            (
                _label(graph, v),
                str(a.get("city", "")),
                str(a.get("country", "")),
                role,
                int(graph.in_degree(v)),
                int(graph.out_degree(v)),
                len(nx.descendants(graph, v)),
                str(a.get("iri") or v),
            )
        )
    rows.sort(key=lambda r: (-r[6], -r[5], r[0]))
    rows = [(i, *r) for i, r in enumerate(rows, start=1)]
    title = (
        f"Diffusion: {graph.number_of_nodes()} practices, {graph.number_of_edges()} links, "
        f"{len(src)} sources, {len(snk)} sinks"
    )
    cols = ("rank", "label", "city", "country", "role", "drew_on", "inspired", "reach", "iri")
    return Table.build(title, cols, rows).head(top)


def chains_table(graph: nx.DiGraph, *, top: int | None = None) -> Table:
    """The longest chains of influence, from origin to end point."""
    rows = []
    for i, path in enumerate(chains(graph), start=1):
        countries = []
        for v in path:
            c = str(graph.nodes[v].get("country", "") or "?")
            if not countries or countries[-1] != c:
                countries.append(c)
        crossings = sum(1 for u, v in zip(path, path[1:]) if (a := _countries(graph, u)) and (b := _countries(graph, v)) and not a & b)
        rows.append(
            (
                i,
                len(path) - 1,
                " → ".join(_label(graph, v) for v in path),
                " → ".join(countries),
                crossings,
                str(graph.nodes[path[0]].get("iri") or path[0]),
                str(graph.nodes[path[-1]].get("iri") or path[-1]),
            )
        )
    title = "Diffusion: chains of influence, longest first (model → adopter)"
    return Table.build(title, ("rank", "links", "chain", "countries", "border_crossings", "start_iri", "end_iri"), rows).head(top)


def cross_border_table(graph: nx.DiGraph, *, top: int | None = None) -> Table:
    """Each link that crosses a border: model, adopter, their countries and the relation."""
    rows = []
    for u, v in cross_border_links(graph):
        a, b = graph.nodes[u], graph.nodes[v]
        rows.append(
            (
                _label(graph, u),
                str(a.get("country", "")),
                _label(graph, v),
                str(b.get("country", "")),
                str(graph.edges[u, v].get("relation", "")),
                str(a.get("iri") or u),
                str(b.get("iri") or v),
            )
        )
    title = f"Diffusion: {len(rows)} cross-border links of {graph.number_of_edges()}"
    cols = ("model", "from_country", "adopter", "to_country", "relation", "from_iri", "to_iri")
    return Table.build(title, cols, rows).head(top)


def country_flows_table(graph: nx.DiGraph, *, top: int | None = None) -> Table:
    """How many links run from each country to each other country."""
    counts: Counter[tuple[str, str]] = Counter()
    for u, v in cross_border_links(graph):
        for cu in sorted(_countries(graph, u)):
            for cv in sorted(_countries(graph, v)):
                counts[(cu, cv)] += 1
    rows = [(a, b, n) for (a, b), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return Table.build("Diffusion: links between countries (model's → adopter's)", ("from_country", "to_country", "links"), rows).head(top)
