"""Networks of the knowledge graph, as networkx graphs projected by SPARQL.

Each network is a named query under ``queries/network/`` returning its edges;
:func:`project` runs it (on whatever engine holds the graph) and builds a
:class:`networkx.Graph` or :class:`networkx.DiGraph` whose nodes are IRIs.
:func:`write_network` saves one for Gephi (GraphML, GEXF) or the web (JSON).

Examples
--------
>>> from cmkg import KnowledgeGraph
>>> from cmkg.network import NETWORKS, project
>>> sorted(NETWORKS)
['actors', 'cities', 'diffusion', 'organisations', 'policy']
>>> g = project(KnowledgeGraph.load(), "actors")
>>> g.graph["name"], g.is_directed()
('actors', False)
"""

from __future__ import annotations

from cmkg.network.ego import ego
from cmkg.network.export import EXPORT_FORMATS, read_network, write_network
from cmkg.network.projection import (
    NETWORKS,
    NODE_QUERY,
    NetworkSpec,
    graph_from_edges,
    network_spec,
    node_attributes,
    project,
    short_name,
)

__all__ = [
    "NETWORKS",
    "NODE_QUERY",
    "NetworkSpec",
    "EXPORT_FORMATS",
    "ego",
    "graph_from_edges",
    "network_spec",
    "node_attributes",
    "project",
    "read_network",
    "short_name",
    "write_network",
]
