"""Content negotiation: which representation a client gets, by ``Accept``, suffix or ``format=``.

Examples
--------
>>> choose("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", ENTITY_TYPES)
'text/html'
>>> choose("text/turtle", ENTITY_TYPES)
'text/turtle'
>>> choose("application/*;q=0.5, text/turtle;q=0.4", ["text/turtle", "application/ld+json"])
'application/ld+json'
>>> choose("image/png", ENTITY_TYPES) is None
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rdflib import Graph

from cmkg.loading import PREFIXES

__all__ = [
    "MediaRange",
    "parse_accept",
    "choose",
    "ENTITY_TYPES",
    "RDF_TYPES",
    "SUFFIXES",
    "FORMAT_NAMES",
    "serialise_graph",
]

HTML = "text/html"
TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"
JSONLD = "application/ld+json"
RDFXML = "application/rdf+xml"

#: RDF media types we write, with the rdflib format name and the file suffix.
RDF_TYPES: dict[str, tuple[str, str]] = {
    TURTLE: ("turtle", ".ttl"),
    NTRIPLES: ("nt", ".nt"),
    JSONLD: ("json-ld", ".jsonld"),
    RDFXML: ("xml", ".rdf"),
}
#: What an entity IRI can be served as, in the order preferred when the client does not mind.
ENTITY_TYPES: tuple[str, ...] = (HTML, TURTLE, JSONLD, NTRIPLES, RDFXML)
#: Suffix of a resource path -> media type.
SUFFIXES: dict[str, str] = {".html": HTML, ".ttl": TURTLE, ".nt": NTRIPLES, ".jsonld": JSONLD, ".rdf": RDFXML}
#: Aliases other types are sent under, mapped to the type we answer with.
ALIASES: dict[str, str] = {
    "application/x-turtle": TURTLE,
    "text/n3": TURTLE,
    "text/plain": NTRIPLES,
    "application/xml": RDFXML,
    "text/xml": RDFXML,
    "application/xhtml+xml": HTML,
}
#: Values of a ``format=`` (or ``output=``) parameter, as SPARQL clients send them.
FORMAT_NAMES: dict[str, str] = {
    "html": HTML,
    "ttl": TURTLE,
    "turtle": TURTLE,
    "n3": TURTLE,
    "nt": NTRIPLES,
    "ntriples": NTRIPLES,
    "n-triples": NTRIPLES,
    "jsonld": JSONLD,
    "json-ld": JSONLD,
    "rdf": RDFXML,
    "rdfxml": RDFXML,
    "rdf+xml": RDFXML,
    "xml": "xml",
    "json": "json",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}


@dataclass(frozen=True)
class MediaRange:
    """One element of an ``Accept`` header."""

    type: str
    subtype: str
    q: float

    def matches(self, media_type: str) -> int:
        """How specifically this range matches ``media_type``: 3 exact, 2 type/*, 1 */*, 0 no match."""
        t, _, s = media_type.partition("/")
        if self.type == t and self.subtype == s:
            return 3
        if self.type == t and self.subtype == "*":
            return 2
        if self.type == "*" and self.subtype == "*":
            return 1
        return 0


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an ``Accept`` header (missing or empty means ``*/*``)."""
    if not header or not header.strip():
        return [MediaRange("*", "*", 1.0)]
    out: list[MediaRange] = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        mtype = fields[0].lower()
        if "/" not in mtype:
            continue
        q = 1.0
        for f in fields[1:]:
            key, _, value = f.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        t, _, s = mtype.partition("/")
        out.append(MediaRange(t, s, q))
    return out


def choose(accept: str | None, offers: Sequence[str]) -> str | None:
    """The offer the client prefers; ties go to the earlier offer; ``None`` if none is acceptable.

    The most specific range that matches an offer sets its quality (RFC 9110 12.5.1);
    aliases such as ``application/xml`` count for the type we answer with.
    """
    ranges = parse_accept(accept)
    best: tuple[float, int] = (0.0, 0)
    chosen: str | None = None
    for index, offer in enumerate(offers):
        quality, specificity = 0.0, 0
        for r in ranges:
            for candidate in [offer, *[a for a, target in ALIASES.items() if target == offer]]:
                level = r.matches(candidate)
                if candidate != offer:
                    # an alias counts only when named outright, and less than the real type
                    level = 2 if level == 3 else 0
                if level > specificity or (level == specificity and level and r.q > quality):
                    quality, specificity = r.q, level
        if quality > best[0]:
            best, chosen = (quality, -index), offer
    return chosen


def serialise_graph(g: Graph, media_type: str) -> bytes:
    """Bytes of ``g`` in one of :data:`RDF_TYPES`, with the project's prefixes."""
    fmt, _suffix = RDF_TYPES[media_type]
    # Only the core prefixes come built in: rdflib's defaults would take "geo" for GeoSPARQL.
    out = Graph(bind_namespaces="core")
    for prefix, ns in PREFIXES.items():
        out.bind(prefix, ns, override=True, replace=True)
    known = set(PREFIXES.values())
    for prefix, ns in g.namespace_manager.namespaces():
        if prefix not in PREFIXES and str(ns) not in known:
            out.bind(prefix, ns)
    for t in g:
        out.add(t)
    if media_type == JSONLD:
        used = {str(t) for triple in g for t in triple}
        context = {p: ns for p, ns in PREFIXES.items() if any(u.startswith(ns) for u in used)}
        return out.serialize(format="json-ld", context=context, auto_compact=True, encoding="utf-8")
    return out.serialize(format=fmt, encoding="utf-8")
