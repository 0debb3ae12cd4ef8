"""The benchmark: every engine, every size, the whole catalogue, interleaved in one process.

For each size the synthetic graph is generated (cached under ``build/bench/data``),
each engine's load is timed in a fresh process (so peak memory is its own), then
all engines are opened side by side and the catalogue is run round-robin: one
repetition of every query on every engine before the next repetition, with the
engine order rotated, so machine noise hits all engines alike.
"""

from __future__ import annotations

import hashlib
import json
import math
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Literal, URIRef

from bench import checkpoint
from bench.engines import ENGINES, LARGE_ONLY, Server, start_server
from bench.generator import curated_anchors, write_graph
from bench.worker import EngineWorker, RunTimeout, WorkerError
from cmkg.catalogue import Catalogue, NamedQuery
from cmkg.kg import KnowledgeGraph
from cmkg.results import ResultTable

__all__ = ["Config", "run", "size_key", "stage", "analytics", "betweenness_k", "LABEL_LOOKUP", "BETWEENNESS_BUDGET"]

ROOT = Path(__file__).resolve().parents[1]

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

#: not in the catalogue: the lookup every page and `describe` does first
LABEL_LOOKUP = "SELECT ?s WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }"


#: Sampled betweenness runs one breadth-first search per sampled source, each visiting every tie
#: (about 3 µs a tie in networkx): k = this budget / ties, between 16 and 256, keeps a network of
#: 10^5 ties within about five seconds and samples 256 sources below 8,000 ties.
BETWEENNESS_BUDGET = 2_000_000


