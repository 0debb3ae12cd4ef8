"""``cmkg.vocab.CMO`` matches ``ontology/cmo.ttl``, and the vocabulary files are well formed."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from cmkg.vocab import CMO, GRAPH, ID, SCHEME

ROOT = Path(__file__).parents[1]
ONTOLOGY = ROOT / "ontology"
NS = "https://w3id.org/cmkg/ontology#"
ONTOLOGY_IRI = URIRef("https://w3id.org/cmkg/ontology")
SCHEME_FILES = sorted((ONTOLOGY / "schemes").glob("*.ttl"))


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY / "cmo.ttl")


@pytest.fixture(scope="module")
def schemes() -> Graph:
    g = Graph()
    for path in SCHEME_FILES:
        g.parse(path)
    return g


def declared_terms(g: Graph) -> set[URIRef]:
    terms = {s for s in g.subjects(RDFS.isDefinedBy, ONTOLOGY_IRI) if isinstance(s, URIRef)}
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty):
        terms |= {s for s in g.subjects(RDF.type, kind) if isinstance(s, URIRef)}
    return {t for t in terms if str(t).startswith(NS)}


def english(values: list) -> list[Literal]:
    return [v for v in values if isinstance(v, Literal) and v.language == "en"]


def test_ontology_parses_and_declares_itself(ontology: Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(ONTOLOGY_IRI, OWL.versionIRI) == URIRef("https://w3id.org/cmkg/ontology/0.1.0")


def test_cmo_matches_the_ontology(ontology: Graph) -> None:
    in_python = {CMO[name] for name in CMO.__annotations__}
    in_ontology = declared_terms(ontology)
    assert in_python - in_ontology == set(), "in CMO but not in cmo.ttl"
    assert in_ontology - in_python == set(), "in cmo.ttl but not in CMO"


def test_every_term_has_english_label_and_comment(ontology: Graph) -> None:
    for term in declared_terms(ontology):
        assert len(english(list(ontology.objects(term, RDFS.label)))) == 1, term
        assert len(list(ontology.objects(term, RDFS.label))) == 1, term
        assert english(list(ontology.objects(term, RDFS.comment))), term
        assert (term, RDFS.isDefinedBy, ONTOLOGY_IRI) in ontology, term


def test_every_term_is_typed_once(ontology: Graph) -> None:
    kinds = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}
    for term in declared_terms(ontology):
        assert len(kinds & set(ontology.objects(term, RDF.type))) == 1, term


def test_wrong_case_raises() -> None:
    with pytest.raises(AttributeError):
        CMO.implementedin  # noqa: B018
    assert CMO.implementedIn == URIRef(NS + "implementedIn")


def test_plain_namespaces() -> None:
    assert ID["city/toronto"] == URIRef("https://w3id.org/cmkg/id/city/toronto")
    assert GRAPH["places"] == URIRef("https://w3id.org/cmkg/graph/places")
    assert SCHEME["policy-areas"] == URIRef("https://w3id.org/cmkg/id/scheme/policy-areas")


@pytest.mark.parametrize("path", SCHEME_FILES, ids=lambda p: p.stem)
def test_scheme_file(path: Path) -> None:
    g = Graph().parse(path)
    scheme = SCHEME[path.stem]
    assert (scheme, RDF.type, SKOS.ConceptScheme) in g
    concepts = set(g.subjects(SKOS.inScheme, scheme))
    assert concepts, f"{path.name} has no concepts"
    for c in concepts:
        assert (c, RDF.type, SKOS.Concept) in g, c
        assert len(list(g.objects(c, SKOS.prefLabel))) == 1, c
        assert len(english(list(g.objects(c, RDFS.label)))) == 1, c
        assert g.value(c, SKOS.prefLabel) == g.value(c, RDFS.label), c
        assert english(list(g.objects(c, SKOS.definition))), c
        cmo_types = [t for t in g.objects(c, RDF.type) if str(t).startswith(NS)]
        assert len(cmo_types) == 1, c


def test_concepts_have_exactly_one_pref_label(schemes: Graph) -> None:
    for c in set(schemes.subjects(RDF.type, SKOS.Concept)):
        assert len(list(schemes.objects(c, SKOS.prefLabel))) == 1, c
        assert english(list(schemes.objects(c, SKOS.definition))), c


def test_broader_and_narrower_agree(schemes: Graph) -> None:
    for narrow, broad in schemes.subject_objects(SKOS.broader):
        assert (broad, SKOS.narrower, narrow) in schemes
    for broad, narrow in schemes.subject_objects(SKOS.narrower):
        assert (narrow, SKOS.broader, broad) in schemes


def test_top_concepts_have_no_broader(schemes: Graph) -> None:
    for c, scheme in schemes.subject_objects(SKOS.topConceptOf):
        assert (scheme, SKOS.hasTopConcept, c) in schemes
        assert schemes.value(c, SKOS.broader) is None, c
