"""The linked-data explorer: SPARQL endpoint, entity pages, content negotiation, API, dataset description.

Start it with ``cmkg serve``, or build the app yourself::

    from cmkg import KnowledgeGraph
    from cmkg.server import create_app, ServerSettings
    app = create_app(KnowledgeGraph.load(), ServerSettings(timeout=10))
"""

from cmkg.server.app import ServerSettings, create_app

__all__ = ["ServerSettings", "create_app"]
