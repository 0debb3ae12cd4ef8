"""The ``analyze`` and ``network`` verbs, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
from rdflib import Dataset


def test_analyze_actors_prints_a_ranked_table(run_cmkg) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cmkg("analyze", "actors", "--top", "10")
    assert code == 0, err
    assert "Actor network: nodes ranked by betweenness" in out
    for col in ("rank", "label", "type", "country", "degree", "betweenness", "pagerank", "eigenvector", "community"):
        assert col in out
    assert "https://" not in out  # the human table leaves the IRIs to csv/json


def test_analyze_csv_and_json_have_every_column(run_cmkg) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cmkg("analyze", "coverage", "--format", "csv")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0] == "audience,number,recommendation,practices,cities,countries,iri"
    assert len(lines) == 25
    code, out, _ = run_cmkg("analyze", "coverage", "--format", "json")
    doc = json.loads(out)
    assert doc["head"]["vars"][-1] == "iri" and len(doc["results"]["bindings"]) == 24
    assert doc["results"]["bindings"][0]["iri"]["type"] == "uri"
    assert doc["results"]["bindings"][0]["practices"]["datatype"].endswith("#integer")
    code, out, _ = run_cmkg("analyze", "actors", "--format", "json", "--top", "3")
    assert code == 0
    assert json.loads(out)["head"]["vars"] == [
        "rank", "label", "type", "country", "degree", "degree_centrality", "betweenness", "pagerank", "eigenvector", "community", "iri",
    ]


def test_analyze_show_picks_a_table(run_cmkg) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cmkg("analyze", "coverage", "--show", "uncovered", "-f", "csv")
    assert code == 0 and out.startswith("audience,number")
    code, _, err = run_cmkg("analyze", "coverage", "--show", "nope")
    assert code == 1 and "has the tables coverage, uncovered" in err
    code, _, err = run_cmkg("analyze", "diffusion", "--show", "all", "-f", "csv")
    assert code == 1 and "prints one table" in err


def test_analyze_mistakes_are_one_sentence(run_cmkg) -> None:  # type: ignore[no-untyped-def]
    for args, message in [
        (("analyze", "bogus"), "cannot analyse 'bogus'; choose one of: actors"),
        (("analyze", "actors", "--by", "fame"), "--by 'fame' is not one of"),
        (("analyze", "communities", "--network", "people"), "no network called 'people'"),
        (("analyze", "actors", "--top", "0"), "--top must be 1 or more"),
        (("analyze", "actors", "-f", "xml"), "--format 'xml' is not one of"),
        (("analyze", "coverage", "--as-rdf", "x.ttl"), "write a .trig or .nq file"),
    ]:
        code, out, err = run_cmkg(*args)
        assert code == 1, args
        assert message in err, (args, err)
        assert "Traceback" not in err + out


def test_analyze_as_rdf(run_cmkg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cmkg("analyze", "communities", "--network", "organisations", "--as-rdf", "orgs.trig", "-f", "csv")
    assert code == 0, err
    assert out.startswith("community,size,modularity")
    assert "wrote orgs.trig (graph <https://w3id.org/cmkg/graph/analysis/organisations>)" in err
    ds = Dataset()
    ds.parse(tmp_path / "orgs.trig", format="trig")
    assert {str(c) for *_, c in ds.quads()} == {"https://w3id.org/cmkg/graph/analysis/organisations"}
    code, _, err = run_cmkg("analyze", "actors", "--as-rdf", "out.ttl")
    assert code == 1 and "write a .trig or .nq file" in err
    assert not (tmp_path / "out.ttl").exists()


def test_network_exports_for_gephi(run_cmkg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for name in ("actors.graphml", "actors.gexf", "actors.json"):
        code, out, err = run_cmkg("network", "actors", "-o", name)
        assert code == 0, err
        assert f"wrote {name}: Actor network" in out
    g1 = nx.read_graphml(tmp_path / "actors.graphml")
    g2 = nx.read_gexf(tmp_path / "actors.gexf")
    assert set(g1) == set(g2)
    assert g1.number_of_edges() == g2.number_of_edges()
    for v, d in g1.nodes(data=True):
        assert d["iri"] == v and d["type"]


def test_network_without_output_lists_edges(run_cmkg) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cmkg("network", "policy", "-f", "csv")
    assert code == 0
    assert out.splitlines()[0] == "source,relation,target,weight,via,source_iri,target_iri"


def test_network_mistakes_write_nothing(run_cmkg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cmkg("network", "actors", "-o", "actors.png")
    assert code == 1 and "cannot tell the format from '.png'" in err
    code, _, err = run_cmkg("network", "friends", "-o", "x.gexf")
    assert code == 1 and "no network called 'friends'" in err
    code, _, err = run_cmkg("network", "actors", "-o", "x.gexf", "--to", "pajek")
    assert code == 1 and "'pajek' is not one of: graphml, gexf, json" in err
    assert list(tmp_path.iterdir()) == []
