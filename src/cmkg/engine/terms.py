"""Faithful conversion between pyoxigraph terms and rdflib terms.

Datatypes, language tags and blank nodes survive the round trip; a plain
``xsd:string`` literal becomes rdflib's plain ``Literal("…")`` so results from
Oxigraph compare equal to the same results from rdflib's own engine.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

__all__ = ["to_rdflib", "to_oxigraph", "XSD_STRING"]

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def to_rdflib(term: Any) -> Node | None:
    """The rdflib term for a pyoxigraph term (``None`` stays ``None``: an unbound cell).

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> to_rdflib(ox.Literal("Toronto", language="en"))
    rdflib.term.Literal('Toronto', lang='en')
    >>> to_rdflib(ox.Literal("2004", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear"))).datatype
    rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#gYear')
    """
    if term is None:
        return None
    cls = type(term)
    if cls is ox.NamedNode:
        # URIRef() checks every character of the IRI (three times the cost); Oxigraph has checked it
        return str.__new__(URIRef, term.value)
    if cls is ox.Literal:
        lang = term.language
        if lang:
            return Literal(term.value, lang=lang)
        dt = term.datatype.value
        if dt == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(dt))
    if cls is ox.BlankNode:
        return BNode(term.value)
    if cls is ox.Triple:  # RDF-star: rdflib 7 has no quoted triples, keep the N-Triples text
        return Literal(str(term))
    raise TypeError(f"unexpected term from Oxigraph: {term!r}")


def to_oxigraph(term: Node) -> Any:
    """The pyoxigraph term for an rdflib term (used for query bindings and inserts).

    Examples
    --------
    >>> from rdflib import Literal
    >>> to_oxigraph(Literal("Toronto"))
    <Literal value=Toronto datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#string>>
    """
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None and str(term.datatype) != _RDF_LANGSTRING:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot bind {term!r}: not an IRI, blank node or literal")
