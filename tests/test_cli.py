from __future__ import annotations

import shutil
from pathlib import Path

from rdflib import RDF, Dataset, URIRef

from cmkg.cli.app import app
from cmkg.paths import graph_dir

from conftest import FIXTURES


def test_help_lists_every_verb_with_an_example(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("--help")
    assert code == 0
    names = [c.name for c in app.registered_commands]
    assert names, "no verbs registered"
    for name in names:
        assert name in out
    assert out.count("e.g.") >= len(names)


def test_validate_passes_on_the_curated_graph(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("validate")
    assert code == 0, out + err
    assert "0 violation(s)" in out


def test_validate_fails_on_a_broken_copy(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    copy = tmp_path / "graph"
    shutil.copytree(graph_dir(), copy)
    # a practice with no place, no source and two labels
    (copy / "broken.ttl").write_text(
        "@prefix cmo: <https://w3id.org/cmkg/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<https://w3id.org/cmkg/id/practice/broken-example> a cmo:Practice ;\n"
        '    rdfs:label "Broken"@en, "Kaputt"@en .\n'
    )
    code, out, _ = cli("validate", "--data", str(copy))
    assert code == 1
    assert "broken-example" in out
    assert "violation(s)" in out and "0 violation(s)" not in out


def test_malformed_file_is_one_sentence_without_traceback(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    copy = tmp_path / "graph"
    copy.mkdir()
    shutil.copy(FIXTURES / "loading" / "malformed.ttl", copy / "malformed.ttl")
    code, out, err = cli("validate", "--data", str(copy))
    assert code == 1
    assert "malformed.ttl:8:" in err
    assert "Traceback" not in err + out


def test_build_writes_every_dump_with_reasoning(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("build", "--reason", "-o", str(tmp_path / "out"))
    assert code == 0, out + err
    for suffix in (".ttl", ".nt", ".jsonld", ".trig", ".nq"):
        assert (tmp_path / "out" / f"cmkg{suffix}").stat().st_size > 1000
    assert "inferred triples" in out
    ds = Dataset()
    ds.parse(tmp_path / "out" / "cmkg.trig", format="trig")
    names = {str(g.identifier) for g in ds.graphs()}
    assert "https://w3id.org/cmkg/graph/inferred" in names
    assert "https://w3id.org/cmkg/graph/curation/exemplifies" in names
    # the inferred graph holds entailments, e.g. a city is also a place
    assert (
        URIRef("https://w3id.org/cmkg/id/city/toronto"),
        RDF.type,
        URIRef("https://w3id.org/cmkg/ontology#Place"),
    ) in ds.graph(URIRef("https://w3id.org/cmkg/graph/inferred"))


def test_stats_counts_classes(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("stats")
    assert code == 0, out + err
    assert "cmo:Practice" in out and "triples" in out


def test_unknown_engine_is_one_sentence(cli) -> None:  # type: ignore[no-untyped-def]
    code, _out, err = cli("stats", "--engine", "sqlite")
    assert code == 1
    assert "unknown engine 'sqlite'" in err
