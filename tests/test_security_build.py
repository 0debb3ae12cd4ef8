"""Requirement 11, nothing lost: ``cmkg build`` writes atomically, never touches graph/, and keeps the previous build on failure."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from cmkg import KnowledgeGraph
from cmkg.build import BUILD_FORMATS, build
from cmkg.errors import ValidationFailed
from cmkg.export import FORMATS
from cmkg.paths import graph_dir, ontology_dir

BROKEN = (
    "@prefix cmo: <https://w3id.org/cmkg/ontology#> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    "<https://w3id.org/cmkg/id/practice/broken-example> a cmo:Practice ;\n"
    '    rdfs:label "Broken"@en, "Kaputt"@en .\n'
)


def tree_digest(root: Path) -> dict[str, str]:
    """Path -> sha256 of every file under ``root`` (and its mode and mtime, so a rewrite shows too)."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            st = p.stat()
            out[str(p.relative_to(root))] = f"{hashlib.sha256(p.read_bytes()).hexdigest()} {st.st_mode:o} {st.st_mtime_ns}"
    return out


def outputs(out: Path) -> list[Path]:
    return [out / f"cmkg{FORMATS[k][1]}" for k in BUILD_FORMATS]


@pytest.fixture(scope="module")
def valid_kg() -> KnowledgeGraph:
    """A graph that validates whatever state the curation is in: the ontology, schemes and shapes."""
    return KnowledgeGraph.load(files=sorted(ontology_dir().rglob("*.ttl")))


@pytest.fixture()
def previous_build(tmp_path: Path) -> Path:
    out = tmp_path / "build"
    out.mkdir()
    for p in outputs(out):
        p.write_text(f"previous build of {p.name}\n")
    return out


def test_building_the_curated_graph_never_touches_graph(tmp_path: Path) -> None:
    before = tree_digest(graph_dir()), tree_digest(ontology_dir())
    try:
        build(tmp_path / "out", kg=KnowledgeGraph.load())
    except ValidationFailed:
        pass  # whether today's curation validates is test_cli's business; graph/ must be untouched either way
    assert (tree_digest(graph_dir()), tree_digest(ontology_dir())) == before


def test_build_writes_every_dump_and_no_temporary_file(valid_kg: KnowledgeGraph, tmp_path: Path) -> None:
    result = build(tmp_path / "out", kg=valid_kg)
    assert sorted(result.files) == sorted(outputs(tmp_path / "out"))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in result.files)


def test_failing_validation_leaves_the_previous_build(previous_build: Path, tmp_path: Path) -> None:
    (tmp_path / "broken.ttl").write_text(BROKEN)  # the ontology plus one broken practice, as `cmkg validate --data` reads it
    files = sorted(ontology_dir().rglob("*.ttl")) + [tmp_path / "broken.ttl"]
    before = tree_digest(previous_build)
    with pytest.raises(ValidationFailed) as info:
        build(previous_build, kg=KnowledgeGraph.load(files=files))
    assert "\n" not in str(info.value)
    assert tree_digest(previous_build) == before


def test_a_crash_while_writing_keeps_every_file_whole(valid_kg: KnowledgeGraph, previous_build: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills up (fsync fails) on the third dump: every file is the old one or the new one, whole."""
    real_fsync = os.fsync
    calls = {"n": 0}

    def failing_fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space"):
        build(previous_build, kg=valid_kg)
    old = [p for p in outputs(previous_build) if p.read_text(errors="replace").startswith("previous build")]
    new = [p for p in outputs(previous_build) if p not in old]
    assert len(new) == 2 and len(old) == len(BUILD_FORMATS) - 2
    for p in new:  # the ones written are complete dumps that parse
        from rdflib import Dataset

        Dataset().parse(p, format=FORMATS[next(k for k in BUILD_FORMATS if p.suffix == FORMATS[k][1])][0])
    assert sorted(p.name for p in previous_build.iterdir()) == sorted(p.name for p in outputs(previous_build))
