"""The engines the benchmark compares, each opened the way a user would open it.

``memory``        rdflib's in-memory Dataset and SPARQL engine (the embedded default), with cmkg's plan
``rdflib``        the same Dataset answered by rdflib's own evaluation, without cmkg's plan: the
                  rdflib the issue's anchors measured (not run at 10^7, not in quick mode)
``oxigraph``      cmkg's OxigraphEngine, in memory
``oxigraph-disk`` cmkg's OxigraphEngine on an on-disk store (RocksDB)
``oxrdflib``      rdflib with the oxrdflib store (Oxigraph under rdflib's API), for comparison
``server``        an ``oxigraph serve`` process, queried through SPARQLWrapper (cmkg's RemoteEngine)

``raw`` (pyoxigraph with no conversion of results) is timed beside ``oxigraph`` on
the same store to show what the engine's layer costs.
"""

from __future__ import annotations

import subprocess
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib.term import Node

from bench.process import free_port, oxigraph_cli, stop_process
from cmkg.engine.base import Engine, QueryResult, inspect_query
from cmkg.engine.local import LocalEngine
from cmkg.kg import KnowledgeGraph
from cmkg.results import ResultTable

__all__ = [
    "ENGINES",
    "LARGE_ONLY",
    "QUICK_SKIPS",
    "Server",
    "StockRdflibEngine",
    "open_engine",
    "OxrdflibEngine",
    "raw_query",
    "start_server",
]

ENGINES = ("memory", "rdflib", "oxigraph", "oxigraph-disk", "oxrdflib", "server")
#: engines ``--quick`` leaves out: the one the issue measured and cmkg did not keep, and rdflib
#: without cmkg's plan (minutes per query at 10^5 would break the two-minute bound)
QUICK_SKIPS = ("oxrdflib", "rdflib")
#: engines measured at 10^7 triples too (rdflib memory would need ~13 GB and an hour)
LARGE_ONLY = ("oxigraph", "oxigraph-disk", "server")


class OxrdflibEngine(Engine):
    """rdflib's API over the oxrdflib store: Oxigraph parses (``ox-`` formats) and answers SPARQL."""

    name = "oxrdflib"

    def __init__(self, files: Sequence[Path]) -> None:
        from rdflib import Dataset

        from cmkg.loading import graph_iri

        formats = {".ttl": "ox-turtle", ".nt": "ox-ntriples", ".nq": "ox-nquads", ".trig": "ox-trig"}
        self.dataset = Dataset(store="Oxigraph", default_union=True)
        for f in files:
            # rdflib's own parsers would throw away Oxigraph's load speed; use the ox- ones
            self.dataset.graph(graph_iri(f)).parse(str(f), format=formats[f.suffix])

    def query(self, text: str, bindings: Mapping[str, Node] | None = None, *, timeout: float | None = None) -> QueryResult:
        from cmkg.engine.oxigraph import _projected

        info = inspect_query(text)
        bound = dict(bindings or {})
        if bound and not (info.kind == "select" and set(bound) <= _projected(text)):
            from cmkg.engine.binding import inject_values

            text, bound = inject_values(text, bound), {}
        result = self.dataset.query(text, initBindings=bound)
        if info.kind == "select":
            return ResultTable.from_rows([str(v) for v in result.vars or []], [tuple(r) for r in result])
        if info.kind == "ask":
            return bool(result.askAnswer)
        from rdflib import Graph

        g = Graph()
        for t in result.graph or ():
            g.add(t)
        return g


class StockRdflibEngine(LocalEngine):
    """The memory engine's Dataset answered by rdflib's own SPARQL evaluation, as ``Dataset.query`` gives it.

    cmkg's memory engine rewrites rdflib's algebra (filters pushed into the patterns they test)
    and evaluates patterns, OPTIONAL, FILTER and BIND itself (``cmkg.engine.rdflib_plan``); this
    engine does neither, so the bench can show what Oxigraph gains over rdflib itself, the baseline
    the issue's anchors were measured on. It keeps what only helps rdflib: each query parsed once
    and the cyclic collector held while it runs. The plan's hook is taken out of rdflib's
    ``CUSTOM_EVALS`` for the length of each query (a bench worker runs one engine, one query at a time).
    """

    name = "rdflib"

    def __init__(self, dataset: Any) -> None:
        super().__init__(dataset)
        self._parsed: dict[str, Any] = {}

    def query(self, text: str, bindings: Mapping[str, Node] | None = None, *, timeout: float | None = None) -> QueryResult:
        from rdflib.plugins.sparql import CUSTOM_EVALS, prepareQuery

        from cmkg.gcpause import collector_paused
        from cmkg.loading import PREFIXES

        info = inspect_query(text)
        bound = dict(bindings or {})
        if bound and info.kind == "describe":
            from cmkg.engine.binding import inject_values

            text, bound = inject_values(text, bound), {}
        prepared = self._parsed.get(text)
        if prepared is None:
            prepared = self._parsed[text] = prepareQuery(text, initNs=PREFIXES)
        hook = CUSTOM_EVALS.pop("cmkg-native", None)
        try:
            with collector_paused():
                return self._answer(info, self.dataset.query(prepared, initBindings=bound))
        finally:
            if hook is not None:
                CUSTOM_EVALS["cmkg-native"] = hook


