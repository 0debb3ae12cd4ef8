"""What the pages show, gathered through SPARQL on the graph's engine (so a remote store works too).

The server and the static site both render these records; nothing here knows
about HTTP. Every IRI put into a query text is first checked to be an absolute
IRI (:func:`cmkg.catalogue.validate_iri`), and user text such as a search term
is bound as a literal, never pasted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from cmkg.catalogue import validate_iri
from cmkg.errors import CmkgError
from cmkg.loading import PREFIXES
from cmkg.results import ResultTable

if TYPE_CHECKING:
    from cmkg.kg import KnowledgeGraph

__all__ = [
    "ID_NS", "CMO_NS", "ONTOLOGY_IRI", "Value", "Link", "Entity", "ClassCount",
    "entity", "entity_graph", "entity_exists", "classes", "class_members", "schemes", "search",
    "curie", "from_curie", "home_counts", "home_classes", "all_resources",
]

ID_NS = "https://w3id.org/cmkg/id/"
CMO_NS = "https://w3id.org/cmkg/ontology#"
ONTOLOGY_IRI = "https://w3id.org/cmkg/ontology"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_LABELS = "rdfs:label|skos:prefLabel|dcterms:title|foaf:name"
_LABEL_PROPS = tuple(PREFIXES[p] + n for p, n in (("rdfs", "label"), ("skos", "prefLabel"), ("dcterms", "title"), ("foaf", "name")))
_PREFIXES = "\n".join(f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items()) + "\n"
_EN = 'FILTER(LANG({v}) = "" || LANGMATCHES(LANG({v}), "en"))'
MAX_LINKS = 500
#: Prefixes used to shorten IRIs on pages (the graph's own, plus a few common ones).
_DISPLAY = {**PREFIXES, "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "vann": "http://purl.org/vocab/vann/",
            "wd": "http://www.wikidata.org/entity/"}


def _run(kg: KnowledgeGraph, text: str, bindings: Mapping[str, Node] | None = None) -> Any:
    """Run one of the page queries; the IRI of the page is bound as ``?this``, never pasted.

    The embedded engine keeps the (constant) page queries prepared, so they are parsed once.
    """
    return kg.sparql(_PREFIXES + text, bindings)


def _select(kg: KnowledgeGraph, text: str, bindings: Mapping[str, Node] | None = None) -> ResultTable:
    out = _run(kg, text, bindings)
    if not isinstance(out, ResultTable):  # pragma: no cover - our own SELECT texts
        raise CmkgError("expected a table")
    return out


def curie(iri: str) -> str:
    """``cmo:City`` for a known namespace, else the IRI itself.

    >>> curie("https://w3id.org/cmkg/ontology#City")
    'cmo:City'
    """
    best = ""
    for prefix, ns in _DISPLAY.items():
        if iri.startswith(ns) and len(ns) > len(_DISPLAY.get(best, "")) and prefix not in ("id", "city", "practice"):
            best = prefix
    return f"{best}:{iri[len(_DISPLAY[best]):]}" if best else iri


def from_curie(text: str) -> str | None:
    """The IRI of ``prefix:local`` (or ``prefix-local`` as used in file names), or ``None``."""
    for sep in (":", "-"):
        prefix, found, local = text.partition(sep)
        if found and prefix in _DISPLAY and local:
            return _DISPLAY[prefix] + local
    return None


@dataclass(frozen=True)
class Value:
    """An object or subject on a page: a resource with its label, or a literal."""

    term: Node
    label: str = ""

    @property
    def is_resource(self) -> bool:
        return isinstance(self.term, URIRef)

    @property
    def text(self) -> str:
        return self.label or (curie(str(self.term)) if self.is_resource else str(self.term))

    @property
    def note(self) -> str:
        """Language tag or short datatype of a literal, shown small beside it."""
        if isinstance(self.term, Literal):
            if self.term.language:
                return self.term.language
            if self.term.datatype:
                return curie(str(self.term.datatype))
        return ""


@dataclass(frozen=True)
class Link:
    """All values of one property on a page."""

    prop: str
    prop_label: str
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Entity:
    """Everything an entity page shows."""

    iri: str
    label: str
    types: tuple[Value, ...]
    descriptions: tuple[str, ...]
    alt_labels: tuple[str, ...]
    outgoing: tuple[Link, ...]
    incoming: tuple[Link, ...]
    incoming_truncated: bool
    sources: tuple[tuple[Value, Value | None], ...]
    figures: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    concepts: tuple[tuple[Value, Value | None, int], ...] = field(default_factory=tuple)


def _label_of(row_label: Any) -> str:
    return "" if row_label is None else str(row_label)


def entity_exists(kg: KnowledgeGraph, iri: str) -> bool:
    ref = validate_iri(iri, "iri")
    return bool(_run(kg, "ASK { { ?this ?p ?o } UNION { ?s ?p ?this } }", {"this": ref}))


def _group(rows: list[tuple[Node, str, Node, str]]) -> tuple[Link, ...]:
    groups: dict[str, tuple[str, list[Value]]] = {}
    for prop, plabel, term, label in rows:
        key = str(prop)
        groups.setdefault(key, (plabel or ("type" if key == _RDF_TYPE else curie(key)), []))[1].append(Value(term, label))
    return tuple(
        Link(p, pl, tuple(sorted(vals, key=lambda v: v.text.lower())))
        for p, (pl, vals) in sorted(groups.items(), key=lambda kv: (kv[0] != _RDF_TYPE, kv[1][0].lower()))
    )


def entity(kg: KnowledgeGraph, iri: str) -> Entity | None:
    """The page record of ``iri``, or ``None`` when the graph says nothing about it."""
    ref = validate_iri(iri, "iri")
    out = _select(kg, f"""
