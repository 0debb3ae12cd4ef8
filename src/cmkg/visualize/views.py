"""The named views: a network projection, optionally narrowed, ready for :func:`cmkg.visualize.render`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx
from rdflib import URIRef

from cmkg.errors import CmkgError
from cmkg.results import ResultTable
from cmkg.visualize.lookup import resolve
from cmkg.visualize.render import DEFAULT_MAX_NODES, Visualisation, save

if TYPE_CHECKING:  # pragma: no cover
    from cmkg.kg import KnowledgeGraph

__all__ = ["VIEWS", "view_graph", "visualize"]

#: View names of ``cmkg viz``: the five network projections and the ego network.
VIEWS = ("actors", "organisations", "cities", "diffusion", "policy", "ego")

_CMO = "PREFIX cmo: <https://w3id.org/cmkg/ontology#>\n"
# Everything a practice addressing ?area touches: itself, its actors and places, the
# recommendations it exemplifies, the practices it drew on. (The area itself is added
# in Python: a BIND of the bound variable would be evaluated before the binding.)
_AREA_MEMBERS = _CMO + """SELECT DISTINCT ?r WHERE {
  { ?r cmo:addresses ?area }
  UNION { ?p cmo:addresses ?area . ?p ?link ?r . FILTER(isIRI(?r) && ?link != cmo:addresses) }
  UNION { ?p cmo:addresses ?area . ?r ?link ?p . FILTER(isIRI(?r)) }
}"""
# Everything in, based in or run in ?country (directly or through a place located in it).
_COUNTRY_MEMBERS = _CMO + """SELECT DISTINCT ?r WHERE {
  { ?r cmo:locatedIn+ ?country }
  UNION { ?r cmo:implementedIn|cmo:basedIn ?place . ?place cmo:locatedIn* ?country }
  UNION { ?r cmo:affiliation|cmo:heads ?org . ?org cmo:basedIn ?place . ?place cmo:locatedIn* ?country }
}"""


def view_graph(
    kg: KnowledgeGraph,
    view: str,
    *,
    focus: str | None = None,
    depth: int = 1,
    policy_area: str | None = None,
    country: str | None = None,
) -> nx.Graph:
    """The graph a view draws: a projection of :mod:`cmkg.network`, narrowed by the options.

    ``focus`` (a label or IRI) is required for ``ego`` and reaches ``depth`` ties out
    in the actor network. ``policy_area`` keeps what practices addressing that area
    touch; ``country`` keeps what lies, runs or is based in that country. Labels are
    resolved by SPARQL, so a remote endpoint works the same.
    """
    if view not in VIEWS:
        raise CmkgError(f"unknown view {view!r}; choose one of: {', '.join(VIEWS)}")
    if view == "ego" and not focus:
        raise CmkgError("the ego view needs --focus LABEL_OR_IRI (the resource at its centre)")
    if view == "ego" and depth < 1:
        raise CmkgError(f"--depth must be 1 or more, not {depth}")
    if view != "ego" and focus:
        raise CmkgError(f"--focus applies to the ego view only; try: cmkg viz ego --focus {focus!r}")
    try:
        from cmkg import network
    except ImportError:  # pragma: no cover - only before cmkg.network is part of the package
        raise CmkgError("this cmkg has no network projections (cmkg.network), so views cannot be drawn yet") from None

    if view == "ego":
        graph = network.ego(kg, resolve(kg, str(focus), option="--focus"), depth)
    else:
        graph = network.project(kg, view)
    short, long = [], []
    if policy_area:
        area = resolve(kg, policy_area, option="--policy-area", kinds=("PolicyArea",))
        graph = _narrow(graph, _members(kg, _AREA_MEMBERS, "area", area) | {area})
        name = _label(kg, area)
        short.append(name)
        long.append(f"practices addressing {name} and what they touch")
    if country:
        place = resolve(kg, country, option="--country", kinds=("Country",))
        graph = _narrow(graph, _members(kg, _COUNTRY_MEMBERS, "country", place) | {place})
        name = _label(kg, place)
        short.append(name)
        long.append(f"what lies, runs or is based in {name}")
    if short:
        graph.graph["title"] = f"{graph.graph.get('title', view)}: {', '.join(short)}"
        graph.graph["description"] = f"{graph.graph.get('description', '')} Narrowed to {'; '.join(long)}.".strip()
    return graph


def visualize(
    kg: KnowledgeGraph,
    view: str,
    path: str | Path,
    *,
    focus: str | None = None,
    depth: int = 1,
    policy_area: str | None = None,
    country: str | None = None,
    top: int = DEFAULT_MAX_NODES,
    explorer: str | None = None,
    layout: str = "auto",
) -> Visualisation:
    """Draw one view of the graph into an offline HTML file at ``path``.

    Examples
    --------
    >>> from cmkg import KnowledgeGraph
    >>> kg = KnowledgeGraph.load()
    >>> page = visualize(kg, "actors", "build/actors.html", top=500)  # doctest: +SKIP
    >>> page.nodes, page.left_out, page.measure  # doctest: +SKIP
    (153, 0, 'PageRank')
    >>> visualize(kg, "ego", "ego.html")
    Traceback (most recent call last):
    cmkg.errors.CmkgError: the ego view needs --focus LABEL_OR_IRI (the resource at its centre)
    """
    graph = view_graph(kg, view, focus=focus, depth=depth, policy_area=policy_area, country=country)
    if graph.number_of_nodes() == 0:
        raise CmkgError(f"the {view} view is empty with these options: nothing to draw")
    return save(graph, path, max_nodes=top, explorer=explorer, layout_kind=layout, focus=graph.graph.get("focus"))


def _members(kg: KnowledgeGraph, query: str, name: str, iri: str) -> set[str]:
    table = kg.sparql(query, {name: URIRef(iri)})
    assert isinstance(table, ResultTable)
    return {str(r) for r in table.column("r")}


def _narrow(graph: nx.Graph, keep: set[str]) -> nx.Graph:
    sub = graph.subgraph([n for n in graph if n in keep]).copy()
    sub.graph.update(graph.graph)
    return sub


def _label(kg: KnowledgeGraph, iri: str) -> str:
    table = kg.sparql(
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?l WHERE { ?s rdfs:label ?l } LIMIT 1", {"s": URIRef(iri)}
    )
    assert isinstance(table, ResultTable)
    return str(table.rows[0][0]) if len(table) else iri
