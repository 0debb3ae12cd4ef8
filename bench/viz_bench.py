"""Benchmark of ``cmkg viz``: time to first draw in headless Chromium, and the Python side.

For every view of the real graph and for synthetic graphs of 1,000 and 10,000
nodes it records how long Python takes to project, lay out and write the page,
the file size, and the browser's time from navigation start to vis-network's
first ``afterDrawing`` event (the median of a few loads). Results go to
``build/bench/viz.json``.

Run alone with ``python -m bench.viz_bench [OUT_DIR]``; ``bench/__main__.py`` calls :func:`run`.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import networkx as nx

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
TYPES = ("Practice", "Organisation", "City", "Person", "PolicyArea", "Country")
LOADS = 3


def synthetic(n: int, seed: int = 7) -> nx.Graph:
    """A scale-free actor-like network of ``n`` nodes with types, labels and descriptions."""
    g = nx.barabasi_albert_graph(n, 2, seed=seed)
    rng = random.Random(seed)
    out = nx.Graph(name=f"synthetic-{n}", title=f"Synthetic network of {n:,} nodes",
                   description="Barabási-Albert graph (m=2) with random types, for timing.")
    for node in g:
        kind = rng.choice(TYPES)
        out.add_node(f"https://w3id.org/cmkg/id/x/n{node}", label=f"{kind} {node}", type=kind,
                     description=f"Synthetic {kind.lower()} number {node}.", source="bench", country="")
    for u, v in g.edges():
        out.add_edge(f"https://w3id.org/cmkg/id/x/n{u}", f"https://w3id.org/cmkg/id/x/n{v}", relation="partner", weight=1.0)
    return out


def first_draw_ms(browser: Any, path: Path, loads_per_case: int = LOADS) -> dict[str, float]:
    """Median time from navigation start to the first drawn frame, and to the page's load event."""
    draws, loads = [], []
    for _ in range(loads_per_case):
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(path.as_uri(), wait_until="load")
        page.wait_for_selector("body[data-drawn=true]", timeout=300_000)
        draws.append(page.evaluate("window.cmkg.firstDraw"))
        loads.append(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"))
        page.close()
    return {"first_draw_ms": round(statistics.median(draws), 1), "load_event_ms": round(statistics.median(loads), 1)}


def run(out_dir: str | Path = "build/bench", *, quick: bool = False) -> dict[str, Any]:
    """Time every view and the synthetic graphs; write ``viz.json`` into ``out_dir`` and return the results.

    ``quick`` (``make bench-quick``) loads each page once and leaves out the 10,000-node graph,
    whose layout alone takes most of this benchmark's time.
    """
    loads_per_case = 1 if quick else LOADS
    from playwright.sync_api import sync_playwright

    from cmkg import KnowledgeGraph
    from cmkg.visualize import save, visualize

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="cmkg-viz-bench-"))
    cases: list[tuple[str, Path, dict[str, Any]]] = []

    kg = KnowledgeGraph.load()
    views = ["actors", "organisations", "cities", "diffusion", "policy"]
    try:
        from cmkg import network

        actors = network.project(kg, "actors")
        hub = max(actors, key=lambda n: (actors.degree(n), n)) if len(actors) else None
    except ImportError:  # the network projections are not installed: synthetic graphs only
        views, hub = [], None
    for view in views + (["ego"] if hub else []):
        path = work / f"{view}.html"
        t0 = time.perf_counter()
        page = visualize(kg, view, path, focus=hub if view == "ego" else None)
        cases.append((view, path, {"python_s": round(time.perf_counter() - t0, 3), "nodes": page.nodes, "edges": page.edges}))
    for n in (1_000,) if quick else (1_000, 10_000):
        graph = synthetic(n)
        path = work / f"synthetic-{n}.html"
        t0 = time.perf_counter()
        page = save(graph, path, max_nodes=n)
        cases.append((f"synthetic-{n}", path, {"python_s": round(time.perf_counter() - t0, 3), "nodes": page.nodes, "edges": page.edges}))

    results: dict[str, Any] = {"browser": CHROMIUM, "loads_per_case": loads_per_case, "cases": {}}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            results["browser_version"] = browser.version
            for name, path, info in cases:
                info.update(first_draw_ms(browser, path, loads_per_case), html_bytes=path.stat().st_size)
                results["cases"][name] = info
                print(f"viz {name:>16}: {info['nodes']:>6,} nodes {info['edges']:>6,} edges  "
                      f"python {info['python_s']:6.2f} s  first draw {info['first_draw_ms']:8.1f} ms  "
                      f"{info['html_bytes'] / 1e6:5.2f} MB", flush=True)
        finally:
            browser.close()
    (out_dir / "viz.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return results


if __name__ == "__main__":
    run(sys.argv[1] if len(sys.argv) > 1 else "build/bench")
