"""The Typer application and the consoles every verb prints with."""

from __future__ import annotations

import typer
from rich.console import Console

__all__ = ["app", "console", "err_console", "verb"]

app = typer.Typer(
    name="cmkg",
    help=(
        "The Cities of Migration Knowledge Graph: what cities do to welcome and integrate immigrants, "
        "as linked data you can validate, query with SPARQL, analyse as networks, look at and publish.\n\n"
        "Every verb that reads the graph takes --engine memory|oxigraph (embedded) or --endpoint URL (remote)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

console = Console(soft_wrap=False)
err_console = Console(stderr=True)


def verb(name: str, summary: str, example: str) -> typer.models.CommandInfo:  # type: ignore[name-defined]
    """Register a verb whose one-line help ends with an example."""
    return app.command(name, short_help=f"{summary}  [dim]e.g.[/dim] [cyan]{example}[/cyan]", help=f"{summary}\n\nExample: {example}")
