"""pytest fixtures for the explorer: the ASGI app in process, a real uvicorn server, a browser.

- ``server_kg``: the curated graph plus ``tests/fixtures/server/testville.ttl`` (a made-up
  city whose labels carry markup that must be escaped).
- ``server_client``: Starlette's TestClient over ``create_app`` (timeout 5 s, 40 rows).
- ``live_server``: ``cmkg serve --add testville.ttl`` started as a subprocess on a free
  port (timeout 2 s) and stopped by its pid; yields its base URL.
- ``server_browser``: the session's headless Chromium (the ``browser`` fixture of plugins/browser.py).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    # Starlette asks for the httpx2 fork; plain httpx works and is what the project installs.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from bench.process import cmkg_serve
from cmkg import KnowledgeGraph

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "server" / "testville.ttl"
LIVE_TIMEOUT = 2.0


@pytest.fixture(scope="session")
def server_kg() -> KnowledgeGraph:
    return KnowledgeGraph.load(extra=[FIXTURE])


@pytest.fixture(scope="session")
def server_app(server_kg: KnowledgeGraph) -> Any:
    from cmkg.server import ServerSettings, create_app

    return create_app(server_kg, ServerSettings(timeout=5, max_rows=40))


@pytest.fixture(scope="session")
def server_client(server_app: Any) -> Iterator[TestClient]:
    with TestClient(server_app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``cmkg serve`` on a free local port; yields ``http://127.0.0.1:PORT/``."""
    log = tmp_path_factory.mktemp("live-server") / "server.log"
    with cmkg_serve(["--timeout", str(LIVE_TIMEOUT), "--max-rows", "1000", "--add", str(FIXTURE)], log) as url:
        yield url


@pytest.fixture(scope="session")
def live_server_log(live_server: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return next(Path(tmp_path_factory.getbasetemp()).glob("live-server*/server.log"))


@pytest.fixture(scope="session")
def server_browser(browser: Any) -> Any:
    """Headless Chromium for the explorer's browser tests: the session's one Playwright browser
    (tests/plugins/browser.py); a second sync Playwright in the same session would clash with it."""
    return browser
