"""Resolve what a user typed (a label, an alternative label or an IRI) to one resource IRI, by SPARQL.

Built on :mod:`cmkg.describe`'s label lookup, with kinds to tell apart resources sharing a label.
"""

from __future__ import annotations

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
    """The IRI of the one resource ``text`` names (a label, alternative label, CURIE or IRI).

    Label matching is :func:`cmkg.describe.resolve`'s; this adds what a view needs:
    errors that name the ``option`` the text came from, an IRI that the graph
    must actually use, and ``kinds`` (short class names) to choose among several
    resources sharing a label.

    Examples
    --------
    >>> from cmkg import KnowledgeGraph
    >>> resolve(KnowledgeGraph.load(), "canada", option="--country", kinds=("Country",))
    'https://w3id.org/cmkg/id/country/canada'
    """
    from cmkg import describe

    text = text.strip()
    if not text:
        raise CmkgError(f"{option} needs a label or an IRI")
    try:
        iri = describe.resolve(kg, text)
    except ResourceNotFound as err:
        matches = find(kg, text, kinds) if kinds else []
        if len(matches) == 1:
            return matches[0].iri
        raise ResourceNotFound(f"{option}: {err}") from None
    except CmkgError as err:  # a malformed IRI or CURIE
        raise type(err)(f"{option}: {err}") from None
    if len(_select(kg, _IRI, {"iri": URIRef(iri)})) == 0:
        raise ResourceNotFound(f"{option} {text}: no resource with this IRI in the graph")
    return iri


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
