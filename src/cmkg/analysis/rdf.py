"""Analysis results as RDF, in their own named graph, so SPARQL can read them next to the facts.

Node measures use the ontology's terms (``cmo:degree``, ``cmo:degreeCentrality``,
``cmo:betweenness``, ``cmo:pageRank``, ``cmo:eigenvector``, ``cmo:community``,
``cmo:isBroker``) and go into ``https://w3id.org/cmkg/graph/analysis/<network>``,
never into the curated ``graph/`` folder.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, BNode, Dataset, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV
from rdflib.term import Node

from cmkg.analysis.report import Analysis
from cmkg.errors import CmkgError, DataFileError, UnsupportedFormat
from cmkg.loading import PREFIXES
from cmkg.paths import graph_dir
from cmkg.vocab import CMO, GRAPH, ID

__all__ = ["ANALYSIS_GRAPH", "RDF_FORMATS", "analysis_graph_iri", "coverage_dataset", "measures_dataset", "write_measures"]

#: Base of the named graphs analysis results go into.
ANALYSIS_GRAPH = Namespace(str(GRAPH) + "analysis/")

#: File suffixes :func:`write_measures` writes (formats that keep the graph name).
RDF_FORMATS = {".trig": "trig", ".nq": "nquads"}

_OX_FORMATS = {"trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS}

_TERMS = {
    "degree": (CMO.degree, XSD.integer),
    "degree_centrality": (CMO.degreeCentrality, XSD.double),
    "betweenness": (CMO.betweenness, XSD.double),
    "pagerank": (CMO.pageRank, XSD.double),
    "eigenvector": (CMO.eigenvector, XSD.double),
    "community": (CMO.community, XSD.integer),
    "is_broker": (CMO.isBroker, XSD.boolean),
}


def analysis_graph_iri(network: str) -> URIRef:
    """The named graph the measures of one network go into.

    Examples
    --------
    >>> analysis_graph_iri("actors")
    rdflib.term.URIRef('https://w3id.org/cmkg/graph/analysis/actors')
    """
    return ANALYSIS_GRAPH[network]


def _literal(value: object, datatype: URIRef) -> Literal:
    if datatype == XSD.boolean:
        return Literal(bool(value), datatype=datatype)
    if datatype == XSD.integer:
        return Literal(int(value), datatype=datatype)  # type: ignore[call-overload]
    return Literal(float(value), datatype=datatype)  # type: ignore[arg-type]


def measures_dataset(analysis: Analysis, *, generated: datetime | None = None) -> Dataset:
    """A Dataset holding one named graph with every node measure of ``analysis`` and its provenance.

    Examples
    --------
    >>> from cmkg import KnowledgeGraph
    >>> from cmkg.analysis import analyze
    >>> ds = measures_dataset(analyze(KnowledgeGraph.load(), "policy"))
    >>> [str(g.identifier) for g in ds.graphs() if len(g)]
    ['https://w3id.org/cmkg/graph/analysis/policy']
    """
    if analysis.kind == "coverage":
        return coverage_dataset(analysis, generated=generated)
    if analysis.network is None or analysis.graph is None:
        raise CmkgError(
            f"'{analysis.kind}' gives no node measures to write as RDF; use --as-rdf with a network analysis "
            "(actors, organisations, cities, policy, diffusion, communities, brokers, components)"
        )
    iri = analysis_graph_iri(analysis.network)
    ds = Dataset()
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns)
    g = ds.graph(iri)
    for node, values in sorted(analysis.node_measures.items()):
        subject = URIRef(node)
        for key, (prop, datatype) in _TERMS.items():
            value = values.get(key)
            if value is not None:
                g.add((subject, prop, _literal(value, datatype)))
    # provenance: what computed these numbers, when and how
    when = generated or datetime.now(timezone.utc).replace(microsecond=0)
    activity = BNode()
    o = analysis.options
    g.add((iri, RDF.type, PROV.Entity))
    g.add((iri, DCTERMS.title, Literal(f"Network measures: {analysis.graph.graph.get('title', analysis.network)}", lang="en")))
    g.add((iri, PROV.wasGeneratedBy, activity))
    g.add((iri, PROV.generatedAtTime, Literal(when.isoformat(), datatype=XSD.dateTime)))
    g.add((activity, RDF.type, PROV.Activity))
    g.add((activity, RDFS.label, Literal(f"cmkg analyze {analysis.kind}", lang="en")))
    g.add(
        (
            activity,
            RDFS.comment,
            Literal(
                f"Louvain seed {o.seed}, resolution {o.resolution}; betweenness exact up to "
                f"{o.centrality.exact_max} nodes, else {o.centrality.samples} samples (seed {o.centrality.seed}); "
                f"PageRank alpha {o.centrality.alpha}; brokers span >= {o.min_communities} communities "
                f"or >= {o.min_countries} countries.",
                lang="en",
            ),
        )
    )
    return ds


_COVERAGE_TERMS = {"practices": CMO.practiceCount, "cities": CMO.cityCount, "countries": CMO.countryCount}


def coverage_dataset(analysis: Analysis, *, generated: datetime | None = None) -> Dataset:
    """The recommendation coverage as RDF: practice, city and country counts per recommendation.

    Examples
    --------
    >>> from cmkg import KnowledgeGraph
    >>> from cmkg.analysis import analyze
    >>> ds = coverage_dataset(analyze(KnowledgeGraph.load(), "coverage"))
    >>> g = ds.graph(analysis_graph_iri("coverage"))
    >>> len(set(g.subjects(CMO.practiceCount, None)))
    24
    """
    iri = analysis_graph_iri("coverage")
    ds = Dataset()
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns)
    g = ds.graph(iri)
    for record in analysis.tables["coverage"].records():
        subject = URIRef(record["iri"])
        for column, prop in _COVERAGE_TERMS.items():
            g.add((subject, prop, Literal(int(record[column]), datatype=XSD.integer)))
    when = generated or datetime.now(timezone.utc).replace(microsecond=0)
    activity = BNode()
    g.add((iri, RDF.type, PROV.Entity))
    g.add((iri, DCTERMS.title, Literal("Recommendation coverage: exemplifying practices, cities and countries", lang="en")))
    g.add((iri, PROV.wasGeneratedBy, activity))
    g.add((iri, PROV.generatedAtTime, Literal(when.isoformat(), datatype=XSD.dateTime)))
    g.add((activity, RDF.type, PROV.Activity))
    g.add((activity, RDFS.label, Literal("cmkg analyze coverage", lang="en")))
    return ds


def _ox_term(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))
    raise TypeError(f"not an RDF term: {term!r}")


def _quads(ds: Dataset) -> list[ox.Quad]:
    rows = sorted(
        (s, p, o, g.identifier if hasattr(g, "identifier") else g) for s, p, o, g in ds.quads((None, None, None, None))
    )
    # sorted, so each node's measures are written together
    return [ox.Quad(_ox_term(s), _ox_term(p), _ox_term(o), ox.NamedNode(str(g))) for s, p, o, g in rows]  # type: ignore[arg-type]


def _prefixes(ds: Dataset) -> dict[str, str]:
    """The usual prefixes plus one per kind of resource present (``organisation:``, ``city:`` …)."""
    out = {k: v for k, v in PREFIXES.items() if k in ("cmo", "prov", "dcterms", "rdfs", "xsd")}
    base = str(ID)
    for s, *_ in ds.quads((None, None, None, None)):
        rest = str(s)[len(base) :] if str(s).startswith(base) else ""
        kind = rest.split("/", 1)[0] if "/" in rest else ""
        if kind and re.fullmatch(r"[a-z][a-z0-9-]*", kind):
            out[kind] = base + kind + "/"
    return out


def write_measures(analysis: Analysis, path: str | Path) -> Path:
    """Write the measures to a TriG (``.trig``) or N-Quads (``.nq``) file, atomically.

    The file must not be under the curated ``graph/`` folder: computed numbers
    are not sourced facts.
    """
    path = Path(path)
    fmt = RDF_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UnsupportedFormat(
            f"--as-rdf {path}: write a .trig or .nq file (formats that keep the named graph {analysis_graph_iri(analysis.network or 'NETWORK')})"
        )
    target = path.resolve()
    curated = graph_dir().resolve()
    if target == curated or curated in target.parents:
        raise CmkgError(f"--as-rdf {path}: computed measures never go into the curated {curated}/ folder; write them elsewhere")
    if not target.parent.is_dir():
        raise DataFileError(f"--as-rdf {path}: the folder {target.parent} does not exist")
    ds = measures_dataset(analysis)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    try:
        # pyoxigraph writes every digit of an xsd:double (rdflib's TriG writer keeps seven)
        ox.serialize(_quads(ds), tmp, _OX_FORMATS[fmt], prefixes=_prefixes(ds) if fmt == "trig" else None)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
