"""Turning the edge queries of ``queries/network/`` into networkx graphs.

A network is defined by a named SELECT query returning one row per tie with the
columns ``source``, ``target``, ``relation`` and, where known, ``sourceLabel``,
``sourceType``, ``targetLabel``, ``targetType``, ``weight`` and ``via``. The
node attributes every network shares (country, city, description, source) come
from one more query, ``network-nodes``. Because both are SPARQL, a projection
runs unchanged on the embedded engines and on a remote endpoint.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import networkx as nx

from cmkg.errors import CmkgError
from cmkg.gcpause import collector_paused
from cmkg.results import ResultTable, term_to_python

if TYPE_CHECKING:  # pragma: no cover
    from cmkg.kg import KnowledgeGraph

__all__ = ["NetworkSpec", "NETWORKS", "NODE_QUERY", "project", "short_name", "network_spec"]

#: The query that gives every network its node attributes.
NODE_QUERY = "network-nodes"

#: When several classes apply, a node is typed by the first of these it has.
TYPE_ORDER = (
    "Practice",
    "Organisation",
    "Person",
    "City",
    "Region",
    "Country",
    "Recommendation",
    "PolicyArea",
)

#: A relation dropped when a more specific one links the same pair (as after OWL-RL reasoning).
_SUBSUMED = {
    "inspiredBy": ("replicates", "adaptedFrom"),
    "partner": ("communityPartner",),
    "affiliation": ("heads",),
}

# Node attributes that hold several values are joined with this separator.
SEP = "; "


@dataclass(frozen=True)
class NetworkSpec:
    """One network: the query that defines it and how to read its edges."""

    name: str
    query: str
    directed: bool
    title: str
    description: str
    #: for a two-mode network, the node types of its two sides (node attribute ``bipartite`` 0 and 1)
    bipartite: tuple[str, str] | None = None
    #: the node types a tie's two ends must have (by ``network-nodes``), when the query does not test them
    ends: tuple[str, ...] | None = None


NETWORKS: dict[str, NetworkSpec] = {
    spec.name: spec
    for spec in (
        NetworkSpec(
            "actors",
            "network-actors",
            False,
            "Actor network",
            "Practices, organisations, people and places, tied by who leads, partners in, funds, hosts or inspires what.",
            ends=TYPE_ORDER[:6],
        ),
        NetworkSpec(
            "organisations",
            "network-organisations",
            False,
            "Organisation co-involvement",
            "Organisations tied when they lead, partner in or fund the same practice, weighted by how many they share.",
        ),
        NetworkSpec(
            "cities",
            "network-cities",
            False,
            "City network",
            "Cities tied by an organisation active in both or by a practice in one inspired by a practice in the other.",
        ),
        NetworkSpec(
            "diffusion",
            "network-diffusion",
            True,
            "Diffusion network",
            "Practices and the models they drew on (inspiredBy, replicates, adaptedFrom), from model to adopter.",
        ),
        NetworkSpec(
            "policy",
            "network-policy",
            False,
            "Policy area by recommendation",
            "Policy areas and recommendations, tied by the practices that address the one and exemplify the other.",
            ("PolicyArea", "Recommendation"),
        ),
    )
}


def network_spec(name: str) -> NetworkSpec:
    """The spec of a network by name, or a CmkgError listing the names."""
    try:
        return NETWORKS[name]
    except KeyError:
        raise CmkgError(f"no network called {name!r}; choose one of: {', '.join(NETWORKS)}") from None


def short_name(value: Any) -> str:
    """The local name of an IRI (after ``#`` or the last ``/``); a literal as it is.

    Examples
    --------
    >>> short_name("https://w3id.org/cmkg/ontology#ledBy")
    'ledBy'
    >>> short_name("sharesPractice")
    'sharesPractice'
    """
    text = "" if value is None else str(value)
    if "://" not in text:
        return text
    for sep in ("#", "/"):
        if sep in text:
            text = text.rsplit(sep, 1)[1]
            break
    return text


def _select(kg: KnowledgeGraph, name: str, params: Mapping[str, Any]) -> ResultTable:
    result = kg.query(name, **params)
    if not isinstance(result, ResultTable):
        raise CmkgError(f"query {name!r} must be a SELECT query returning edges")
    return result


def _best_type(types: Iterable[str]) -> str:
    found = set(types)
    for t in TYPE_ORDER:
        if t in found:
            return t
    return sorted(found)[0] if found else ""


def _join(values: Iterable[str]) -> str:
    found = {v for v in values if v}
    if len(found) < 2:  # most nodes have one country, city or source, or none
        return found.pop() if found else ""
    return SEP.join(sorted(found))


def _index(table: ResultTable, *names: str) -> tuple[int | None, ...]:
    """Where each column is in the table's rows (``None`` for a column the query does not return)."""
    where = {c: i for i, c in enumerate(table.columns)}
    return tuple(where.get(n) for n in names)


class _ShortNames(dict):  # type: ignore[type-arg]
    """term -> its short name, worked out once per distinct term (a network repeats a few relations and types)."""

    def __missing__(self, term: Any) -> str:
        value = self[term] = short_name(term)
        return value


def node_attributes(kg: KnowledgeGraph) -> dict[str, dict[str, str]]:
    """Attributes of every resource a network can hold, by IRI, from the ``network-nodes`` query.

    Each value is a string ("" when unknown); several countries, cities or
    sources are joined with ``"; "`` in alphabetical order.
    """
    table = _select(kg, NODE_QUERY, {})
    i_node, i_type, *i_rest = _index(table, "node", "type", "label", "description", "country", "city", "source")
    if i_node is None:
        raise CmkgError(f"query {NODE_QUERY!r} must return a column 'node'")
    rest = [(k, i) for k, i in enumerate(i_rest) if i is not None]
    types = _ShortNames()
    # node term -> [types, labels, descriptions, countries, cities, sources]; rows read as terms, not
    # as Python values: a node query has a row per country, city and source of every resource
    acc: dict[Any, list[set[str]]] = {}
    for row in table.terms:
        node = row[i_node]
        if node is None:
            continue
        a = acc.get(node)
        if a is None:
            a = acc[node] = [set(), set(), set(), set(), set(), set()]
        a[0].add(types[row[i_type]] if i_type is not None else "")
        for k, i in rest:
            value = row[i]
            if value is not None:
                # a label or IRI is its text; a typed literal reads as its Python value, as in ResultTable.rows
                a[k + 1].add(str(value) if getattr(value, "datatype", None) is None else str(term_to_python(value)))
    out: dict[str, dict[str, str]] = {}
    for term, (type_, label, description, country, city, source) in acc.items():
        node = str(term)
        out[node] = {
            "iri": node,
            "label": min(label) if label else short_name(node),
            "type": _best_type(type_),
            "country": _join(country),
            "city": _join(city),
            "description": min(description) if description else "",
            "source": _join(source),
        }
    return out


def _blank_node(iri: str, label: str | None, type_: str) -> dict[str, str]:
    return {
        "iri": iri,
        "label": label or short_name(iri),
        "type": type_,
        "country": "",
        "city": "",
        "description": "",
        "source": "",
    }


def graph_from_edges(
    edges: ResultTable,
    spec: NetworkSpec,
    nodes: Mapping[str, Mapping[str, str]] | None = None,
) -> nx.Graph:
    """Build the graph of ``spec`` from the rows of its edge query.

    Rows that tie the same pair (in the same direction, for a directed network)
    become one edge. A row with a ``via`` (what mediates the tie: a shared
    practice, organisation or link, labelled by ``viaLabel``) counts once per
    distinct ``via``; a row without one is a direct statement and counts once,
    however often it is stated. A row's ``weight`` (1 when absent) is what it
    counts for. The edge's ``relation`` lists the relations of its rows
    (comma-separated, alphabetical, a general relation dropped where one of its
    sub-properties also ties the pair), its ``weight`` is their total and its
    ``via`` joins the labels of what mediates it. Given ``nodes`` (the node
    attributes), a network whose spec names ``ends`` keeps only the ties
    between nodes of those types.
    """
    graph: nx.Graph = nx.DiGraph() if spec.directed else nx.Graph()
    graph.graph.update(name=spec.name, title=spec.title, description=spec.description, directed=spec.directed)
    i_s, i_t, i_rel, i_w, i_via, i_vl, i_st, i_sl, i_tt, i_tl = _index(
        edges, "source", "target", "relation", "weight", "via", "viaLabel", "sourceType", "sourceLabel", "targetType", "targetLabel"
    )
    if i_s is None or i_t is None:
        raise CmkgError(f"network query {spec.query!r} must return the columns 'source' and 'target'")
    names = _ShortNames()
    # pair -> relation -> via key (None for a direct statement) -> (weight, label)
    merged: dict[tuple[str, str], dict[str, dict[str | None, tuple[float, str]]]] = {}
    node_types: dict[str, set[str]] = defaultdict(set)
    node_labels: dict[str, str] = {}
    # the ends' types and labels in the rows are only needed for nodes the node query did not describe
    ends_info = [(i, j, k) for i, j, k in ((i_s, i_st, i_sl), (i_t, i_tt, i_tl)) if j is not None or k is not None]
    directed = spec.directed
    # the ends a tie may have, when the query leaves their classes to the node attributes
    allowed = None if spec.ends is None or nodes is None else {n for n, a in nodes.items() if a.get("type") in spec.ends}
    nodes = nodes or {}
    for row in edges.terms:
        s, t = row[i_s], row[i_t]
        if s is None or t is None:
            raise CmkgError(f"network query {spec.query!r} returned a row without source or target")
        s, t = str(s), str(t)
        if s == t or (allowed is not None and (s not in allowed or t not in allowed)):
            continue
        for i_end, i_type, i_label in ends_info:
            end = s if i_end == i_s else t
            if end in nodes and nodes[end].get("type"):
                continue
            if i_type is not None and row[i_type] is not None:
                node_types[end].add(names[row[i_type]])
            if i_label is not None and row[i_label] is not None:
                node_labels.setdefault(end, str(term_to_python(row[i_label])))
        key = (s, t) if directed or s < t else (t, s)
        rel = names[row[i_rel]] if i_rel is not None else ""
        w = row[i_w] if i_w is not None else None
        weight = float(term_to_python(w)) if w is not None else 1.0
        via_term = row[i_via] if i_via is not None else None
        via = None if via_term is None else str(term_to_python(via_term))
        vl = term_to_python(row[i_vl]) if i_vl is not None else None
        label = str(vl or via or "")
        rels = merged.get(key)
        if rels is None:
            rels = merged[key] = {}
        ties = rels.get(rel)
        if ties is None:
            ties = rels[rel] = {}
        ties[via] = (max(weight, ties[via][0]), label) if via in ties else (weight, label)
    ends: set[str] = set()
    for u, v in merged:
        ends.add(u)
        ends.add(v)
    order = sorted(ends)
    node_rows = []
    for node in order:
        known = nodes.get(node)
        if known is not None and known.get("type") and spec.bipartite is None:
            node_rows.append((node, known))  # networkx copies the attributes
            continue
        attrs = dict(known) if known is not None else _blank_node(node, node_labels.get(node), "")
        if known is None or not attrs.get("type"):
            attrs["type"] = _best_type(node_types.get(node, ()))
        if spec.bipartite is not None and attrs["type"] in spec.bipartite:
            attrs["bipartite"] = spec.bipartite.index(attrs["type"])  # networkx's two-mode convention
        node_rows.append((node, attrs))
    graph.add_nodes_from(node_rows)
    # the edges in the order of their ends' IRIs, compared as ranks (IRIs share long prefixes)
    rank = {node: i for i, node in enumerate(order)}
    pairs = sorted(merged, key=lambda pair: (rank[pair[0]], rank[pair[1]]))
    graph.add_edges_from(_edge(u, v, merged[u, v]) for u, v in pairs)
    return graph


def _edge(u: str, v: str, rels: dict[str, dict[str | None, tuple[float, str]]]) -> tuple[str, str, dict[str, Any]]:
    """One edge of the graph from the ties merged for its pair."""
    if len(rels) == 1:
        # the common case: one relation (nothing to subsume), often stated once
        [(rel, ties)] = rels.items()
        if len(ties) == 1:
            [(weight, label)] = ties.values()
            return u, v, {"relation": rel, "weight": float(weight), "via": label}
        return u, v, {"relation": rel, "weight": float(sum(w for w, _ in ties.values())), "via": _join(l for _, l in ties.values())}
    rels = dict(rels)
    for general, specific in _SUBSUMED.items():
        if general in rels and any(s in rels for s in specific):
            del rels[general]
    all_ties = [tie for r in rels.values() for tie in r.values()]
    return u, v, {
        "relation": ", ".join(sorted(rels)),
        "weight": float(sum(w for w, _ in all_ties)),
        "via": _join(label for _, label in all_ties),
    }


def project(kg: KnowledgeGraph, name: str, **params: Any) -> nx.Graph:
    """The network ``name`` of the graph, as a networkx graph.

    Parameters
    ----------
    kg : KnowledgeGraph
        Any graph: embedded or behind a remote endpoint.
    name : str
        One of :data:`NETWORKS`: ``actors``, ``organisations``, ``cities``,
        ``diffusion`` or ``policy``.
    **params
        Parameters of the network's query, if it takes any.

    Returns
    -------
    networkx.Graph or networkx.DiGraph
        Nodes are IRIs with the attributes ``iri``, ``label``, ``type`` (short
        class name), ``country``, ``city``, ``description`` and ``source``
        (labels, "" when unknown, several joined by ``"; "``); edges carry
        ``relation`` (short property name), ``weight`` (float) and ``via``; the
        graph carries ``name``, ``title``, ``description`` and ``directed``.

    Examples
    --------
    >>> from cmkg import KnowledgeGraph
    >>> from cmkg.network import project
    >>> kg = KnowledgeGraph.load()
    >>> g = project(kg, "policy")
    >>> g.graph["title"]
    'Policy area by recommendation'
    >>> all(d["type"] in ("PolicyArea", "Recommendation") for _, d in g.nodes(data=True))
    True
    """
    spec = network_spec(name)
    with collector_paused():
        edges = _select(kg, spec.query, params)
        nodes = node_attributes(kg) if len(edges) else {}
        return graph_from_edges(edges, spec, nodes)
