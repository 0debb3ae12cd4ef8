"""A VoID and DCAT description of the dataset, computed from the graph with SPARQL.

Shared by the server (``/.well-known/void``) and the static site (``void.ttl``).
It says how many triples, entities and classes there are, one class and one
property partition per class and property used, example resources, the SPARQL
endpoint, the dumps, the licence, the sources and the vocabularies used.

Examples
--------
>>> from cmkg import KnowledgeGraph
>>> from rdflib import URIRef
>>> g = describe_dataset(KnowledgeGraph.load(), base_url="http://127.0.0.1:8000/")
>>> VOID.triples in set(g.predicates(DATASET, None))
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, XSD

from cmkg.export import FORMATS
from cmkg.loading import PREFIXES
from cmkg.results import ResultTable

if TYPE_CHECKING:
    from cmkg.kg import KnowledgeGraph

__all__ = ["VOID", "SD", "DATASET", "LICENSE", "describe_dataset", "dump_files"]

VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
#: The dataset's own identifier, the same wherever it is served.
DATASET = URIRef("https://w3id.org/cmkg/dataset")
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
_ID = "https://w3id.org/cmkg/id/"


def dump_files() -> dict[str, str]:
    """Format name -> file name of each dump (``cmkg.ttl``, ``cmkg.nq`` …)."""
    return {fmt: "cmkg" + spec[1] for fmt, spec in FORMATS.items()}


def _table(kg: KnowledgeGraph, text: str) -> ResultTable:
    out = kg.sparql(text)
    assert isinstance(out, ResultTable)
    return out


def describe_dataset(
    kg: KnowledgeGraph,
    *,
    base_url: str,
    endpoint_url: str | None = None,
    dumps_url: str | None = None,
    title: str = "Cities of Migration Knowledge Graph",
) -> Graph:
    """The VoID/DCAT description; ``base_url`` is where the pages are, ``dumps_url`` the folder of the dumps."""
    base = base_url if base_url.endswith("/") else base_url + "/"
    dumps_base = dumps_url or base + "dumps/"
    g = Graph()
    for prefix in ("void", "dcat", "dcterms", "foaf", "rdfs", "xsd", "cmo", "skos"):
        g.bind(prefix, PREFIXES[prefix])
    g.bind("sd", SD)
    d = DATASET
    g.add((d, RDF.type, VOID.Dataset))
    g.add((d, RDF.type, DCAT.Dataset))
    g.add((d, DCTERMS.title, Literal(title, lang="en")))
    g.add((d, RDFS.label, Literal(title, lang="en")))
    g.add((d, DCTERMS.description, Literal(
        "Municipal practices for integrating immigrants, the cities that run them, the organisations and people "
        "behind them, the policy areas they address, the recommendations they illustrate and the sourced "
        "figures around them, from two Cities of Migration reports, as linked data.", lang="en")))
    g.add((d, DCTERMS.license, LICENSE))
    g.add((d, DCTERMS.publisher, URIRef("https://w3id.org/cmkg")))
    g.add((d, FOAF.homepage, URIRef(base)))
    g.add((d, DCAT.landingPage, URIRef(base)))
    g.add((d, VOID.uriSpace, Literal(_ID)))
    g.add((d, VOID.uriLookupEndpoint, URIRef(base + "-/search?q=")))
    g.add((d, VOID.rootResource, URIRef("https://w3id.org/cmkg/id/scheme/policy-areas")))
    g.add((d, DCAT.keyword, Literal("immigrant integration", lang="en")))
    g.add((d, DCAT.keyword, Literal("cities", lang="en")))

    totals = _table(kg, f"""
SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects) (COUNT(DISTINCT ?p) AS ?properties)
       (COUNT(DISTINCT ?o) AS ?objects) WHERE {{ ?s ?p ?o }}""").rows[0]
    g.add((d, VOID.triples, Literal(int(totals[0]))))
    g.add((d, VOID.distinctSubjects, Literal(int(totals[1]))))
    g.add((d, VOID.properties, Literal(int(totals[2]))))
    g.add((d, VOID.distinctObjects, Literal(int(totals[3]))))
    entities = _table(kg, f'SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{_ID}")) }}').rows[0][0]
    g.add((d, VOID.entities, Literal(int(entities))))

    classes = _table(kg, f"""
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) (SAMPLE(?s) AS ?example) WHERE {{
  ?s a ?class . FILTER(STRSTARTS(STR(?s), "{_ID}"))
}} GROUP BY ?class ORDER BY DESC(?n) ?class""")
    g.add((d, VOID.classes, Literal(len(classes))))
    for i, (cls, n, example) in enumerate(classes.terms):
        part = URIRef(f"{DATASET}#class-{i + 1}")
        g.add((d, VOID.classPartition, part))
        g.add((part, VOID["class"], cls))  # type: ignore[arg-type]
        g.add((part, VOID.entities, Literal(int(n.toPython()))))  # type: ignore[union-attr]
        if str(cls).startswith(PREFIXES["cmo"]) and example is not None:
            g.add((d, VOID.exampleResource, example))

    props = _table(kg, "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY DESC(?n) ?p")
    vocabularies: set[str] = set()
    for i, (prop, n) in enumerate(props.terms):
        part = URIRef(f"{DATASET}#property-{i + 1}")
        g.add((d, VOID.propertyPartition, part))
        g.add((part, VOID.property, prop))  # type: ignore[arg-type]
        g.add((part, VOID.triples, Literal(int(n.toPython()))))  # type: ignore[union-attr]
        vocabularies.add(_namespace(str(prop)))
    for (cls,) in _table(kg, "SELECT DISTINCT ?c WHERE { ?s a ?c }").terms:
        vocabularies.add(_namespace(str(cls)))
    for ns in sorted(v for v in vocabularies if v):
        g.add((d, VOID.vocabulary, URIRef(ns)))

    for (src,) in _table(kg, "PREFIX cmo: <https://w3id.org/cmkg/ontology#>\nSELECT DISTINCT ?r WHERE { ?r a cmo:Report }").terms:
        g.add((d, DCTERMS.source, src))  # type: ignore[arg-type]

    if endpoint_url:
        g.add((d, VOID.sparqlEndpoint, URIRef(endpoint_url)))
        service = URIRef(endpoint_url + "#service")
        g.add((service, RDF.type, DCAT.DataService))
        g.add((service, DCAT.endpointURL, URIRef(endpoint_url)))
        g.add((service, DCAT.servesDataset, d))
        g.add((service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
        g.add((service, DCTERMS.title, Literal("SPARQL 1.1 endpoint (read-only)", lang="en")))
        g.add((d, DCAT.distribution, _endpoint_distribution(g, endpoint_url)))
    for fmt, name in dump_files().items():
        url = URIRef(dumps_base + name)
        g.add((d, VOID.dataDump, url))
        dist = URIRef(f"{DATASET}#dump-{fmt}")
        g.add((d, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.downloadURL, url))
        g.add((dist, DCAT.mediaType, URIRef("https://www.iana.org/assignments/media-types/" + FORMATS[fmt][3])))
        g.add((dist, DCTERMS.format, Literal(FORMATS[fmt][3])))
        g.add((dist, DCTERMS.license, LICENSE))
        g.add((dist, DCTERMS.title, Literal(f"Dump in {fmt} ({'with named graphs' if FORMATS[fmt][2] else 'merged graph'})", lang="en")))
    g.add((d, DCTERMS.modified, Literal(_modified(kg), datatype=XSD.date)))
    return g


def _endpoint_distribution(g: Graph, endpoint_url: str) -> URIRef:
    dist = URIRef(f"{DATASET}#sparql")
    g.add((dist, RDF.type, DCAT.Distribution))
    g.add((dist, DCAT.accessURL, URIRef(endpoint_url)))
    g.add((dist, DCAT.accessService, URIRef(endpoint_url + "#service")))
    g.add((dist, DCTERMS.title, Literal("SPARQL endpoint", lang="en")))
    return dist


def _modified(kg: KnowledgeGraph) -> str:
    rows = _table(kg, "PREFIX dcterms: <http://purl.org/dc/terms/>\nSELECT (MAX(STR(?m)) AS ?m) WHERE { <https://w3id.org/cmkg/ontology> dcterms:modified ?m }").rows
    value = rows[0][0] if rows and rows[0][0] else None
    if value:
        return str(value)[:10]
    import datetime

    return datetime.date.today().isoformat()


def _namespace(iri: str) -> str:
    for sep in ("#", "/"):
        if sep in iri.rstrip(sep):
            head = iri.rsplit(sep, 1)[0] + sep
            if head.startswith(("http://", "https://", "urn:")):
                return head
    return ""

