"""The ontology's documentation, read from the graph with SPARQL (classes, properties, schemes).

pyLODE would do this too, but its pages carry inline styles and scripts that a
strict Content-Security-Policy forbids, so the page is our own template over
these records.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rdflib import Graph, URIRef

from cmkg.server.views import CMO_NS, ID_NS, ONTOLOGY_IRI, Value, _select, curie, schemes

if TYPE_CHECKING:
    from cmkg.kg import KnowledgeGraph

__all__ = ["Term", "OntologyDoc", "ontology_doc", "ontology_graph"]

_OWL = "http://www.w3.org/2002/07/owl#"
_KINDS = {
    _OWL + "Class": "class",
    _OWL + "ObjectProperty": "object",
    _OWL + "DatatypeProperty": "datatype",
    _OWL + "AnnotationProperty": "annotation",
}
_TRAITS = ("TransitiveProperty", "SymmetricProperty", "FunctionalProperty", "InverseFunctionalProperty", "AsymmetricProperty")


@dataclass(frozen=True)
class Term:
    """One class or property of the ontology, as its documentation shows it."""

    iri: str
    local: str
    kind: str
    label: str
    comment: str
    parents: tuple[Value, ...]
    children: tuple[Value, ...]
    equivalents: tuple[Value, ...]
    domain: tuple[Value, ...]
    range: tuple[Value, ...]
    traits: tuple[str, ...]
    inverse: tuple[Value, ...]
    used_by: tuple[Value, ...]  # properties whose domain is this class
    instances: int


@dataclass(frozen=True)
class OntologyDoc:
    iri: str
    metadata: tuple[tuple[str, Value], ...]
    classes: tuple[Term, ...]
    properties: tuple[Term, ...]
    schemes: tuple[tuple[str, str, int, str], ...]


def ontology_doc(kg: KnowledgeGraph) -> OntologyDoc:
    """Everything the ontology page lists, from the ``cmo:`` terms in the graph."""
    meta = _select(kg, f"""
SELECT ?p ?o (SAMPLE(?pl0) AS ?pl) (SAMPLE(?ol0) AS ?ol) WHERE {{
  <{ONTOLOGY_IRI}> ?p ?o .
  OPTIONAL {{ ?p rdfs:label ?pl0 }} OPTIONAL {{ ?o rdfs:label ?ol0 }}
}} GROUP BY ?p ?o ORDER BY ?p""")
    metadata = tuple((str(pl) if pl is not None else curie(str(p)), Value(o, "" if ol is None else str(ol))) for p, o, pl, ol in meta.terms)
    terms = _select(kg, f"""
SELECT ?t ?type (SAMPLE(?l0) AS ?label) (SAMPLE(?c0) AS ?comment) WHERE {{
  ?t a ?type . FILTER(STRSTARTS(STR(?t), "{CMO_NS}") && STRSTARTS(STR(?type), "{_OWL}"))
  OPTIONAL {{ ?t rdfs:label ?l0 }} OPTIONAL {{ ?t rdfs:comment|skos:definition ?c0 }}
}} GROUP BY ?t ?type""")
    kinds: dict[str, str] = {}
    traits: dict[str, list[str]] = defaultdict(list)
    labels: dict[str, str] = {}
    comments: dict[str, str] = {}
    for t, typ, label, comment in terms.rows:
        local_type = str(typ)[len(_OWL):]
        if str(typ) in _KINDS:
            kinds.setdefault(str(t), _KINDS[str(typ)])
        if local_type in _TRAITS:
            traits[str(t)].append(local_type.replace("Property", "").lower())
        labels[str(t)] = str(label or labels.get(str(t), "") or "")
        comments[str(t)] = str(comment or comments.get(str(t), "") or "")
    rel = _select(kg, f"""
SELECT ?t ?rel ?o (SAMPLE(?ol0) AS ?ol) WHERE {{
  VALUES ?rel {{ rdfs:subClassOf rdfs:subPropertyOf owl:equivalentClass owl:equivalentProperty rdfs:domain rdfs:range owl:inverseOf }}
  ?t ?rel ?x . FILTER(STRSTARTS(STR(?t), "{CMO_NS}"))
  {{ BIND(?x AS ?o) FILTER(ISIRI(?x)) }} UNION {{ ?x owl:unionOf/rdf:rest*/rdf:first ?o }}
  OPTIONAL {{ ?o rdfs:label ?ol0 }}
}} GROUP BY ?t ?rel ?o""")
    links: dict[tuple[str, str], list[Value]] = defaultdict(list)
    for t, r, o, ol in rel.terms:
        if isinstance(o, URIRef):
            links[(str(t), str(r).rsplit("#", 1)[-1])].append(Value(o, "" if ol is None else str(ol)))
    counts = {str(c): int(n) for c, n in _select(kg, f"""
SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{
  ?s a ?c . FILTER(STRSTARTS(STR(?c), "{CMO_NS}") && STRSTARTS(STR(?s), "{ID_NS}"))
}} GROUP BY ?c""").rows}

    def v(iri: str) -> Value:
        return Value(URIRef(iri), labels.get(iri, ""))

    children: dict[str, list[Value]] = defaultdict(list)
    used_by: dict[str, list[Value]] = defaultdict(list)
    for (t, r), values in links.items():
        for val in values:
            if r in ("subClassOf", "subPropertyOf"):
                children[str(val.term)].append(v(t))
            if r == "domain":
                used_by[str(val.term)].append(v(t))

    def term(iri: str) -> Term:
        def get(r: str) -> tuple[Value, ...]:
            return tuple(sorted(links.get((iri, r), []), key=lambda x: x.text))

        kind = kinds[iri]
        return Term(
            iri=iri, local=iri[len(CMO_NS):], kind=kind, label=labels.get(iri) or iri[len(CMO_NS):],
            comment=comments.get(iri, ""),
            parents=get("subClassOf") + get("subPropertyOf"),
            children=tuple(sorted(children.get(iri, []), key=lambda x: x.text)),
            equivalents=get("equivalentClass") + get("equivalentProperty"),
            domain=get("domain"), range=get("range"), traits=tuple(sorted(traits.get(iri, []))),
            inverse=get("inverseOf"), used_by=tuple(sorted(used_by.get(iri, []), key=lambda x: x.text)),
            instances=counts.get(iri, 0),
        )

    ordered = sorted(kinds, key=lambda i: i[len(CMO_NS):].lower())
    return OntologyDoc(
        iri=ONTOLOGY_IRI,
        metadata=metadata,
        classes=tuple(term(i) for i in ordered if kinds[i] == "class"),
        properties=tuple(term(i) for i in ordered if kinds[i] != "class"),
        schemes=tuple((s.iri, s.label, s.count, s.description) for s in schemes(kg)),
    )


def ontology_graph(kg: KnowledgeGraph) -> Graph:
    """The ontology's own triples: its named graph, or (a store without named graphs) the ``cmo:`` terms."""
    g = kg.sparql("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <https://w3id.org/cmkg/graph/ontology/cmo> { ?s ?p ?o } }")
    assert isinstance(g, Graph)
    if len(g):
        return g
    g = kg.sparql(f"""
CONSTRUCT {{ ?s ?p ?o . ?o ?p2 ?o2 }} WHERE {{
  ?s ?p ?o . FILTER(STRSTARTS(STR(?s), "{CMO_NS}") || STR(?s) = "{ONTOLOGY_IRI}")
  OPTIONAL {{ ?o ?p2 ?o2 . FILTER(ISBLANK(?o)) }}
}}""")
    assert isinstance(g, Graph)
    return g
