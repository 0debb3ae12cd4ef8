"""Recommendation coverage: which recommendations have practices behind them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cmkg.analysis.table import Table
from cmkg.errors import CmkgError
from cmkg.results import ResultTable

if TYPE_CHECKING:  # pragma: no cover
    from cmkg.kg import KnowledgeGraph

__all__ = ["COVERAGE_QUERY", "coverage", "uncovered"]

#: The named query that counts, per recommendation, the practices exemplifying it.
COVERAGE_QUERY = "recommendation-coverage"

_COLUMNS = ("audience", "number", "recommendation", "practices", "cities", "countries", "iri")


def coverage(kg: KnowledgeGraph) -> Table:
    """For each recommendation, how many practices, cities and countries exemplify it.

    Examples
    --------
    >>> from cmkg import KnowledgeGraph
    >>> t = coverage(KnowledgeGraph.load())
    >>> len(t)
    24
    >>> t.columns
    ('audience', 'number', 'recommendation', 'practices', 'cities', 'countries', 'iri')
    """
    result = kg.query(COVERAGE_QUERY)
    if not isinstance(result, ResultTable):
        raise CmkgError(f"query {COVERAGE_QUERY!r} must be a SELECT query")
    rows = []
    for r in result.records():
        number = r.get("number")
        rows.append(
            (
                str(r.get("audience") or ""),
                int(number) if number is not None else None,
                str(r.get("label") or r["recommendation"]),
                int(r.get("practices") or 0),
                int(r.get("cities") or 0),
                int(r.get("countries") or 0),
                str(r["recommendation"]),
            )
        )
    rows.sort(key=lambda r: (r[0], r[1] if r[1] is not None else 10**9, r[2]))
    covered = sum(1 for r in rows if r[3])
    title = f"Recommendation coverage: {covered} of {len(rows)} recommendations have at least one practice"
    return Table.build(title, _COLUMNS, rows)


def uncovered(table: Table) -> Table:
    """The recommendations no practice exemplifies."""
    rows = [r for r in table.rows if not r[3]]
    return Table.build(f"Recommendations with no practice: {len(rows)}", table.columns, rows)
