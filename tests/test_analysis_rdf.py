"""cmkg.analysis.rdf: measures as RDF in their own named graph, queryable next to the facts."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef, XSD

from cmkg import KnowledgeGraph
from cmkg.analysis import AnalysisOptions, analyze
from cmkg.analysis.rdf import analysis_graph_iri, measures_dataset, write_measures
from cmkg.errors import CmkgError, UnsupportedFormat
from cmkg.paths import graph_dir
from cmkg.vocab import CMO

from conftest import FIXTURES

FIXTURE = FIXTURES / "network" / "communities.ttl"
X = URIRef("https://w3id.org/cmkg/id/organisation/x")


@pytest.fixture(scope="module")
def result():  # type: ignore[no-untyped-def]
    return analyze(KnowledgeGraph.load(files=[FIXTURE]), "organisations", AnalysisOptions())


def test_measures_go_into_the_network_graph(result) -> None:  # type: ignore[no-untyped-def]
    ds = measures_dataset(result)
    graphs = [g for g in ds.graphs() if len(g)]
    assert [g.identifier for g in graphs] == [URIRef("https://w3id.org/cmkg/graph/analysis/organisations")]
    g = graphs[0]
    assert g.value(X, CMO.degree) == Literal(3, datatype=XSD.integer)
    assert float(g.value(X, CMO.betweenness)) == pytest.approx(24 / 36)
    assert g.value(X, CMO.community) == Literal(3, datatype=XSD.integer)
    assert g.value(X, CMO.isBroker) == Literal(True)
    assert g.value(URIRef("https://w3id.org/cmkg/id/organisation/a2"), CMO.isBroker) == Literal(False)
    for term in (CMO.degreeCentrality, CMO.pageRank, CMO.eigenvector):
        assert g.value(X, term) is not None
    # provenance of the numbers
    assert (analysis_graph_iri("organisations"), None, None) in g


def test_written_trig_is_queryable_with_the_facts(result, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = write_measures(result, tmp_path / "orgs.trig")
    kg = KnowledgeGraph.load(files=[FIXTURE, out])
    top = kg.select(
        "PREFIX cmo: <https://w3id.org/cmkg/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT ?label ?b WHERE { GRAPH <https://w3id.org/cmkg/graph/analysis/organisations> { ?o cmo:betweenness ?b } "
        "?o rdfs:label ?label } ORDER BY DESC(?b) LIMIT 1"
    )
    assert top.rows[0][0] == "X" and top.rows[0][1] == 24 / 36  # every digit kept


def test_nquads_too(result, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = write_measures(result, tmp_path / "orgs.nq")
    ds = Dataset()
    ds.parse(out, format="nquads")
    quads = {(s, p, o, g.identifier if hasattr(g, "identifier") else g) for s, p, o, g in ds.quads()}
    assert (X, CMO.degree, Literal(3, datatype=XSD.integer), analysis_graph_iri("organisations")) in quads
    b = [o for s, p, o, _ in quads if s == X and p == CMO.betweenness]
    assert [float(x) for x in b] == [24 / 36]


def test_never_into_the_curated_graph_folder(result) -> None:  # type: ignore[no-untyped-def]
    target = graph_dir() / "analysis.trig"
    with pytest.raises(CmkgError, match="never go into the curated"):
        write_measures(result, target)
    assert not target.exists()


def test_formats_without_graph_names_are_refused(result, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UnsupportedFormat, match="write a .trig or .nq file"):
        write_measures(result, tmp_path / "orgs.ttl")
    assert list(tmp_path.iterdir()) == []


def test_coverage_is_written_as_counts_per_recommendation() -> None:
    from rdflib import Literal, URIRef, XSD

    from cmkg.analysis.rdf import analysis_graph_iri
    from cmkg.vocab import CMO

    cov = analyze(KnowledgeGraph.load(files=[FIXTURES / "network" / "coverage.ttl"]), "coverage")
    ds = measures_dataset(cov)
    g = ds.graph(analysis_graph_iri("coverage"))
    records = cov.tables["coverage"].records()
    assert records
    for r in records:
        subject = URIRef(r["iri"])
        assert g.value(subject, CMO.practiceCount) == Literal(r["practices"], datatype=XSD.integer)
        assert g.value(subject, CMO.cityCount) == Literal(r["cities"], datatype=XSD.integer)
        assert g.value(subject, CMO.countryCount) == Literal(r["countries"], datatype=XSD.integer)
