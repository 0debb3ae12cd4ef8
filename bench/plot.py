"""The PNG plot: catalogue latency and load throughput against graph size, per engine."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

__all__ = ["plot"]

MARKERS = {"memory": "o", "rdflib": "x", "oxigraph": "s", "oxigraph-disk": "D", "oxrdflib": "^", "server": "v"}


def plot(results: dict[str, Any], path: Path) -> Path:
    """Two log-log panels: median catalogue query latency, and load rate, against triples."""
    import matplotlib

    matplotlib.use("Agg")  # no display: write the file only
    import matplotlib.pyplot as plt

    from bench.report import ENGINE_TITLES, PROBES

    sizes = results.get("sizes", {})
    # the same queries for every engine at a size: those all of them answered (a query skipped as too
    # slow on one engine would otherwise make that engine's median look better)
    # rdflib without cmkg's plan stops or skips the slowest queries at 10^6: it does not narrow the set,
    # and its median counts a query it did not answer at the time limit (a lower bound)
    common: dict[str, set[str]] = {}
    for key, size in sizes.items():
        sets = [
            {n for n, q in e.get("queries", {}).items() if "median_s" in q and n not in PROBES}
            for eng, e in size.get("engines", {}).items()
            if eng != "rdflib"
        ]
        common[key] = set.intersection(*sets) if sets else set()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.8))
    for index, (eng, title) in enumerate(ENGINE_TITLES.items()):
        style = {"marker": MARKERS.get(eng, "o"), "color": f"C{index}"}  # one colour per engine in both panels
        lat: list[tuple[float, float]] = []
        load: list[tuple[float, float]] = []
        for key, size in sizes.items():
            e = size.get("engines", {}).get(eng)
            n = size.get("triples") or size.get("requested")
            if not e or not n:
                continue
            times = [
                q.get("median_s", q.get("lower_bound_s"))
                for name, q in e.get("queries", {}).items()
                if name in common[key] and q.get("median_s", q.get("lower_bound_s")) is not None
            ]
            if times:
                lat.append((n, statistics.median(times) * 1000))
            ld = e.get("load", {})
            if ld.get("seconds") and ld.get("triples"):
                load.append((ld["triples"], ld["triples"] / ld["seconds"]))
        if lat:
            # rdflib without the plan: a query past its budget is counted at the budget
            ax1.plot(*zip(*sorted(lat)), label=title + (", at least" if eng == "rdflib" else ""), **style)
        if load:
            ax2.plot(*zip(*sorted(load)), label=title, **style)
    ax1.set(xscale="log", yscale="log", xlabel="triples", ylabel="median latency (ms), queries all engines answered",
            title="Query latency against size")
    ax2.set(xscale="log", yscale="log", xlabel="triples", ylabel="load rate (triples/s)", title="Load throughput against size")
    for ax in (ax1, ax2):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("cmkg benchmark: rdflib memory vs Oxigraph (embedded, on disk, server)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