SELECT ?p ?o (SAMPLE(?pl0) AS ?pl) (SAMPLE(?ol0) AS ?ol) WHERE {{
  ?this ?p ?o .
  OPTIONAL {{ ?p rdfs:label ?pl0 . {_EN.format(v="?pl0")} }}
  OPTIONAL {{ ?o {_LABELS} ?ol0 . {_EN.format(v="?ol0")} }}
}} GROUP BY ?p ?o""", {"this": ref})
    inc = _select(kg, f"""
SELECT ?s ?p (SAMPLE(?pl0) AS ?pl) (SAMPLE(?sl0) AS ?sl) WHERE {{
  ?s ?p ?this .
  OPTIONAL {{ ?p rdfs:label ?pl0 . {_EN.format(v="?pl0")} }}
  OPTIONAL {{ ?s {_LABELS} ?sl0 . {_EN.format(v="?sl0")} }}
}} GROUP BY ?s ?p LIMIT {MAX_LINKS + 1}""", {"this": ref})
    if not len(out) and not len(inc):
        return None
    labels: list[tuple[tuple[int, bool], str]] = []
    descriptions, alt, types = [], [], []
    out_rows: list[tuple[Node, str, Node, str]] = []
    for p, o, pl, ol in out.terms:
        assert p is not None and o is not None
        ps = str(p)
        if ps in _LABEL_PROPS and isinstance(o, Literal):
            english = (o.language or "en").startswith("en")
            labels.append(((_LABEL_PROPS.index(ps), not english), str(o)))
        if ps == PREFIXES["dcterms"] + "description":
            descriptions.append(str(o))
        if ps == PREFIXES["skos"] + "altLabel":
            alt.append(str(o))
        if ps == _RDF_TYPE:
            types.append(Value(o, _label_of(ol)))
        out_rows.append((p, _label_of(pl), o, _label_of(ol)))
    in_rows = [(p, _label_of(pl), s, _label_of(sl)) for s, p, pl, sl in inc.terms[:MAX_LINKS] if s is not None and p is not None]
    sources: tuple[tuple[Value, Value | None], ...] = ()
    if any(str(p) == CMO_NS + "source" for p, _pl, _o, _ol in out_rows):
        src = _select(kg, f"""
SELECT ?src (SAMPLE(?l0) AS ?l) ?whole (SAMPLE(?wl0) AS ?wl) WHERE {{
  ?this cmo:source ?src .
  OPTIONAL {{ ?src {_LABELS} ?l0 }}
  OPTIONAL {{ ?src dcterms:isPartOf ?whole . OPTIONAL {{ ?whole {_LABELS} ?wl0 }} }}
}} GROUP BY ?src ?whole""", {"this": ref})
        sources = tuple(
            (Value(s, _label_of(sl)), Value(w, _label_of(wl)) if w is not None else None)
            for s, sl, w, wl in src.terms if s is not None
        )
    figures: tuple[dict[str, Any], ...] = ()
    if any(str(p) == CMO_NS + "about" for p, _pl, _s, _sl in in_rows):  # only statistics say cmo:about
        figs = _select(kg, f"""
