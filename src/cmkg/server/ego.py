"""The network view of an entity page: its ego network, as nodes and edges for vis-network."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cmkg.errors import CmkgError
from cmkg.server.views import ID_NS, Entity, _RDF_TYPE, curie

if TYPE_CHECKING:
    from cmkg.kg import KnowledgeGraph

__all__ = ["actor_network", "ego_network"]

#: Kinds left out of the drawing: sources and figures have their own sections, and in a picture they are noise.
_NOT_IN_NETWORK = ("source", "statistic")


def actor_network(kg: KnowledgeGraph) -> Any:
    """The actor network of :mod:`cmkg.network` (projected once, reused by every page), or ``None``."""
    try:
        from cmkg.network import project
    except ImportError:
        return None
    try:
        return project(kg, "actors")
    except CmkgError:
        return None


def ego_network(kg: KnowledgeGraph, e: Entity, limit: int = 60, network: Any = None) -> dict[str, Any]:
    """Nodes and edges around the entity for the network view.

    An actor (practice, organisation, person, place) gets its ego network from
    :func:`cmkg.network.ego` over ``network``; anything else (a concept, a
    source, a recommendation) its one-step neighbourhood in the ``id/`` space.
    """
    if network is not None:
        try:
            from cmkg.network import ego

            drawn = _from_networkx(ego(kg, e.iri, 1, network=network), e.iri, limit)
            if len(drawn["nodes"]) > 1:
                return drawn
        except (ImportError, CmkgError):
            pass  # not in the actor network: its own links below
    nodes: dict[str, dict[str, str]] = {e.iri: {"id": e.iri, "label": e.label, "group": "self"}}
    edges: list[dict[str, str]] = []
    for direction, links in (("out", e.outgoing), ("in", e.incoming)):
        for link in links:
            if link.prop == _RDF_TYPE:
                continue
            for v in link.values:
                other = str(v.term)
                if not v.is_resource or not other.startswith(ID_NS) or other == e.iri:
                    continue
                if other[len(ID_NS):].split("/", 1)[0] in _NOT_IN_NETWORK:
                    continue  # sources and figures have their own sections; in the drawing they are noise
                if other not in nodes:
                    if len(nodes) > limit:
                        continue
                    nodes[other] = {"id": other, "label": v.text, "group": other[len(ID_NS):].split("/", 1)[0]}
                src, dst = (e.iri, other) if direction == "out" else (other, e.iri)
                edges.append({"from": src, "to": dst, "label": link.prop_label})
    ordered = sorted(nodes.values(), key=lambda n: (n["group"] != "self", n["group"], n["label"].lower()))
    return {"nodes": ordered, "edges": edges, "directed": True}


def _from_networkx(graph: Any, center: str, limit: int) -> dict[str, Any]:
    nodes: dict[str, dict[str, str]] = {}
    for node, data in sorted(graph.nodes(data=True), key=lambda nd: (nd[1].get("distance", 1), str(nd[0]))):
        iri = str(node)
        if len(nodes) > limit and iri != center:
            continue
        group = "self" if iri == center else iri[len(ID_NS):].split("/", 1)[0] if iri.startswith(ID_NS) else "other"
        nodes[iri] = {"id": iri, "label": str(data.get("label") or curie(iri)), "group": group}
    edges = [
        {"from": str(a), "to": str(b), "label": str(d.get("relation") or d.get("label") or "")}
        for a, b, d in graph.edges(data=True) if str(a) in nodes and str(b) in nodes
    ]
    ordered = sorted(nodes.values(), key=lambda n: (n["group"] != "self", n["group"], n["label"].lower()))
    return {"nodes": ordered, "edges": edges, "directed": bool(graph.is_directed())}
