"""Each benchmarked engine in a process of its own, so that a run past its limit can be stopped.

rdflib's evaluator is Python and stops at an alarm, but Oxigraph (in memory, on disk, and
under oxrdflib) evaluates a query in Rust, where no signal reaches it: a query that runs
for an hour holds the benchmark for an hour. So the harness never runs a query itself. It
asks an :class:`EngineWorker`, a child process holding one opened engine, and waits at most
the run's limit plus a grace period; past that it kills the child, records the run as
stopped, and opens the engine again in a new child the next time it is needed.

Times are measured inside the child, around the call alone, exactly as before; only the
request and a few numbers cross the pipe.
"""

from __future__ import annotations

import multiprocessing as mp
import signal
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

__all__ = ["EngineWorker", "RunTimeout", "WorkerError", "GRACE_S", "OPEN_LIMIT_S"]

#: how long past a run's limit the harness waits before it kills the child (the child's own
#: alarm stops rdflib and the HTTP client first; this catches Oxigraph, which ignores it)
GRACE_S = 5.0
#: how long opening an engine may take (10^7 triples into rdflib would take about an hour)
OPEN_LIMIT_S = 3600.0


class RunTimeout(Exception):
    """A run passed its limit: stopped by the child's alarm, or the child was killed."""


class WorkerError(Exception):
    """The query failed in the engine, or the child died; the message says which."""


class EngineWorker:
    """One engine opened in a child process; :meth:`call` runs a request there with a time limit."""

    def __init__(
        self, engine: str, files: Sequence[Path] | None, workdir: Path, timeout: float, url: str | None = None, grace: float = GRACE_S
    ) -> None:
        self.engine = engine
        self.files = None if files is None else [Path(f) for f in files]  # None: the curated graph
        self.grace = grace
        self.workdir = Path(workdir)
        self.timeout = timeout
        self.url = url  # the server engine: the address of a server the harness started
        self.proc: mp.process.BaseProcess | None = None
        self.conn: Connection | None = None
        #: seconds each opening took (the first is the engine's open time; the others are restarts)
        self.opens: list[float] = []
        self.kills = 0

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.is_alive()

    def start(self) -> float:
        """Open the engine in a new child; seconds the opening took inside it."""
        ctx = mp.get_context("spawn")  # a clean interpreter: nothing of the parent's state, no inherited threads
        parent, child = ctx.Pipe()
        self.proc = ctx.Process(
            target=_serve,
            args=(child, self.engine, self.files, self.workdir, self.timeout, self.url),
            name=f"bench-{self.engine}",
            daemon=True,
        )
        self.proc.start()
        child.close()
        self.conn = parent
        reply = self._receive(OPEN_LIMIT_S)
        if reply is None:
            self.kill()
            raise WorkerError(f"{self.engine}: opening took longer than {OPEN_LIMIT_S:.0f} s")
        if reply[0] != "ready":
            self.kill()
            raise WorkerError(reply[1] if reply[1].startswith(f"{self.engine}:") else f"{self.engine}: {reply[1]}")
        self.opens.append(float(reply[1]))
        return float(reply[1])

    def call(self, request: tuple[Any, ...], limit: float) -> dict[str, Any]:
        """Run ``request`` in the child; its reply. Raises RunTimeout past ``limit`` (+ grace)."""
        if not self.alive:
            self.start()
        assert self.conn is not None
        self.conn.send((request, limit))
        reply = self._receive(limit + self.grace)
        if reply is None:
            self.kill()
            self.kills += 1
            raise RunTimeout(f"{self.engine}: {request[0]} {request[1] if len(request) > 1 else ''} passed {limit:g} s")
        status, payload = reply
        if status == "ok":
            return payload
        if status == "timeout":
            raise RunTimeout(payload)
        raise WorkerError(payload)

    def _receive(self, limit: float) -> tuple[str, Any] | None:
        assert self.conn is not None and self.proc is not None
        deadline = time.monotonic() + limit
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                if self.conn.poll(min(left, 1.0)):
                    return self.conn.recv()  # type: ignore[no-any-return]
            except (EOFError, OSError):
                pass
            else:
                if self.proc.is_alive():
                    continue
            # the child is gone (killed by the system when out of memory, or crashed)
            self.proc.join(5)
            code = self.proc.exitcode
            self.proc, self.conn = None, None
            return ("error", f"{self.engine}: the engine's process died (exit code {code})")

    def kill(self) -> None:
        if self.proc is not None and self.proc.pid is not None:  # started
            self.proc.kill()
            self.proc.join(10)
        if self.conn is not None:
            self.conn.close()
        self.proc, self.conn = None, None

    def stop(self) -> None:
        """Close the engine and end the child (killing it if it does not end within 30 s)."""
        if self.alive and self.conn is not None:
            try:
                self.conn.send((("stop",), 0))
                self.proc.join(30)  # type: ignore[union-attr]
            except (OSError, BrokenPipeError):
                pass
        self.kill()

    def __enter__(self) -> EngineWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- the child ---------------------------------------------------------------


def _alarm(signum: int, frame: Any) -> None:
    raise RunTimeout()


