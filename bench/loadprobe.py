"""Load files into one engine in a fresh process and report time and peak memory as JSON.

Run by the harness as ``python -m bench.loadprobe ENGINE WORKDIR FILE…`` so that
each engine's peak resident memory is its own (``ru_maxrss`` of this process, or
of the ``oxigraph load`` child for the server).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path

__all__ = ["probe", "LOAD_ENGINES"]

#: engines whose loading the probe can time (``oxigraph-lenient`` skips IRI validation)
LOAD_ENGINES = ("memory", "oxigraph", "oxigraph-lenient", "oxigraph-disk", "oxrdflib", "server")


def _rss_mb(who: int) -> float:
    # ru_maxrss is in KiB on Linux
    return resource.getrusage(who).ru_maxrss / 1024


def probe(engine: str, workdir: Path, files: list[Path]) -> dict[str, float]:
    """Load ``files`` into ``engine``; seconds, peak MB and the triples it then holds."""
    # the modules first: an import is the cold start's cost (measured apart), not the load's; left
    # in, it halved the Oxigraph engine's rate at 10^4 triples (0.3 s of imports for 0.03 s of parsing)
    import pyoxigraph

    # a load is a parse: never a Dataset the memory engine kept from an earlier run (cmkg.parsecache)
    os.environ["CMKG_CACHE_DIR"] = "off"

    from bench.engines import OxrdflibEngine, Server
    from cmkg.engine.oxigraph import OxigraphEngine
    from cmkg.kg import KnowledgeGraph

    base = _rss_mb(resource.RUSAGE_SELF)
    who = resource.RUSAGE_SELF
    start = time.perf_counter()
    if engine == "memory":
        kg = KnowledgeGraph.load(engine="memory", files=files)
        seconds = time.perf_counter() - start
        triples = len(kg.dataset)
    elif engine in ("oxigraph", "oxigraph-lenient", "oxigraph-disk"):
        path = None
        if engine == "oxigraph-disk":
            path = workdir / "store"
            shutil.rmtree(path, ignore_errors=True)
        eng = OxigraphEngine.open(files, path=path, lenient=engine == "oxigraph-lenient", progress=False)
        if path is not None:
            eng.store.flush()
        seconds = time.perf_counter() - start
        triples = len(eng.store)
        eng.close()
    elif engine == "oxrdflib":
        ox = OxrdflibEngine(files)
        seconds = time.perf_counter() - start
        triples = len(ox.dataset)
    elif engine == "server":
        location = workdir / "server"
        shutil.rmtree(location, ignore_errors=True)
        Server(location).load(files)
        seconds = time.perf_counter() - start
        who = resource.RUSAGE_CHILDREN
        # count with a read-only store opened after the loader exited
        triples = len(pyoxigraph.Store.read_only(str(location)))
    else:
        raise SystemExit(f"unknown engine {engine!r}; one of {', '.join(LOAD_ENGINES)}")
    peak = _rss_mb(who)
    return {"seconds": seconds, "peak_mb": peak, "baseline_mb": base if who == resource.RUSAGE_SELF else 0.0, "triples": triples}


if __name__ == "__main__":
    name, work, *paths = sys.argv[1:]
    print(json.dumps(probe(name, Path(work), [Path(p) for p in paths])))
