"""``python -m bench`` (``make bench``) and ``python -m bench --quick`` (``make bench-quick``)."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from bench import checkpoint
from bench.engines import ENGINES, QUICK_SKIPS
from bench.harness import Config, run, stage


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench",
        description=(
            "Benchmark cmkg's engines on synthetic graphs. A run that is stopped goes on where it stopped "
            "when the same command is given again (the checkpoint in the output folder), unless --fresh."
        ),
    )
    ap.add_argument("--quick", action="store_true", help="10^4 and 10^5 only, 1 timed run, two engines at a time, no load test: under two minutes")
    ap.add_argument("--sizes", help="comma-separated sizes in triples for all engines (default 1e4,1e5,1e6)")
    ap.add_argument("--large", help="comma-separated sizes for the Oxigraph engines only (default 1e7; 'none' for none)")
    ap.add_argument(
        "--engines",
        help=(
            f"comma-separated, of: {', '.join(ENGINES)} (default all; quick: all but {' and '.join(QUICK_SKIPS)}: the engine "
            "the issue measured and cmkg did not keep, and rdflib without cmkg's plan)"
        ),
    )
    ap.add_argument("--reps", type=int, default=None, help="timed runs per query and engine, median reported (default 5; quick 1)")
    ap.add_argument("--large-reps", type=int, default=3, help="timed runs per query at the Oxigraph-only sizes (default 3)")
    ap.add_argument("--out", type=Path, default=None, help="output folder (default build/bench; quick: build/bench-quick)")
    ap.add_argument("--budget", type=float, default=None, help="seconds a single query run may take (default 120; quick 3)")
    ap.add_argument(
        "--stock-budget",
        type=float,
        default=None,
        help="seconds a run may take on rdflib without cmkg's plan (engine rdflib; default 20, never more than --budget)",
    )
    ap.add_argument("--no-curated", action="store_true", help="skip the curated-graph and cold-start measurements")
    ap.add_argument("--no-progress", action="store_true", help="no progress bar")
    ap.add_argument("--no-load", action="store_true", help="skip the explorer load test (bench/load_test.py)")
    ap.add_argument("--fresh", action="store_true", help="start over even if a stopped run left a checkpoint in the output folder")
    args = ap.parse_args(argv)

    def sizes(text: str | None, default: tuple[int, ...]) -> tuple[int, ...]:
        if text is None:
            return default
        if text.strip().lower() == "none":
            return ()
        return tuple(int(float(x)) for x in text.split(",") if x.strip())

    if args.out is None:
        # apart, so that a quick run never meets a stopped full run's checkpoint
        args.out = Path("build") / ("bench-quick" if args.quick else "bench")
    if args.engines is None:
        args.engines = ",".join(e for e in ENGINES if not (args.quick and e in QUICK_SKIPS))
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = [e for e in engines if e not in ENGINES]
    if unknown:
        ap.error(f"unknown engine(s) {', '.join(unknown)}; choose from {', '.join(ENGINES)}")
    if args.reps is None:
        args.reps = 1 if args.quick else 5
    if args.reps < 1 or args.large_reps < 1:
        ap.error("--reps and --large-reps must be at least 1")
    config = Config(
        sizes=sizes(args.sizes, (10**4, 10**5) if args.quick else (10**4, 10**5, 10**6)),
        large_sizes=sizes(args.large, () if args.quick else (10**7,)),
        engines=engines,
        reps=args.reps,
        large_reps=args.large_reps,
        out_dir=args.out,
        quick=args.quick,
    )
    if args.quick:
        # two minutes: one timed run (after a warm-up, for queries under 0.25 s), no
        # query allowed more than a few seconds, no raw-pyoxigraph runs, two runs at a time on
        # different engines (one core each), sampled betweenness over a quarter of the sources,
        # three cold starts, a lighter visualisation benchmark (see bench/viz_bench.py), and no
        # load test (make test runs a small one)
        config.cap_s, config.budget_s = 1.0, 3.0
        config.cold_runs = 3
        config.raw, config.parallel = False, True
        config.warmup_below_s, config.betweenness_budget = 0.25, 500_000
    if args.budget is not None:
        config.budget_s = args.budget
        config.cap_s = min(config.cap_s, args.budget)
    if args.stock_budget is not None:
        if args.stock_budget <= 0:
            ap.error("--stock-budget must be more than 0 seconds")
        config.stock_budget_s = args.stock_budget
    config.curated = not args.no_curated
    # stopped with SIGTERM (a session's end, `kill`): the engines' processes and the server are
    # ended on the way out, and the checkpoint keeps what was measured
    signal.signal(signal.SIGTERM, _stop)
    load_test_follows = not args.no_load and not args.quick
    try:
        _measure(args, config, load_test_follows)
    except (KeyboardInterrupt, _Stopped) as err:
        kept = args.out / checkpoint.NAME
        again = "the same command goes on from " + str(kept) if kept.exists() else "nothing was measured yet"
        print(f"bench: stopped ({'interrupted' if isinstance(err, KeyboardInterrupt) else 'terminated'}); {again}", file=sys.stderr)
        return 130 if isinstance(err, KeyboardInterrupt) else 143
    return 0


def _measure(args: argparse.Namespace, config: Config, load_test_follows: bool) -> None:
    """The run, then the explorer's load test; the checkpoint stays until both are done."""
    results = run(config, show_progress=not args.no_progress, resume=not args.fresh, finish=not load_test_follows)
    s = results["summary"]
    print(f"wrote {args.out / 'results.json'}, {args.out / 'report.md'} and {args.out / 'latency.png'}")
    for key in sorted(k for k in s if k.startswith(("query_speedup_oxigraph_vs", "load_triples_per_s_oxigraph_1"))):
        val = s[key]
        print(f"  {key}: {val:,.2f}" if isinstance(val, (int, float)) else f"  {key}: {val}")
    if load_test_follows:
        from bench import load_test

        clients, requests = 32, 2000
        with stage(results["meta"]["stages"], "load test (explorer)"):
            load = load_test.run(args.out, clients, requests)
        results["load_test"] = load
        print(
            f"wrote {args.out / 'load.json'}: {clients} clients x {requests} requests, "
            f"p95 {load['baseline']['p95_ms']} ms alone, {load['with_pathological']['p95_ms']} ms with pathological queries "
            f"({load['p95_ratio']}x), {load['errors']} errors"
        )
        checkpoint.clear(args.out)
    _print_stages(results, args.out)


class _Stopped(Exception):
    """SIGTERM: unwinds like Ctrl-C, so the engines' processes and the server are ended on the way out."""


def _stop(signum: int, frame: object) -> None:
    raise _Stopped(signum)


def _print_stages(results: dict, out: Path) -> None:
    """Print where the run spent its time; keep the stages in results.json and report.md (the load test ran after they were written)."""
    import json

    stages = results["meta"]["stages"]
    path = out / "results.json"
    saved = json.loads(path.read_text(encoding="utf-8"))
    saved["meta"]["stages"] = stages
    if "load_test" in results:
        saved["load_test"] = results["load_test"]
    path.write_text(json.dumps(saved, indent=1, default=str), encoding="utf-8")
    from bench.report import write_report

    write_report(saved, out / "report.md")
    total_wall = sum(s["wall_s"] for s in stages) or 1.0
    print("stages (wall s, CPU s incl. child processes, share of wall):")
    for s in stages:
        print(f"  {s['stage']:<38} {s['wall_s']:7.1f} {s['cpu_s']:7.1f} {100 * s['wall_s'] / total_wall:5.1f}%")


if __name__ == "__main__":
    sys.exit(main())
