"""Result tables: what a SELECT query returns, in every format a researcher needs."""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

__all__ = ["ResultTable", "term_to_json", "term_to_python", "term_to_ntriples"]


def term_to_python(term: Node | None) -> Any:
    """A plain Python value for an RDF term: str for IRIs, native values for literals."""
    if term is None:
        return None
    if isinstance(term, Literal):
        value = term.toPython()
        if isinstance(value, Literal):  # rdflib could not convert: keep the lexical form
            return str(term)
        return value
    return str(term)


def term_to_json(term: Node) -> dict[str, str]:
    """One binding in the W3C SPARQL 1.1 Query Results JSON format."""
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, Literal):
        out: dict[str, str] = {"type": "literal", "value": str(term)}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype:
            out["datatype"] = str(term.datatype)
        return out
    raise TypeError(f"not an RDF term: {term!r}")


def term_to_ntriples(term: Node | None) -> str:
    return "" if term is None else term.n3()


def _csv_value(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


@dataclass(frozen=True)
class ResultTable:
    """The rows a SELECT query returned.

    ``terms`` holds the RDF terms (``None`` for an unbound cell); ``rows`` the
    same cells as plain Python values.

    Examples
    --------
    >>> from rdflib import Literal, URIRef
    >>> t = ResultTable(("city", "n"), ((URIRef("https://w3id.org/cmkg/id/city/toronto"), Literal(3)),))
    >>> t.rows
    [('https://w3id.org/cmkg/id/city/toronto', 3)]
    >>> t.to_csv().splitlines()
    ['city,n', 'https://w3id.org/cmkg/id/city/toronto,3']
    """

    columns: tuple[str, ...]
    terms: tuple[tuple[Node | None, ...], ...]
    truncated: bool = field(default=False, compare=False)

    @classmethod
    def from_rows(cls, columns: Sequence[str], rows: Sequence[Sequence[Node | None]], truncated: bool = False) -> ResultTable:
        return cls(tuple(str(c) for c in columns), tuple(tuple(r) for r in rows), truncated)

    # --- access ---------------------------------------------------------
    @property
    def rows(self) -> list[tuple[Any, ...]]:
        return [tuple(term_to_python(t) for t in row) for row in self.terms]

    def __len__(self) -> int:
        return len(self.terms)

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.rows)

    def column(self, name: str) -> list[Any]:
        i = self.columns.index(name)
        return [term_to_python(row[i]) for row in self.terms]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row)) for row in self.rows]

    def limit(self, n: int | None) -> ResultTable:
        if n is None or n >= len(self.terms):
            return self
        return ResultTable(self.columns, self.terms[:n], True)

    # --- formats --------------------------------------------------------
    def to_json(self, indent: int | None = None) -> str:
        """W3C SPARQL 1.1 Query Results JSON."""
        bindings = [
            {c: term_to_json(t) for c, t in zip(self.columns, row) if t is not None} for row in self.terms
        ]
        doc: dict[str, Any] = {"head": {"vars": list(self.columns)}, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False, indent=indent)

    def to_csv(self) -> str:
        """W3C SPARQL 1.1 Query Results CSV (header row, lexical values)."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(self.columns)
        for row in self.terms:
            w.writerow([_csv_value(t) for t in row])
        return buf.getvalue()

    def to_tsv(self) -> str:
        """W3C SPARQL 1.1 Query Results TSV (terms in their Turtle/N-Triples form)."""
        lines = ["\t".join("?" + c for c in self.columns)]
        for row in self.terms:
            lines.append("\t".join(term_to_ntriples(t).replace("\t", "\\t") for t in row))
        return "\n".join(lines) + "\n"

    def to_markdown(self) -> str:
        def cell(t: Node | None) -> str:
            return _csv_value(t).replace("|", "\\|").replace("\n", " ")

        head = "| " + " | ".join(self.columns) + " |"
        sep = "|" + "|".join("---" for _ in self.columns) + "|"
        body = ["| " + " | ".join(cell(t) for t in row) + " |" for row in self.terms]
        return "\n".join([head, sep, *body]) + "\n"

    def to_pandas(self) -> Any:
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - depends on the environment
            from cmkg.errors import CmkgError

            raise CmkgError("to_pandas needs pandas: pip install 'cmkg[pandas]'") from None
        return pd.DataFrame(self.rows, columns=list(self.columns))

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_csv_value(t))}</td>" for t in row) + "</tr>" for row in self.terms
        )
        note = f"<p>{len(self.terms)} rows{' (truncated)' if self.truncated else ''}</p>"
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}"

    def __repr__(self) -> str:
        return f"ResultTable(columns={self.columns!r}, rows={len(self.terms)})"
