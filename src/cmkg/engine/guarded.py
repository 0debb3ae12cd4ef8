"""A killable time limit and a row cap around any engine.

rdflib's SPARQL engine has no timeout and runs in pure Python, so a thread
cannot be stopped: a cross product of every triple with itself three times would
hold a server forever. :class:`GuardedEngine` therefore runs each query in a
worker process forked from the one that holds the graph (the loaded Dataset is
shared copy-on-write, nothing is pickled on the way in) and kills it with
``SIGKILL`` at the deadline. Only the answer travels back, capped at
``max_rows`` rows (or triples) so a huge result cannot exhaust the server.

Queries are inspected in the parent before anything is forked: an update, a
syntax error, ``SERVICE`` or a remote ``FROM`` is refused at once, unless a
federation policy allows the ``SERVICE`` endpoint (embedded engines) or
``allow_remote`` leaves the decision to a remote store. An embedded query then
runs in the worker inside :func:`~cmkg.safety.egress_guard` with that policy.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rdflib import Dataset, Graph
from rdflib.term import Node

from cmkg.engine.base import Engine, QueryResult, check_federation, inspect_query, refuse_remote_access
from cmkg.engine.local import check_rdflib_service, federated
from cmkg.errors import CmkgError, EndpointError, QueryRefused, QueryTimeout
from cmkg.results import ResultTable
from cmkg.safety import FederationPolicy, install_egress_hook

__all__ = ["GuardedEngine", "Outcome"]



def _fork_context() -> Any:
    try:
        return multiprocessing.get_context("fork")
    except ValueError:  # Windows has no fork
        raise CmkgError("the guarded engine needs os.fork, which this platform does not have (use Linux or macOS)") from None


@dataclass(frozen=True)
class Outcome:
    """What one guarded query gave: the result, whether it was cut at the row cap, and its run time."""

    result: QueryResult
    truncated: bool
    seconds: float
    kind: str


#: Seconds after which a running query's worker gets a lower CPU priority.
RENICE_AFTER_S = 1.0


#: How much lower than the server's own (nice 0 → 10; a server started under nice 10 → 19, the lowest).
RENICE_BY = 10


def _lower_priority(pid: int) -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, pid, min(19, os.getpriority(os.PRIO_PROCESS, 0) + RENICE_BY))
    except (OSError, AttributeError):  # already gone, or a platform without setpriority
        pass


def _run_in_child(
    inner: Engine, kind: str, text: str, bindings: Mapping[str, Node], max_rows: int, conn: Any,
    federation: FederationPolicy | None = None, endpoints: tuple[str, ...] = (), prepared: Any = None,
) -> None:
    """Body of the worker process: run the query, send back ``("ok", payload)`` or ``("error", message)``.

    Nothing here may take a lock (PARSE_LOCK included): another thread of the parent
    may have held it at fork time, and the child's copy would never be released.
    """
    try:
        dataset = getattr(inner, "dataset", None)
        if isinstance(dataset, Dataset):
            # Straight to rdflib so rows stream: we stop after max_rows + 1
            # instead of materialising a result nobody will receive. The parent
            # checked the query against the policy; the guard checks each connection.
            with federated(federation, endpoints):
                # the memory engine's prepared and planned query, made by the parent before the fork
                res = dataset.query(prepared if prepared is not None else text, initBindings=dict(bindings))
                if kind == "select":
                    columns = [str(v) for v in (res.vars or [])]
                    rows = [tuple(r) for r in itertools.islice(res, max_rows + 1)]
                    payload: Any = ("table", columns, rows[:max_rows], len(rows) > max_rows)
                elif kind == "ask":
                    payload = ("ask", bool(res.askAnswer))
                else:
                    g = res.graph if res.graph is not None else Graph()
                    payload = _graph_payload(g, max_rows, dataset)
        else:
            out = inner.query(text, bindings)
            if isinstance(out, ResultTable):
                payload = ("table", list(out.columns), list(out.terms[:max_rows]), out.truncated or len(out) > max_rows)
            elif isinstance(out, bool):
                payload = ("ask", out)
            else:
                payload = _graph_payload(out, max_rows, out)
        conn.send(("ok", payload))
    except CmkgError as err:
        conn.send(("error", type(err).__name__, str(err)))
    except BaseException as err:  # noqa: BLE001 - anything else becomes one sentence, never a trace
        conn.send(("error", "CmkgError", f"the query failed during evaluation ({type(err).__name__})"))
    finally:
        conn.close()


def _graph_payload(g: Graph, max_rows: int, prefixes_from: Graph) -> tuple[Any, ...]:
    triples = list(itertools.islice(iter(g), max_rows + 1))
    namespaces = [(p, str(ns)) for p, ns in prefixes_from.namespace_manager.namespaces()]
    return ("graph", triples[:max_rows], len(triples) > max_rows, namespaces)


_ERRORS: dict[str, type[CmkgError]] = {
    cls.__name__: cls for cls in (CmkgError, QueryRefused, QueryTimeout, EndpointError)
}


class GuardedEngine(Engine):
    """Run each query of ``inner`` in a killable worker process, with a deadline and a row cap.

    Parameters
    ----------
    inner : Engine or rdflib.Dataset or callable
        The engine to guard; a Dataset is wrapped in a LocalEngine; a callable is
        called once to make the engine.
    timeout : float
        Seconds a query may run; a caller may ask for less, never for more.
    max_rows : int
        Rows (SELECT) or triples (CONSTRUCT/DESCRIBE) returned at most; a longer
        result is cut and flagged ``truncated``.
    allow_remote : bool
        For a remote ``inner`` engine (``--endpoint``): pass ``SERVICE`` and
        ``FROM``/``FROM NAMED`` on to the store, which applies its own policy.
        Embedded engines ignore it: only ``federation`` opens them.
    federation : FederationPolicy, optional
        Which endpoints ``SERVICE`` may reach from an embedded ``inner`` engine
        (default: the inner engine's own policy; ``None`` there: none). The
        Oxigraph engine refuses ``SERVICE`` under any policy.
    max_workers : int
        Queries running at once (default: four per core, at least 8); more wait
        for a free worker, at most ``queue_timeout`` seconds.
    queue_timeout : float
        Seconds a query may wait for a free worker before it is turned away
        (default: the time limit, at least 30 s). The time limit itself counts
        from the moment the query starts running, as in Fuseki or the Wikidata
        query service, so a busy moment does not eat a query's own time.

    Notes
    -----
    A worker still running after :data:`RENICE_AFTER_S` seconds is given a
    lower CPU priority, so the short queries that make up most of a public
    endpoint's traffic are not slowed down by a few expensive ones.

    Examples
    --------
    >>> from cmkg import KnowledgeGraph
    >>> kg = KnowledgeGraph.load()
    >>> guarded = GuardedEngine(kg.engine, timeout=10, max_rows=2)
    >>> table = guarded.query("SELECT ?s WHERE { ?s ?p ?o }")
    >>> len(table), table.truncated
    (2, True)
    >>> guarded.query("ASK { ?s ?p ?o }")
    True
    """

    name = "guarded"

    def __init__(
        self,
        inner: Engine | Dataset | Callable[[], Engine],
        timeout: float = 30.0,
        max_rows: int = 10_000,
        *,
        allow_remote: bool = False,
        max_workers: int | None = None,
        federation: FederationPolicy | None = None,
        queue_timeout: float | None = None,
    ) -> None:
        if isinstance(inner, Dataset):
            from cmkg.engine.local import LocalEngine

            inner = LocalEngine(inner)
        elif not isinstance(inner, Engine) and callable(inner):
            inner = inner()
        if not isinstance(inner, Engine):
            raise TypeError("GuardedEngine needs an Engine, an rdflib Dataset or a factory of engines")
        if timeout <= 0 or max_rows < 0:
            raise ValueError("timeout must be positive and max_rows not negative")
        self.inner = inner
        self.timeout = float(timeout)
        self.max_rows = int(max_rows)
        self.allow_remote = allow_remote
        self.federation = federation if federation is not None else inner.federation
        self._fork = _fork_context()
        self.queue_timeout = float(queue_timeout) if queue_timeout else max(30.0, self.timeout)
        # More workers than cores: a few slow queries must not make every other client wait
        # (they are reniced after a second, so the short ones still get the CPU).
        self.max_workers = int(max_workers or max(8, 4 * (os.cpu_count() or 2)))
        self._slots = threading.BoundedSemaphore(self.max_workers)
        self._warm_up()
        install_egress_hook()  # before any fork: the worker must not take the install lock

    @property
    def dataset(self) -> Dataset | None:
        """The inner engine's Dataset (embedded engines), so dumps need no query."""
        ds = getattr(self.inner, "dataset", None)
        return ds if isinstance(ds, Dataset) else None

    def _warm_up(self) -> None:
        # rdflib imports its SPARQL evaluator lazily; importing it here, before any
        # worker thread exists, keeps a forked child from waiting on an import lock.
        ds = self.dataset
        if ds is not None:
            list(ds.query("ASK { ?s ?p ?o }"))

    def effective_timeout(self, requested: float | None) -> float:
        """The deadline for one query: the caller's if it is lower than the operator's."""
        if requested is None or requested <= 0:
            return self.timeout
        return min(float(requested), self.timeout)

    def check(self, text: str) -> str:
        """Refuse what must never run (updates, syntax errors, remote access); return the query kind."""
        info = inspect_query(text)
        if not self.inner.embedded:
            if not self.allow_remote:
                refuse_remote_access(info, "this endpoint")
            return info.kind
        if self.inner.name == "oxigraph":
            if info.uses_service and self.federation is not None and self.federation.prefixes:
                from cmkg.engine.oxigraph import NO_OXIGRAPH_FEDERATION

                raise QueryRefused(NO_OXIGRAPH_FEDERATION)
            refuse_remote_access(info, "this endpoint")
            return info.kind
        check_federation(info, self.federation, "this endpoint")
        if info.uses_service:
            check_rdflib_service(text, info)
        return info.kind

    def remote_access(self) -> str:
        """One sentence saying what ``SERVICE`` and ``FROM`` may reach through this engine (for service descriptions).

        Examples
        --------
        >>> from rdflib import Dataset
        >>> GuardedEngine(Dataset()).remote_access()
        'SERVICE and FROM/FROM NAMED with a remote IRI are refused.'
        """
        if not self.federates:
            return "SERVICE and FROM/FROM NAMED with a remote IRI are refused."
        if not self.inner.embedded:
            return "SERVICE and FROM/FROM NAMED are passed on to the SPARQL store behind this endpoint, which applies its own policy."
        assert self.federation is not None
        return self.federation.describe()

    @property
    def federates(self) -> bool:
        """Whether some SERVICE query can run through this engine."""
        if not self.inner.embedded:
            return self.allow_remote
        # Oxigraph's own HTTP client cannot be held to a policy: it never federates
        return self.federation is not None and bool(self.federation.prefixes) and self.inner.name != "oxigraph"

    def run(
        self,
        text: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        timeout: float | None = None,
        cancel: threading.Event | None = None,
    ) -> Outcome:
        """Run one query under the limits and say whether it was cut.

        Setting ``cancel`` (e.g. when the HTTP client hangs up) kills the worker at
        once and raises :class:`~cmkg.errors.QueryTimeout`.
        """
        kind = self.check(text)
        endpoints = inspect_query(text).service_endpoints  # cached by check(); the worker must not parse
        limit = self.effective_timeout(timeout)
        self._wait_for_worker(cancel)
        try:
            started = time.monotonic()
            message = self._fork_and_wait(kind, text, dict(bindings or {}), started + limit, limit, cancel, endpoints)
        finally:
            self._slots.release()
        elapsed = time.monotonic() - started
        if message[0] == "error":
            cls = _ERRORS.get(message[1], CmkgError)
            raise cls(message[2])
        payload = message[1]
        if payload[0] == "table":
            _tag, columns, rows, truncated = payload
            return Outcome(ResultTable.from_rows(columns, rows, truncated), truncated, elapsed, kind)
        if payload[0] == "ask":
            return Outcome(payload[1], False, elapsed, kind)
        _tag, triples, truncated, namespaces = payload
        g = Graph()
        for prefix, ns in namespaces:
            g.bind(prefix, ns)
        for t in triples:
            g.add(t)
        return Outcome(g, truncated, elapsed, kind)

    def _wait_for_worker(self, cancel: threading.Event | None) -> None:
        """Take a worker slot, waiting at most ``queue_timeout`` (and not at all for a client that left)."""
        give_up = time.monotonic() + self.queue_timeout
        while not self._slots.acquire(timeout=max(0.0, min(0.25, give_up - time.monotonic()))):
            if cancel is not None and cancel.is_set():
                raise QueryTimeout("the query was dropped because its client went away while it waited")
            if time.monotonic() >= give_up:
                raise QueryTimeout(
                    f"all {self.max_workers} query workers stayed busy for {self.queue_timeout:g} s; try again shortly"
                )

    def _fork_and_wait(
        self, kind: str, text: str, bindings: dict[str, Node], deadline: float, limit: float,
        cancel: threading.Event | None, endpoints: tuple[str, ...] = (),
    ) -> tuple[Any, ...]:
        prepared = None
        if self.dataset is not None and not (kind == "describe" and bindings):
            # parsed, translated and planned here (cached per thread), as the memory engine runs
            # it: the child neither parses nor takes a lock (a DESCRIBE with bindings is left to
            # the engine, which binds it with VALUES)
            from cmkg.engine.local import _prepared

            prepared = _prepared(text)
        receiver, sender = self._fork.Pipe(duplex=False)
        proc = self._fork.Process(
            target=_run_in_child,
            args=(self.inner, kind, text, bindings, self.max_rows, sender, self.federation, endpoints, prepared),
            daemon=True,
        )
        proc.start()
        sender.close()  # the parent keeps only the reading end, so EOF means the child died
        renice_at = time.monotonic() + RENICE_AFTER_S
        try:
            while True:
                if renice_at and time.monotonic() >= renice_at:
                    _lower_priority(proc.pid)
                    renice_at = 0.0
                left = deadline - time.monotonic()
                # Wake up now and then only when someone may cancel; otherwise one wait.
                step = min(left, 0.1) if cancel is not None else min(left, renice_at - time.monotonic()) if renice_at else left
                if receiver.poll(max(0.0, step)):
                    try:
                        return receiver.recv()  # type: ignore[no-any-return]
                    except EOFError:
                        raise CmkgError("the query worker stopped without an answer (out of memory?)") from None
                if cancel is not None and cancel.is_set():
                    raise QueryTimeout("the query was stopped because its client went away")
                if time.monotonic() >= deadline:
                    break
            raise QueryTimeout(f"the query ran past the time limit of {limit:g} s and was stopped")
        finally:
            receiver.close()
            if proc.is_alive():
                proc.kill()
            proc.join(5)
            if proc.exitcode is None:
                # Killed but not yet reaped (a machine under load): reap it in the background
                # rather than fail a query whose answer already arrived.
                threading.Thread(target=proc.join, daemon=True).start()
            else:
                proc.close()

    def query(self, text: str, bindings: Mapping[str, Node] | None = None, *, timeout: float | None = None) -> QueryResult:
        return self.run(text, bindings, timeout=timeout).result

    def triple_count(self) -> int:
        return self.inner.triple_count()

    def close(self) -> None:
        self.inner.close()

    def __repr__(self) -> str:
        return f"<GuardedEngine {self.inner!r} timeout={self.timeout:g}s max_rows={self.max_rows}>"