def betweenness_k(nodes: int, edges: int, budget: int = BETWEENNESS_BUDGET) -> int:
    """How many sources sampled betweenness draws for a network this size (see BETWEENNESS_BUDGET).

    Examples
    --------
    >>> betweenness_k(8_445, 22_022), betweenness_k(84_452, 220_451), betweenness_k(100, 150)
    (90, 16, 100)
    """
    return min(nodes, max(16, min(256, budget // max(1, edges))))


def size_key(n: int) -> str:
    """``1e4`` for 10 000 (the keys of results.json)."""
    exp = len(str(n)) - 1
    return f"1e{exp}" if n == 10**exp else str(n)


@dataclass
class Config:
    """What to measure."""

    sizes: Sequence[int] = (10**4, 10**5, 10**6)
    large_sizes: Sequence[int] = (10**7,)  # for the Oxigraph engines only
    engines: Sequence[str] = ENGINES
    reps: int = 5
    #: timed runs per query at the Oxigraph-only sizes (10^7: 3 x 89 queries x 3 engines is most of an hour)
    large_reps: int = 3
    seed: int = 1
    out_dir: Path = field(default_factory=lambda: Path("build") / "bench")
    cap_s: float = 20.0  # a query run slower than this is not repeated
    budget_s: float = 120.0  # a query predicted to run longer than this at a size is not run there
    #: the budget of rdflib without cmkg's plan (engine ``rdflib``): its slowest queries take hours at
    #: 10^6, and a query it does not answer in this long still counts, with this as a lower bound, in
    #: the speed-up over it (20 s against an Oxigraph answer under a second: at least 20×)
    stock_budget_s: float = 20.0
    cold_runs: int = 5
    #: an untimed run of each cheap query before its timed ones (the first run of a query text
    #: parses it: rdflib's translation, cmkg's inspection of the query, caches)
    warmup: bool = True
    #: a query is warmed up only if its first run took less than this (quick: only the fast
    #: ones, where that first parse is a noticeable share of the run)
    warmup_below_s: float = 1.0
    #: each Oxigraph run repeated on raw pyoxigraph (the engine layer's overhead); not in quick mode
    raw: bool = True
    #: breadth-first searches of sampled betweenness per network (see betweenness_k)
    betweenness_budget: int = BETWEENNESS_BUDGET
    #: the runs shared by two threads, one run per engine at a time (two cores busy), instead
    #: of all interleaved on one: quick mode, where the wall time matters more than shared noise
    parallel: bool = False
    analytics: bool = True
    viz: bool = True
    curated: bool = True
    quick: bool = False


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("rdflib", "pyoxigraph", "oxrdflib", "oxigraph", "sparqlwrapper", "networkx", "cmkg"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _machine() -> dict[str, Any]:
    import os

    mem = 0
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    except (ValueError, OSError):
        pass
    return {"platform": platform.platform(), "cpus": os.cpu_count(), "memory_mb": mem, "processor": platform.processor()}


def _gen_hash() -> str:
    return hashlib.sha1((ROOT / "bench" / "generator.py").read_bytes()).hexdigest()[:8]


def _canonical(table: Any) -> Any:
    """A comparable digest of a result: numbers rounded, blank nodes anonymous, rows sorted."""
    if isinstance(table, bool):
        return table
    if not isinstance(table, ResultTable):
        return len(table)  # a Graph: compare sizes (blank node labels differ between engines)

    def cell(t: Any) -> str:
        if t is None:
            return ""
        if isinstance(t, Literal):
            v = t.toPython()
            if isinstance(v, (int, float)) or type(v).__name__ == "Decimal":
                return f"{float(v):.6g}"
            # RDF 1.1: a simple literal is an xsd:string (oxrdflib writes the datatype, rdflib does not)
            datatype = "" if t.datatype is None or str(t.datatype) == XSD_STRING else t.datatype
            return f"{t}@{t.language or ''}^{datatype}"
        if isinstance(t, URIRef):
            return str(t)
        return "_:"

    rows = sorted("\x1f".join(cell(c) for c in r) for r in table.terms)
    return hashlib.sha1("\x1e".join(rows).encode()).hexdigest()[:12] + f":{len(rows)}"


def _rows(result: Any) -> int:
    if isinstance(result, bool):
        return int(result)
    return len(result)


def catalogue_plan(cat: Catalogue) -> tuple[list[tuple[str, NamedQuery | None, dict[str, Any]]], dict[str, str]]:
    """(name, query, params) for every catalogue query runnable with its examples, and why others are not."""
    plan: list[tuple[str, NamedQuery | None, dict[str, Any]]] = []
    skipped: dict[str, str] = {}
    for name, q in cat.items():
        params = q.example_values()
        missing = [p.name for p in q.params if not p.optional and p.name not in params]
        if missing:
            skipped[name] = f"no example value for {', '.join(missing)}"
            continue
        plan.append((name, q, params))
    return plan, skipped


def _cpu_s() -> float:
    """CPU seconds of this process and its finished children (load probes, cold starts, servers)."""
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


@contextmanager
def stage(record: list[dict[str, Any]], name: str) -> Iterator[None]:
    """Append ``{stage, wall_s, cpu_s}`` for the block to ``record`` (where a bench run spends its time).

    CPU seconds count this process and its children that have exited: on a shared machine the
    shares of CPU time say more than wall time.
    """
    wall, cpu = time.perf_counter(), _cpu_s()
    try:
        yield
    finally:
        record.append({"stage": name, "wall_s": round(time.perf_counter() - wall, 2), "cpu_s": round(_cpu_s() - cpu, 2)})


def _time_call(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds ``fn`` took and what it returned (for the harness's own steps; queries run in workers)."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def run_parallel(tasks: Sequence[tuple[int, str, str]], run: Callable[[int, str, str], None], threads: int = 2) -> None:
    """``run(rep, name, engine)`` for every task on ``threads`` threads, one run per engine at a time.

    Each engine's tasks keep their order (its process answers one request at a time, and a
    query stopped in its first run is not run again). A free thread takes the next task of
    the idle engine with the most work left: its tasks left times its mean run so far (an
    engine not measured yet first), so the slowest engine never waits for the others.
    """
    import threading
    from collections import deque

    queues: dict[str, deque[tuple[int, str, str]]] = {}
    for task in tasks:
        queues.setdefault(task[2], deque()).append(task)
    busy: set[str] = set()
    spent = dict.fromkeys(queues, 0.0)
    done = dict.fromkeys(queues, 0)
    failure: list[BaseException] = []
    cond = threading.Condition()

    def left(eng: str) -> float:
        return spent[eng] / done[eng] * len(queues[eng]) if done[eng] else math.inf

    def worker() -> None:
        while True:
            with cond:
                while True:
                    if failure or not any(queues.values()):
                        return
                    idle = [e for e, q in queues.items() if q and e not in busy]
                    if idle:
                        eng = max(idle, key=left)
                        break
                    cond.wait()
                busy.add(eng)
                task = queues[eng].popleft()
            began = time.perf_counter()
            try:
                run(*task)
            except BaseException as err:  # stop the other thread too, then raise in the caller
                with cond:
                    failure.append(err)
            finally:
                with cond:
                    busy.discard(eng)
                    spent[eng] += time.perf_counter() - began
                    done[eng] += 1
                    cond.notify_all()

    pool = [threading.Thread(target=worker, name=f"bench-{i}") for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if failure:
        raise failure[0]


#: seconds between two plain progress lines when the output is not a terminal
LINE_EVERY_S = 60.0

#: how long the analytics of one size (projection, PageRank, sampled betweenness) may take
ANALYTICS_LIMIT_S = 1800.0


def analytics(kg: KnowledgeGraph, budget: int = BETWEENNESS_BUDGET) -> dict[str, Any]:
    """The actors and diffusion networks projected by SPARQL into networkx, PageRank and sampled betweenness."""
    import networkx as nx

    from cmkg.network import project

    out: dict[str, Any] = {}
    for name in ("actors", "diffusion"):
        try:
            seconds, g = _time_call(lambda: project(kg, name))
        except Exception as err:
            out[name] = {"error": f"{type(err).__name__}: {err}"}
            continue
        entry: dict[str, Any] = {"nodes": g.number_of_nodes(), "edges": g.number_of_edges(), "project_s": seconds}
        entry["pagerank_s"] = _time_call(lambda: nx.pagerank(g))[0]
        k = betweenness_k(g.number_of_nodes(), g.number_of_edges(), budget)
        entry["betweenness_k"] = k
        entry["betweenness_sampled_s"] = _time_call(lambda: nx.betweenness_centrality(g, k=k, seed=1))[0] if k else 0.0
        out[name] = entry
    return out


Pair = tuple[str, str]


@dataclass
class CatalogueState:
    """Where the catalogue runs of one size stand: every time measured so far and the next run.

    Kept in the checkpoint (:mod:`bench.checkpoint`) so that a stopped run goes on where it
    stopped; pairs are (engine, query).
    """

    engines: list[str]
    #: index of the next (rep, query, engine) run in :meth:`Bench.time_queries`' order
    next_task: int = 0
    runs: dict[Pair, list[float]] = field(default_factory=dict)
    raw: dict[str, list[float]] = field(default_factory=dict)
    paired: dict[str, list[float]] = field(default_factory=dict)  # the Oxigraph engine's runs beside the raw ones
    digests: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[Pair, str] = field(default_factory=dict)
    capped: set[Pair] = field(default_factory=set)
    skipped: dict[Pair, float] = field(default_factory=dict)
    timed_out: set[Pair] = field(default_factory=set)
    # wall seconds per pair, warm-ups, raw runs, stopped runs and reopening an engine after a
    # stop included: where a run's time goes
    spent: dict[Pair, float] = field(default_factory=dict)
    #: stopped runs and seconds spent reopening, per engine, by the processes before a resume
    kills_before: dict[str, int] = field(default_factory=dict)
    reopen_before: dict[str, float] = field(default_factory=dict)
    #: the same for this process's workers (see note_workers)
    kills_now: dict[str, int] = field(default_factory=dict)
    reopen_now: dict[str, float] = field(default_factory=dict)

    def note_workers(self, workers: dict[str, EngineWorker]) -> None:
        for eng, w in workers.items():
            self.kills_now[eng] = w.kills
            self.reopen_now[eng] = sum(w.opens[1:])

    def total_kills(self, eng: str) -> int:
        return self.kills_before.get(eng, 0) + self.kills_now.get(eng, 0)

    def total_reopen_s(self, eng: str) -> float:
        return self.reopen_before.get(eng, 0.0) + self.reopen_now.get(eng, 0.0)

    def to_json(self) -> dict[str, Any]:
        def pairs(d: dict[Pair, Any]) -> list[list[Any]]:
            return [[e, n, v] for (e, n), v in d.items()]

        return {
            "engines": self.engines,
            "next_task": self.next_task,
            "runs": pairs(self.runs),
            "raw": self.raw,
            "paired": self.paired,
            "digests": self.digests,
            "errors": pairs(self.errors),
            "capped": sorted(self.capped),
            "skipped": pairs(self.skipped),
            "timed_out": sorted(self.timed_out),
            "spent": pairs(self.spent),
            "kills": {e: self.total_kills(e) for e in self.engines},
            "reopen_s": {e: self.total_reopen_s(e) for e in self.engines},
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> CatalogueState:
        def pairs(rows: list[list[Any]]) -> dict[Pair, Any]:
            return {(e, n): v for e, n, v in rows}

        return cls(
            engines=list(d["engines"]),
            next_task=int(d["next_task"]),
            runs=pairs(d["runs"]),
            raw=d["raw"],
            paired=d["paired"],
            digests=d["digests"],
            errors=pairs(d["errors"]),
            capped={(e, n) for e, n in d["capped"]},
            skipped=pairs(d["skipped"]),
            timed_out={(e, n) for e, n in d["timed_out"]},
            spent=pairs(d["spent"]),
            kills_before=d.get("kills", {}),
            reopen_before=d.get("reopen_s", {}),
        )


class Bench:
    """One run of the benchmark; ``results`` is what goes into results.json."""

    def __init__(self, config: Config, progress: Any = None) -> None:
        self.config = config
        self.progress = progress
        self.catalogue = Catalogue.load()
        self.plan, self.skipped = catalogue_plan(self.catalogue)
        self.results: dict[str, Any] = {
            "meta": {
                "started": _now(),
                "machine": _machine(),
                "versions": _versions(),
                "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(config).items()},
                "catalogue": sorted(self.catalogue),
                "skipped_queries": self.skipped,
                "stages": [],
            },
            "sizes": {},
        }
        self.data_dir = config.out_dir / "data"
        #: where the run spends its time, stage by stage (results.json meta.stages)
        self.stages: list[dict[str, Any]] = self.results["meta"]["stages"]
        self._task = None
        #: (engine, query) -> [(triples, seconds of the first run)], to predict the next size
        self.history: dict[tuple[str, str], list[tuple[int, float]]] = {}
        meta = self.results["meta"]
        self.fingerprint = checkpoint.fingerprint(meta["config"], meta["versions"])
        #: the size under way, as the checkpoint keeps it: {"size", "out", "catalogue"}
        self.current: dict[str, Any] | None = None
        self._started = time.perf_counter()
        self._elapsed_before = 0.0  # seconds the run had taken before it was stopped
        self._last_save = -math.inf
        self._line_part, self._line_at = "", -math.inf

    # --- a stopped run goes on --------------------------------------------
    def resume(self) -> str | None:
        """Take up the checkpoint a stopped run left in the output folder; what happened, in a sentence."""
        out_dir = self.config.out_dir
        litter = checkpoint.remove_work_dirs(out_dir)
        data, problem = checkpoint.read(out_dir)
        if problem:
            return f"{problem}: starting over (it is kept as {checkpoint.set_aside(out_dir)})"
        if data is None:
            return f"removed {len(litter)} working folder(s) a stopped run left in {out_dir}" if litter else None
        if data["fingerprint"] != self.fingerprint:
            return (
                f"the stopped run in {out_dir} was made with other settings, code or library versions than this one: "
                f"starting over (its checkpoint is kept as {checkpoint.set_aside(out_dir)})"
            )
        self.results = data["results"]
        meta = self.results["meta"]
        self.stages = meta["stages"]
        meta.setdefault("resumed", []).append(_now())
        self.history = {(e, n): [(int(t), float(x)) for t, x in h] for e, n, h in data.get("history", [])}
        self.current = data.get("current")
        self._elapsed_before = float(data.get("elapsed_s", 0.0))
        done = list(self.results["sizes"])
        where = ""
        if self.current:
            cat = self.current.get("catalogue")
            where = f"; {self.current['size']} stopped " + (
                f"after {cat['next_task']} of its catalogue runs" if cat else "before its catalogue runs"
            )
        return (
            f"going on with the run started {meta['started']} ({self._elapsed_before / 60:.0f} min so far): "
            f"{'curated graph, ' if 'curated' in self.results else ''}{', '.join(done) or 'no synthetic size'} measured{where}"
        )

    def save_checkpoint(self) -> None:
        """Keep what is measured so far (the catalogue's runs save when :meth:`_due`)."""
        now = self._last_save = time.perf_counter()
        checkpoint.save(
            self.config.out_dir,
            {
                "fingerprint": self.fingerprint,
                "results": self.results,
                "history": [[e, n, h] for (e, n), h in self.history.items()],
                "current": self.current,
                "elapsed_s": self._elapsed_before + now - self._started,
            },
        )

    def _due(self) -> bool:
        return time.perf_counter() - self._last_save >= checkpoint.SAVE_EVERY_S

    def _steps_of(self, size: int) -> int:
        engines = self.engines_for(size)
        return len(engines) + self.reps_for(size) * (len(self.plan) + 1) * len(engines)

    # --- progress ---------------------------------------------------------
    def _say(self, text: str, advance: float = 0) -> None:
        if self.progress is not None and self._task is not None:
            self.progress.update(self._task, description=text, advance=advance)
            self.progress.refresh()
            if not self.progress.disable and not self.progress.console.is_terminal:
                self._line(text)

    def _line(self, text: str) -> None:
        """Where the run is, as a plain line (output to a file or a CI log, where no bar is drawn).

        One when a new step of the run starts (loading, opening or the catalogue's runs of a
        size, its analytics) and at most one a minute while a step goes on.
        """
        part = " ".join(text.split(" ", 2)[:2])  # "1e6: loading", "1e6: run"
        now = time.perf_counter()
        if part == self._line_part and now - self._line_at < LINE_EVERY_S:
            return
        self._line_part, self._line_at = part, now
        task = next(t for t in self.progress.tasks if t.id == self._task)
        minutes = (self._elapsed_before + now - self._started) / 60
        share = 100 * task.completed / task.total if task.total else 0.0
        print(f"bench {share:5.1f}% {minutes:6.1f} min  {text}", flush=True)

    def total_steps(self) -> int:
        n = sum(self._steps_of(size) for size in list(self.config.sizes) + list(self.config.large_sizes))
        return n + (self._curated_steps() if self.config.curated else 0)

    def _curated_steps(self) -> int:
        return self.config.reps * (len(self.plan) + 1) * 2

    def reps_for(self, size: int | None) -> int:
        """Timed runs per query at ``size`` (fewer at the Oxigraph-only sizes: ``large_reps``)."""
        if size is not None and size in self.config.large_sizes:
            return min(self.config.reps, self.config.large_reps)
        return self.config.reps

    def budget_for(self, engine: str) -> float:
        """Seconds one run of a query may take on ``engine``."""
        return min(self.config.budget_s, self.config.stock_budget_s) if engine == "rdflib" else self.config.budget_s

    def engines_for(self, size: int) -> list[str]:
        if size in self.config.large_sizes:
            return [e for e in self.config.engines if e in LARGE_ONLY]
        return list(self.config.engines)

    # --- phases -----------------------------------------------------------
    def run(self) -> dict[str, Any]:
        if self.progress is not None:
            self._task = self.progress.add_task("starting", total=self.total_steps())
        self._started = time.perf_counter()
        anchors = curated_anchors()
        if self.config.curated and "curated" in self.results:
            self._say("curated graph: measured before the stop", self._curated_steps())
        elif self.config.curated:
            self.results["curated"] = self.run_curated()
            self.save_checkpoint()
        for size in list(self.config.sizes) + list(self.config.large_sizes):
            key = size_key(size)
            if key in self.results["sizes"]:
                self._say(f"{key}: measured before the stop", self._steps_of(size))
                continue
            self.results["sizes"][key] = self.run_size(size, anchors)
            self.current = None
            self.write()  # a long run keeps what it has measured so far
            self.save_checkpoint()
        if self.config.viz and "viz" not in self.results:
            with stage(self.stages, "viz (Chromium)"):
                self.results["viz"] = self.run_viz()
            self.save_checkpoint()
        self.results["meta"]["seconds"] = self._elapsed_before + time.perf_counter() - self._started
        from bench.report import summarise

        self.results["summary"] = summarise(self.results)
        self.write()
        return self.results

    def write(self) -> Path:
        out = self.config.out_dir / "results.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.results, indent=1, sort_keys=False, default=str), encoding="utf-8")
        tmp.replace(out)
        return out

    def load_probe(self, engine: str, workdir: Path, files: Sequence[Path]) -> dict[str, Any]:
        cmd = [sys.executable, "-m", "bench.loadprobe", engine, str(workdir), *map(str, files)]
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
        return json.loads(done.stdout.strip().splitlines()[-1])

    def run_size(self, size: int, anchors: Any) -> dict[str, Any]:
        from cmkg.paths import ontology_dir

        key = size_key(size)
        path = self.data_dir / f"synthetic-{key}-seed{self.config.seed}-{_gen_hash()}.nt"
        saved = self.current if self.current and self.current.get("size") == key else None
        out: dict[str, Any] = saved["out"] if saved else {"requested": size, "file": str(path), "engines": {}, "agree": {}}
        self.current = {"size": key, "out": out, "catalogue": saved.get("catalogue") if saved else None}
        again = " (resumed)" if saved else ""
        self._say(f"{key}: generating")
        if not path.exists():
            with stage(self.stages, f"{key}: generate"):
                out["generate_s"] = _time_call(lambda: write_graph(path, size, self.config.seed, anchors))[0]
        # the ontology (concept labels the catalogue joins on) beside the synthetic instance data
        files = sorted(ontology_dir().rglob("*.ttl")) + [path]
        engines = self.engines_for(size)
        with tempfile.TemporaryDirectory(prefix=f"cmkg-bench-{key}-", dir=self.config.out_dir) as tmp:
            work = Path(tmp)

            def probe(eng: str) -> dict[str, Any]:
                self._say(f"{key}: loading {eng}")
                if eng == "rdflib":
                    # the memory engine's Dataset, loaded the same way: its load is memory's
                    return {"load": {"same_as": "memory"}, "queries": {}}
                with stage(self.stages, f"{key}: load probe {eng}"):
                    entry: dict[str, Any] = {"load": self.load_probe(eng, work, files), "queries": {}}
                    if eng == "oxigraph":
                        entry["load_lenient"] = self.load_probe("oxigraph-lenient", work, files)
                self._say(f"{key}: loaded {eng}", 1)
                return entry

            # a resumed size keeps the loads measured before the stop
            todo = [e for e in engines if e not in out["engines"]]
            for eng, entry in zip(todo, self._map(probe, todo)):
                out["engines"][eng] = entry
            self._say(f"{key}: loaded before the stop", len(engines) - len(todo))
            out["triples"] = next((e["load"].get("triples") for e in out["engines"].values() if "triples" in e["load"]), None)
            self.save_checkpoint()
            workers: dict[str, EngineWorker] = {}
            servers: list[Server] = []

            def open_engine(eng: str) -> None:
                self._say(f"{key}: opening {eng}")
                with stage(self.stages, f"{key}: open {eng}{again}"):
                    url = None
                    if eng == "server":
                        servers.append(start_server(files, work, self.config.budget_s))
                        url = servers[-1].url
                    worker = workers[eng] = EngineWorker(eng, files, work, self.budget_for(eng), url=url)
                    try:
                        # oxigraph-disk: reopening without parsing; a resumed size keeps the first opening
                        opened = worker.start()
                        out["engines"][eng].setdefault("open_s", opened)
                    except WorkerError as err:
                        out["engines"][eng]["error"] = str(err)
                        del workers[eng]

            try:
                self._map(open_engine, engines)
                current = self.current
                state = CatalogueState.from_json(current["catalogue"]) if current["catalogue"] else None

                def save(st: CatalogueState, force: bool) -> None:
                    if force or self._due():
                        current["catalogue"] = st.to_json()
                        self.save_checkpoint()

                with stage(self.stages, f"{key}: catalogue{again}"):
                    self.time_queries(key, workers, out, out.get("triples") or size, size, state=state, save=save)
                if self.config.analytics and "oxigraph" in workers:
                    self._say(f"{key}: analytics")
                    with stage(self.stages, f"{key}: analytics"):
                        out["analytics"] = self.run_analytics(workers["oxigraph"])
            finally:
                for w in workers.values():
                    w.stop()
                for server in servers:
                    server.stop()
        return out

    def _map(self, fn: Callable[[str], Any], items: Sequence[str]) -> list[Any]:
        """``fn`` over ``items``: two at a time in parallel (quick) mode, else one after the other."""
        if not self.config.parallel or len(items) < 2:
            return [fn(x) for x in items]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=2) as pool:
            return list(pool.map(fn, items))

    def predict(self, pair: tuple[str, str], triples: int) -> float | None:
        """Seconds one run of ``pair`` should take at ``triples``, from the smaller sizes (at least linear growth)."""
        hist = self.history.get(pair)
        if not hist:
            return None
        (n1, t1) = hist[-1]
        exp = 1.0
        if len(hist) >= 2:
            (n0, t0) = hist[-2]
            if t0 > 0.005 and n1 > n0:  # tiny times are noise, not growth
                exp = min(2.5, max(1.0, math.log(t1 / t0) / math.log(n1 / n0)))
        return t1 * (triples / n1) ** exp

    def time_queries(
        self,
        key: str,
        workers: dict[str, EngineWorker],
        out: dict[str, Any],
        triples: int | None,
        size: int | None = None,
        state: CatalogueState | None = None,
        save: Callable[[CatalogueState, bool], None] | None = None,
    ) -> None:
        """Every catalogue query plus the label lookup, ``reps`` times on every engine, interleaved.

        Each engine answers in its own process (bench/worker.py): a run past ``budget_s`` is
        stopped there, even in Oxigraph, and that query is not run again on that engine at
        this size. A query whose predicted time at this size exceeds ``budget_s`` is not run
        at all (recorded as ``skipped`` with the prediction), so the whole run stays bounded.
        With ``parallel`` (quick mode) two threads share the runs (:func:`run_parallel`), each
        waiting on an engine's worker process: two cores busy instead of one.

        ``state`` is where a stopped run of this size stood (the checkpoint): its runs are kept
        and the next one follows. ``save(state, force)`` is called after every run (the caller
        decides how often to write) and with ``force`` at the end of each repetition.
        """
        st = state if state is not None else CatalogueState(engines=list(workers))
        engines = st.engines
        names = [name for name, _q, _p in self.plan] + ["label-lookup"]
        reps = self.reps_for(size)

        def run_one(rep: int, name: str, eng: str) -> None:
            self._say(f"{key}: run {rep + 1}/{reps} {name} on {eng}", 1)
            pair = (eng, name)
            if pair in st.capped or pair in st.errors or pair in st.skipped:
                return
            if eng not in workers:  # it opened before the stop, not after it
                st.errors[pair] = f"the {eng} engine could not be opened again after the run was resumed"
                return
            if rep == 0 and triples is not None:
                guess = self.predict(pair, triples)
                if guess is not None and guess > self.budget_for(eng):
                    st.skipped[pair] = guess
                    return
            limit = self.budget_for(eng)
            first = rep == 0
            # the worker warms a query up when its first run took less than this
            warm_below = self.config.warmup_below_s if first and self.config.warmup else 0.0
            began = time.perf_counter()
            try:
                # the first repetition: one untimed warm-up of a cheap query (caches, lazy
                # parsing), and a digest of the result to compare the engines' answers
                reply = workers[eng].call(("query", name, warm_below, first), limit)
            except RunTimeout:
                st.skipped[pair] = limit
                st.timed_out.add(pair)
                if triples is not None:
                    self.history.setdefault(pair, []).append((triples, limit))
                st.spent[pair] = st.spent.get(pair, 0.0) + time.perf_counter() - began
                return
            except WorkerError as err:  # a failing query is a finding, not a crash of the bench
                st.errors[pair] = str(err)
                return
            seconds = reply["seconds"]
            if first:
                st.digests.setdefault(name, {})[eng] = {"rows": reply["rows"], "digest": reply.get("digest")}
                if triples is not None:
                    self.history.setdefault(pair, []).append((triples, seconds))
            st.runs.setdefault(pair, []).append(seconds)
            if seconds > self.config.cap_s:
                st.capped.add(pair)
            if eng == "oxigraph" and self.config.raw:
                # raw pyoxigraph on the same query and store: what the engine layer costs
                try:
                    # the raw run and the engine's beside it, first one then the other from rep to rep
                    pair_reply = workers[eng].call(("raw", name, rep % 2 == 0), limit)
                    st.raw.setdefault(name, []).append(pair_reply["seconds"])
                    st.paired.setdefault(name, []).append(pair_reply["engine_seconds"])
                except (RunTimeout, WorkerError):
                    pass
            st.spent[pair] = st.spent.get(pair, 0.0) + time.perf_counter() - began

        # (rep, query, engine) in the order each engine answers them
        tasks = [
            (rep, name, eng)
            for rep in range(reps)
            for j, name in enumerate(names)
            for eng in engines[(rep + j) % len(engines):] + engines[: (rep + j) % len(engines)]
        ]
        if self.config.parallel and len(engines) > 1:
            run_parallel(tasks, run_one, threads=2)
        else:
            if st.next_task:
                self._say(f"{key}: going on at run {tasks[min(st.next_task, len(tasks) - 1)][0] + 1}/{reps}", st.next_task)
            try:
                for i in range(st.next_task, len(tasks)):
                    run_one(*tasks[i])
                    st.next_task = i + 1
                    if save is not None:
                        st.note_workers(workers)
                        save(st, i + 1 == len(tasks) or tasks[i + 1][0] != tasks[i][0])
            except (KeyboardInterrupt, SystemExit, Exception):
                if save is not None:  # stopped: keep every run but the one under way
                    st.note_workers(workers)
                    save(st, True)
                raise
        for (eng, name), times in st.runs.items():
            out["engines"][eng]["queries"][name] = {
                "median_s": statistics.median(times),
                "min_s": min(times),
                "runs": len(times),
                "capped": (eng, name) in st.capped,
                "rows": st.digests.get(name, {}).get(eng, {}).get("rows"),
            }
        for (eng, name), why in st.errors.items():
            out["engines"][eng]["queries"][name] = {"error": why}
        for (eng, name), guess in st.skipped.items():
            if (eng, name) in st.runs:
                continue
            # it would have taken at least the budget: a lower bound for speed-ups over this engine
            out["engines"][eng]["queries"][name] = {
                "skipped": True,
                "timed_out": (eng, name) in st.timed_out,
                "predicted_s": guess,
                "lower_bound_s": self.budget_for(eng),
            }
        if st.raw:
            out["raw_oxigraph"] = {name: statistics.median(t) for name, t in st.raw.items()}
            out["paired_oxigraph"] = {name: statistics.median(t) for name, t in st.paired.items()}
        st.note_workers(workers)
        for eng in engines:
            if eng not in out["engines"]:
                continue
            out["engines"][eng]["catalogue_wall_s"] = round(sum(t for (e, _), t in st.spent.items() if e == eng), 2)
            # a stopped Oxigraph run kills the engine's process; it is opened again for the next query
            out["engines"][eng]["stopped_runs"] = st.total_kills(eng)
            out["engines"][eng]["reopen_s"] = round(st.total_reopen_s(eng), 2)
        out["slowest_to_measure"] = [
            {"engine": e, "query": n, "wall_s": round(t, 2)} for (e, n), t in sorted(st.spent.items(), key=lambda kv: -kv[1])[:10]
        ]
        for name, per in st.digests.items():
            values = {v["digest"] for v in per.values()}
            out["agree"][name] = {"same": len(values) == 1, "rows": {e: v["rows"] for e, v in per.items()}}

    def run_analytics(self, worker: EngineWorker) -> dict[str, Any]:
        """:func:`analytics` on the Oxigraph engine's process (stopped after ANALYTICS_LIMIT_S)."""
        try:
            return worker.call(("analytics", self.config.betweenness_budget), ANALYTICS_LIMIT_S)
        except RunTimeout:
            return {"error": f"stopped after {ANALYTICS_LIMIT_S:.0f} s"}
        except WorkerError as err:
            return {"error": str(err)}

    def run_curated(self) -> dict[str, Any]:
        """The curated graph: warm catalogue latency on the embedded engines, and a cold CLI process."""
        out: dict[str, Any] = {"engines": {}, "agree": {}}
        workers: dict[str, EngineWorker] = {}
        try:
            with tempfile.TemporaryDirectory(prefix="cmkg-bench-curated-", dir=self.config.out_dir) as tmp:
                for eng in ("memory", "oxigraph"):
                    workers[eng] = EngineWorker(eng, None, Path(tmp), self.config.budget_s)
                    workers[eng].start()
                    out["engines"][eng] = {"queries": {}}
                # the curated graph is the smallest size: its times seed the predictions for the synthetic sizes
                triples = workers["memory"].call(("triples",), 60)["triples"]
                with stage(self.stages, "curated: catalogue"):
                    self.time_queries("curated", workers, out, triples)
        finally:
            for w in workers.values():
                w.stop()
        with stage(self.stages, "curated: cold start"):
            out["cold_start"] = self.run_cold_start()
        return out

    def run_cold_start(self) -> dict[str, Any]:
        """Whole ``cmkg query`` processes on the curated graph: import, load, query, print."""
        name, params = "practices-in-city", {"city": "Toronto"}
        if name not in self.catalogue and self.plan:
            name, _q, params = self.plan[0]
        cmd = [sys.executable, "-m", "cmkg", "query", name, *[f"-p{k}={v}" for k, v in params.items()], "--format", "csv"]
        times: list[float] = []
        error = None
        for _ in range(self.config.cold_runs):
            seconds, done = _time_call(lambda: subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT))
            if done.returncode != 0:
                error = (done.stderr.strip().splitlines() or ["failed"])[-1]
                break
            times.append(seconds)
        probe = (
            "import sys, time; t = time.perf_counter(); import cmkg.cli; "
            "print(time.perf_counter() - t); "
            "print(','.join(m for m in ('pandas', 'fastapi', 'uvicorn', 'pyvis', 'matplotlib', 'networkx', 'pyshacl', 'owlrl', 'SPARQLWrapper', 'jinja2') if m in sys.modules))"
        )
        imp = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
        lines = imp.stdout.strip().splitlines()
        out: dict[str, Any] = {"command": " ".join(["cmkg", *cmd[3:]]), "runs": len(times)}
        if times:
            out["median_s"] = statistics.median(times)
        if error:
            out["error"] = error
        if len(lines) >= 1:
            out["import_cli_s"] = float(lines[0])
            out["heavy_modules_imported"] = [m for m in (lines[1].split(",") if len(lines) > 1 else []) if m]
        return out

    def run_viz(self) -> dict[str, Any]:
        """Writing a capped visualisation (``bench/viz_bench.py`` of the visualisation work)."""
        try:
            from bench import viz_bench  # type: ignore[attr-defined]
        except ImportError:
            return {"error": "bench/viz_bench.py is not in this checkout"}
        try:
            seconds, result = _time_call(lambda: viz_bench.run(self.config.out_dir / "viz", quick=self.config.quick))
        except Exception as err:
            return {"error": f"{type(err).__name__}: {err}"}
        return {"seconds": seconds, **(result if isinstance(result, dict) else {})}


def run(config: Config, *, show_progress: bool = True, resume: bool = True, finish: bool = True) -> dict[str, Any]:
    """Run the benchmark and write ``results.json``, ``report.md`` and ``latency.png`` to ``config.out_dir``.

    A checkpoint a stopped run left in ``config.out_dir`` is taken up (``resume``; else it is
    removed and the run starts over); ``finish`` removes the checkpoint at the end (the caller
    that measures more after this, the load test, removes it itself).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    config.out_dir.mkdir(parents=True, exist_ok=True)
    bench = Bench(config)
    if resume:
        said = bench.resume()
    else:
        checkpoint.clear(config.out_dir)
        checkpoint.remove_work_dirs(config.out_dir)
        said = None
    if said:
        print(f"bench: {said}", flush=True)
    with Progress(
        TextColumn("[bold]bench[/]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.description}"),
        disable=not show_progress,
        # refreshed by the harness itself: a refresh thread would run the garbage collector off the
        # main thread, where pyoxigraph's result objects refuse to be freed
        auto_refresh=False,
    ) as progress:
        bench.progress = progress
        results = bench.run()
    from bench.plot import plot
    from bench.report import write_report

    write_report(results, config.out_dir / "report.md")
    plot(results, config.out_dir / "latency.png")
    if finish:
        checkpoint.clear(config.out_dir)
    return results
