"""Plain tables of measures, convertible to the ResultTable every verb prints."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rdflib import XSD, Literal, URIRef
from rdflib.term import Node

from cmkg.results import ResultTable

__all__ = ["Table"]

#: Columns holding IRIs: they become IRIs, not strings, in a ResultTable.
IRI_COLUMNS = frozenset({"iri", "from_iri", "to_iri", "start_iri", "end_iri"})


def _term(column: str, value: Any, precision: int | None) -> Node | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if column in IRI_COLUMNS:
        return URIRef(str(value))
    if isinstance(value, bool):
        return Literal(value, datatype=XSD.boolean)
    if isinstance(value, int):
        return Literal(value, datatype=XSD.integer)
    if isinstance(value, float):
        if precision is not None:
            return Literal(f"{value:.{precision}f}", datatype=XSD.decimal)
        return Literal(value, datatype=XSD.double)
    return Literal(str(value))


@dataclass(frozen=True)
class Table:
    """A named table of plain Python values (str, int, float, bool), one row per record.

    Examples
    --------
    >>> t = Table("Toy", ("label", "degree"), (("a", 2), ("b", 1)))
    >>> t.records()[0]
    {'label': 'a', 'degree': 2}
    >>> t.to_result_table().to_csv().splitlines()[1]
    'a,2'
    """

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    @classmethod
    def build(cls, title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
        return cls(title, tuple(columns), tuple(tuple(r) for r in rows))

    def __len__(self) -> int:
        return len(self.rows)

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row)) for row in self.rows]

    def column(self, name: str) -> list[Any]:
        i = self.columns.index(name)
        return [row[i] for row in self.rows]

    def head(self, n: int | None) -> Table:
        """The first ``n`` rows (all when ``n`` is None)."""
        return self if n is None else Table(self.title, self.columns, self.rows[:n])

    def to_result_table(self, precision: int | None = None) -> ResultTable:
        """As a :class:`~cmkg.results.ResultTable`: IRIs as IRIs, numbers typed.

        ``precision`` rounds floats to that many decimals (as ``xsd:decimal``),
        for reading; without it they keep full precision as ``xsd:double``.
        """
        return ResultTable.from_rows(
            self.columns,
            [tuple(_term(c, v, precision) for c, v in zip(self.columns, row)) for row in self.rows],
        )

    def to_pandas(self) -> Any:
        return self.to_result_table().to_pandas()
