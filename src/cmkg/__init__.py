"""cmkg — the Cities of Migration Knowledge Graph.

An RDF ontology and a curated graph of what cities do to welcome and integrate
immigrants, with a SPARQL query layer, network analytics, visualisations and
linked-data publishing. Start with :class:`KnowledgeGraph`.
"""

from __future__ import annotations

from cmkg.errors import CmkgError
from cmkg.kg import KnowledgeGraph
from cmkg.results import ResultTable

__all__ = ["KnowledgeGraph", "ResultTable", "CmkgError", "__version__"]
__version__ = "0.1.0"
