from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from cmkg.errors import DataFileError
from cmkg.loading import GRAPH_BASE, default_files, graph_iri, load_dataset, parse_file
from cmkg.paths import data_root

from conftest import FIXTURES


def test_malformed_turtle_names_file_and_line() -> None:
    path = FIXTURES / "loading" / "malformed.ttl"
    with pytest.raises(DataFileError) as info:
        parse_file(path, Graph())
    message = str(info.value)
    assert message.startswith(f"{path}:8:"), message
    assert "\n" not in message


def test_unknown_suffix_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "data.csv"
    bad.write_text("a,b\n")
    with pytest.raises(DataFileError, match="unknown RDF file type"):
        parse_file(bad, Graph())


def test_every_file_gets_its_own_named_graph() -> None:
    files = default_files()
    ds = load_dataset(files)
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    assert GRAPH_BASE + "ontology/cmo" in names
    for f in files:
        assert str(graph_iri(f)) in names


def test_graph_iri_drops_the_graph_folder() -> None:
    root = data_root()
    assert graph_iri(root / "graph" / "curation" / "exemplifies.ttl") == URIRef(GRAPH_BASE + "curation/exemplifies")
    assert graph_iri(root / "ontology" / "shapes.ttl") == URIRef(GRAPH_BASE + "ontology/shapes")


def test_default_graph_is_the_union() -> None:
    ds = load_dataset(default_files())
    res = ds.query("ASK { <https://w3id.org/cmkg/ontology#Practice> ?p ?o }")
    assert res.askAnswer


def test_trig_keeps_its_graphs_and_puts_default_triples_in_the_file_graph() -> None:
    path = FIXTURES / "loading" / "places.trig"
    ds = load_dataset([path])
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    assert "https://example.org/graph/a" in names
    assert str(graph_iri(path)) in names
