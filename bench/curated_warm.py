"""Warm latency of every catalogue query on the curated graph, embedded default engine.

Loads the curated graph once, runs each named query with its example parameters
once to warm up (parse + prepare), then ``--reps`` more times and prints the
median and the fastest run in milliseconds, slowest first (on a shared machine the
fastest run says what the code costs, the median what a user may see). Not a test:
timings belong in bench/.

Usage::

    python -m bench.curated_warm [--reps 5] [--engine memory] [--only NAME ...] [--profile NAME]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time

from bench.harness import catalogue_plan
from cmkg import KnowledgeGraph

LIMIT_MS = 50.0


def time_catalogue(kg: KnowledgeGraph, reps: int, only: list[str] | None = None) -> dict[str, tuple[float, float]]:
    """(median, fastest) warm time in ms of every runnable catalogue query."""
    plan, _skipped = catalogue_plan(kg.catalogue)
    out: dict[str, tuple[float, float]] = {}
    for name, q, params in plan:
        if only and name not in only:
            continue
        assert q is not None
        kg.run(q, params)  # warm-up: parse and prepare
        runs = []
        for _ in range(reps):
            t0 = time.perf_counter()
            kg.run(q, params)
            runs.append((time.perf_counter() - t0) * 1000)
        out[name] = (statistics.median(runs), min(runs))
    return out


def profile(kg: KnowledgeGraph, name: str, rows: int = 30) -> None:
    """cProfile of one warm run of a named query, by cumulative time."""
    q = kg.catalogue[name]
    params = q.example_values()
    kg.run(q, params)
    prof = cProfile.Profile()
    prof.enable()
    kg.run(q, params)
    prof.disable()
    pstats.Stats(prof, stream=sys.stdout).sort_stats("cumulative").print_stats(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--engine", default="memory")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--profile", metavar="NAME")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    kg = KnowledgeGraph.load(engine=args.engine)
    print(f"loaded {kg.engine.triple_count()} triples in {time.perf_counter() - t0:.2f} s", file=sys.stderr)
    if args.profile:
        profile(kg, args.profile)
        return 0
    times = time_catalogue(kg, args.reps, args.only)
    print(f"{'median':>9}  {'fastest':>9}  query (ms)")
    for name, (ms, fastest) in sorted(times.items(), key=lambda kv: -kv[1][0]):
        print(f"{ms:9.1f}  {fastest:9.1f}  {name}")
    under = sum(ms < LIMIT_MS for ms, _ in times.values())
    fastest_under = sum(fastest < LIMIT_MS for _, fastest in times.values())
    print(f"{under} of {len(times)} under {LIMIT_MS:.0f} ms warm (median of {args.reps}); {fastest_under} by their fastest run")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
