"""Load test of the explorer: concurrent clients against a real ``cmkg serve`` on 127.0.0.1.

Two phases, each against a fresh server: a *baseline* of cheap requests only (named
catalogue queries through ``/api/queries/NAME``, explorer pages, and every entity
page of the graph), then a *mixed* phase where a few clients also send a
pathological query (a three-way cross product of every triple) that the server
must stop with 503 at its time limit. The front pages and the catalogue examples
are requested once before a phase (a running explorer has served them before);
the entity pages are not, so each phase also pays for their first rendering.
Reports throughput, p50/p95/p99 latency of the cheap requests and how many were
answered from the server's response cache, and whether the cheap requests' p95
stayed within 3x of the baseline while the pathological queries ran. Any other
status or a transport error counts as an error.

``python -m bench.load_test [--clients 32] [--requests 2000]`` writes
``build/bench/load.json``; ``make bench`` runs it through ``python -m bench``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bench.process import cmkg_serve

__all__ = ["run", "PATHOLOGICAL", "cheap_requests"]

PATHOLOGICAL = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
#: Explorer pages a visitor opens (the entity pages of the curated graph's best-known resources).
PAGES = (
    "/", "/id/city/toronto", "/id/city/auckland", "/-/classes", "/-/schemes", "/-/search?q=toronto",
    "/-/search?q=diversity", "/ontology", "/-/query", "/api/queries",
)
#: One pathological query per this many requests, from a quarter of the clients.
PATHOLOGICAL_EVERY = 500


def cheap_requests() -> list[str]:
    """The cheap request paths: every catalogue SELECT/ASK with its example parameters, and the pages."""
    from urllib.parse import urlencode

    from cmkg.catalogue import Catalogue

    paths = []
    for q in Catalogue.load().values():
        if q.kind not in ("select", "ask") or q.group.startswith("network") or q.name.startswith("network"):
            continue
        if any(not p.example and not p.optional for p in q.params):
            continue
        args = {p.name: p.example for p in q.params if p.example}
        paths.append(f"/api/queries/{q.name}" + (f"?{urlencode(args)}" if args else ""))
    return paths + list(PAGES)


def entity_pages() -> list[str]:
    """Every entity page of the curated graph (``/id/KIND/SLUG``): the long tail visitors reach by links."""
    from cmkg.kg import KnowledgeGraph

    table = KnowledgeGraph.load().sparql(
        'SELECT DISTINCT ?s WHERE { ?s a ?type FILTER(STRSTARTS(STR(?s), "https://w3id.org/cmkg/id/")) } ORDER BY ?s'
    )
    return [str(row[0]).removeprefix("https://w3id.org/cmkg") for row in table.terms]


def _headers(path: str) -> dict[str, str]:
    return {"Accept": "application/sparql-results+json" if path.startswith("/api/queries/") else "text/html"}


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def _phase(base: str, clients: int, requests: int, paths: list[str], pathological: bool, timeout: float) -> dict[str, Any]:
    """Run ``clients`` threads of ``requests`` requests each; latencies of the cheap ones and the errors."""
    latencies: list[float] = []
    errors: list[str] = []
    stopped = hits = 0
    lock = threading.Lock()

    def client(i: int) -> None:
        nonlocal stopped, hits
        rng = random.Random(i)  # seeded: every run sends the same mix
        bad_every = PATHOLOGICAL_EVERY if pathological and i % 4 == 0 else 0
        with httpx.Client(base_url=base, timeout=timeout + 30) as http:
            for n in range(requests):
                if bad_every and n % bad_every == bad_every // 2 or (bad_every and requests < bad_every and n == requests // 2):
                    try:
                        r = http.get("/sparql", params={"query": PATHOLOGICAL}, headers={"Accept": "application/sparql-results+json"})
                        ok = r.status_code == 503
                        what = f"pathological query: {r.status_code}"
                    except httpx.HTTPError as err:
                        ok, what = False, f"pathological query: {type(err).__name__}"
                    with lock:
                        stopped += ok
                        if not ok:
                            errors.append(what)
                    continue
                path = rng.choice(paths)
                started = time.perf_counter()
                try:
                    r = http.get(path, headers=_headers(path))
                    ok, what = r.status_code == 200, f"{path}: {r.status_code} {r.text[:160]}"
                except httpx.HTTPError as err:
                    ok, what = False, f"{path}: {type(err).__name__}"
                elapsed = time.perf_counter() - started
                with lock:
                    hits += ok and r.headers.get("x-cmkg-cache") == "hit"
                    if ok:
                        latencies.append(elapsed)
                    else:
                        errors.append(what)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return {
        "cheap_requests": len(latencies),
        "pathological_stopped": stopped,
        "cache_hits": hits,
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:10],
        "seconds": round(wall, 3),
        "throughput_per_s": round(len(latencies) / wall, 1) if wall else None,
        "p50_ms": round(1000 * _percentile(latencies, 50), 2),
        "p95_ms": round(1000 * _percentile(latencies, 95), 2),
        "p99_ms": round(1000 * _percentile(latencies, 99), 2),
    }


def run(out_dir: Path, clients: int = 32, requests: int = 2000, *, timeout: float = 10.0) -> dict[str, Any]:
    """Load-test a fresh ``cmkg serve``; write ``out_dir/load.json`` and return its content.

    Parameters
    ----------
    out_dir : Path
        Folder for ``load.json`` (and the server's log).
    clients, requests : int
        Concurrent clients and requests each sends (both phases).
    timeout : float
        The server's ``--timeout``: how long each pathological query holds a worker.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    warm, tail = cheap_requests(), entity_pages()
    phases = {}
    for phase, pathological in (("baseline", False), ("with_pathological", True)):
        # A fresh server per phase, so both start with the same (cold) response cache.
        with cmkg_serve(["--timeout", str(timeout)], out_dir / f"load-server-{phase}.log") as url:
            base = url.rstrip("/")
            # The front pages and the catalogue's examples are warm (a running explorer has served
            # them before); the entity pages are not: each is computed at its first visit.
            with httpx.Client(base_url=base, timeout=60) as http:
                for path in warm:
                    http.get(path, headers=_headers(path))
            phases[phase] = _phase(base, clients, requests, warm + tail, pathological, timeout)
    baseline, mixed = phases["baseline"], phases["with_pathological"]
    ratio = mixed["p95_ms"] / baseline["p95_ms"] if baseline["p95_ms"] else float("nan")
    result = {
        "clients": clients,
        "requests_per_client": requests,
        "server_timeout_s": timeout,
        "cpus": os.cpu_count(),
        "distinct_cheap_requests": len(warm) + len(tail),
        "distinct_entity_pages": len(tail),
        "baseline": baseline,
        "with_pathological": mixed,
        "p95_ratio": round(ratio, 2),
        "p95_within_3x": bool(ratio <= 3.0),
        "errors": baseline["errors"] + mixed["errors"],
    }
    (out_dir / "load.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.load_test", description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--requests", type=int, default=2000, help="requests per client in each phase")
    ap.add_argument("--timeout", type=float, default=10.0, help="the server's per-query limit in seconds")
    ap.add_argument("--out", type=Path, default=Path("build") / "bench")
    args = ap.parse_args(argv)
    if args.clients < 1 or args.requests < 1:
        ap.error("--clients and --requests must be at least 1")
    r = run(args.out, args.clients, args.requests, timeout=args.timeout)
    for phase in ("baseline", "with_pathological"):
        p = r[phase]
        print(
            f"{phase}: {p['cheap_requests']} cheap requests, {p['throughput_per_s']}/s, "
            f"p50 {p['p50_ms']} ms, p95 {p['p95_ms']} ms, p99 {p['p99_ms']} ms, "
            f"{p['pathological_stopped']} pathological stopped, {p['errors']} errors"
        )
    print(f"p95 with pathological queries = {r['p95_ratio']}x baseline (within 3x: {r['p95_within_3x']}); wrote {args.out / 'load.json'}")
    return 1 if r["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
