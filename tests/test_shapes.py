"""Every SHACL node shape has a conforming and a violating fixture (Brick style).

Each pair ``tests/fixtures/shapes/<Shape>-valid.ttl`` / ``<Shape>-invalid.ttl``
is loaded on top of the ontology, the concept schemes and the shared
background ``_base.ttl``. The valid snippet must conform to all shapes; the
invalid one must not, and one of its results must come from ``cmsh:<Shape>``
(or one of its property shapes) with the focus node named on the snippet's
``# focus: <IRI>`` line.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF, SH

ROOT = Path(__file__).parents[1]
ONTOLOGY = ROOT / "ontology"
FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
CMSH = Namespace("https://w3id.org/cmkg/shapes#")


@cache
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY / "cmo.ttl")


@cache
def shapes() -> Graph:
    return Graph().parse(ONTOLOGY / "shapes.ttl")


@cache
def background() -> Graph:
    """Ontology, schemes and the fixtures' shared base, parsed once."""
    g = Graph()
    g += ontology()
    for path in sorted((ONTOLOGY / "schemes").glob("*.ttl")):
        g.parse(path)
    g.parse(FIXTURES / "_base.ttl")
    return g


def run(snippet: Path | None) -> tuple[bool, Graph]:
    data = Graph()
    data += background()
    if snippet is not None:
        data.parse(snippet)
    conforms, report, _ = validate(
        data,
        shacl_graph=shapes(),
        ont_graph=ontology(),
        inference="none",
        advanced=True,
    )
    return bool(conforms), report


def node_shapes() -> list[str]:
    g = shapes()
    return sorted(str(s)[len(str(CMSH)):] for s in g.subjects(RDF.type, SH.NodeShape) if str(s).startswith(str(CMSH)))


def expected_focus(path: Path) -> URIRef:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# focus:"):
            return URIRef(line.split(":", 1)[1].strip())
    raise AssertionError(f"{path.name} has no '# focus: <IRI>' line")


def results(report: Graph) -> list[tuple[URIRef, URIRef, str]]:
    """(focus node, source shape, message) for every result of a report."""
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        out.append((report.value(r, SH.focusNode), report.value(r, SH.sourceShape), str(report.value(r, SH.resultMessage))))
    return out


def own_shapes(shape: URIRef) -> set:
    """The node shape and the property shapes it declares (shared ones included)."""
    return {shape, *shapes().objects(shape, SH.property)}


SHAPES = node_shapes()


def test_background_conforms() -> None:
    conforms, report = run(None)
    assert conforms, results(report)


def test_every_node_shape_has_a_fixture_pair() -> None:
    missing = [
        f"{name}-{kind}.ttl"
        for name in SHAPES
        for kind in ("valid", "invalid")
        if not (FIXTURES / f"{name}-{kind}.ttl").exists()
    ]
    assert not missing, missing


def test_no_stray_fixtures() -> None:
    stems = {p.name.rsplit("-", 1)[0] for p in FIXTURES.glob("*-*valid.ttl")}
    assert stems <= set(SHAPES), stems - set(SHAPES)


@pytest.mark.parametrize("name", SHAPES)
def test_valid_fixture_conforms(name: str) -> None:
    conforms, report = run(FIXTURES / f"{name}-valid.ttl")
    assert conforms, results(report)


@pytest.mark.parametrize("name", SHAPES)
def test_invalid_fixture_violates_its_shape(name: str) -> None:
    path = FIXTURES / f"{name}-invalid.ttl"
    focus = expected_focus(path)
    conforms, report = run(path)
    assert not conforms
    found = results(report)
    mine = own_shapes(CMSH[name])
    hits = [(f, s, m) for f, s, m in found if f == focus and s in mine]
    assert hits, f"no result from cmsh:{name} on {focus}; got {found}"
    assert all(m and m != "None" for _, _, m in hits), "violations should carry a sh:message"
