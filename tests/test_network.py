"""cmkg.network: the SPARQL projections, node attributes, ego networks and exports."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import networkx as nx
import pytest

from cmkg import KnowledgeGraph
from cmkg.catalogue import Catalogue
from cmkg.errors import CmkgError, DataFileError, ResourceNotFound, UnsupportedFormat
from cmkg.network import NETWORKS, ego, project, read_network, write_network

from conftest import FIXTURES

NET = FIXTURES / "network"
ID = "https://w3id.org/cmkg/id/"


@lru_cache(maxsize=None)
def fixture_kg(*names: str) -> KnowledgeGraph:
    return KnowledgeGraph.load(files=[NET / f"{n}.ttl" for n in names])


def short(g: nx.Graph) -> set[tuple[str, str]]:
    return {(u.rsplit("/", 1)[1], v.rsplit("/", 1)[1]) for u, v in g.edges()}


# --- the catalogue ---------------------------------------------------------


def test_every_network_has_its_query_in_the_catalogue() -> None:
    cat = Catalogue.load()
    for spec in NETWORKS.values():
        q = cat[spec.query]
        assert q.group == "network" and "network" in q.tags and q.kind == "select"
        assert q.expect, f"{spec.query} has no expectation"
    assert set(NETWORKS) == {"actors", "organisations", "cities", "diffusion", "policy"}
    assert NETWORKS["diffusion"].directed and not NETWORKS["actors"].directed


# --- projections on fixtures --------------------------------------------------


def test_actor_network_of_a_star() -> None:
    g = project(fixture_kg("star"), "actors")
    hub = ID + "practice/star-hub"
    assert not g.is_directed()
    assert g.number_of_nodes() == 5 and g.degree(hub) == 4
    rels = {g.edges[hub, ID + f"organisation/{o}"]["relation"] for o in ("star-lead", "star-partner-a", "star-partner-b", "star-funder")}
    assert rels == {"ledBy", "partner", "communityPartner", "fundedBy"}
    assert all(d["weight"] == 1.0 for *_, d in g.edges(data=True))
    a = g.nodes[hub]
    assert a == {
        "iri": hub,
        "label": "Star hub",
        "type": "Practice",
        "country": "",
        "city": "",
        "description": "A practice at the centre of a star.",
        "source": "Star report",
    }
    assert g.graph == {
        "name": "actors",
        "title": NETWORKS["actors"].title,
        "description": NETWORKS["actors"].description,
        "directed": False,
    }


def test_organisation_projection_is_weighted_by_shared_practices() -> None:
    g = project(fixture_kg("communities"), "organisations")
    assert g.number_of_nodes() == 10 and g.number_of_edges() == 15
    xy = g.edges[ID + "organisation/x", ID + "organisation/y"]
    assert xy["weight"] == 2.0 and xy["via"] == "PXY1; PXY2" and xy["relation"] == "sharesPractice"
    assert g.edges[ID + "organisation/a1", ID + "organisation/a2"]["weight"] == 1.0
    assert g.nodes[ID + "organisation/b3"]["country"] == "Germany"
    assert g.nodes[ID + "organisation/x"]["city"] == "Toronto"


def test_path_projects_to_a_path() -> None:
    g = project(fixture_kg("path"), "organisations")
    assert short(g) == {("path-o1", "path-o2"), ("path-o2", "path-o3"), ("path-o3", "path-o4")}
    assert nx.is_isomorphic(project(fixture_kg("path"), "actors"), nx.path_graph(7))


def test_diffusion_points_from_model_to_adopter() -> None:
    g = project(fixture_kg("diffusion"), "diffusion")
    assert g.is_directed() and g.graph["directed"] is True
    assert short(g) == {
        ("auckland-programme", "toronto-programme"),
        ("toronto-programme", "vancouver-programme"),
        ("toronto-programme", "calgary-programme"),
        ("auckland-programme", "melbourne-programme"),
    }
    e = g.edges[ID + "practice/auckland-programme", ID + "practice/toronto-programme"]
    assert e["relation"] == "adaptedFrom"
    assert g.nodes[ID + "practice/auckland-programme"]["country"] == "New Zealand"


def test_city_network_merges_inspiration_and_shared_organisations() -> None:
    g = project(fixture_kg("diffusion"), "cities")
    assert short(g) == {("auckland", "toronto"), ("auckland", "melbourne"), ("calgary", "toronto"), ("toronto", "vancouver")}
    tv = g.edges[ID + "city/toronto", ID + "city/vancouver"]
    assert tv["relation"] == "inspiredBy, sharesOrganisation" and tv["weight"] == 2.0
    assert "Toronto council" in tv["via"]
    assert g.nodes[ID + "city/melbourne"]["country"] == "Australia"


def test_policy_network_is_bipartite_and_weighted() -> None:
    g = project(fixture_kg("coverage"), "policy")
    assert {d["type"] for _, d in g.nodes(data=True)} == {"PolicyArea", "Recommendation"}
    assert nx.is_bipartite(g)
    areas = {v for v, d in g.nodes(data=True) if d["bipartite"] == 0}
    assert {g.nodes[v]["type"] for v in areas} == {"PolicyArea"}
    assert nx.bipartite.is_bipartite_node_set(g, areas)
    assert g.edges[ID + "policy-area/area-1", ID + "recommendation/r1"]["weight"] == 2.0
    assert g.number_of_edges() == 4


def test_an_empty_match_gives_an_empty_graph_not_a_phantom_edge() -> None:
    # aggregates over no rows must give no rows (rdflib would otherwise return one unbound group)
    kg = fixture_kg("star")
    for name in ("cities", "diffusion", "policy"):
        g = project(kg, name)
        assert g.number_of_nodes() == 0, name


def test_a_general_relation_gives_way_to_its_sub_property(tmp_path: Path) -> None:
    # after OWL-RL reasoning, replicates also entails inspiredBy: the edge says replicates once
    ttl = tmp_path / "both.ttl"
    ttl.write_text(
        "@prefix cmo: <https://w3id.org/cmkg/ontology#> .\n"
        "<https://w3id.org/cmkg/id/practice/a> a cmo:Practice ; cmo:replicates <https://w3id.org/cmkg/id/practice/b> ;"
        " cmo:inspiredBy <https://w3id.org/cmkg/id/practice/b> .\n"
        "<https://w3id.org/cmkg/id/practice/b> a cmo:Practice .\n"
    )
    g = project(KnowledgeGraph.load(files=[ttl]), "diffusion")
    (edge,) = g.edges(data=True)
    assert edge[2]["relation"] == "replicates" and edge[2]["weight"] == 1.0


def test_unknown_network_is_named() -> None:
    with pytest.raises(CmkgError, match="no network called 'actor'; choose one of: actors"):
        project(fixture_kg("star"), "actor")


# --- ego networks ---------------------------------------------------------------


def test_ego_network_by_depth() -> None:
    kg = fixture_kg("path")
    o1 = ID + "organisation/path-o1"
    one = ego(kg, o1, 1)
    assert set(one) == {o1, ID + "practice/path-p1"}
    three = ego(kg, o1, 3)
    assert three.number_of_nodes() == 4
    assert three.nodes[o1]["focus"] is True and three.nodes[ID + "practice/path-p2"]["distance"] == 3
    assert three.graph["focus"] == o1 and three.graph["title"] == "Around Path O1"
    assert three.nodes[ID + "organisation/path-o2"]["label"] == "Path O2"


def test_ego_of_an_unknown_resource_is_a_clear_error() -> None:
    with pytest.raises(ResourceNotFound, match="no ties in the actor network"):
        ego(fixture_kg("path"), ID + "organisation/nobody", 1)
    with pytest.raises(CmkgError, match="depth must be 1 or more"):
        ego(fixture_kg("path"), ID + "organisation/path-o1", 0)


# --- exports --------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".graphml", ".gexf", ".json"])
def test_exports_read_back_with_their_attributes(tmp_path: Path, suffix: str) -> None:
    g = project(fixture_kg("communities"), "organisations")
    out = write_network(g, tmp_path / f"orgs{suffix}")
    back = read_network(out)
    assert set(back.nodes) == set(g.nodes)
    assert back.number_of_edges() == g.number_of_edges()
    x, y = ID + "organisation/x", ID + "organisation/y"
    for key in ("iri", "label", "type", "country", "city"):
        assert back.nodes[x][key] == g.nodes[x][key], key
    assert float(back.edges[x, y]["weight"]) == 2.0
    assert back.edges[x, y]["relation"] == "sharesPractice"
    assert back.edges[x, y]["via"] == "PXY1; PXY2"


def test_directed_export_stays_directed(tmp_path: Path) -> None:
    g = project(fixture_kg("diffusion"), "diffusion")
    for suffix in (".graphml", ".gexf"):
        back = read_network(write_network(g, tmp_path / f"d{suffix}"))
        assert back.is_directed()
        assert back.has_edge(ID + "practice/auckland-programme", ID + "practice/toronto-programme")
        assert not back.has_edge(ID + "practice/toronto-programme", ID + "practice/auckland-programme")


def test_bad_export_targets_write_nothing(tmp_path: Path) -> None:
    g = project(fixture_kg("star"), "actors")
    with pytest.raises(UnsupportedFormat, match="use .graphml, .gexf or .json"):
        write_network(g, tmp_path / "g.txt")
    with pytest.raises(DataFileError, match="does not exist"):
        write_network(g, tmp_path / "missing" / "g.gexf")
    assert list(tmp_path.iterdir()) == []


# --- the real graph -----------------------------------------------------------


def test_every_practice_is_in_the_actor_network(kg: KnowledgeGraph) -> None:
    practices = {
        str(r[0])
        for r in kg.select(
            "PREFIX cmo: <https://w3id.org/cmkg/ontology#> SELECT DISTINCT ?p WHERE { ?p a cmo:Practice }"
        ).rows
    }
    g = project(kg, "actors")
    missing = sorted(practices - set(g))
    assert not missing, f"{len(missing)} practices have no tie in the actor network, e.g. {missing[:5]}"
    assert all(d["label"] and d["type"] for _, d in g.nodes(data=True))


def test_diffusion_has_the_chains_the_sources_state(kg: KnowledgeGraph) -> None:
    stated = kg.select(
        "PREFIX cmo: <https://w3id.org/cmkg/ontology#> SELECT ?a ?b WHERE { "
        "VALUES ?r { cmo:inspiredBy cmo:replicates cmo:adaptedFrom } ?a ?r ?b . ?a a cmo:Practice . ?b a cmo:Practice }"
    ).rows
    assert stated, "the curated graph states no inspiration links"
    g = project(kg, "diffusion")
    assert {(str(m), str(a)) for a, m in stated} == set(g.edges())
    p = ID + "practice/"
    # Auckland's OMEGA built on Toronto's TRIEC mentoring partnership
    assert g.edges[p + "triec-mentoring-partnership", p + "omega-mentoring-programme"]["relation"] == "adaptedFrom"
    # Copenhagen's charter drew on London's Olympic diversity agenda and on the Charte de la diversité
    assert g.edges[p + "london-2012-olympics-diversity-agenda", p + "copenhagen-diversity-charter"]["relation"] == "inspiredBy"
    assert g.edges[p + "charte-de-la-diversite", p + "copenhagen-diversity-charter"]["relation"] == "inspiredBy"
    assert g.nodes[p + "omega-mentoring-programme"]["country"] == "New Zealand"
    assert g.nodes[p + "triec-mentoring-partnership"]["country"] == "Canada"


def test_the_readme_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import ROOT

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("<!-- section: api-network -->", 1)[1].split("<!-- /section: api-network -->", 1)[0]
    code = section.split("```python", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "build").mkdir()
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md (api-network)", "exec"), namespace)
    assert (tmp_path / "build" / "organisations.gexf").is_file()
    assert namespace["result"].main.columns[0] == "rank"  # type: ignore[attr-defined]


@pytest.mark.parametrize("engine", ["memory", "oxigraph"])
def test_actor_ties_to_a_resource_of_another_class_or_none_are_left_out(tmp_path: Path, engine: str) -> None:
    # network-actors leaves the ends' classes to network-nodes: a tie to a recommendation, to a
    # source or to an untyped IRI is not an actor tie, whichever engine answers
    extra = tmp_path / "extra.ttl"
    extra.write_text(
        "@prefix cmo: <https://w3id.org/cmkg/ontology#> .\n"
        "@prefix practice: <https://w3id.org/cmkg/id/practice/> .\n"
        "practice:star-hub cmo:partOf <https://w3id.org/cmkg/id/recommendation/r1> ;\n"
        "    cmo:fundedBy <https://w3id.org/cmkg/id/source/star-report> , <https://example.org/untyped> ;\n"
        "    cmo:inspiredBy practice:other .\n"
        "<https://w3id.org/cmkg/id/recommendation/r1> a cmo:Recommendation .\n"
        "practice:other a cmo:Practice .\n",
        encoding="utf-8",
    )
    kg = KnowledgeGraph.load(engine, files=[NET / "star.ttl", extra])
    rows = kg.query("network-actors").rows
    assert len(rows) == 8  # the query itself gives every stated tie
    g = project(kg, "actors")
    hub = ID + "practice/star-hub"
    assert g.number_of_nodes() == 6 and g.degree(hub) == 5
    assert g.edges[hub, ID + "practice/other"]["relation"] == "inspiredBy"
    assert ID + "recommendation/r1" not in g and "https://example.org/untyped" not in g


def test_rows_in_both_directions_merge_in_an_undirected_network() -> None:
    from rdflib import Literal, URIRef

    from cmkg.network import graph_from_edges
    from cmkg.results import ResultTable

    a, b = URIRef(ID + "organisation/a"), URIRef(ID + "organisation/b")
    cmo = "https://w3id.org/cmkg/ontology#"
    rows = [
        (a, b, URIRef(cmo + "partnerOf"), None),
        (b, a, URIRef(cmo + "memberOf"), Literal(2)),
        (a, b, URIRef(cmo + "partnerOf"), None),  # stated twice: counts once
        (a, a, URIRef(cmo + "partnerOf"), None),  # a loop: dropped
    ]
    table = ResultTable.from_rows(("source", "target", "relation", "weight"), rows)
    g = graph_from_edges(table, NETWORKS["actors"])
    assert list(g.edges(data=True)) == [(str(a), str(b), {"relation": "memberOf, partnerOf", "weight": 3.0, "via": ""})]
    d = graph_from_edges(table, NETWORKS["diffusion"])
    assert d.number_of_edges() == 2 and d.edges[str(b), str(a)]["weight"] == 2.0
    assert g.nodes[str(a)]["label"] == "a"  # no label known: the IRI's last segment