SELECT ?stat (SAMPLE(?l0) AS ?label) (SAMPLE(?v0) AS ?value) (SAMPLE(?q0) AS ?qualifier)
       (SAMPLE(?ul0) AS ?unit) (SAMPLE(?y0) AS ?year) WHERE {{
  ?stat cmo:about ?this .
  OPTIONAL {{ ?stat rdfs:label ?l0 }} OPTIONAL {{ ?stat cmo:value ?v0 }} OPTIONAL {{ ?stat cmo:qualifier ?q0 }}
  OPTIONAL {{ ?stat cmo:unit ?u . ?u {_LABELS} ?ul0 }} OPTIONAL {{ ?stat cmo:year ?y0 }}
}} GROUP BY ?stat ORDER BY ?year ?label""", {"this": ref})
        figures = tuple(figs.records())
    concepts: list[tuple[Value, Value | None, int]] = []
    if any(str(t.term) == PREFIXES["skos"] + "ConceptScheme" for t in types):
        rows = _select(kg, f"""
SELECT ?c (SAMPLE(?l0) AS ?l) ?b (SAMPLE(?bl0) AS ?bl) (COUNT(DISTINCT ?user) AS ?uses) WHERE {{
  ?c skos:inScheme ?this .
  OPTIONAL {{ ?c {_LABELS} ?l0 }}
  OPTIONAL {{ ?c skos:broader ?b . OPTIONAL {{ ?b {_LABELS} ?bl0 }} }}
  OPTIONAL {{ ?user ?rel ?c . FILTER(STRSTARTS(STR(?user), "{ID_NS}") && ?rel != skos:hasTopConcept && ?rel != skos:narrower && ?rel != skos:broader) }}
}} GROUP BY ?c ?b ORDER BY ?l""", {"this": ref})
        concepts = [
            (Value(c, _label_of(l)), Value(b, _label_of(bl)) if b is not None else None, int(n.toPython()) if n is not None else 0)
            for c, l, b, bl, n in rows.terms if c is not None
        ]
    return Entity(
        iri=iri,
        label=min(labels)[1] if labels else curie(iri),
        types=tuple(types),
        descriptions=tuple(descriptions),
        alt_labels=tuple(sorted(alt)),
        outgoing=_group(out_rows),
        incoming=_group(in_rows),
        incoming_truncated=len(inc) > MAX_LINKS,
        sources=sources,
        figures=figures,
        concepts=tuple(concepts),
    )


def entity_graph(kg: KnowledgeGraph, iri: str) -> Graph:
    """The triples an entity IRI dereferences to: every statement about it and every link to it."""
    ref = validate_iri(iri, "iri")
    g = _run(kg, "CONSTRUCT { ?this ?p ?o . ?s ?q ?this } WHERE { { ?this ?p ?o } UNION { ?s ?q ?this } }", {"this": ref})
    assert isinstance(g, Graph)
    return g


@dataclass(frozen=True)
class ClassCount:
    iri: str
    label: str
    count: int
    description: str = ""


def classes(kg: KnowledgeGraph) -> list[ClassCount]:
    """Every class with instances in the ``id/`` space, most instances first."""
    rows = _select(kg, f"""
SELECT ?class (SAMPLE(?l0) AS ?label) (SAMPLE(?c0) AS ?comment) (COUNT(DISTINCT ?s) AS ?n) WHERE {{
  ?s a ?class . FILTER(STRSTARTS(STR(?s), "{ID_NS}"))
  OPTIONAL {{ ?class rdfs:label ?l0 . {_EN.format(v="?l0")} }}
  OPTIONAL {{ ?class rdfs:comment ?c0 . {_EN.format(v="?c0")} }}
}} GROUP BY ?class ORDER BY DESC(?n) ?class""")
    return [ClassCount(str(c), _label_of(l) or curie(str(c)), int(n), _label_of(cm)) for c, l, cm, n in rows.rows]


def class_members(kg: KnowledgeGraph, class_iri: str, limit: int = 2000) -> tuple[list[tuple[Value, str]], bool]:
    """Instances of a class with their labels and a short description, by label; and whether cut."""
    ref = validate_iri(class_iri, "class")
    rows = _select(kg, f"""
