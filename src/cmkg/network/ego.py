"""The neighbourhood of one resource in the actor network (an ego network)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

from cmkg.errors import CmkgError, ResourceNotFound
from cmkg.network.projection import project, short_name

if TYPE_CHECKING:  # pragma: no cover
    from cmkg.kg import KnowledgeGraph

__all__ = ["ego"]


def ego(kg: KnowledgeGraph, focus_iri: str, depth: int = 1, *, network: nx.Graph | None = None) -> nx.Graph:
    """The neighbourhood of one resource in the actor network, ``depth`` ties out.

    Parameters
    ----------
    kg : KnowledgeGraph
        The graph to project (ignored when ``network`` is given).
    focus_iri : str
        The IRI of a practice, organisation, person or place.
    depth : int
        How many ties away from the focus to reach (at least 1).
    network : networkx.Graph, optional
        An actor network projected before, to reuse (a server can keep one).

    Returns
    -------
    networkx.Graph
        The induced subgraph, with the focus marked by the node attribute
        ``focus=True`` (others ``False``) and each node's ``distance`` from it;
        graph attributes as :func:`project`'s plus ``focus``.

    Raises
    ------
    ResourceNotFound
        When the resource is not in the actor network.

    Examples
    --------
    >>> from rdflib import Dataset
    >>> from cmkg import KnowledgeGraph
    >>> ds = Dataset(default_union=True)
    >>> _ = ds.graph("urn:example").parse(format="turtle", data='''
    ...     @prefix cmo: <https://w3id.org/cmkg/ontology#> .
    ...     @prefix practice: <https://w3id.org/cmkg/id/practice/> .
    ...     @prefix organisation: <https://w3id.org/cmkg/id/organisation/> .
    ...     @prefix city: <https://w3id.org/cmkg/id/city/> .
    ...     practice:p a cmo:Practice ; cmo:ledBy organisation:o ; cmo:implementedIn city:c .
    ...     practice:q a cmo:Practice ; cmo:ledBy organisation:o .
    ...     organisation:o a cmo:Organisation .
    ...     city:c a cmo:City .''')
    >>> kg = KnowledgeGraph.from_dataset(ds)
    >>> g = ego(kg, "https://w3id.org/cmkg/id/practice/p", 1)
    >>> sorted(n.rsplit("/", 2)[1] for n in g)
    ['city', 'organisation', 'practice']
    >>> g2 = ego(kg, "https://w3id.org/cmkg/id/practice/p", 2)
    >>> g2.number_of_nodes(), g2.nodes["https://w3id.org/cmkg/id/practice/q"]["distance"]
    (4, 2)
    """
    if depth < 1:
        raise CmkgError(f"depth must be 1 or more, not {depth}")
    full = network if network is not None else project(kg, "actors")
    if focus_iri not in full:
        raise ResourceNotFound(f"{focus_iri} has no ties in the actor network")
    distances = nx.single_source_shortest_path_length(full.to_undirected(as_view=True), focus_iri, cutoff=depth)
    sub = full.subgraph(distances).copy()
    for node, dist in distances.items():
        sub.nodes[node]["distance"] = dist
        sub.nodes[node]["focus"] = node == focus_iri
    sub.graph.update(
        name=f"ego-{short_name(focus_iri)}",
        title=f"Around {full.nodes[focus_iri].get('label', focus_iri)}",
        description=f"Everything within {depth} tie{'s' if depth != 1 else ''} of {focus_iri} in the actor network.",
        focus=focus_iri,
    )
    return sub
