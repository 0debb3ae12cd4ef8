"""Competency questions: each question of shared/competency-questions.md as a SPARQL query.

Questions 1-26 must return exactly the answers the sources give (labels compared
case-insensitively; a label or altLabel that contains the expected answer, with
or without a bracketed acronym, counts as a match). The analytical questions
A-F assert the structure the curated graph must keep.

The module-scoped ``dataset`` fixture loads ontology/**/*.ttl and graph/**/*.ttl
into an rdflib Dataset, one named graph per file
(``https://w3id.org/cmkg/graph/<path-without-.ttl>``), queried through the union
default graph.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
from rdflib import Dataset, URIRef

ROOT = Path(__file__).resolve().parents[1]
GRAPH_BASE = "https://w3id.org/cmkg/graph/"

PREFIXES = """
PREFIX cmo: <https://w3id.org/cmkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX country: <https://w3id.org/cmkg/id/country/>
PREFIX city: <https://w3id.org/cmkg/id/city/>
PREFIX gw: <https://w3id.org/cmkg/id/gateway-type/>
PREFIX ot: <https://w3id.org/cmkg/id/organisation-type/>
PREFIX pt: <https://w3id.org/cmkg/id/practice-type/>
PREFIX aud: <https://w3id.org/cmkg/id/audience/>
PREFIX unit: <https://w3id.org/cmkg/id/unit/>
PREFIX status: <https://w3id.org/cmkg/id/status/>
"""

INSPIRATION = "cmo:inspiredBy|cmo:replicates|cmo:adaptedFrom"


def _graph_iri(path: Path) -> URIRef:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[0] == "graph":
        parts = parts[1:]
    return URIRef(GRAPH_BASE + "/".join(parts))


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    ds = Dataset(default_union=True)
    files = sorted((ROOT / "ontology").rglob("*.ttl")) + sorted((ROOT / "graph").rglob("*.ttl"))
    for path in files:
        ds.graph(_graph_iri(path)).parse(path, format="turtle")
    return ds


def rows(ds: Dataset, query: str) -> list[tuple]:
    return [tuple(r) for r in ds.query(PREFIXES + query)]


def names(ds: Dataset, node: URIRef) -> set[str]:
    """The rdfs:label and every skos:altLabel of a resource."""
    q = "SELECT ?n WHERE { { ?s rdfs:label ?n } UNION { ?s skos:altLabel ?n } }"
    return {str(r[0]) for r in ds.query(PREFIXES + q, initBindings={"s": node})}


def _norm(text: str) -> str:
    text = text.casefold().strip()
    text = re.sub(r"^the\s+", "", text)
    return re.sub(r"\s+", " ", text)


def matches(candidates: set[str], expected: str) -> bool:
    variants = {_norm(expected), _norm(re.sub(r"\s*\([^)]*\)", "", expected))}
    return any(v in _norm(c) for c in candidates for v in variants)


def assert_answers(ds: Dataset, nodes: list, expected: list[str]) -> None:
    """Each expected answer matches exactly one node and every node matches an answer."""
    found = [names(ds, n) for n in dict.fromkeys(nodes)]
    assert len(found) == len(expected), f"expected {expected}, got {found}"
    for answer in expected:
        hits = [f for f in found if matches(f, answer)]
        assert len(hits) == 1, f"{answer!r} matched {hits} among {found}"


def single_column(result: list[tuple]) -> list:
    return [r[0] for r in result]


# ---------------------------------------------------------------------------
# Questions 1-26
# ---------------------------------------------------------------------------


def test_cq01_foundation_leading_cities_of_migration(dataset: Dataset) -> None:
    r = rows(dataset, """
        SELECT DISTINCT ?org WHERE {
          ?p a cmo:Practice ; rdfs:label "Cities of Migration"@en ; cmo:ledBy ?org .
          ?org cmo:organisationType ot:foundation .
        }""")
    assert_answers(dataset, single_column(r), ["The Maytree Foundation"])


def test_cq02_international_partner_foundations(dataset: Dataset) -> None:
    r = rows(dataset, """
        SELECT DISTINCT ?org WHERE {
          ?p a cmo:Practice ; rdfs:label "Cities of Migration"@en ; cmo:partner ?org .
          ?org cmo:organisationType ot:foundation .
        }""")
    assert_answers(dataset, single_column(r), [
        "Barrow Cadbury Trust", "Bertelsmann Stiftung", "Tindall Foundation",
        "Fundación Bertelsmann", "J.M. Kaplan Fund",
    ])


def test_cq03_author_of_taking_it_to_the_streets(dataset: Dataset) -> None:
    r = rows(dataset, """
        SELECT DISTINCT ?author WHERE {
          ?essay dcterms:title ?t ; dcterms:creator ?author .
          FILTER(LCASE(STR(?t)) = "taking it to the streets: a municipal role in immigrant integration")
        }""")
    assert_answers(dataset, single_column(r), ["Myer Siemiatycki"])


def test_cq04_organisation_jan_niessen_directs(dataset: Dataset) -> None:
    r = rows(dataset, """
        SELECT DISTINCT ?org ?place WHERE {
          ?person a cmo:Person ; rdfs:label "Jan Niessen"@en ; cmo:heads ?org .
          ?org a cmo:Organisation ; cmo:basedIn ?place .
        }""")
    assert len(r) == 1
    assert_answers(dataset, [r[0][0]], ["Migration Policy Group"])
    assert_answers(dataset, [r[0][1]], ["Brussels"])


def _us_cities_of_type(ds: Dataset, gateway: str) -> list:
    return single_column(rows(ds, f"""
        SELECT DISTINCT ?city WHERE {{
          ?city a cmo:City ; cmo:gatewayType gw:{gateway} ; cmo:locatedIn+ country:united-states .
        }}"""))


def test_cq05_us_continuous_gateways(dataset: Dataset) -> None:
    assert_answers(dataset, _us_cities_of_type(dataset, "continuous-gateway"),
                   ["New York", "Chicago", "San Francisco", "Boston"])


def test_cq06_us_second_tier_gateways(dataset: Dataset) -> None:
    assert_answers(dataset, _us_cities_of_type(dataset, "second-tier-gateway"),
                   ["Atlanta", "Austin", "Phoenix", "Las Vegas"])


def test_cq07_us_former_gateways(dataset: Dataset) -> None:
    assert_answers(dataset, _us_cities_of_type(dataset, "former-gateway"),
                   ["Detroit", "Pittsburgh", "Cleveland"])


def test_cq08_auckland_programme_built_on_triec(dataset: Dataset) -> None:
    r = rows(dataset, f"""
        SELECT DISTINCT ?p WHERE {{
          ?p ({INSPIRATION}) ?model ; cmo:implementedIn ?where .
          ?where rdfs:label "Auckland Region"@en .
          ?model cmo:ledBy ?triec . ?triec skos:altLabel "TRIEC"@en .
        }}""")
    assert_answers(dataset, single_column(r), ["OMEGA (Opportunities for Migrant Employment in Greater Auckland)"])


def test_cq09_canadian_city_with_urban_citizens_charter(dataset: Dataset) -> None:
    r = rows(dataset, """
        SELECT DISTINCT ?city WHERE {
          ?p a cmo:Practice ; rdfs:label ?l ; cmo:implementedIn ?city .
          FILTER(CONTAINS(LCASE(STR(?l)), "charter of rights for urban citizens"))
          ?city a cmo:City ; cmo:locatedIn+ country:canada .
        }""")
    assert_answers(dataset, single_column(r), ["Montreal"])


def test_cq10_porta_palazzo_city(dataset: Dataset) -> None:
    r = rows(dataset, """
        SELECT DISTINCT ?city WHERE {
          ?p a cmo:Practice ; rdfs:label ?l ; cmo:implementedIn ?city ; cmo:ledBy ?agency .
          ?agency cmo:organisationType ot:municipal-agency .
          FILTER(CONTAINS(LCASE(STR(?l)), "porta palazzo") && CONTAINS(LCASE(STR(?l)), "non-commercial vendor"))
        }""")
    assert_answers(dataset, single_column(r), ["Turin"])


def test_cq11_cooperative_bank_in_durham(dataset: Dataset) -> None:
    r = rows(dataset, """
        SELECT DISTINCT ?bank WHERE {
          ?p a cmo:Practice ; cmo:implementedIn ?durham ; cmo:ledBy ?bank ;
             cmo:targets <https://w3id.org/cmkg/id/target-group/low-income-residents> .
          ?durham rdfs:label "Durham"@en .
          ?bank cmo:organisationType ot:financial-cooperative .
        }""")
    assert_answers(dataset, single_column(r), ["Latino Community Credit Union"])


def test_cq12_back_streets_program_city(dataset: Dataset) -> None:
    r = rows(dataset, """
        SELECT DISTINCT ?city WHERE {
          ?p a cmo:Practice ; rdfs:label ?l ; cmo:implementedIn ?city ;
             cmo:addresses <https://w3id.org/cmkg/id/policy-area/planning-and-zoning> .
          FILTER(CONTAINS(LCASE(STR(?l)), "back streets program"))
        }""")
    assert_answers(dataset, single_column(r), ["Boston"])


def test_cq13_living_library_place(dataset: Dataset) -> None:
    r = rows(dataset, """
        SELECT DISTINCT ?place WHERE {
          ?p a cmo:Practice ; rdfs:label "Living Library"@en ; cmo:implementedIn ?place .
        }""")
    assert_answers(dataset, single_column(r), ["Valongo"])


def test_cq14_procurement_recommendation_number(dataset: Dataset) -> None:
    r = rows(dataset, """
        SELECT ?n WHERE {
          ?r a cmo:Recommendation ; cmo:audience aud:local-governments ; rdfs:label ?l ;
             cmo:recommendationNumber ?n .
          FILTER(CONTAINS(LCASE(STR(?l)), "procurement"))
        }""")
    assert [int(x[0]) for x in r] == [11]


def test_cq15_number_of_local_government_recommendations(dataset: Dataset) -> None:
    r = rows(dataset, """
        SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE {
          ?r a cmo:Recommendation ; cmo:audience aud:local-governments ; cmo:recommendationNumber ?num .
        }""")
    assert int(r[0][0]) == 14


def test_cq16_what_inspired_copenhagens_diversity_charter(dataset: Dataset) -> None:
    r = rows(dataset, f"""
        SELECT DISTINCT ?model WHERE {{
          ?p a cmo:Practice ; rdfs:label "Copenhagen Diversity Charter"@en ; ({INSPIRATION}) ?model .
        }}""")
    assert_answers(dataset, single_column(r), [
        "City of London diversity agenda for the 2012 Olympic Games", "French Charte de la diversité",
    ])


def test_cq17_countries_replicating_the_french_charter(dataset: Dataset) -> None:
    r = rows(dataset, """
        SELECT DISTINCT ?country WHERE {
          ?charte rdfs:label "Charte de la diversité"@en .
          ?copy cmo:replicates ?charte ; cmo:implementedIn ?country .
          ?country a cmo:Country .
        }""")
    assert_answers(dataset, single_column(r), ["Germany", "Spain"])


def test_cq18_town_partnering_with_diversecity_onboard(dataset: Dataset) -> None:
    r = rows(dataset, """
        SELECT DISTINCT ?town WHERE {
          ?p a cmo:Practice ; rdfs:label "DiverseCity onBoard"@en ; cmo:partner ?town .
          ?town cmo:organisationType ot:municipal-government .
        }""")
    assert_answers(dataset, single_column(r), ["Richmond Hill"])


def test_cq19_city_of_toronto_mentoring_partner(dataset: Dataset) -> None:
    r = rows(dataset, """
        SELECT DISTINCT ?org WHERE {
          ?toronto rdfs:label "City of Toronto"@en .
          ?p a cmo:Practice ; cmo:ledBy ?toronto ; rdfs:label ?l ; cmo:partner ?org .
          FILTER(CONTAINS(LCASE(STR(?l)), "mentoring"))
        }""")
    assert_answers(dataset, single_column(r), ["Toronto Region Immigrant Employment Council (TRIEC)"])


def test_cq20_strategy_of_the_marae_welcome_programme(dataset: Dataset) -> None:
    r = rows(dataset, """
        SELECT DISTINCT ?s WHERE {
          ?p rdfs:label "Marae Welcome Programme"@en ; cmo:partOf ?s .
          ?s cmo:practiceType pt:strategy .
        }""")
    assert_answers(dataset, single_column(r), ["Wellington Regional Settlement Strategy (WRSS)"])


def test_cq21_marae_municipalities_and_funding_years(dataset: Dataset) -> None:
    r = rows(dataset, """
        SELECT ?municipalities ?years WHERE {
          ?p rdfs:label "Marae Welcome Programme"@en .
          ?s1 cmo:about ?p ; cmo:unit unit:municipalities ; cmo:value ?municipalities .
          ?s2 cmo:about ?p ; cmo:unit unit:years ; cmo:value ?years ; rdfs:label ?l2 .
          FILTER(CONTAINS(LCASE(STR(?l2)), "funding"))
        }""")
    assert [(int(a), int(b)) for a, b in r] == [(5, 3)]


def test_cq22_mem_launch_and_phoenix_prize_start(dataset: Dataset) -> None:
    r = rows(dataset, """
        SELECT ?memStart ?prizeStart WHERE {
          ?mem a cmo:Practice ; skos:altLabel "MEM"@en ; cmo:startYear ?memStart .
          ?prize rdfs:label "Phoenix Prize"@en ; cmo:partOf ?mem ; cmo:startYear ?prizeStart .
        }""")
    assert [(str(a), str(b)) for a, b in r] == [("1999", "2010")]


def test_cq23_four_pillars_of_mem(dataset: Dataset) -> None:
    # The pillars are MEM's direct parts; the Phoenix Prize sits inside the recognition pillar.
    r = rows(dataset, """
        SELECT DISTINCT ?pillar WHERE {
          ?mem a cmo:Practice ; skos:altLabel "MEM"@en .
          ?pillar cmo:partOf ?mem .
          FILTER NOT EXISTS { ?pillar cmo:partOf ?other . ?other cmo:partOf ?mem }
        }""")
    assert_answers(dataset, single_column(r), [
        "providing assistance", "helping with qualifications", "creating dialogue", "promoting recognition",
    ])


def test_cq24_us_immigrants_suburbs_and_central_cities_2010(dataset: Dataset) -> None:
    r = rows(dataset, """
        SELECT ?suburbs ?central WHERE {
          ?a cmo:about country:united-states ; cmo:year "2010"^^xsd:gYear ; cmo:unit unit:percent ;
             rdfs:label ?la ; cmo:value ?suburbs .
          ?b cmo:about country:united-states ; cmo:year "2010"^^xsd:gYear ; cmo:unit unit:percent ;
             rdfs:label ?lb ; cmo:value ?central .
          FILTER(CONTAINS(LCASE(STR(?la)), "suburbs") && CONTAINS(LCASE(STR(?lb)), "central cities"))
        }""")
    assert [(int(a), int(b)) for a, b in r] == [(51, 33)]


def test_cq25_three_cities_with_most_canadian_immigrants(dataset: Dataset) -> None:
    r = rows(dataset, """
        SELECT DISTINCT ?city WHERE {
          ?s a cmo:Statistic ; cmo:about country:canada , ?city ; cmo:unit unit:percent ;
             cmo:value ?v ; cmo:qualifier "more than" .
          ?city a cmo:City .
          FILTER(?v = 60)
        }""")
    assert_answers(dataset, single_column(r), ["Toronto", "Vancouver", "Montreal"])


def test_cq26_diversecity_onboard_launch(dataset: Dataset) -> None:
    r = rows(dataset, """
        SELECT ?y WHERE { ?p a cmo:Practice ; rdfs:label "DiverseCity onBoard"@en ; cmo:startYear ?y . }""")
    assert [str(x[0]) for x in r] == ["2005"]


# ---------------------------------------------------------------------------
# Analytical questions A-F
# ---------------------------------------------------------------------------

PA = "https://w3id.org/cmkg/id/policy-area/"


def test_a_policy_areas_by_city_and_single_country_areas(dataset: Dataset) -> None:
    r = rows(dataset, """
        SELECT ?area ?city ?country WHERE {
          ?p a cmo:Practice ; cmo:addresses ?area ; cmo:implementedIn ?place .
          OPTIONAL { ?place a cmo:City . BIND(?place AS ?city) }
          { ?place a cmo:Country . BIND(?place AS ?country) }
          UNION { ?place cmo:locatedIn+ ?country . ?country a cmo:Country }
        }""")
    cities: dict[str, set] = defaultdict(set)
    countries: dict[str, set] = defaultdict(set)
    for area, city, country in r:
        if city is not None:
            cities[str(area)].add(city)
        countries[str(area)].add(country)
    assert len(countries) >= 15, "most policy areas have a practice"
    single = {a.removeprefix(PA) for a, cs in countries.items() if len(cs) == 1}
    assert {"procurement", "libraries"} <= single
    assert len(countries[PA + "employment-and-credentials"]) >= 4
    assert len(cities[PA + "public-space"]) >= 5


def test_b_recommendations_with_and_without_examples(dataset: Dataset) -> None:
    r = rows(dataset, """
        SELECT ?n (COUNT(DISTINCT ?p) AS ?examples) WHERE {
          ?r a cmo:Recommendation ; cmo:audience aud:local-governments ; cmo:recommendationNumber ?n .
          OPTIONAL { ?p cmo:exemplifies ?r }
        } GROUP BY ?n""")
    counts = {int(n): int(c) for n, c in r}
    assert sorted(counts) == list(range(1, 15))
    without = {n for n, c in counts.items() if c == 0}
    assert without == {1, 4, 14}
    assert max(counts, key=counts.get) == 13
    # exemplifies is curation: it lives only in its own named graph
    graphs = rows(dataset, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?p cmo:exemplifies ?r } }")
    assert [str(g[0]) for g in graphs] == [GRAPH_BASE + "curation/exemplifies"]


def test_c_organisations_in_practices_in_several_places(dataset: Dataset) -> None:
    r = rows(dataset, """
        SELECT ?org (COUNT(DISTINCT ?place) AS ?places) WHERE {
          ?p a cmo:Practice ; (cmo:ledBy|cmo:partner|cmo:communityPartner|cmo:fundedBy) ?org ;
             cmo:implementedIn ?place .
          ?org a cmo:Organisation .
        } GROUP BY ?org HAVING (COUNT(DISTINCT ?place) > 1)""")
    brokers = set().union(*(names(dataset, row[0]) for row in r))
    for expected in ["Maytree Foundation", "OMEGA", "Town of Richmond Hill"]:
        assert any(matches({b}, expected) for b in brokers), expected


def test_d_chains_of_inspiration_across_borders(dataset: Dataset) -> None:
    r = rows(dataset, f"""
        SELECT ?p ?model ?from ?to WHERE {{
          ?p ({INSPIRATION}) ?model .
          ?p cmo:implementedIn ?pp . ?model cmo:implementedIn ?mp .
          {{ ?pp a cmo:Country . BIND(?pp AS ?from) }} UNION {{ ?pp cmo:locatedIn+ ?from . ?from a cmo:Country }}
          {{ ?mp a cmo:Country . BIND(?mp AS ?to) }} UNION {{ ?mp cmo:locatedIn+ ?to . ?to a cmo:Country }}
        }}""")
    edges = {(str(p).rsplit("/", 1)[1], str(m).rsplit("/", 1)[1]): (str(f), str(t)) for p, m, f, t in r}
    assert edges[("omega-mentoring-programme", "triec-mentoring-partnership")] == (
        "https://w3id.org/cmkg/id/country/new-zealand", "https://w3id.org/cmkg/id/country/canada")
    assert ("copenhagen-diversity-charter", "charte-de-la-diversite") in edges
    assert ("german-diversity-charter", "charte-de-la-diversite") in edges
    assert ("spanish-diversity-charter", "charte-de-la-diversite") in edges
    cross_border = {e for e, (f, t) in edges.items() if f != t}
    assert len(cross_border) >= 4
    # a two-step chain: Copenhagen learned from the charter that Germany and Spain copied
    chain = dataset.query(PREFIXES + f"""
        ASK {{ ?cph rdfs:label "Copenhagen Diversity Charter"@en ; ({INSPIRATION}) ?charte .
               ?copy cmo:replicates ?charte ; cmo:implementedIn country:germany . }}""")
    assert chain.askAnswer


def test_e_practices_per_decade_and_ended_practices(dataset: Dataset) -> None:
    r = rows(dataset, """
        SELECT ?decade (COUNT(DISTINCT ?p) AS ?n) WHERE {
          ?p a cmo:Practice ; cmo:startYear ?y .
          BIND(FLOOR(xsd:integer(STR(?y)) / 10) * 10 AS ?decade)
        } GROUP BY ?decade""")
    per_decade = {int(d): int(n) for d, n in r}
    assert per_decade.get(1990, 0) >= 1
    assert per_decade.get(2000, 0) >= 4
    assert per_decade.get(2010, 0) >= 2
    ended = rows(dataset, "SELECT ?p WHERE { ?p a cmo:Practice ; cmo:status status:ended }")
    assert any(matches(names(dataset, p), "Marae Welcome Programme") for (p,) in ended)


def test_f_toronto_profile(dataset: Dataset) -> None:
    gateway = rows(dataset, "SELECT ?g WHERE { city:toronto cmo:gatewayType ?g }")
    assert [str(g[0]) for g in gateway] == ["https://w3id.org/cmkg/id/gateway-type/established-gateway"]
    country = rows(dataset, "SELECT ?c WHERE { city:toronto cmo:locatedIn+ ?c . ?c a cmo:Country }")
    assert_answers(dataset, single_column(country), ["Canada"])
    practices = single_column(rows(dataset, "SELECT DISTINCT ?p WHERE { ?p cmo:implementedIn city:toronto }"))
    labels = set().union(*(names(dataset, p) for p in practices))
    for expected in ["Profession to Profession", "Mentoring Partnership", "Community and Faith Walks", "DiverseCity onBoard"]:
        assert any(matches({lab}, expected) for lab in labels), expected
    orgs = single_column(rows(dataset, """
        SELECT DISTINCT ?o WHERE { ?p cmo:implementedIn city:toronto ; (cmo:ledBy|cmo:partner) ?o . }"""))
    org_labels = set().union(*(names(dataset, o) for o in orgs))
    assert any(matches({o}, "City of Toronto") for o in org_labels)
    assert any(matches({o}, "TRIEC") for o in org_labels)
    figures = rows(dataset, "SELECT ?s WHERE { ?s a cmo:Statistic ; cmo:about city:toronto }")
    assert len(figures) >= 3
