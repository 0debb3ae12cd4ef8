"""Data-quality check queries (``queries/checks/*.rq``) catch what they claim to.

Every check must return no rows on the ontology and concept schemes alone (and
on the small valid world the shape fixtures share), and at least one row on its
own violating fixture ``tests/fixtures/checks/<name>-violating.ttl``. Files are
loaded into named graphs of a union-default ``Dataset``, as the engine does, so
the queries need no GRAPH clauses.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rdflib import Dataset, Graph, URIRef

ROOT = Path(__file__).parents[1]
ONTOLOGY = ROOT / "ontology"
CHECKS = ROOT / "queries" / "checks"
FIXTURES = Path(__file__).parent / "fixtures"

CHECK_FILES = sorted(CHECKS.glob("*.rq"))


def vocabulary_files() -> list[Path]:
    return [ONTOLOGY / "cmo.ttl", *sorted((ONTOLOGY / "schemes").glob("*.ttl"))]


def dataset(*paths: Path) -> Dataset:
    ds = Dataset(default_union=True)
    for path in paths:
        ds.graph(URIRef(f"urn:test:{path.parent.name}/{path.stem}")).parse(path)
    return ds


def header(path: Path) -> dict:
    lines = [line[2:].removeprefix(" ") for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#+")]
    return yaml.safe_load("\n".join(lines)) or {}


def rows(ds: Dataset, path: Path) -> list:
    return list(ds.query(path.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def vocabulary() -> Dataset:
    return dataset(*vocabulary_files())


def test_there_are_checks() -> None:
    assert len(CHECK_FILES) >= 9


@pytest.mark.parametrize("path", CHECK_FILES, ids=lambda p: p.stem)
def test_header_declares_a_check(path: Path) -> None:
    meta = header(path)
    assert meta.get("summary") and meta.get("description")
    assert meta.get("kind") == "check"
    assert meta.get("expect") == {"max_rows": 0}
    assert "checks" in meta.get("tags", [])


@pytest.mark.parametrize("path", CHECK_FILES, ids=lambda p: p.stem)
def test_vocabulary_alone_passes(path: Path, vocabulary: Dataset) -> None:
    assert rows(vocabulary, path) == []


@pytest.mark.parametrize("path", CHECK_FILES, ids=lambda p: p.stem)
def test_valid_shape_world_passes(path: Path) -> None:
    ds = dataset(*vocabulary_files(), FIXTURES / "shapes" / "_base.ttl")
    assert rows(ds, path) == []


@pytest.mark.parametrize("path", CHECK_FILES, ids=lambda p: p.stem)
def test_violating_fixture_is_caught(path: Path) -> None:
    fixture = FIXTURES / "checks" / f"{path.stem}-violating.ttl"
    assert fixture.exists(), f"missing {fixture.relative_to(ROOT)}"
    Graph().parse(fixture)  # a fixture that does not parse would fail for the wrong reason
    assert len(rows(dataset(*vocabulary_files(), fixture), path)) >= 1


@pytest.mark.parametrize("path", CHECK_FILES, ids=lambda p: p.stem)
def test_memory_engine_plan_finds_the_same_rows(path: Path) -> None:
    # the memory engine's planned algebra (filter push-down, distinct terms read from the store)
    from cmkg.engine.local import _prepared

    ds = dataset(*vocabulary_files(), FIXTURES / "checks" / f"{path.stem}-violating.ttl")
    text = path.read_text(encoding="utf-8")
    planned = sorted(map(tuple, ds.query(_prepared(text))), key=repr)
    assert planned == sorted(map(tuple, rows(ds, path)), key=repr)
    assert planned
