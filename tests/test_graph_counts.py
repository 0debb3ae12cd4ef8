"""Pinned counts of the curated graph, so that curated resources cannot silently disappear.

The minimums are the numbers curated from the two sources; raise them when the
graph grows, never lower them without a reason in the commit message.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, URIRef

ROOT = Path(__file__).resolve().parents[1]
GRAPH_BASE = "https://w3id.org/cmkg/graph/"
CMO = "https://w3id.org/cmkg/ontology#"
ID = "https://w3id.org/cmkg/id/"

PREFIXES = """
PREFIX cmo: <https://w3id.org/cmkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX cito: <http://purl.org/spar/cito/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>
"""


@pytest.fixture(scope="module")
def data() -> Dataset:
    """The curated graph alone (graph/**/*.ttl), one named graph per file."""
    ds = Dataset(default_union=True)
    for path in sorted((ROOT / "graph").rglob("*.ttl")):
        rel = path.relative_to(ROOT / "graph").with_suffix("")
        ds.graph(URIRef(GRAPH_BASE + rel.as_posix())).parse(path, format="turtle")
    return ds


def count(ds: Dataset, where: str) -> int:
    return int(next(iter(ds.query(PREFIXES + f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {where} }}")))[0])


MINIMUMS = {
    "Practice": 49,
    "City": 54,
    "Region": 6,
    "Country": 17,
    "Organisation": 56,
    "Person": 31,
    "Position": 22,
    "Statistic": 55,
    "AwardConferral": 2,
    "Report": 2,
    "Article": 1,
    "Essay": 5,
    "Section": 22,
    "Book": 9,
    "Chapter": 3,
    "JournalArticle": 6,
    "WebResource": 2,
}


@pytest.mark.parametrize(("cls", "minimum"), sorted(MINIMUMS.items()))
def test_minimum_count_per_class(data: Dataset, cls: str, minimum: int) -> None:
    assert count(data, f"?s a <{CMO}{cls}>") >= minimum


@pytest.mark.parametrize(("audience", "total"), [("local-governments", 14), ("community-partners", 10)])
def test_recommendations_are_exactly_the_numbered_lists(data: Dataset, audience: str, total: int) -> None:
    q = PREFIXES + f"""
        SELECT ?r ?n WHERE {{
          ?r a cmo:Recommendation ; cmo:audience <{ID}audience/{audience}> ; cmo:recommendationNumber ?n .
        }}"""
    found = {str(r).rsplit("/", 1)[1]: int(n) for r, n in data.query(q)}
    prefix = "local-government" if audience == "local-governments" else "community-partner"
    assert found == {f"{prefix}-{i}": i for i in range(1, total + 1)}
    assert count(data, "?s a cmo:Recommendation") == 24


def test_practices_by_source(data: Dataset) -> None:
    """Practices traced to each document stay at least as many as curated."""
    for doc, minimum in [("practice-to-policy-2012", 29), ("prospering-together", 26)]:
        n = count(data, f"""?s a cmo:Practice ; cmo:source ?sec .
                           ?sec dcterms:isPartOf* <{ID}source/{doc}> .""")
        assert n >= minimum, (doc, n)


def test_every_city_has_coordinates_and_a_country(data: Dataset) -> None:
    cities = count(data, "?s a cmo:City")
    complete = count(data, "?s a cmo:City ; geo:lat ?lat ; geo:long ?long ; cmo:locatedIn+ ?c . ?c a cmo:Country")
    assert complete == cities


def test_cited_works_are_cited(data: Dataset) -> None:
    """Every cited book, chapter or article is cited by an essay (directly or through a chapter in it)."""
    uncited = count(data, """
        VALUES ?t { cmo:Book cmo:JournalArticle cmo:Chapter } ?s a ?t .
        FILTER NOT EXISTS { ?e cito:cites ?s }
        FILTER NOT EXISTS { ?part dcterms:isPartOf ?s . ?e2 cito:cites ?part }""")
    assert uncited == 0


def test_one_english_label_per_resource(data: Dataset) -> None:
    q = PREFIXES + f"""
        SELECT ?s (COUNT(?l) AS ?n) WHERE {{
          ?s a ?type . FILTER(STRSTARTS(STR(?s), "{ID}"))
          OPTIONAL {{ ?s rdfs:label ?l . FILTER(LANG(?l) = "en") }}
        }} GROUP BY ?s HAVING (COUNT(?l) != 1)"""
    assert list(data.query(q)) == []


def test_practice_counts_per_country(data: Dataset) -> None:
    q = PREFIXES + """
        SELECT ?c (COUNT(DISTINCT ?p) AS ?n) WHERE {
          ?p a cmo:Practice ; cmo:implementedIn ?pl .
          { ?pl a cmo:Country . BIND(?pl AS ?c) } UNION { ?pl cmo:locatedIn+ ?c . ?c a cmo:Country }
        } GROUP BY ?c"""
    per = {str(c).rsplit("/", 1)[1]: int(n) for c, n in data.query(q)}
    for country, minimum in {"canada": 10, "germany": 10, "new-zealand": 7, "united-states": 6, "denmark": 5, "spain": 4}.items():
        assert per.get(country, 0) >= minimum, (country, per.get(country))
