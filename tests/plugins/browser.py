"""pytest fixtures: a headless Chromium (Debian's package) driven by Playwright, one per session.

Playwright's own browser download does not work here, so the tests drive
``/usr/bin/chromium``. Without it the browser tests are skipped, except in CI
(``CI`` set), where a missing browser is a failure: ``.ci/run`` installs it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("CMKG_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch_chromium(playwright: Any) -> Any:
    """Launch Debian's Chromium the way every cmkg browser test and benchmark does."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A Playwright ``Browser`` on headless Chromium, shared by the session."""
    missing = None
    if not CHROMIUM.exists():
        missing = f"headless Chromium not found at {CHROMIUM} (apt-get install chromium; .ci/run does it)"
    else:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            missing = "Playwright for Python is not installed (pip install -e '.[test]')"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing + "; CI must run the browser tests", pytrace=False)
        pytest.skip(missing)
    with sync_playwright() as pw:
        chromium = launch_chromium(pw)
        try:
            yield chromium
        finally:
            chromium.close()
