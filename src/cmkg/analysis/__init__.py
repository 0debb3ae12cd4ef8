"""Network measures of the knowledge graph, one module per family.

- :mod:`~cmkg.analysis.centrality`: degree, betweenness, PageRank, eigenvector
- :mod:`~cmkg.analysis.communities`: Louvain communities (fixed seed) and modularity
- :mod:`~cmkg.analysis.brokers`: nodes whose neighbours span communities or countries
- :mod:`~cmkg.analysis.components`: connected components
- :mod:`~cmkg.analysis.diffusion`: sources, sinks, chains, cross-border links
- :mod:`~cmkg.analysis.coverage`: practices, cities and countries per recommendation
- :mod:`~cmkg.analysis.rdf`: the measures as RDF in their own named graph

Every function takes a networkx graph (from :func:`cmkg.network.project`) or a
:class:`~cmkg.KnowledgeGraph` and returns plain values or a :class:`Table`.

Examples
--------
>>> from cmkg import KnowledgeGraph
>>> from cmkg.analysis import AnalysisOptions, analyze
>>> result = analyze(KnowledgeGraph.load(), "organisations", AnalysisOptions(top=5))
>>> result.main.columns[:3]
('rank', 'label', 'type')
"""

from __future__ import annotations

from cmkg.analysis.brokers import Brokerage, brokerage, brokers_table
from cmkg.analysis.centrality import MEASURES, CentralityOptions, centrality, centrality_table
from cmkg.analysis.communities import Partition, communities_table, detect_communities
from cmkg.analysis.components import components, components_table
from cmkg.analysis.coverage import coverage, uncovered
from cmkg.analysis.diffusion import chains, cross_border_links, sinks, sources
from cmkg.analysis.report import ANALYSES, Analysis, AnalysisOptions, analyze, measure_network
from cmkg.analysis.table import Table

__all__ = [
    "ANALYSES",
    "MEASURES",
    "Analysis",
    "AnalysisOptions",
    "Brokerage",
    "CentralityOptions",
    "Partition",
    "Table",
    "analyze",
    "brokerage",
    "brokers_table",
    "centrality",
    "centrality_table",
    "chains",
    "communities_table",
    "components",
    "components_table",
    "coverage",
    "cross_border_links",
    "detect_communities",
    "measure_network",
    "sinks",
    "sources",
    "uncovered",
]
