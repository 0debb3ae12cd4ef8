"""cmkg.analysis.diffusion on a hand-built chain."""

from __future__ import annotations

from functools import lru_cache

import networkx as nx

from cmkg import KnowledgeGraph
from cmkg.analysis import AnalysisOptions, analyze, chains, cross_border_links, sinks, sources
from cmkg.analysis.diffusion import chains_table, country_flows_table, cross_border_table, practices_table
from cmkg.network import project

from conftest import FIXTURES

P = "https://w3id.org/cmkg/id/practice/"


@lru_cache(maxsize=None)
def fixture() -> KnowledgeGraph:
    return KnowledgeGraph.load(files=[FIXTURES / "network" / "diffusion.ttl"])


def g() -> nx.DiGraph:
    return project(fixture(), "diffusion")


def slugs(nodes) -> list[str]:  # type: ignore[no-untyped-def]
    return [v.rsplit("/", 1)[1].removesuffix("-programme") for v in nodes]


def test_sources_and_sinks() -> None:
    assert slugs(sources(g())) == ["auckland"]
    assert slugs(sinks(g())) == ["calgary", "melbourne", "vancouver"]


def test_longest_chains() -> None:
    found = [slugs(c) for c in chains(g())]
    assert found == [["auckland", "toronto", "calgary"], ["auckland", "toronto", "vancouver"], ["auckland", "melbourne"]]
    t = chains_table(g())
    first = t.records()[0]
    assert first["links"] == 2
    assert first["chain"] == "Auckland programme → Toronto programme → Calgary programme"
    assert first["countries"] == "New Zealand → Canada" and first["border_crossings"] == 1
    assert chains_table(g(), top=1).column("links") == [2]


def test_a_cycle_still_gives_its_chain() -> None:
    cyc = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a")])
    assert chains(cyc) == [("a", "b", "c")]


def test_cross_border_links_and_flows() -> None:
    links = [(slugs([u])[0], slugs([v])[0]) for u, v in cross_border_links(g())]
    assert links == [("auckland", "melbourne"), ("auckland", "toronto")]
    t = cross_border_table(g())
    assert t.records()[1]["relation"] == "adaptedFrom" and t.records()[1]["to_country"] == "Canada"
    assert country_flows_table(g()).rows == (("New Zealand", "Australia", 1), ("New Zealand", "Canada", 1))


def test_practice_roles_and_reach() -> None:
    rows = {r["label"]: r for r in practices_table(g()).records()}
    assert rows["Auckland programme"]["role"] == "source" and rows["Auckland programme"]["reach"] == 4
    assert rows["Toronto programme"]["role"] == "relay" and rows["Toronto programme"]["inspired"] == 2
    assert rows["Calgary programme"]["role"] == "sink" and rows["Calgary programme"]["drew_on"] == 1
    assert rows["Toronto programme"]["city"] == "Toronto"


def test_analyze_diffusion_tables() -> None:
    a = analyze(fixture(), "diffusion", AnalysisOptions())
    assert a.shown == ("sources", "sinks", "chains", "cross-border")
    assert a.tables["sources"].column("label") == ["Auckland programme"]
    assert a.tables["sinks"].column("rank") == [1, 2, 3]
    assert a.node_measures[P + "auckland-programme"]["degree"] == 2