def _timed(fn: Callable[[], Any], limit: float) -> tuple[float, Any]:
    """Seconds ``fn`` took and its value; stopped by SIGALRM after ``limit`` s where Python code runs."""
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        start = time.perf_counter()
        value = fn()
        return time.perf_counter() - start, value
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _serve(conn: Connection, engine: str, files: list[Path] | None, workdir: Path, timeout: float, url: str | None) -> None:
    """The child's loop: open the engine, then answer requests until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the harness's to handle
    try:
        from bench.engines import open_engine

        start = time.perf_counter()
        kg, closer = open_engine(engine, files, workdir, timeout, url=url)
        conn.send(("ready", time.perf_counter() - start))
    except Exception as err:
        conn.send(("error", f"{type(err).__name__}: {err}"))
        return
    jobs = _jobs(kg)
    try:
        while True:
            request, limit = conn.recv()
            if request[0] == "stop":
                return
            try:
                conn.send(("ok", _handle(kg, jobs, request, limit)))
            except RunTimeout:
                conn.send(("timeout", f"{engine}: {request[1] if len(request) > 1 else request[0]} passed {limit:g} s"))
            except Exception as err:  # the engine's failure is a finding for the report
                first = str(err).splitlines()[0][:200] if str(err) else ""
                conn.send(("error", f"{type(err).__name__}: {first}"))
    except (EOFError, BrokenPipeError, ConnectionResetError, KeyboardInterrupt):  # the harness is gone
        return
    finally:
        kg.close()
        if closer is not None:
            closer.stop()


def _jobs(kg: Any) -> dict[str, tuple[Callable[[], Any], Callable[[], int] | None]]:
    """name -> (run it through cmkg, run it on raw pyoxigraph) for every runnable catalogue query and the label lookup."""
    from rdflib import Literal

    from bench.engines import raw_query
    from bench.harness import LABEL_LOOKUP, catalogue_plan
    from cmkg.catalogue import Catalogue

    plan, _ = catalogue_plan(Catalogue.load())
    raw_ok = hasattr(kg.engine, "store")
    jobs: dict[str, tuple[Callable[[], Any], Callable[[], int] | None]] = {}
    for name, q, params in plan:
        assert q is not None
        b = q.bindings(params)
        jobs[name] = (
            lambda q=q, p=params: kg.run(q, p),
            (lambda q=q, b=b: raw_query(kg.engine, q.text, b)) if raw_ok else None,
        )
    label = {"label": Literal("Toronto", lang="en")}
    jobs["label-lookup"] = (
        lambda: kg.sparql(LABEL_LOOKUP, label),
        (lambda: raw_query(kg.engine, LABEL_LOOKUP, label)) if raw_ok else None,
    )
    return jobs


def _handle(kg: Any, jobs: dict[str, Any], request: tuple[Any, ...], limit: float) -> dict[str, Any]:
    from bench.harness import _canonical, _rows

    kind = request[0]
    if kind == "query":
        # ("query", name, warm up below (s), digest the result?): the first run is the warm-up
        # and a second one is timed when the first took less than that (True: 1 s, False: never)
        _, name, warmup, digest = request
        warm_below = 1.0 if warmup is True else float(warmup or 0.0)
        call, _raw = jobs[name]
        seconds, result = _timed(call, limit)
        if seconds < warm_below:
            seconds, result = _timed(call, limit)
        out: dict[str, Any] = {"seconds": seconds, "rows": _rows(result)}
        if digest:
            out["digest"] = _canonical(result)
        del result
        return out
    if kind == "raw":
        # ("raw", name[, raw first?]): the same query on raw pyoxigraph, no conversion of results,
        # and through cmkg right beside it, in the order given (a request of its own: a raw run
        # past the limit costs the process, not the engine's measurement). The pair is what the
        # engine layer's cost is read from: both runs find the caches as the other left them,
        # where the catalogue's run comes after other engines' runs and a raw run right after it
        # would find the query's data already warm.
        call, raw_call = jobs[request[1]]
        if raw_call is None:
            raise ValueError(f"{request[1]}: this engine has no raw pyoxigraph store")
        raw_first = request[2] if len(request) > 2 else True
        if raw_first:
            raw_s = _timed(raw_call, limit)[0]
            engine_s = _timed(call, limit)[0]
        else:
            engine_s = _timed(call, limit)[0]
            raw_s = _timed(raw_call, limit)[0]
        return {"seconds": raw_s, "engine_seconds": engine_s}
    if kind == "sparql":
        # ("sparql", label, text[, bindings]): a query that is not in the catalogue
        bindings = request[3] if len(request) > 3 else None
        seconds, result = _timed(lambda: kg.sparql(request[2], bindings), limit)
        return {"seconds": seconds, "rows": _rows(result)}
    if kind == "analytics":
        from bench.harness import BETWEENNESS_BUDGET, analytics

        # ("analytics"[, betweenness budget])
        return analytics(kg, request[1] if len(request) > 1 else BETWEENNESS_BUDGET)
    if kind == "triples":
        return {"triples": kg.engine.triple_count()}
    if kind == "ping":
        return {"pid": __import__("os").getpid()}
    raise ValueError(f"unknown request {kind!r}")
