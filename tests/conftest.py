"""Shared fixtures: the curated graph loaded once per session, and a CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cmkg import KnowledgeGraph

pytest_plugins = ["plugins.remote", "plugins.browser", "plugins.server"]

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def kg() -> KnowledgeGraph:
    """The ontology and curated graph in the embedded default engine."""
    return KnowledgeGraph.load()


@pytest.fixture(scope="session")
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture()
def cli(runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Invoke ``cmkg`` in a temporary working directory; returns (exit_code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str) -> tuple[int, str, str]:
        from cmkg.cli import main

        result = runner.invoke(_main_as_click(main), list(args))
        return result.exit_code, result.stdout, result.stderr

    return invoke


def _main_as_click(main):  # type: ignore[no-untyped-def]
    """Wrap cmkg.cli.main so CliRunner sees the same error handling users get."""
    import click

    @click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []})
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def wrapper(args: tuple[str, ...]) -> None:
        main(list(args))

    return wrapper
