"""The explorer in real headless Chromium: a newcomer clicks from the home page to a city and its network,
and runs a catalogue query on the query page. Screenshots land in the test's tmp folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.fixture()
def page(server_browser: Any) -> Any:
    context = server_browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.errors = errors
    yield pg
    context.close()


def test_newcomer_finds_a_city_its_practices_and_network(page: Any, live_server: str, tmp_path: Path) -> None:
    page.goto(live_server)
    assert page.locator("h1").first.inner_text() == "Cities of Migration Knowledge Graph"
    page.screenshot(path=str(tmp_path / "home.png"), full_page=True)
    page.locator("ul.cards a", has_text="City").first.click()
    page.wait_for_url("**/-/classes/cmo-City")
    page.get_by_role("link", name="Testville", exact=True).click()
    page.wait_for_url("**/id/city/testville")
    assert page.locator("h1").inner_text() == "Testville"
    # the practices run there are one click away, and the hostile label is text, not markup
    assert page.get_by_role("link", name="Testville Mentoring").first.is_visible()
    assert page.get_by_text("Testville <script>alert(1)</script> Welcome Desk").first.is_visible()
    page.wait_for_selector("#ego[data-ready=true] canvas", timeout=15_000)
    page.screenshot(path=str(tmp_path / "entity.png"), full_page=True)
    page.get_by_role("link", name="Testville Mentoring").first.click()
    page.wait_for_url("**/id/practice/testville-mentoring")
    assert page.errors == []


def test_query_page_runs_a_catalogue_query(page: Any, live_server: str, tmp_path: Path) -> None:
    page.goto(live_server + "-/query?name=practices-in-city")  # the API page links here like this
    assert page.input_value("#examples") == "practices-in-city"
    assert "cmo:implementedIn" in page.input_value("#query") and "#+" not in page.input_value("#query")
    page.fill("input[data-param=city]", "Testville")
    page.click("#run")
    page.wait_for_selector(".results table tbody tr")
    rows = page.locator(".results table tbody tr")
    assert rows.count() == 2
    assert "Testville Mentoring" in page.locator(".results table").inner_text()
    assert page.locator("#downloads a[data-format=csv]").get_attribute("href").startswith("/api/queries/practices-in-city?city=Testville")
    page.screenshot(path=str(tmp_path / "query.png"), full_page=True)
    # an edited query goes to /sparql, with downloads in the table formats
    page.fill("#query", "SELECT ?p WHERE { ?p <https://w3id.org/cmkg/ontology#implementedIn> <https://w3id.org/cmkg/id/city/testville> }")
    page.click("#run")
    page.wait_for_selector("#downloads a[data-format=tsv][href^='/sparql?query=SELECT']")
    page.wait_for_selector(".results table tbody tr")
    assert page.locator(".results table tbody tr").count() == 2
    assert page.locator("#downloads a[data-format=ttl]").is_hidden()
    # an error is shown as one sentence
    page.fill("#query", "SELECT ?s WHERE { ?s ")
    page.click("#run")
    page.wait_for_selector("#status.error")
    assert "syntax error" in page.locator("#status").inner_text()
    assert [e for e in page.errors if "Failed to load resource" not in e] == []
