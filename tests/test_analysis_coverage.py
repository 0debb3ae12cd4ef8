"""cmkg.analysis.coverage on a fixture and on the real graph."""

from __future__ import annotations

from cmkg import KnowledgeGraph
from cmkg.analysis import coverage, uncovered

from conftest import FIXTURES


def test_coverage_counts_practices_cities_and_countries() -> None:
    kg = KnowledgeGraph.load(files=[FIXTURES / "network" / "coverage.ttl"])
    t = coverage(kg)
    got = {r["recommendation"]: (r["practices"], r["cities"], r["countries"]) for r in t.records()}
    assert got == {"R1": (2, 2, 2), "R2": (1, 1, 1), "R3": (0, 0, 0)}
    assert uncovered(t).column("recommendation") == ["R3"]
    assert t.title.startswith("Recommendation coverage: 2 of 3")


def test_coverage_reports_all_24_recommendations(kg: KnowledgeGraph) -> None:
    t = coverage(kg)
    assert len(t) == 24
    assert sorted(t.column("number")) == sorted(list(range(1, 15)) + list(range(1, 11)))
    assert set(t.column("audience")) == {"local governments", "community partners"}
    assert len(uncovered(t)) == sum(1 for n in t.column("practices") if n == 0)
