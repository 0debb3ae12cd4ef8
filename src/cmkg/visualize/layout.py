"""Node positions computed in Python (and the centrality that sizes nodes), so the browser draws without physics.

vis-network's own physics needs over a minute to settle 1,000 nodes in headless
Chromium; with positions shipped in the page and physics off, the same graph
draws in under a second. Every layout here is seeded, so the same graph looks
the same every time it is drawn.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping

import networkx as nx

__all__ = ["LAYOUTS", "layout", "centrality", "layered_positions"]

#: Layout names accepted by :func:`layout`.
LAYOUTS = ("auto", "spring", "kamada-kawai", "layered")

# Up to this many nodes Kamada-Kawai gives the most even drawing; above it its
# optimiser costs seconds, and the (seeded) spring layout is used.
_KAMADA_KAWAI_MAX = 25
# networkx's sparse spring layout takes about 10 s for 1,000 nodes and two minutes
# for 10,000; from this size on the vectorised grid variant below is used.
_NETWORKX_SPRING_MAX = 500
_NEIGHBOURS = 12
# Pixels between neighbouring nodes on the canvas; vis-network draws dots of 8-40 px.
_SPACING = 95.0
_CHAR = 8.0  # canvas pixels per label character at the page's reading size

Position = tuple[float, float]


def centrality(graph: nx.Graph) -> tuple[str, dict[Hashable, float]]:
    """The centrality used for node size and for the node cap: PageRank, or degree if it cannot converge.

    Returns the measure's name and its value per node. PageRank follows edge
    direction and uses the ``weight`` edge attribute.

    Examples
    --------
    >>> g = nx.star_graph(3)
    >>> name, values = centrality(g)
    >>> name, max(values, key=values.get)
    ('PageRank', 0)
    """
    if graph.number_of_nodes() == 0:
        return "PageRank", {}
    try:
        return "PageRank", nx.pagerank(graph, weight="weight", max_iter=200)
    except nx.PowerIterationFailedConvergence:
        return "degree centrality", nx.degree_centrality(graph)


def layout(graph: nx.Graph, kind: str = "auto", *, seed: int = 42) -> dict[Hashable, Position]:
    """Positions in canvas pixels for every node of ``graph``.

    ``kind`` is ``"spring"`` (seeded Fruchterman-Reingold), ``"kamada-kawai"``,
    ``"layered"`` (left to right along edge direction, for diffusion networks)
    or ``"auto"``: Kamada-Kawai for small connected pieces, spring otherwise.
    Connected components are laid out one by one and packed in rows, largest
    first, so small pieces do not drift to the edge of the canvas.

    Examples
    --------
    >>> g = nx.path_graph(4)
    >>> layout(g) == layout(g)
    True
    >>> pos = layout(nx.DiGraph([(1, 2), (2, 3)]), "layered")
    >>> pos[1][0] < pos[2][0] < pos[3][0]
    True
    """
    if kind not in LAYOUTS:
        raise ValueError(f"unknown layout {kind!r}; choose one of {', '.join(LAYOUTS)}")
    if graph.number_of_nodes() == 0:
        return {}
    if kind == "layered":
        return layered_positions(graph)
    undirected = graph.to_undirected(as_view=True) if graph.is_directed() else graph
    components = sorted(nx.connected_components(undirected), key=lambda c: (-len(c), min(map(str, c))))
    pieces = [_component(undirected.subgraph(c), kind, seed) for c in components]
    widths = [max(len(str(graph.nodes[n].get("label") or n)) for n in c) for c in components]
    return _pack(pieces, [min(w, 48) * _CHAR for w in widths])


def _component(graph: nx.Graph, kind: str, seed: int) -> dict[Hashable, Position]:
    """One connected component, scaled so neighbours sit about ``_SPACING`` pixels apart."""
    n = graph.number_of_nodes()
    if n == 1:
        return {next(iter(graph)): (0.0, 0.0)}
    if n == 2:
        a, b = sorted(graph, key=str)
        return {a: (-_SPACING, 0.0), b: (_SPACING, 0.0)}  # room for an edge label between them
    # Node order decides the seeded start positions: sort so the result does not
    # depend on the order the SPARQL results arrived in.
    ordered = nx.Graph()
    ordered.add_nodes_from(sorted(graph, key=str))
    ordered.add_edges_from((u, v, {"w": 1.0}) for u, v in graph.edges())
    if kind == "kamada-kawai" or (kind == "auto" and n <= _KAMADA_KAWAI_MAX):
        raw = nx.kamada_kawai_layout(ordered, weight="w")
    elif n < _NETWORKX_SPRING_MAX:
        raw = nx.spring_layout(ordered, seed=seed, iterations=50, k=1.6 / math.sqrt(n), weight="w")
    else:
        raw = _grid_spring(ordered, seed=seed)
    return _spread(raw)


def _spread(raw: Mapping[Hashable, object]) -> dict[Hashable, Position]:
    """Scale so that the typical node sits ``_SPACING`` pixels from its nearest neighbour.

    Scaling by the extent instead would let a few far-flung leaves squeeze the
    dense core, where the labels that matter are.
    """
    import numpy as np
    from scipy.spatial import cKDTree

    nodes = list(raw)
    pts = np.array([[float(raw[n][0]), float(raw[n][1])] for n in nodes])  # type: ignore[index]
    dist, _ = cKDTree(pts).query(pts, k=2)
    typical = float(np.median(dist[:, 1])) or 1.0
    f = _SPACING * 1.15 / typical
    centre = (pts.max(axis=0) + pts.min(axis=0)) / 2
    return {n: (float((p[0] - centre[0]) * f), float((p[1] - centre[1]) * f)) for n, p in zip(nodes, pts)}


def _grid_spring(graph: nx.Graph, *, seed: int, iterations: int = 80) -> dict[Hashable, Position]:
    """Fruchterman-Reingold's grid variant: repulsion only between nodes closer than 2k, vectorised.

    Each node is pushed by its nearest neighbours (from a k-d tree each step), so a
    step costs O(n log n) instead of O(n^2); 10,000 nodes take a few seconds.
    """
    import numpy as np
    from scipy.spatial import cKDTree

    nodes = list(graph)
    index = {node: i for i, node in enumerate(nodes)}
    n = len(nodes)
    edges = np.array([(index[u], index[v]) for u, v in graph.edges() if u != v], dtype=np.int64).reshape(-1, 2)
    rng = np.random.default_rng(seed)
    side = math.sqrt(n)
    pos = rng.uniform(0.0, side, size=(n, 2))
    temperature = side / 8
    for step in range(iterations):
        disp = np.zeros_like(pos)
        # Repulsion from the nearest neighbours only (a bounded cost per node, even
        # where attraction packs nodes densely); the first neighbour is the node itself.
        dist, nearest = cKDTree(pos).query(pos, k=_NEIGHBOURS + 1)
        delta = pos[:, None, :] - pos[nearest[:, 1:]]
        dist2 = np.maximum(dist[:, 1:] ** 2, 1e-4)[:, :, None]
        disp += (delta / dist2 * (dist2 < 4.0)).sum(axis=1)  # k^2 / d along the unit vector, k = 1
        if len(edges):
            delta = pos[edges[:, 0]] - pos[edges[:, 1]]
            dist = np.sqrt((delta**2).sum(axis=1))[:, None]
            pull = delta * dist  # d^2 / k along the unit vector
            disp += _scatter(edges[:, 1], pull, n) - _scatter(edges[:, 0], pull, n)
        length = np.maximum(np.sqrt((disp**2).sum(axis=1)), 1e-9)[:, None]
        pos += disp / length * np.minimum(length, temperature)
        temperature = side / 8 * (1 - (step + 1) / iterations) + 0.05
    return {node: (float(pos[i, 0]), float(pos[i, 1])) for i, node in enumerate(nodes)}


def _scatter(index, vectors, n):  # type: ignore[no-untyped-def]
    """Sum 2-D ``vectors`` into ``n`` rows by ``index`` (bincount is far faster than np.add.at)."""
    import numpy as np

    return np.stack([np.bincount(index, weights=vectors[:, d], minlength=n) for d in (0, 1)], axis=1)


def _pack(pieces: list[dict[Hashable, Position]], label_widths: list[float]) -> dict[Hashable, Position]:
    """Place laid-out components in rows (shelf packing), largest first, into a roughly square area.

    A component's box is at least as wide as its longest label, so small pieces
    side by side do not write over each other once zoomed in.
    """
    boxes = []
    for piece, label_width in zip(pieces, label_widths):
        xs = [p[0] for p in piece.values()]
        ys = [p[1] for p in piece.values()]
        width = max(max(xs) - min(xs), label_width) + _SPACING
        boxes.append((min(xs) - (width - (max(xs) - min(xs))) / 2 + _SPACING / 2, min(ys), width, max(ys) - min(ys) + _SPACING))
    total = sum(w * h for _, _, w, h in boxes)
    # Rows about 1.5 times as wide as the stack is tall: the canvas is landscape.
    widths = sorted(w for _, _, w, _ in boxes)
    row_width = max(math.sqrt(total * 1.5) * 1.1, widths[-1], 2.2 * widths[len(widths) // 2])
    out: dict[Hashable, Position] = {}
    x = y = row_height = 0.0
    for piece, (x0, y0, w, h) in zip(pieces, boxes):
        if x > 0 and x + w > row_width:
            x, y, row_height = 0.0, y + row_height, 0.0
        for node, (px, py) in piece.items():
            out[node] = (px - x0 + x, py - y0 + y)
        x += w
        row_height = max(row_height, h)
    return out


def layered_positions(graph: nx.Graph) -> dict[Hashable, Position]:
    """Left-to-right layers along edge direction: a node sits one column right of its latest predecessor.

    Cycles are collapsed first (their nodes share a column). Within a column nodes
    are ordered by the mean row of their predecessors (one barycentre sweep), which
    keeps most edges short and uncrossed.

    Examples
    --------
    >>> pos = layered_positions(nx.DiGraph([("a", "b"), ("b", "c"), ("a", "c")]))
    >>> pos["a"][0] < pos["b"][0] < pos["c"][0]
    True
    """
    digraph = graph if graph.is_directed() else nx.DiGraph(graph)
    cond = nx.condensation(digraph)
    members = cond.graph["mapping"]  # node -> component id
    layer_of: dict[int, int] = {}
    for comp in nx.topological_sort(cond):
        preds = list(cond.predecessors(comp))
        layer_of[comp] = 1 + max((layer_of[p] for p in preds), default=-1)
    columns: dict[int, list[Hashable]] = {}
    for node in sorted(digraph, key=str):
        columns.setdefault(layer_of[members[node]], []).append(node)
    pos: dict[Hashable, Position] = {}
    col_gap = _SPACING * 3.2  # labels sit between the columns
    for col in sorted(columns):
        nodes = columns[col]

        def barycentre(n: Hashable) -> tuple[float, str]:
            rows = [pos[p][1] for p in digraph.predecessors(n) if p in pos]
            return (sum(rows) / len(rows) if rows else -1.0, str(n))

        nodes.sort(key=barycentre)
        for i, node in enumerate(nodes):
            pos[node] = (col * col_gap, (i - (len(nodes) - 1) / 2) * _SPACING * 1.3)
    return pos
