"""The ``cmkg`` command line: one command group; each verb parses, calls the library, prints.

A user's mistake (a :class:`~cmkg.errors.CmkgError`) becomes one sentence on
stderr and exit code 1; a usage error exit code 2; never a traceback.
"""

from __future__ import annotations

import sys

from cmkg.cli.app import app, err_console
from cmkg.errors import CmkgError

# Each module registers its verbs on ``app``.
from cmkg.cli import graph_cmds, query_cmds, analyze_cmds, viz_cmds, serve_cmds, load_cmds  # noqa: E402,F401

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``cmkg`` console script."""
    try:
        # standalone mode: click prints usage errors itself (exit 2) and exits 0 on success
        app(args=argv)
    except CmkgError as err:
        err_console.print(f"[bold red]error:[/] {err}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
