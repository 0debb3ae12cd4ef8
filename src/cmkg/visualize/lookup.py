"""Resolve what a user typed (a label, an alternative label or an IRI) to one resource IRI, by SPARQL."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rdflib import Literal, URIRef

from cmkg.errors import CmkgError, ResourceNotFound
from cmkg.results import ResultTable

if TYPE_CHECKING:  # pragma: no cover
    from cmkg.kg import KnowledgeGraph

__all__ = ["Match", "resolve", "find"]

_PREFIXES = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
# ?text is bound as a literal (never pasted into the query); labels match case-insensitively.
_FIND = _PREFIXES + """SELECT DISTINCT ?s ?label ?type ?preferred WHERE {
  { ?s rdfs:label ?l . BIND(true AS ?preferred) } UNION { ?s skos:altLabel ?l . BIND(false AS ?preferred) }
  FILTER(isIRI(?s) && LCASE(STR(?l)) = LCASE(STR(?text)))
  OPTIONAL { ?s rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en") || LANG(?label) = "") }
  OPTIONAL { ?s a ?type FILTER(STRSTARTS(STR(?type), "https://w3id.org/cmkg/ontology#")) }
}"""
_IRI = _PREFIXES + """SELECT ?label WHERE { { ?iri ?p ?o } UNION { ?x ?p ?iri } OPTIONAL { ?iri rdfs:label ?label } } LIMIT 1"""
_ALL_LABELS = _PREFIXES + """SELECT DISTINCT ?l WHERE {
  ?s rdfs:label|skos:altLabel ?l FILTER(STRSTARTS(STR(?s), "https://w3id.org/cmkg/id/"))
}"""


@dataclass(frozen=True)
class Match:
    """A resource whose label or alternative label matched."""

    iri: str
    label: str
    type: str


def find(kg: KnowledgeGraph, text: str, kinds: tuple[str, ...] = ()) -> list[Match]:
    """Every resource whose ``rdfs:label`` or ``skos:altLabel`` equals ``text``, ignoring case.

    ``kinds`` (short class names such as ``"PolicyArea"``) narrows the matches.
    Resources matched by their main label come first.

    Examples
    --------
    >>> from cmkg import KnowledgeGraph
    >>> [m.type for m in find(KnowledgeGraph.load(), "CANADA")]
    ['Country']
    """
    table = _select(kg, _FIND, {"text": Literal(text)})
    found: dict[str, tuple[bool, str, set[str]]] = {}
    for row in table.records():
        iri = str(row["s"])
        preferred, label, types = found.get(iri, (False, "", set()))
        if row.get("type") is not None:
            types.add(str(row["type"]).rsplit("#", 1)[-1])
        found[iri] = (preferred or row.get("preferred") is True, label or str(row.get("label") or ""), types)
    matches = [(not pref, iri, Match(iri, label or iri, _main_type(types))) for iri, (pref, label, types) in found.items()]
    out = [m for _, _, m in sorted(matches, key=lambda t: (t[0], t[1]))]
    if kinds:
        out = [m for m in out if m.type in kinds]
    return out


def resolve(kg: KnowledgeGraph, text: str, *, option: str = "--focus", kinds: tuple[str, ...] = ()) -> str:
    """The IRI of the one resource ``text`` names: an IRI as it is (if the graph uses it), else a label.

    Raises :class:`~cmkg.errors.ResourceNotFound` naming ``option`` and offering
    close matches, or a :class:`~cmkg.errors.CmkgError` when the label is ambiguous.

    Examples
    --------
    >>> from cmkg import KnowledgeGraph
    >>> resolve(KnowledgeGraph.load(), "canada")
    'https://w3id.org/cmkg/id/country/canada'
    """
    text = text.strip()
    if not text:
        raise CmkgError(f"{option} needs a label or an IRI")
    if re.match(r"^[a-z][a-z0-9+.-]*://\S+$", text, re.I):
        if len(_select(kg, _IRI, {"iri": URIRef(text)})) == 0:
            raise ResourceNotFound(f"{option} {text}: no resource with this IRI in the graph")
        return text
    matches = find(kg, text, kinds)
    preferred = [m for m in matches if m.label.lower() == text.lower()] or matches
    if len(preferred) == 1:
        return preferred[0].iri
    if len(preferred) > 1:
        listed = "; ".join(f"{m.label} ({m.type or 'untyped'}) <{m.iri}>" for m in preferred[:6])
        raise CmkgError(f"{option} {text!r} names {len(preferred)} resources: {listed}; give the IRI instead")
    labels = [str(r["l"]) for r in _select(kg, _ALL_LABELS, {}).records()]
    by_lower = {label.lower(): label for label in labels}
    close = difflib.get_close_matches(text.lower(), list(by_lower), n=5, cutoff=0.6)
    if not close:  # a word of a longer label, e.g. "Maytree" for "Maytree Foundation"
        close = sorted(k for k in by_lower if text.lower() in k)[:5]
    hint = f"; did you mean: {', '.join(repr(by_lower[c]) for c in close)}?" if close else ""
    raise ResourceNotFound(f"{option} {text!r}: no resource has this label{hint}")


def _main_type(types: set[str]) -> str:
    order = ("Practice", "Organisation", "Person", "City", "Region", "Country", "PolicyArea", "Recommendation")
    for t in order:
        if t in types:
            return t
    return sorted(types)[0] if types else ""


def _select(kg: KnowledgeGraph, text: str, bindings: dict) -> ResultTable:  # type: ignore[type-arg]
    result = kg.sparql(text, bindings)
    assert isinstance(result, ResultTable)
    return result
