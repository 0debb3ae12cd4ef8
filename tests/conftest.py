"""Shared fixtures: the curated graph loaded once per session, and a CLI runner."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cmkg import KnowledgeGraph

pytest_plugins = ["plugins.remote", "plugins.browser", "plugins.server"]

# parses kept by cmkg.parsecache go to a folder of this run, not the user's ~/.cache/cmkg
# (set before anything loads a graph; CLI subprocesses inherit it)
os.environ.setdefault("CMKG_CACHE_DIR", tempfile.mkdtemp(prefix="cmkg-test-cache-"))

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
    """Invoke ``cmkg`` through Typer's test runner in a temporary working directory.

    Returns ``(exit_code, stdout, stderr)``.
    """
    from cmkg.cli import app

    monkeypatch.chdir(tmp_path)

    def invoke(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(app, list(args))
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.exit_code, result.stdout, result.stderr

    return invoke


@pytest.fixture()
def run_cmkg(cli, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """``cli`` in a wide terminal (COLUMNS=200), so table headers stay whole."""
    monkeypatch.setenv("COLUMNS", "200")
    return cli
