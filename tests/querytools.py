"""Helpers shared by the query-layer tests: expectations and cross-engine comparison."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from typing import Any

from rdflib import BNode, Graph, Literal

from cmkg.catalogue import NamedQuery
from cmkg.results import ResultTable, term_to_python


def _norm(term: Any) -> Any:
    if term is None:
        return None
    if isinstance(term, BNode):
        return "_:b"
    if isinstance(term, Literal):
        value = term_to_python(term)
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            return round(float(value), 6)
        return str(value) if not isinstance(value, bool) else value
    return str(term)


def normalised(result: Any) -> Any:
    """A comparable form of a query result: a multiset of rows, a bool, or a set of triples."""
    if isinstance(result, ResultTable):
        return (result.columns, Counter(tuple(_norm(t) for t in row) for row in result.terms))
    if isinstance(result, Graph):
        return {tuple(_norm(t) for t in triple) for triple in result}
    return result


def _matches(expected: str, cell: Any) -> bool:
    if cell is None:
        return False
    a, b = str(expected).casefold().strip(), str(cell).casefold().strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", a):
        return re.fullmatch(r"-?\d+(\.0+)?", b) is not None and float(a) == float(b)
    return a == b or a in b or b in a


def check_expectation(q: NamedQuery, result: Any) -> None:
    """Assert the ``expect`` header of a named query against its result (with the examples bound)."""
    expect = dict(q.expect)
    assert expect, f"{q.name}: every catalogue query states an expectation (expect: {{min_rows: 1}} …)"
    if q.kind == "ask":
        assert result is expect.get("answer", True), f"{q.name}: ASK answered {result}"
        return
    if isinstance(result, Graph):
        n = len(result)
        cells: list[Any] = [str(o) for t in result for o in t]
    else:
        assert isinstance(result, ResultTable), f"{q.name}: a {q.kind} query returned {type(result).__name__}"
        n = len(result)
        cells = [v for row in result.rows for v in row]
    if q.kind == "check":
        assert n == 0, f"{q.name}: the check found {n} violations"
    if "rows" in expect:
        assert n == int(expect["rows"]), f"{q.name}: {n} rows, expected exactly {expect['rows']}"
    if "min_rows" in expect:
        assert n >= int(expect["min_rows"]), f"{q.name}: {n} rows, expected at least {expect['min_rows']}"
    if "max_rows" in expect:
        assert n <= int(expect["max_rows"]), f"{q.name}: {n} rows, expected at most {expect['max_rows']}"
    for wanted in expect.get("contains", []) or []:
        assert any(_matches(wanted, c) for c in cells), f"{q.name}: no cell matches {wanted!r}"
    unknown = set(expect) - {"rows", "min_rows", "max_rows", "contains", "answer"}
    assert not unknown, f"{q.name}: unknown expect keys {sorted(unknown)}"
