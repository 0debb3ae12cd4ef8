"""pytest fixtures for a real remote SPARQL store (registered in tests/conftest.py).

``oxigraph_server``
    Session-scoped. Starts ``oxigraph serve`` (the ``oxigraph`` package from
    PyPI, in the virtualenv) on 127.0.0.1 and a free port, with its data in a
    temporary folder and ``--union-default-graph`` so a query without GRAPH
    sees every named graph, as the embedded engine does. Waits until the
    server answers, yields an :class:`OxigraphServer` (``.base`` such as
    ``http://127.0.0.1:40123``, ``.query_url``, ``.update_url``, ``.store_url``)
    and stops the process by its pid at the end of the session.

``remote_kg``
    Session-scoped. The curated graph published to that server with
    ``cmkg publish`` (the real CLI), opened with
    :meth:`cmkg.KnowledgeGraph.remote`. Other features (analytics, scale) reuse
    both fixtures; keep their names.

``example_result``
    Session-scoped. ``example_result(name)`` runs a named query on the embedded
    graph with the examples of its header, once per session (the catalogue and
    remote tests share the answers).
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.process import free_port, oxigraph_cli, stop_process

__all__ = ["OxigraphServer", "oxigraph_server", "remote_kg", "example_result", "free_port"]


@dataclass(frozen=True)
class OxigraphServer:
    """A running ``oxigraph serve`` process and its URLs."""

    base: str
    pid: int
    location: Path

    @property
    def query_url(self) -> str:
        return self.base + "/query"

    @property
    def update_url(self) -> str:
        return self.base + "/update"

    @property
    def store_url(self) -> str:
        return self.base + "/store"


def _oxigraph_binary() -> str:
    try:
        return oxigraph_cli()
    except RuntimeError:
        pytest.fail("the `oxigraph` server binary is missing: pip install '.[test]' installs it from PyPI")


def _wait_until_up(url: str, proc: subprocess.Popen[bytes], deadline_s: float = 30.0) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            out = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
            pytest.fail(f"oxigraph serve exited with code {proc.returncode}: {out[:500]}")
        try:
            with urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"oxigraph serve did not answer at {url} within {deadline_s:g} s")


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """A real Oxigraph SPARQL server on 127.0.0.1 (see the module docstring)."""
    location = tmp_path_factory.mktemp("oxigraph")
    port = free_port()
    proc = subprocess.Popen(
        [_oxigraph_binary(), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = OxigraphServer(base=f"http://127.0.0.1:{port}", pid=proc.pid, location=location)
    try:
        _wait_until_up(server.query_url, proc)
        yield server
    finally:
        stop_process(proc)
        if proc.stderr:
            proc.stderr.close()


@pytest.fixture(scope="session")
def remote_kg(oxigraph_server: OxigraphServer):  # type: ignore[no-untyped-def]
    """The curated graph published to ``oxigraph_server`` with ``cmkg publish``, opened remotely."""
    from cmkg.kg import KnowledgeGraph

    proc = subprocess.run(
        [sys.executable, "-m", "cmkg", "publish", "--endpoint", oxigraph_server.query_url],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode != 0:
        pytest.fail(f"cmkg publish failed ({proc.returncode}): {proc.stderr.strip()[:500]}")
    return KnowledgeGraph.remote(oxigraph_server.query_url, timeout=60)


@pytest.fixture(scope="session")
def example_result(kg):  # type: ignore[no-untyped-def]
    """``example_result(name)``: the named query run on the embedded graph with its header's examples, once per session."""
    cache: dict[str, object] = {}

    def run(name: str):  # type: ignore[no-untyped-def]
        if name not in cache:
            q = kg.catalogue[name]
            cache[name] = kg.query(name, **q.example_values())
        return cache[name]

    return run
