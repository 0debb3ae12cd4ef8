"""cmkg.analysis.centrality against hand-computed values on fixture graphs."""

from __future__ import annotations

from functools import lru_cache
from math import sqrt

import networkx as nx
import pytest

from cmkg import KnowledgeGraph
from cmkg.analysis import CentralityOptions, centrality, centrality_table
from cmkg.errors import CmkgError
from cmkg.network import project

from conftest import FIXTURES

ID = "https://w3id.org/cmkg/id/"


@lru_cache(maxsize=None)
def net(fixture: str, name: str) -> nx.Graph:
    return project(KnowledgeGraph.load(files=[FIXTURES / "network" / f"{fixture}.ttl"]), name)


def test_star() -> None:
    g = net("star", "actors")
    c = centrality(g)
    hub = ID + "practice/star-hub"
    leaves = [v for v in g if v != hub]
    assert c["degree"][hub] == 4 and all(c["degree"][v] == 1 for v in leaves)
    assert c["degree_centrality"][hub] == 1.0 and all(c["degree_centrality"][v] == 0.25 for v in leaves)
    assert c["betweenness"][hub] == 1.0 and all(c["betweenness"][v] == 0.0 for v in leaves)
    # PageRank, alpha 0.85, n 5: c = 0.03 + 0.85 * 4l, l = 0.03 + 0.85 * c / 4
    assert c["pagerank"][hub] == pytest.approx(0.132 / 0.2775, abs=1e-5)
    assert c["pagerank"][leaves[0]] == pytest.approx(0.03 + 0.2125 * 0.132 / 0.2775, abs=1e-5)
    # principal eigenvector of K1,4: centre sqrt(4) times each leaf, unit length
    assert c["eigenvector"][hub] == pytest.approx(1 / sqrt(2), abs=1e-5)
    assert c["eigenvector"][leaves[0]] == pytest.approx(1 / sqrt(8), abs=1e-5)


def test_path_of_four_organisations() -> None:
    g = net("path", "organisations")
    c = centrality(g)
    ends = [ID + "organisation/path-o1", ID + "organisation/path-o4"]
    inner = [ID + "organisation/path-o2", ID + "organisation/path-o3"]
    for v in inner:
        assert c["degree"][v] == 2
        assert c["degree_centrality"][v] == pytest.approx(2 / 3)
        assert c["betweenness"][v] == pytest.approx(2 / 3)  # on 2 of the 3 pairs' shortest paths
    for v in ends:
        assert c["degree"][v] == 1 and c["betweenness"][v] == 0.0
    # P4 eigenvector: (phi/2... ) inner/end ratio is the golden ratio
    assert c["eigenvector"][inner[0]] / c["eigenvector"][ends[0]] == pytest.approx((1 + sqrt(5)) / 2, rel=1e-4)
    assert sum(c["pagerank"].values()) == pytest.approx(1.0)
    assert c["pagerank"][inner[0]] > c["pagerank"][ends[0]]


def test_two_communities_betweenness() -> None:
    g = net("communities", "organisations")
    c = centrality(g)
    b = {v.rsplit("/", 1)[1]: x for v, x in c["betweenness"].items()}
    assert b["x"] == pytest.approx(24 / 36)
    assert b["a1"] == pytest.approx(18 / 36) and b["b1"] == pytest.approx(18 / 36)
    assert all(b[v] == 0 for v in ("a2", "a3", "a4", "b2", "b3", "b4", "y"))


def test_sampled_betweenness_repeats_and_is_chosen_by_size() -> None:
    g = nx.connected_watts_strogatz_graph(120, 4, 0.2, seed=1)
    exact = centrality(g)["betweenness"]
    opts = CentralityOptions(exact_max=100, samples=30, seed=7)
    first = centrality(g, opts)["betweenness"]
    assert first == centrality(g, opts)["betweenness"]
    assert first != exact  # sampled above the threshold
    assert centrality(g, CentralityOptions(exact_max=120))["betweenness"] == exact


def test_ranked_table() -> None:
    g = net("communities", "organisations")
    t = centrality_table(g, by="betweenness", top=3)
    assert [r["label"] for r in t.records()] == ["X", "A1", "B1"]
    assert [r["rank"] for r in t.records()] == [1, 2, 3]
    assert t.columns == ("rank", "label", "type", "country", "degree", "degree_centrality", "betweenness", "pagerank", "eigenvector", "iri")
    by_degree = centrality_table(g, by="degree")
    assert by_degree.records()[0]["label"] in ("A1", "B1")  # degree 4, the most
    rt = t.to_result_table()
    assert str(rt.terms[0][-1]) == ID + "organisation/x"


def test_bad_options_are_named() -> None:
    with pytest.raises(CmkgError, match="--by 'closeness' is not one of"):
        centrality_table(net("star", "actors"), by="closeness")
    with pytest.raises(CmkgError, match="damping factor"):
        CentralityOptions(alpha=1.5)


def test_empty_graph() -> None:
    assert centrality(nx.Graph())["degree"] == {}
    assert len(centrality_table(nx.Graph())) == 0
