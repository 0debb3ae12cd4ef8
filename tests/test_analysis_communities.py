"""cmkg.analysis.communities, brokers and components against hand-computed values."""

from __future__ import annotations

from functools import lru_cache

import networkx as nx
import pytest

from cmkg import KnowledgeGraph
from cmkg.analysis import brokerage, brokers_table, centrality, communities_table, components, components_table, detect_communities
from cmkg.errors import CmkgError
from cmkg.network import project

from conftest import FIXTURES

ID = "https://w3id.org/cmkg/id/"


@lru_cache(maxsize=None)
def net(name: str, *fixtures: str) -> nx.Graph:
    return project(KnowledgeGraph.load(files=[FIXTURES / "network" / f"{f}.ttl" for f in fixtures]), name)


def names(nodes) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(v.rsplit("/", 1)[1] for v in nodes)


def test_two_communities_joined_by_a_broker() -> None:
    g = net("organisations", "communities")
    p = detect_communities(g, seed=42)
    assert [names(c) for c in p.communities] == [["a1", "a2", "a3", "a4"], ["b1", "b2", "b3", "b4"], ["x", "y"]]
    # 2 * (6/16 - (13/32)^2) + (2/16 - (6/32)^2) = 261/512
    assert p.modularity == pytest.approx(261 / 512)
    assert p.membership[ID + "organisation/a3"] == 1 and p.membership[ID + "organisation/y"] == 3


def test_the_partition_repeats_with_the_seed() -> None:
    g = nx.connected_watts_strogatz_graph(80, 4, 0.3, seed=3)
    assert detect_communities(g, seed=5) == detect_communities(g, seed=5)


def test_community_table_sums_to_the_modularity() -> None:
    g = net("organisations", "communities")
    p = detect_communities(g)
    t = communities_table(g, p)
    assert t.column("size") == [4, 4, 2]
    assert sum(t.column("modularity")) == pytest.approx(p.modularity)
    assert t.column("countries") == ["Canada 4", "Germany 4", "Canada 2"]
    assert "modularity 0.5098" in t.title


def test_brokers_span_communities_and_countries() -> None:
    g = net("organisations", "communities")
    p = detect_communities(g)
    spans = brokerage(g, p)
    x = spans[ID + "organisation/x"]
    assert x.communities == frozenset({1, 2, 3}) and x.countries == frozenset({"Canada", "Germany"}) and x.is_broker
    assert spans[ID + "organisation/a1"].communities == frozenset({1, 3}) and spans[ID + "organisation/a1"].is_broker
    assert not spans[ID + "organisation/a2"].is_broker and not spans[ID + "organisation/y"].is_broker
    t = brokers_table(g, p, centrality(g)["betweenness"])
    # b1's neighbours are German and Canadian (x), a1's all Canadian: b1 ranks above a1
    assert [r["label"] for r in t.records()] == ["X", "B1", "A1"]
    first = t.records()[0]
    assert first["communities"] == 3 and first["countries"] == 2
    assert first["neighbour_countries"] == "Canada; Germany"
    assert first["betweenness"] == pytest.approx(24 / 36)
    # Burt's constraint of x: ties 1, 1, 2 (proportions 1/4, 1/4, 1/2), no indirect paths among them
    assert first["constraint"] == pytest.approx(0.25**2 + 0.25**2 + 0.5**2)
    strict = brokerage(g, p, min_communities=3, min_countries=3)
    assert [v for v, b in strict.items() if b.is_broker] == [ID + "organisation/x"]


def test_components() -> None:
    g = net("actors", "star", "path")
    parts = components(g)
    assert [len(c) for c in parts] == [7, 5]
    t = components_table(g)
    assert t.column("size") == [7, 5] and t.column("diameter") == [6, 2]
    assert t.column("share") == pytest.approx([7 / 12, 5 / 12])
    assert t.records()[1]["hubs"].startswith("Star hub")
    assert t.column("types")[1] == "Organisation 4, Practice 1"


def test_bad_resolution() -> None:
    with pytest.raises(CmkgError, match="resolution must be above 0"):
        detect_communities(nx.path_graph(3), resolution=0)
