"""Printing result tables in the formats every verb offers."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from cmkg.cli.app import console, err_console
from cmkg.errors import UnsupportedFormat
from cmkg.results import ResultTable

__all__ = ["TABLE_FORMATS", "FormatOpt", "LimitOpt", "print_table", "render_table"]

TABLE_FORMATS = ("table", "csv", "tsv", "json", "md")

FormatOpt = Annotated[str, typer.Option("--format", "-f", help="Output: table, csv, tsv, json (SPARQL results JSON) or md.")]
LimitOpt = Annotated[int | None, typer.Option("--limit", help="Print at most N rows.", min=0)]


def _short(value: object) -> str:
    from cmkg.loading import PREFIXES

    text = "" if value is None else str(value)
    # the longest namespace wins: practice:toronto-… rather than id:practice/toronto-…
    best = max(
        ((p, ns) for p, ns in PREFIXES.items() if p != "org" and text.startswith(ns) and len(text) > len(ns)),
        key=lambda item: len(item[1]),
        default=None,
    )
    return f"{best[0]}:{text[len(best[1]):]}" if best else text


def render_table(table: ResultTable, fmt: str) -> str:
    """The text of ``table`` in a machine format (csv, tsv, json, md)."""
    if fmt == "csv":
        return table.to_csv()
    if fmt == "tsv":
        return table.to_tsv()
    if fmt == "json":
        return table.to_json(indent=2) + "\n"
    if fmt == "md":
        return table.to_markdown()
    raise UnsupportedFormat(f"--format {fmt!r} is not one of: {', '.join(TABLE_FORMATS)}")


def print_table(table: ResultTable, fmt: str = "table", limit: int | None = None, title: str | None = None) -> None:
    """Print ``table`` to stdout; the human ``table`` format shortens IRIs with the usual prefixes."""
    if fmt not in TABLE_FORMATS:
        raise UnsupportedFormat(f"--format {fmt!r} is not one of: {', '.join(TABLE_FORMATS)}")
    shown = table.limit(limit)
    if fmt != "table":
        sys.stdout.write(render_table(shown, fmt))
        if shown.truncated:
            err_console.print(f"(showing {len(shown)} of {len(table)} rows)")
        return
    rich_table = Table(title=title, header_style="bold", show_lines=False)
    for col in shown.columns:
        rich_table.add_column(col, overflow="fold")
    for row in shown.rows:
        rich_table.add_row(*[_short(v) for v in row])
    console.print(rich_table)
    more = f" (showing {len(shown)} of {len(table)})" if shown.truncated else ""
    console.print(f"{len(table)} row{'s' if len(table) != 1 else ''}{more}", style="dim", highlight=False)
