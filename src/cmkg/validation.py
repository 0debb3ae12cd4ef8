"""Validation: the SHACL shapes of ``ontology/shapes.ttl`` and the check queries of ``queries/checks/``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

from cmkg.loading import GRAPH_BASE, parse_file
from cmkg.paths import ontology_dir
from cmkg.results import ResultTable

if TYPE_CHECKING:
    from cmkg.kg import KnowledgeGraph

__all__ = ["ShaclResult", "CheckResult", "ValidationReport", "validate", "shacl_validate"]

SH = Namespace("http://www.w3.org/ns/shacl#")
SHAPES_GRAPH = URIRef(GRAPH_BASE + "ontology/shapes")


@dataclass(frozen=True)
class ShaclResult:
    """One SHACL violation (or warning)."""

    focus: str
    path: str
    message: str
    severity: str
    shape: str
    value: str = ""


@dataclass(frozen=True)
class CheckResult:
    """A check query and the rows (violations) it returned."""

    name: str
    summary: str
    rows: ResultTable


@dataclass(frozen=True)
class ValidationReport:
    """What validation found; ``conforms`` is true when there is nothing at all."""

    shacl: tuple[ShaclResult, ...] = ()
    checks: tuple[CheckResult, ...] = ()
    triples: int = 0
    shapes: int = 0
    check_count: int = 0
    errors: tuple[str, ...] = field(default=())

    @property
    def violations(self) -> int:
        return sum(1 for r in self.shacl if r.severity == "Violation") + sum(len(c.rows) for c in self.checks)

    @property
    def conforms(self) -> bool:
        return self.violations == 0 and not self.errors

    def summary(self) -> str:
        return (
            f"{self.violations} violation(s): {sum(1 for r in self.shacl if r.severity == 'Violation')} from "
            f"{self.shapes} SHACL shapes, {sum(len(c.rows) for c in self.checks)} from {self.check_count} check queries "
            f"({self.triples} triples validated)"
        )


def _short(node: object, g: Graph) -> str:
    if node is None:
        return ""
    if isinstance(node, URIRef):
        try:
            return g.namespace_manager.normalizeUri(node)
        except Exception:
            return str(node)
    return str(node)


def load_shapes() -> Graph:
    shapes = Graph()
    parse_file(ontology_dir() / "shapes.ttl", shapes)
    return shapes


def shacl_validate(data: Graph, shapes: Graph | None = None) -> tuple[ShaclResult, ...]:
    """Run pyshacl over ``data`` (which should include the ontology) and list the results."""
    import pyshacl

    shapes = shapes if shapes is not None else load_shapes()
    _conforms, report, _text = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
    out: list[ShaclResult] = []
    for res in report.subjects(RDF.type, SH.ValidationResult):
        sev = report.value(res, SH.resultSeverity)
        out.append(
            ShaclResult(
                focus=_short(report.value(res, SH.focusNode), data),
                path=_short(report.value(res, SH.resultPath), data),
                message=str(report.value(res, SH.resultMessage) or ""),
                severity=str(sev).rsplit("#", 1)[-1] if sev else "Violation",
                shape=_short(report.value(res, SH.sourceShape), data),
                value=_short(report.value(res, SH.value), data),
            )
        )
    out.sort(key=lambda r: (r.severity != "Violation", r.focus, r.path, r.message))
    return tuple(out)


def validate(kg: KnowledgeGraph) -> ValidationReport:
    """Validate the graph behind ``kg``: SHACL over every named graph but the shapes, then the checks."""
    ds = kg.dataset
    data = Graph()
    for prefix, ns in ds.namespace_manager.namespaces():
        data.bind(prefix, ns)
    for ctx in ds.graphs():
        if ctx.identifier == SHAPES_GRAPH:
            continue
        for t in ctx:
            data.add(t)
    shapes = load_shapes()
    shacl = shacl_validate(data, shapes)
    checks: list[CheckResult] = []
    check_queries = kg.catalogue.in_group("checks")
    for q in check_queries:
        rows = kg.run(q)
        if isinstance(rows, ResultTable) and len(rows):
            checks.append(CheckResult(q.name, q.summary, rows))
    n_shapes = len(set(shapes.subjects(RDF.type, SH.NodeShape)))
    return ValidationReport(
        shacl=shacl, checks=tuple(checks), triples=len(data), shapes=n_shapes, check_count=len(check_queries)
    )
