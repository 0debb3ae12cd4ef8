"""Requirement 4, safe parsing: RDF/XML and TriX with a DTD are refused before any XML parser expands them."""

from __future__ import annotations

import io
import time
import tracemalloc
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef

from cmkg.errors import DataFileError
from cmkg.loading import load_dataset, parse_file
from cmkg.safety import refuse_xml_dtd

from conftest import FIXTURES

HERE = FIXTURES / "security"
SECRET = (HERE / "secret.txt").read_text().split(":")[0]
HOSTILE = ["billion-laughs.rdf", "billion-laughs.trix", "external-entity.rdf"]


def _refusal(path: Path) -> tuple[str, float, int]:
    """The error message, the seconds it took and the peak memory traced while loading ``path``."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(DataFileError) as info:
            load_dataset([path])
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return str(info.value), elapsed, peak


@pytest.mark.parametrize("name", HOSTILE)
def test_xml_with_a_dtd_is_refused_fast_in_bounded_memory(name: str) -> None:
    path = HERE / name
    message, elapsed, peak = _refusal(path)
    # one sentence naming the file and the line of the DOCTYPE, saying why
    assert message.startswith(f"{path}:"), message
    line = int(message[len(str(path)) + 1 :].split(":", 1)[0])
    assert "<!DOCTYPE" in path.read_text().splitlines()[line - 1]
    assert "DOCTYPE" in message and "\n" not in message and message.count(". ") == 0
    # generous guards, not benchmarks: unguarded, rdflib takes minutes on billion-laughs.rdf
    assert elapsed < 1.0
    assert peak < 50 * 1024 * 1024


@pytest.mark.parametrize("name", HOSTILE)
def test_parse_file_refuses_too_and_leaves_the_graph_empty(name: str) -> None:
    g = Graph()
    with pytest.raises(DataFileError, match="DOCTYPE"):
        parse_file(HERE / name, g)
    assert len(g) == 0


def test_external_entity_leaks_nothing_of_the_local_file() -> None:
    path = HERE / "external-entity.rdf"
    message, _elapsed, _peak = _refusal(path)
    assert SECRET not in message
    g = Graph()
    with pytest.raises(DataFileError) as info:
        parse_file(path, g)
    assert SECRET not in str(info.value)
    assert not any(SECRET in str(o) for o in g.objects())


def test_explicit_format_cannot_bypass_the_check(tmp_path: Path) -> None:
    disguised = tmp_path / "data.txt"
    disguised.write_bytes((HERE / "billion-laughs.rdf").read_bytes())
    with pytest.raises(DataFileError, match="DOCTYPE"):
        parse_file(disguised, Graph(), fmt="xml")
    with pytest.raises(DataFileError, match="DOCTYPE"):
        parse_file(disguised, Graph(), fmt="application/rdf+xml")


def test_utf16_xml_with_a_dtd_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "wide.rdf"
    path.write_bytes((HERE / "external-entity.rdf").read_text().replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16"))
    with pytest.raises(DataFileError, match="DOCTYPE"):
        parse_file(path, Graph())


def test_dtd_check_reads_only_the_prolog() -> None:
    class Counting(io.BytesIO):
        read_bytes = 0

        def read(self, size: int | None = -1) -> bytes:
            chunk = super().read(size)
            Counting.read_bytes += len(chunk)
            return chunk

    body = b"<r>" + b"<a>x</a>" * 1_000_000 + b"</r>"  # 8 MB after the root element starts
    stream = Counting(b'<?xml version="1.0"?>\n' + body)
    assert refuse_xml_dtd(stream) is None
    assert Counting.read_bytes <= 64 * 1024
    assert refuse_xml_dtd(io.BytesIO(b'<?xml version="1.0"?>\n<!-- note -->\n<!DOCTYPE r SYSTEM "/etc/passwd">\n<r/>')) == 3


def test_safe_rdf_xml_and_trix_still_load() -> None:
    ds = load_dataset([HERE / "plain.rdf", HERE / "plain.trix"])
    label = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
    assert (URIRef("https://example.org/plain"), label, Literal("Plain & safe", lang="en")) in ds
    # TriX keeps its named graph
    trix_graph = ds.graph(URIRef("https://example.org/graph/trix"))
    assert (URIRef("https://example.org/plain"), label, Literal("Plain", lang="en")) in trix_graph


def test_trix_into_a_plain_graph_keeps_its_triples() -> None:
    g = Graph()
    parse_file(HERE / "plain.trix", g)
    assert len(g) == 1


def test_malformed_xml_is_reported_by_the_parser_with_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.rdf"
    bad.write_text('<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n<oops>\n</rdf:RDF>\n')
    with pytest.raises(DataFileError) as info:
        parse_file(bad, Dataset())
    assert str(bad) in str(info.value) and "\n" not in str(info.value)
