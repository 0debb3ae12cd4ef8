"""Everything the graph says about one resource, found by its label or IRI.

Like a LodView page in a terminal: the statements about the resource
(out-links) and those pointing at it (in-links), each with the labels of the
property and of the other end. All of it comes through SPARQL, so it works the
same on the embedded engines and on a remote endpoint.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from rdflib import Literal, URIRef

from cmkg.catalogue import validate_iri
from cmkg.errors import QueryParameterError, ResourceNotFound
from cmkg.loading import PREFIXES
from cmkg.results import ResultTable

__all__ = ["Candidate", "Description", "describe", "resolve", "candidates"]

_PROLOGUE = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

_BY_LABEL = _PROLOGUE + """SELECT DISTINCT ?s ?label ?type WHERE {
  ?s rdfs:label|skos:altLabel|skos:prefLabel ?name .
  FILTER(isIRI(?s) && LCASE(STR(?name)) = LCASE(STR(?_label)))
  OPTIONAL { ?s rdfs:label ?label }
  OPTIONAL { ?s a ?t . ?t rdfs:label ?type }
} ORDER BY ?s"""

_ALL_LABELS = _PROLOGUE + """SELECT DISTINCT ?s ?name WHERE {
  ?s rdfs:label|skos:altLabel ?name . FILTER(isIRI(?s))
}"""

_OUT = _PROLOGUE + """SELECT ?property ?propertyLabel ?value ?valueLabel WHERE {
  ?_iri ?property ?value .
  OPTIONAL { ?property rdfs:label ?pl FILTER(LANGMATCHES(LANG(?pl), "en") || LANG(?pl) = "") }
  OPTIONAL { ?value rdfs:label ?vl FILTER(LANGMATCHES(LANG(?vl), "en") || LANG(?vl) = "") }
  BIND(COALESCE(?pl, "") AS ?propertyLabel)
  BIND(COALESCE(?vl, "") AS ?valueLabel)
} ORDER BY ?property ?value"""

_IN = _PROLOGUE + """SELECT ?value ?valueLabel ?property ?propertyLabel WHERE {
  ?value ?property ?_iri .
  OPTIONAL { ?property rdfs:label ?pl FILTER(LANGMATCHES(LANG(?pl), "en") || LANG(?pl) = "") }
  OPTIONAL { ?value rdfs:label ?vl FILTER(LANGMATCHES(LANG(?vl), "en") || LANG(?vl) = "") }
  BIND(COALESCE(?pl, "") AS ?propertyLabel)
  BIND(COALESCE(?vl, "") AS ?valueLabel)
} ORDER BY ?property ?value"""


@dataclass(frozen=True)
class Candidate:
    """A resource a label might mean."""

    iri: str
    label: str
    type: str = ""

    def __str__(self) -> str:
        return f"{self.label} <{self.iri}>" + (f" ({self.type})" if self.type else "")


@dataclass(frozen=True)
class Description:
    """One resource: its label, types, and the statements out of it and into it."""

    iri: str
    label: str
    types: tuple[str, ...]
    outgoing: ResultTable  # property, propertyLabel, value, valueLabel
    incoming: ResultTable  # value (the subject), valueLabel, property, propertyLabel

    def table(self) -> ResultTable:
        """Both directions in one table: direction, property, propertyLabel, value, valueLabel."""
        rows = [("out", p, pl, v, vl) for p, pl, v, vl in self.outgoing.terms]
        rows += [("in", p, pl, v, vl) for v, vl, p, pl in self.incoming.terms]
        return ResultTable.from_rows(
            ["direction", "property", "propertyLabel", "value", "valueLabel"],
            [(Literal(d), *rest) for d, *rest in rows],
        )


def _expand(text: str) -> str | None:
    """An IRI from ``<…>``, a full IRI, or a CURIE with a known prefix; None for a plain label."""
    text = text.strip()
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1]
    m = re.fullmatch(r"([A-Za-z][\w-]*):([^\s/][^\s]*)", text)
    if m and m.group(1) in PREFIXES:
        return PREFIXES[m.group(1)] + m.group(2)
    if re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*://", text) or text.startswith("urn:"):
        return text
    return None


def candidates(kg, text: str, n: int = 5) -> list[Candidate]:  # type: ignore[no-untyped-def]
    """Resources whose label or alternative label is close to ``text`` (difflib, then substring).

    Examples
    --------
    >>> from cmkg import KnowledgeGraph
    >>> [c.label for c in candidates(KnowledgeGraph.load(), "Torontoo")][:1]
    ['Toronto']
    """
    table = kg.select(_ALL_LABELS)
    by_name: dict[str, set[str]] = {}
    spelled: dict[str, str] = {}
    for s, name in table.rows:
        by_name.setdefault(str(name).lower(), set()).add(str(s))
        spelled.setdefault(str(name).lower(), str(name))
    want = text.strip().lower()
    close = difflib.get_close_matches(want, list(by_name), n=n, cutoff=0.6)
    close += sorted(name for name in by_name if want and want in name and name not in close)[: max(0, n - len(close))]
    out: list[Candidate] = []
    seen: set[str] = set()
    for name in close:
        for iri in sorted(by_name[name]):
            if iri not in seen:
                seen.add(iri)
                out.append(Candidate(iri=iri, label=spelled[name]))
    return out[:n]


def resolve(kg, text: str) -> str:  # type: ignore[no-untyped-def]
    """The IRI ``text`` names: an IRI or CURIE as is, else the one resource with that label.

    No match raises ResourceNotFound with near-miss candidates; several matches
    raise ResourceNotFound listing them.

    Examples
    --------
    >>> from cmkg import KnowledgeGraph
    >>> kg = KnowledgeGraph.load()
    >>> resolve(kg, "city:toronto") == resolve(kg, "TORONTO")
    True
    """
    if not text or not text.strip():
        raise QueryParameterError("describe needs a label or an IRI")
    iri = _expand(text)
    if iri is not None:
        return str(validate_iri(iri, "resource"))
    table = kg.select(_BY_LABEL, {"_label": Literal(text.strip())})
    found: dict[str, Candidate] = {}
    for s, label, typ in table.rows:
        prev = found.get(str(s))
        if prev is None or (typ and not prev.type):
            found[str(s)] = Candidate(iri=str(s), label=str(label or text), type=str(typ or ""))
    if len(found) == 1:
        return next(iter(found))
    if len(found) > 1:
        listed = "; ".join(str(c) for c in found.values())
        raise ResourceNotFound(f"{text!r} names {len(found)} resources: {listed}; give the IRI to choose one")
    near = candidates(kg, text)
    hint = f"; did you mean {'; '.join(f'{c.label} <{c.iri}>' for c in near)}?" if near else ""
    raise ResourceNotFound(f"no resource is labelled {text!r}{hint}")


_FIRST = ("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "http://www.w3.org/2000/01/rdf-schema#label")


def _first(table: ResultTable) -> ResultTable:
    """Type and label before the other statements, as a reader expects."""
    rank = {p: i for i, p in enumerate(_FIRST)}
    rows = sorted(table.terms, key=lambda row: rank.get(str(row[0]), len(rank)))  # stable: keeps the ORDER BY
    return ResultTable(table.columns, tuple(rows))


def describe(kg, label_or_iri: str) -> Description:  # type: ignore[no-untyped-def]
    """Everything about one resource, found by label, CURIE (``city:toronto``) or IRI.

    Examples
    --------
    >>> from cmkg import KnowledgeGraph
    >>> d = describe(KnowledgeGraph.load(), "Practice to Policy")
    >>> d.iri
    'https://w3id.org/cmkg/id/source/practice-to-policy-2012'
    >>> len(d.outgoing) > 0
    True
    """
    iri = resolve(kg, label_or_iri)
    binding = {"_iri": URIRef(iri)}
    out = _first(kg.select(_OUT, binding))
    incoming = kg.select(_IN, binding)
    if not len(out) and not len(incoming):
        raise ResourceNotFound(f"the graph says nothing about <{iri}>")
    label = ""
    types: list[str] = []
    rdfs_label = "http://www.w3.org/2000/01/rdf-schema#label"
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    for p, _pl, v, vl in out.rows:
        if p == rdfs_label and not label:
            label = str(v)
        if p == rdf_type:
            types.append(str(vl or v))
    return Description(iri=iri, label=label or iri, types=tuple(types), outgoing=out, incoming=incoming)
