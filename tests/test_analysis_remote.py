"""The same analyses against a real remote SPARQL store give the same numbers as the embedded graph."""

from __future__ import annotations

import math

import networkx as nx
import pytest

from cmkg import KnowledgeGraph
from cmkg.analysis import ANALYSES, AnalysisOptions, analyze
from cmkg.analysis.table import Table
from cmkg.network import NETWORKS, project

pytestmark = pytest.mark.server


def same_graph(a: nx.Graph, b: nx.Graph) -> None:
    assert a.is_directed() == b.is_directed()
    assert dict(a.nodes(data=True)) == dict(b.nodes(data=True))
    assert {(u, v): d for u, v, d in a.edges(data=True)} == {(u, v): d for u, v, d in b.edges(data=True)}
    assert a.graph == b.graph


def same_table(a: Table, b: Table) -> None:
    assert a.title == b.title and a.columns == b.columns and len(a) == len(b)
    for ra, rb in zip(a.rows, b.rows):
        for x, y in zip(ra, rb):
            if isinstance(x, float) and isinstance(y, float):
                assert math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12), (ra, rb)
            else:
                assert x == y, (ra, rb)


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_projections_are_identical(name: str, kg: KnowledgeGraph, remote_kg: KnowledgeGraph) -> None:
    local = project(kg, name)
    assert local.number_of_nodes() > 0
    same_graph(local, project(remote_kg, name))


@pytest.mark.parametrize("kind", sorted(ANALYSES))
def test_analyses_give_the_same_numbers(kind: str, kg: KnowledgeGraph, remote_kg: KnowledgeGraph) -> None:
    options = AnalysisOptions()
    local, remote = analyze(kg, kind, options), analyze(remote_kg, kind, options)
    assert local.tables.keys() == remote.tables.keys()
    for name in local.tables:
        same_table(local.tables[name], remote.tables[name])
    assert local.node_measures.keys() == remote.node_measures.keys()


def test_the_cli_reads_a_remote_endpoint(run_cmkg, oxigraph_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cmkg("analyze", "coverage", "-f", "csv")
    assert code == 0, err
    code, remote_out, err = run_cmkg("analyze", "coverage", "-f", "csv", "--endpoint", oxigraph_server.query_url)
    assert code == 0, err
    assert remote_out == out
    code, out, err = run_cmkg("network", "diffusion", "-o", "d.graphml", "--endpoint", oxigraph_server.query_url)
    assert code == 0, err
    back = nx.read_graphml(tmp_path / "d.graphml")
    assert back.has_edge(
        "https://w3id.org/cmkg/id/practice/triec-mentoring-partnership",
        "https://w3id.org/cmkg/id/practice/omega-mentoring-programme",
    )


def test_an_unreachable_endpoint_is_one_sentence(run_cmkg) -> None:  # type: ignore[no-untyped-def]
    from plugins.remote import free_port

    code, out, err = run_cmkg("analyze", "actors", "--endpoint", f"http://127.0.0.1:{free_port()}/query", "--top", "3")
    assert code == 1
    assert "Traceback" not in out + err and err.count("\n") <= 2
