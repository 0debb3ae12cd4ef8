"""Turn a networkx graph into one self-contained, offline, interactive HTML page.

pyvis assembles the nodes, edges and vis-network options; the page comes from
our own Jinja2 template (``templates/network.html.j2``), which inlines
vis-network's script and stylesheet read from the installed pyvis package, so
the file opens with no network at all. pyvis's own template would fetch assets
from a CDN and switch tooltips to ``innerHTML``; ours never renders data as
markup: the data travels as a JSON block (``<``, ``>`` and ``&`` escaped) and the
page builds tooltips and the side panel with ``textContent``.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from cmkg.errors import CmkgError
from cmkg.visualize.assets import csp_hash, own_asset, page_template, vis_asset
from cmkg.visualize.layout import LAYOUTS, centrality, layout

__all__ = ["Visualisation", "render", "save", "DEFAULT_MAX_NODES", "TYPE_STYLES"]

#: Above this many nodes only the most central are drawn.
DEFAULT_MAX_NODES = 1500
ID_BASE = "https://w3id.org/cmkg/id/"

#: Fill colour and shape per node type: the Okabe-Ito palette (safe for the common
#: colour-vision deficiencies), with a distinct shape per type as a second cue.
TYPE_STYLES: dict[str, tuple[str, str]] = {
    "Practice": ("#E69F00", "dot"),
    "Organisation": ("#0072B2", "square"),
    "City": ("#009E73", "triangle"),
    "Region": ("#56B4E9", "triangleDown"),
    "Country": ("#F0E442", "diamond"),
    "Person": ("#CC79A7", "star"),
    "PolicyArea": ("#D55E00", "hexagon"),
    "Recommendation": ("#000000", "diamond"),
}
_OTHER_STYLE = ("#AAAAAA", "dot")
# Relations are coloured by family (Paul Tol's "muted" scheme): fifteen colours
# could not be told apart on thin lines, six can. Each relation keeps its name in
# the legend and the edge tooltip.
_FAMILIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "leads, heads, works for": ("#882255", ("led by", "heads", "affiliation", "position", "position in")),
    "partners, members": ("#117733", ("partner", "community partner", "partner of", "member of", "shares organisation")),
    "funds": ("#DDCC77", ("funded by",)),
    "where": ("#88CCEE", ("implemented in", "based in", "located in", "suburb of")),
    "inspiration": ("#CC6677", ("inspired by", "adapted from", "replicates")),
    "part, award, evidence": ("#332288", ("part of", "recipient", "award", "shares practice", "exemplifies", "addresses")),
}
_OTHER_RELATION_COLOUR = "#777777"
_MIN_SIZE, _MAX_SIZE = 9.0, 42.0
_EDGE_LABELS_MAX = 80  # label edges with their relation only while that stays legible
_DESCRIPTION_MAX = 600


@dataclass(frozen=True)
class Visualisation:
    """A rendered page and what it shows.

    ``nodes`` and ``edges`` count what is drawn; ``left_out`` counts nodes dropped
    by the node cap, chosen by ``measure`` (the centrality that also sizes nodes).
    """

    html: str
    title: str
    nodes: int
    edges: int
    left_out: int
    measure: str


def render(
    graph: nx.Graph,
    *,
    title: str | None = None,
    description: str | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    layout_kind: str = "auto",
    explorer: str | None = None,
    focus: str | None = None,
) -> Visualisation:
    """Render ``graph`` (nodes with ``label``, ``type``, ``description``, ``source``…) as an offline HTML page.

    Parameters
    ----------
    graph : networkx.Graph or networkx.DiGraph
        A network projection; graph attributes ``title``, ``description`` and
        ``name`` are used when the arguments are not given (``name == "diffusion"``
        selects the left-to-right layered layout).
    max_nodes : int
        Node cap: above it the ``max_nodes`` most central nodes are kept and the
        page says how many were left out.
    layout_kind : str
        One of ``auto``, ``spring``, ``kamada-kawai``, ``layered``.
    explorer : str, optional
        Base URL of a local explorer; entity links then point at ``{explorer}/id/{kind}/{slug}``.
    focus : str, optional
        A node to highlight and select when the page opens (the centre of an ego network).

    Examples
    --------
    >>> g = nx.Graph(title="Two cities")
    >>> g.add_node("https://w3id.org/cmkg/id/city/a", label="A", type="City")
    >>> g.add_node("https://w3id.org/cmkg/id/city/b", label="<b>B</b>", type="City")
    >>> g.add_edge("https://w3id.org/cmkg/id/city/a", "https://w3id.org/cmkg/id/city/b", relation="partnerOf")
    >>> page = render(g)
    >>> page.nodes, page.edges, "<b>B</b>" in page.html, "\\\\u003cb\\\\u003eB" in page.html
    (2, 1, False, True)
    """
    if max_nodes < 1:
        raise CmkgError(f"the node cap must be at least 1, not {max_nodes}")
    if layout_kind not in LAYOUTS:
        raise CmkgError(f"unknown layout {layout_kind!r}; choose one of: {', '.join(LAYOUTS)}")
    explorer_base = _explorer_base(explorer)
    title = title or str(graph.graph.get("title") or graph.graph.get("name") or "Network")
    description = description if description is not None else str(graph.graph.get("description") or "")
    measure, score = centrality(graph)
    shown, left_out = _cap(graph, score, max_nodes, focus)
    if layout_kind == "auto" and graph.graph.get("name") == "diffusion":
        layout_kind = "layered"
    positions = layout(shown, layout_kind)
    colours = {r: _relation_colour(r) for r in _legend_relations(shown)}
    net = _assemble(shown, score, positions, explorer_base, focus, colours)
    nodes, edges, _heading, _h, _w, options_json = net.get_network_data()
    options = json.loads(options_json)
    # vis-network maps the range of values onto scaling.min..max; make that the
    # identity so sizes are the ones computed here (not a stretch of tiny differences).
    values = [n["value"] for n in nodes] or [_MIN_SIZE]
    options["nodes"]["scaling"].update(min=min(values), max=max(values))
    total = graph.number_of_nodes()
    notice = ""
    if left_out:
        notice = (
            f"{left_out:,} of {total:,} nodes left out: kept the {len(shown):,} most central by {measure} "
            f"(raise the cap with cmkg viz --top N, or narrow the view with --focus, --policy-area or --country)."
        )
    data = {
        "nodes": nodes,
        "edges": edges,
        "options": options,
        "directed": graph.is_directed(),
        "focus": focus if focus in shown else None,
        "types": _legend_types(shown),
        "relations": [{"name": r, "color": c} for r, c in colours.items()],
        "measure": measure,
    }
    scripts = (vis_asset("vis-network.min.js", "</script"), own_asset("viz.js", "</script"))
    html = page_template().render(
        title=title,
        description=description,
        notice=notice,
        measure=measure,
        node_count=len(shown),
        edge_count=shown.number_of_edges(),
        directed=graph.is_directed(),
        data_json=_script_json(data),
        vis_js=scripts[0],
        page_js=scripts[1],
        script_hashes=" ".join(f"'sha256-{csp_hash(s)}'" for s in scripts),
        vis_css=vis_asset("vis-network.css", "</style"),
        page_css=own_asset("viz.css", "</style"),
    )
    return Visualisation(html, title, len(shown), shown.number_of_edges(), left_out, measure)


def save(graph: nx.Graph, path: str | Path, **options: Any) -> Visualisation:
    """Render ``graph`` and write the page to ``path`` atomically (no half-written file on failure).

    Takes the keyword arguments of :func:`render`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "g.html"
    >>> save(nx.path_graph(3), out).nodes, out.read_text().count("<html")
    (3, 1)
    """
    path = Path(path)
    if path.is_dir():
        raise CmkgError(f"{path} is a folder; give a file name such as {path / 'network.html'}")
    if not path.parent.exists():
        raise CmkgError(f"cannot write {path}: folder {path.parent} does not exist")
    page = render(graph, **options)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(page.html)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return page


# --- assembling ------------------------------------------------------------
def _cap(graph: nx.Graph, score: dict[Any, float], max_nodes: int, focus: str | None) -> tuple[nx.Graph, int]:
    """The subgraph of the ``max_nodes`` most central nodes (the focus always kept) and how many were dropped."""
    if graph.number_of_nodes() <= max_nodes:
        return graph, 0
    ranked = sorted(graph, key=lambda n: (-score.get(n, 0.0), str(n)))
    keep = ranked[:max_nodes]
    if focus is not None and focus in graph and focus not in keep:
        keep[-1] = focus
    return graph.subgraph(keep).copy(), graph.number_of_nodes() - len(keep)


def _assemble(graph: nx.Graph, score: dict[Any, float], positions: dict[Any, tuple[float, float]], explorer: str | None, focus: str | None, colours: dict[str, str]):  # type: ignore[no-untyped-def]
    """A pyvis Network with every node and edge of ``graph`` styled and placed."""
    from pyvis.edge import Edge
    from pyvis.network import Network
    from pyvis.node import Node

    net = Network(directed=graph.is_directed(), cdn_resources="in_line")
    net.options = _options(graph)
    top = max((score.get(n, 0.0) for n in graph), default=0.0)
    low = min((score.get(n, 0.0) for n in graph), default=0.0)
    ranked = sorted(graph, key=lambda n: (-score.get(n, 0.0), str(n)))
    rank = {n: i for i, n in enumerate(ranked)}
    count = len(ranked)
    degree = dict(graph.degree())
    for n in ranked:
        attrs = graph.nodes[n]
        kind = str(attrs.get("type") or "Other")
        colour, shape = TYPE_STYLES.get(kind, _OTHER_STYLE)
        # From the least to the most central in this view; the square root keeps hubs from
        # dwarfing everything; equal scores get a middle size. The rank term breaks ties
        # so label visibility (which follows size) has a strict order.
        if top > low * 1.05:
            size = _MIN_SIZE + (_MAX_SIZE - _MIN_SIZE) * math.sqrt((score.get(n, low) - low) / (top - low))
        else:
            size = (_MIN_SIZE + _MAX_SIZE) / 3
        size += 0.5 * (count - rank[n]) / count
        iri = str(attrs.get("iri") or n)
        x, y = positions[n]
        node = Node(
            str(n),
            shape,
            label=_text(attrs.get("label")) or _local_name(iri),
            value=round(size, 3),
            x=round(x, 1),
            y=round(y, 1),
            color={"background": colour, "border": "#222222", "highlight": {"background": colour, "border": "#000000"}},
            borderWidth=3 if str(n) == focus else 1,
            # Fields the page turns into tooltip and panel text (never markup).
            kind=kind,
            iri=iri,
            page=_entity_page(iri, explorer),
            country=_text(attrs.get("country")),
            description=_text(attrs.get("description"))[:_DESCRIPTION_MAX],
            source=_text(attrs.get("source")),
            centrality=round(score.get(n, 0.0), 6),
            rank=rank[n] + 1,
            degree=degree[n],
        )
        net.nodes.append(node.options)
        net.node_ids.append(str(n))
        net.node_map[str(n)] = node.options
    # With a single relation the legend says it all; with several, name them on the edges while legible.
    label_edges = graph.number_of_edges() <= _EDGE_LABELS_MAX and len(colours) > 1
    # Edges are appended directly: pyvis's add_edge rescans every edge per call
    # (quadratic), which takes minutes on 10,000 edges.
    for u, v, attrs in sorted(graph.edges(data=True), key=lambda e: (str(e[0]), str(e[1]))):
        relation = _relation(attrs.get("relation"))
        weight = float(attrs.get("weight") or 1.0)
        options: dict[str, Any] = {
            "title": relation + (f" (weight {weight:g})" if weight != 1.0 else ""),
            "relation": relation,
            "color": {"color": colours.get(relation.split(", ")[0], _OTHER_RELATION_COLOUR), "highlight": "#000000", "hover": "#000000", "inherit": False, "opacity": 0.8},
            "width": round(1.0 + 1.5 * math.log(max(weight, 1.0)), 2),
        }
        if label_edges and relation:
            options["label"] = relation
        if not graph.is_directed():
            options["arrows"] = {"to": {"enabled": False}}
        net.edges.append(Edge(str(u), str(v), graph.is_directed(), **options).options)
    return net


def _options(graph: nx.Graph) -> dict[str, Any]:
    """vis-network options: fixed positions, physics off, labels that follow node size."""
    return {
        "autoResize": True,
        # Positions come from Python: vis-network's physics needs minutes on 1,000 nodes
        # and would undo the label plan made for the computed layout.
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False, "randomSeed": 42},
        "interaction": {"hover": True, "tooltipDelay": 120, "navigationButtons": False, "keyboard": True, "multiselect": False},
        "nodes": {
            "font": {"face": "system-ui, Arial, sans-serif", "color": "#111111", "strokeWidth": 4, "strokeColor": "#ffffff"},
            # The page sets label.min/max after the first fit, so the most central labels
            # are readable at the start and the rest appear on zoom.
            "scaling": {"min": _MIN_SIZE, "max": _MAX_SIZE + 0.5, "label": {"enabled": True, "min": 12, "max": 24, "maxVisible": 26, "drawThreshold": 8}},
        },
        "edges": {
            "smooth": False,
            "arrows": {"to": {"enabled": graph.is_directed(), "scaleFactor": 0.6}},
            "font": {"size": 10, "color": "#444444", "strokeWidth": 3, "align": "middle"},
            "selectionWidth": 2,
            "hoverWidth": 0.5,
        },
    }


def _legend_types(graph: nx.Graph) -> list[dict[str, Any]]:
    counts: dict[str, int] = {}
    for _, attrs in graph.nodes(data=True):
        kind = str(attrs.get("type") or "Other")
        counts[kind] = counts.get(kind, 0) + 1
    order = list(TYPE_STYLES)
    keys = sorted(counts, key=lambda k: (order.index(k) if k in order else len(order), k))
    return [{"type": k, "count": counts[k], "color": TYPE_STYLES.get(k, _OTHER_STYLE)[0], "shape": TYPE_STYLES.get(k, _OTHER_STYLE)[1]} for k in keys]


def _legend_relations(graph: nx.Graph) -> list[str]:
    return sorted({part for *_, r in graph.edges(data="relation") for part in _relation(r).split(", ")} - {""})


def _relation_colour(relation: str) -> str:
    for colour, members in _FAMILIES.values():
        if relation in members:
            return colour
    return _OTHER_RELATION_COLOUR


# --- text helpers ------------------------------------------------------------
def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple, set, frozenset)):
        return "; ".join(sorted(_text(v) for v in value))
    return str(value)


def _local_name(iri: str) -> str:
    return re.split(r"[/#]", iri.rstrip("/#"))[-1] or iri


def _relation(value: Any) -> str:
    """``cmo:implementedIn`` or its IRI becomes ``implemented in``; a comma-separated list each part.

    Examples
    --------
    >>> _relation("ledBy, https://w3id.org/cmkg/ontology#fundedBy")
    'led by, funded by'
    """
    parts = [p.strip() for p in _text(value).split(",")]
    return ", ".join(p for p in (_one_relation(p) for p in parts) if p)


def _one_relation(text: str) -> str:
    if re.match(r"^https?://", text):
        text = _local_name(text)
    elif re.fullmatch(r"[A-Za-z][\w-]*:[A-Za-z]\w*", text):
        text = text.split(":", 1)[1]
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text).lower() if re.fullmatch(r"[A-Za-z]+", text) else text


def _explorer_base(explorer: str | None) -> str | None:
    if explorer is None:
        return None
    if not re.match(r"^https?://[^\s/]+", explorer):
        raise CmkgError(f"--explorer must be an http(s) URL such as http://127.0.0.1:8000, not {explorer!r}")
    return explorer.rstrip("/")


def _entity_page(iri: str, explorer: str | None) -> str:
    """Where a click on the node leads: the explorer's page for our own IRIs, else the IRI if it is http(s)."""
    if explorer and iri.startswith(ID_BASE):
        return f"{explorer}/id/{iri[len(ID_BASE):]}"
    return iri if re.match(r"^https?://", iri) else ""


def _script_json(data: Any) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``</script>``, ``<!--`` or entity can form."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
