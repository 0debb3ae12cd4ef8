"""Merge benchmark runs into one ``results.json``, ``report.md`` and ``latency.png``.

The sizes of ``make bench`` can be run as separate processes (``--sizes`` and ``--large``,
each with its own ``--out``), for instance 10^4–10^6 and 10^7 side by side, or 10^7 on a
machine with more memory, and then merged::

    python -m bench.merge build/bench build/bench/results.json build/bench-1e7/results.json

Sizes are taken from each file in turn (a later file's size replaces an earlier one's), the
curated-graph and visualisation results from the first file that has them, and the summary is
computed again over the merged sizes. Each part's start, configuration, duration and stages
are kept under ``meta.parts``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["merge", "main"]


def merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One results document from several runs' ``results.json`` documents."""
    if not parts:
        raise ValueError("nothing to merge")
    from bench.report import summarise

    out: dict[str, Any] = {"meta": dict(parts[0].get("meta", {})), "sizes": {}}
    out["meta"]["parts"] = [
        {
            "started": p.get("meta", {}).get("started"),
            "seconds": p.get("meta", {}).get("seconds"),
            "config": p.get("meta", {}).get("config"),
            "sizes": list(p.get("sizes", {})),
        }
        for p in parts
    ]
    out["meta"]["stages"] = [st for p in parts for st in p.get("meta", {}).get("stages", [])]
    # the parts may have run side by side: the longest is the wall time of the whole
    out["meta"]["seconds"] = max((p.get("meta", {}).get("seconds") or 0) for p in parts)
    for p in parts:
        out["sizes"].update(p.get("sizes", {}))
        for key in ("curated", "viz"):
            if key in p and key not in out:
                out[key] = p[key]
    # sizes in increasing order, whatever order the parts came in
    out["sizes"] = dict(sorted(out["sizes"].items(), key=lambda kv: kv[1].get("requested") or 0))
    out["summary"] = summarise(out)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.merge", description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="folder for the merged results.json, report.md and latency.png")
    ap.add_argument("results", type=Path, nargs="+", help="results.json files of the runs to merge")
    args = ap.parse_args(argv)
    parts = []
    for path in args.results:
        try:
            parts.append(json.loads(path.read_text(encoding="utf-8")))
        except OSError as err:
            print(f"error: {path}: {err.strerror}", file=sys.stderr)
            return 2
        except ValueError as err:
            print(f"error: {path}: not a results.json ({err})", file=sys.stderr)
            return 2
    merged = merge(parts)
    from bench.plot import plot
    from bench.report import write_report

    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / "results.json"
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(merged, indent=1, default=str), encoding="utf-8")
    tmp.replace(target)
    write_report(merged, args.out / "report.md")
    plot(merged, args.out / "latency.png")
    print(f"wrote {target}, {args.out / 'report.md'} and {args.out / 'latency.png'} ({', '.join(merged['sizes'])})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
