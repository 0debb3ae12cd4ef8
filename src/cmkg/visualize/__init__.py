"""Interactive network pictures: offline HTML pages drawn with pyvis and vis-network.

:func:`visualize` draws a named view of the graph (a :mod:`cmkg.network`
projection, optionally narrowed) into a file; :func:`render` and :func:`save`
draw any networkx graph whose nodes carry ``label`` and ``type``.

Examples
--------
>>> import networkx as nx
>>> from cmkg.visualize import render
>>> g = nx.Graph()
>>> g.add_edge("https://w3id.org/cmkg/id/city/a", "https://w3id.org/cmkg/id/city/b")
>>> render(g, title="Two nodes").nodes
2
"""

from __future__ import annotations

from cmkg.visualize.layout import LAYOUTS, centrality, layout
from cmkg.visualize.lookup import resolve
from cmkg.visualize.render import DEFAULT_MAX_NODES, TYPE_STYLES, Visualisation, render, save
from cmkg.visualize.views import VIEWS, view_graph, visualize

__all__ = [
    "DEFAULT_MAX_NODES",
    "LAYOUTS",
    "TYPE_STYLES",
    "VIEWS",
    "Visualisation",
    "centrality",
    "layout",
    "render",
    "resolve",
    "save",
    "view_graph",
    "visualize",
]