def raw_query(engine: Any, text: str, bindings: Mapping[str, Node] | None) -> int:
    """Run ``text`` on an OxigraphEngine's store with pyoxigraph alone, consuming the results; returns rows."""
    import pyoxigraph as ox

    from cmkg.engine.oxigraph import _projected
    from cmkg.engine.terms import to_oxigraph

    bound = dict(bindings or {})
    subs = None
    if bound:
        if inspect_query(text).kind == "select" and set(bound) <= _projected(text):
            subs = {ox.Variable(k): to_oxigraph(v) for k, v in bound.items()}
        else:
            # bound as the engine binds them (engine/binding.py), so both run the same query
            from cmkg.engine.binding import bind_parameters

            text = bind_parameters(text, bound)
    result = engine.store.query(text, use_default_graph_as_union=True, substitutions=subs)
    try:
        if isinstance(result, ox.QueryBoolean):
            return int(bool(result))
        if isinstance(result, ox.QuerySolutions):
            n = len(result.variables)
            return sum(1 for sol in result for _ in (tuple(sol[i] for i in range(n)),))
        return sum(1 for _ in result)
    finally:
        del result  # freed on this thread (see OxigraphEngine.query)


@dataclass
class Server:
    """An ``oxigraph serve`` process on a free local port, stopped by its pid."""

    location: Path
    timeout: float = 600.0  # the server stops a query after this long
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/query"

    def load(self, files: Sequence[Path]) -> None:
        """Load files with ``oxigraph load`` (one named graph per file) before the server starts."""
        from cmkg.loading import graph_iri

        for f in files:
            subprocess.run(
                [oxigraph_cli(), "load", "--location", str(self.location), "--file", str(f), "--graph", str(graph_iri(f))],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )

    def start(self) -> Server:
        self.proc = subprocess.Popen(
            [oxigraph_cli(), "serve-read-only", "--location", str(self.location), "--bind", f"127.0.0.1:{self.port}", "--union-default-graph",
             "--timeout-s", str(max(1, int(self.timeout)))],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"oxigraph serve exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(self.url + "?query=ASK%7B%7D", timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("oxigraph serve did not answer within 60 s")

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, grace=20)
        self.proc = None


def open_engine(
    name: str, files: Sequence[Path] | None, workdir: Path, timeout: float = 600.0, *, url: str | None = None
) -> tuple[KnowledgeGraph, Any]:
    """Open ``files`` (None: the curated graph) in engine ``name``; the graph and what must be stopped after.

    ``url``: for ``server``, the address of a server already started (see :func:`start_server`).
    """
    if name == "memory":
        return KnowledgeGraph.load(engine="memory", files=files), None
    if name == "rdflib":
        memory = KnowledgeGraph.load(engine="memory", files=files)
        return KnowledgeGraph(StockRdflibEngine(memory.dataset)), None
    if name == "oxigraph":
        return KnowledgeGraph.load(engine="oxigraph", files=files), None
    if files is None:
        raise ValueError(f"engine {name!r} needs files")
    if name == "oxigraph-disk":
        store = workdir / "store"
        # built (and timed) by the load probe; this reopens it without parsing
        return KnowledgeGraph.load(engine="oxigraph", files=files, path=store), None
    if name == "oxrdflib":
        return KnowledgeGraph(OxrdflibEngine(files)), None
    if name == "server":
        if url is not None:
            return KnowledgeGraph.remote(url, timeout=timeout), None
        server = start_server(files, workdir, timeout)
        return KnowledgeGraph.remote(server.url, timeout=timeout), server
    raise ValueError(f"unknown engine {name!r}")


def start_server(files: Sequence[Path], workdir: Path, timeout: float = 600.0) -> Server:
    """An ``oxigraph serve`` over ``files`` (loaded under ``workdir/server`` unless already there), started."""
    server = Server(workdir / "server", timeout=timeout)
    if not (server.location / "CURRENT").exists():
        server.load(files)
    return server.start()