SELECT ?s (SAMPLE(?l0) AS ?label) (SAMPLE(?d0) AS ?desc) WHERE {{
  ?s a ?this .
  OPTIONAL {{ ?s {_LABELS} ?l0 . {_EN.format(v="?l0")} }}
  OPTIONAL {{ ?s dcterms:description ?d0 }}
}} GROUP BY ?s ORDER BY LCASE(STR(?label)) ?s LIMIT {limit + 1}""", {"this": ref})
    members = [(Value(s, _label_of(l)), _label_of(d)) for s, l, d in rows.terms[:limit] if isinstance(s, URIRef)]
    return members, len(rows) > limit


def schemes(kg: KnowledgeGraph) -> list[ClassCount]:
    rows = _select(kg, f"""
SELECT ?scheme (SAMPLE(?l0) AS ?label) (SAMPLE(?d0) AS ?desc) (COUNT(DISTINCT ?c) AS ?n) WHERE {{
  ?scheme a skos:ConceptScheme .
  OPTIONAL {{ ?scheme {_LABELS} ?l0 }} OPTIONAL {{ ?scheme dcterms:description ?d0 }}
  OPTIONAL {{ ?c skos:inScheme ?scheme }}
}} GROUP BY ?scheme ORDER BY ?label""")
    return [ClassCount(str(s), _label_of(l) or curie(str(s)), int(n), _label_of(d)) for s, l, d, n in rows.rows]


def search(kg: KnowledgeGraph, text: str, limit: int = 100) -> list[tuple[Value, str]]:
    """Resources whose label or other name contains ``text`` (case-insensitive), with a type label."""
    text = text.strip()
    if not text:
        return []
    rows = _select(kg, f"""
SELECT ?s (SAMPLE(?l0) AS ?label) (SAMPLE(?tl0) AS ?type) WHERE {{
  ?s rdfs:label|skos:altLabel ?name .
  FILTER(STRSTARTS(STR(?s), "{ID_NS}") && CONTAINS(LCASE(STR(?name)), LCASE(STR(?q))))
  OPTIONAL {{ ?s rdfs:label ?l0 }}
  OPTIONAL {{ ?s a ?t . ?t rdfs:label ?tl0 . FILTER(STRSTARTS(STR(?t), "{CMO_NS}")) }}
}} GROUP BY ?s ORDER BY STRLEN(STR(?label)) ?label LIMIT {limit}""", {"q": Literal(text)})
    return [(Value(s, _label_of(l)), _label_of(t)) for s, l, t in rows.terms if s is not None]


def home_counts(kg: KnowledgeGraph) -> dict[str, int]:
    rows = _select(kg, f"""
SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?r) AS ?resources) WHERE {{
  ?s ?p ?o . BIND(IF(STRSTARTS(STR(?s), "{ID_NS}"), ?s, ?unbound) AS ?r)
}}""")
    triples, resources = rows.rows[0]
    return {"triples": int(triples), "resources": int(resources)}


_FIRST = ("Practice", "City", "Organisation", "Person", "Recommendation", "PolicyArea", "TargetGroup", "Source")


def home_classes(all_classes: list[ClassCount]) -> list[ClassCount]:
    """The classes of the ontology a newcomer starts from: the main ones first, then by size."""
    ours = [c for c in all_classes if c.iri.startswith(CMO_NS)]
    rank = {CMO_NS + name: i for i, name in enumerate(_FIRST)}
    return sorted(ours, key=lambda c: (rank.get(c.iri, len(rank)), -c.count, c.label))


def all_resources(kg: KnowledgeGraph) -> list[str]:
    """Every IRI of the ``id/`` space the graph mentions (each gets a page)."""
    rows = _select(kg, f"""
SELECT DISTINCT ?r WHERE {{
  {{ ?r ?p ?o }} UNION {{ ?s ?p ?r }}
  FILTER(ISIRI(?r) && STRSTARTS(STR(?r), "{ID_NS}"))
}} ORDER BY ?r""")
    return [str(r) for (r,) in rows.rows]
