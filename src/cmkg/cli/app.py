"""The Typer application and the consoles every verb prints with."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from cmkg.errors import CmkgError

__all__ = ["app", "console", "err_console", "verb"]

console = Console(soft_wrap=False)
err_console = Console(stderr=True)


class CmkgGroup(TyperGroup):
    """The verb group: a user's mistake (CmkgError) becomes one sentence on stderr and exit 1.

    Doing it here rather than around ``app()`` means the console script and
    Typer's test runner behave alike.
    """

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except CmkgError as err:
            err_console.print(f"[bold red]error:[/] {err}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

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
    cls=CmkgGroup,
)


def verb(name: str, summary: str, example: str) -> typer.models.CommandInfo:  # type: ignore[name-defined]
    """Register a verb whose one-line help ends with an example."""
    return app.command(name, short_help=f"{summary}  [dim]e.g.[/dim] [cyan]{example}[/cyan]", help=f"{summary}\n\nExample: {example}")
