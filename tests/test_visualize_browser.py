"""cmkg viz pages in real headless Chromium: they draw, stay offline, and keep hostile text inert.

Screenshots go to build/screenshots/ for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from cmkg.visualize import save

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "build" / "screenshots"
ID = "https://w3id.org/cmkg/id/"
EVIL = '<img src=x onerror="window.__pwned=1;alert(1)"></script><script>window.__pwned=2;alert(2)</script> href'


@dataclass
class Visit:
    """A page opened in Chromium and everything it did while loading."""

    page: Any
    requests: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def open_page(browser: Any, path: Path) -> Visit:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    visit = Visit(page)
    page.on("request", lambda r: visit.requests.append(r.url))
    page.on("console", lambda m: visit.console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: visit.console.append(f"pageerror: {e}"))
    page.on("dialog", lambda d: (visit.dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-drawn=true]", timeout=30_000)
    return visit


def network_requests(visit: Visit, path: Path) -> list[str]:
    """Every request except the page itself (data: URLs are not network)."""
    return [u for u in visit.requests if u != path.as_uri() and not u.startswith("data:")]


def node_point(page: Any, node_id: str) -> tuple[float, float]:
    """Where a node is drawn, in page coordinates."""
    box = page.locator("#cmkg-network").bounding_box()
    p = page.evaluate("id => window.cmkg.network.canvasToDOM(window.cmkg.network.getPositions([id])[id])", node_id)
    return box["x"] + p["x"], box["y"] + p["y"]


# --- hostile text --------------------------------------------------------------
@pytest.fixture(scope="module")
def hostile_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    g = nx.DiGraph(name="actors", title="Hostile " + EVIL, description=EVIL)
    g.add_node(ID + "practice/p", label="Practice " + EVIL, type="Practice", description=EVIL, source=EVIL, country=EVIL)
    g.add_node("javascript:window.__pwned=3", label="Bad IRI " + EVIL, type="Organisation", description=EVIL)
    for i in range(12):
        g.add_node(f"{ID}city/c{i}", label=f"City {i}", type="City", description="A city", source="Report", country="Canada")
        g.add_edge(ID + "practice/p", f"{ID}city/c{i}", relation="implementedIn")
    g.add_edge("javascript:window.__pwned=3", ID + "practice/p", relation="ledBy " + EVIL)
    g.add_node(ID + "x/" + EVIL, label="Odd IRI", type="Person", description="", source="")
    g.add_edge(ID + "x/" + EVIL, ID + "practice/p", relation="partner")
    path = tmp_path_factory.mktemp("viz") / "hostile.html"
    save(g, path)
    return path


def test_hostile_text_stays_text(browser: Any, hostile_page: Path) -> None:
    visit = open_page(browser, hostile_page)
    page = visit.page
    # Hover the node whose label, description and source are hostile: the tooltip shows them as text.
    x, y = node_point(page, ID + "practice/p")
    page.mouse.move(x, y)
    tooltip = page.locator("div.vis-tooltip")
    tooltip.wait_for(state="visible", timeout=5_000)
    assert "onerror" in tooltip.inner_text() and tooltip.locator("img, script").count() == 0
    page.mouse.click(x, y)
    panel = page.locator("#cmkg-panel")
    assert "Practice <img src=x" in panel.locator("h2").inner_text()
    # The javascript: IRI gets no link; hover the edge and click the other node too.
    bx, by = node_point(page, "javascript:window.__pwned=3")
    page.mouse.click(bx, by)
    assert panel.locator("a").count() == 0 and "Bad IRI" in panel.inner_text()
    ox, oy = node_point(page, ID + "x/" + EVIL)
    page.mouse.click(ox, oy)
    assert EVIL in panel.inner_text() and panel.locator("a").get_attribute("href").startswith(ID + "x/")
    page.fill("#cmkg-search-input", "Practice <img")
    page.press("#cmkg-search-input", "Enter")
    assert "Practice <img src=x" in panel.locator("h2").inner_text()
    assert page.title().startswith("Hostile <img src=x")
    assert page.locator("img").count() == 0
    assert page.evaluate("document.querySelectorAll('script').length") == 3
    assert page.evaluate("window.__pwned") is None
    assert visit.dialogs == [] and visit.console == []
    assert network_requests(visit, hostile_page) == []
    page.context.close()


def test_search_filter_and_entity_link(browser: Any, hostile_page: Path) -> None:
    visit = open_page(browser, hostile_page)
    page = visit.page
    page.fill("#cmkg-search-input", "city 7")
    page.press("#cmkg-search-input", "Enter")
    assert page.evaluate("window.cmkg.network.getSelectedNodes()") == [f"{ID}city/c7"]
    link = page.locator("#cmkg-panel a")
    assert link.get_attribute("href") == f"{ID}city/c7" and link.get_attribute("rel") == "noopener noreferrer"
    page.fill("#cmkg-search-input", "no such thing")
    page.press("#cmkg-search-input", "Enter")
    assert "No node in this view matches" in page.locator("#cmkg-search-message").inner_text()
    page.locator("input[data-type=City]").uncheck()
    hidden = page.evaluate("window.cmkg.nodes.get({filter: n => n.hidden}).map(n => n.kind)")
    assert sorted(set(hidden)) == ["City"] and len(hidden) == 12
    page.locator("input[data-type=City]").check()
    assert page.evaluate("window.cmkg.nodes.get({filter: n => n.hidden}).length") == 0
    legend = page.locator(".cmkg-legend").inner_text()
    assert "Practice" in legend and "PageRank" in legend and "implemented in" in legend
    page.context.close()


# --- every view of the real graph ----------------------------------------------
@pytest.fixture(scope="module")
def real_views(kg: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Any]]:
    """Every view of the curated graph, drawn once (the actor projection is reused for the ego view)."""
    pytest.importorskip("cmkg.network")
    from cmkg import network
    from cmkg.visualize import resolve

    folder = tmp_path_factory.mktemp("views")
    out: dict[str, tuple[Path, Any]] = {}
    graphs = {view: network.project(kg, view) for view in ("actors", "organisations", "cities", "diffusion", "policy")}
    focus = resolve(kg, "maytree foundation")  # by label, as a user would
    graphs["ego"] = network.ego(kg, focus, 1, network=graphs["actors"])
    for view, graph in graphs.items():
        path = folder / f"{view}.html"
        out[view] = (path, save(graph, path, focus=graph.graph.get("focus")))
    return out


@pytest.fixture(scope="module")
def shots() -> Iterator[Path]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield SHOTS


@pytest.mark.parametrize("view", ["actors", "organisations", "cities", "diffusion", "policy", "ego"])
def test_view_draws_offline(browser: Any, real_views: dict[str, tuple[Path, Any]], shots: Path, view: str) -> None:
    path, drawn = real_views[view]
    visit = open_page(browser, path)
    page = visit.page
    assert page.evaluate("window.cmkg.nodes.length") == drawn.nodes > 0
    assert page.evaluate("window.cmkg.edges.length") == drawn.edges
    assert page.locator("h1").inner_text() == drawn.title
    assert page.locator("#cmkg-types li").count() >= 1
    page.screenshot(path=str(shots / f"viz-{view}.png"))
    assert visit.console == [] and visit.dialogs == []
    assert network_requests(visit, path) == []
    page.context.close()
