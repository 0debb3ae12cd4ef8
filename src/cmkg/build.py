"""``cmkg build``: load, validate, optionally reason, and write the dumps to ``build/``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cmkg.errors import ValidationFailed
from cmkg.export import FORMATS, export
from cmkg.kg import KnowledgeGraph
from cmkg.validation import ValidationReport

__all__ = ["BuildResult", "build", "BUILD_FORMATS"]

BUILD_FORMATS = ("ttl", "nt", "jsonld", "trig", "nq")


@dataclass(frozen=True)
class BuildResult:
    """The files a build wrote and what validation said."""

    files: tuple[Path, ...]
    report: ValidationReport
    triples: int
    inferred: int


def build(out_dir: Path, *, reason: bool = False, kg: KnowledgeGraph | None = None) -> BuildResult:
    """Validate and write ``cmkg.{ttl,nt,jsonld,trig,nq}``.

    Nothing is written when validation fails, so the previous build stays in place;
    each file is replaced atomically, and ``graph/`` is only ever read.
    """
    kg = kg or KnowledgeGraph.load()
    report = kg.validate()
    if not report.conforms:
        raise ValidationFailed(f"the graph does not validate ({report.summary()}); run `cmkg validate` for the report")
    ds = kg.dataset
    inferred = 0
    if reason:
        from cmkg.reasoning import materialise

        inferred = materialise(ds)
    files = []
    for key in BUILD_FORMATS:
        files.append(export(ds, out_dir / f"cmkg{FORMATS[key][1]}", key))
    return BuildResult(files=tuple(files), report=report, triples=len(ds), inferred=inferred)
