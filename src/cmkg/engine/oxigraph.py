"""The fast embedded engine: Oxigraph (pyoxigraph) in process, in memory or on disk.

Same contract as :class:`~cmkg.engine.local.LocalEngine`: read-only SPARQL 1.1,
the default graph is the union of the named graphs (one per file), results are
:class:`~cmkg.results.ResultTable` / ``bool`` / rdflib ``Graph`` with terms
converted faithfully. Queries are answered by Oxigraph's own SPARQL engine
(Rust); parameters are bound with its ``substitutions`` argument (SEP-0007),
never pasted into the text.

An on-disk store (``path``) keeps a small manifest (``cmkg-store.json``) of the
files it holds with their sizes and modification times, so opening it again
parses nothing unless a file changed; ``reload=True`` clears it and parses all.
"""

from __future__ import annotations

import json
import time
from functools import lru_cache
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from cmkg.safety import FederationPolicy, resolve_codepoint_escapes
from cmkg.engine.base import Engine, QueryResult, inspect_query, refuse_remote_access
from cmkg.engine.terms import XSD_STRING, to_oxigraph, to_rdflib
from cmkg.errors import CmkgError, DataFileError, QueryRefused, QuerySyntaxError
from cmkg.gcpause import collector_paused
from cmkg.loadfiles import QUAD_SUFFIXES, LoadedFile, load_files
from cmkg.loading import GRAPH_BASE, PREFIXES, graph_iri
from cmkg.results import ResultTable

__all__ = ["OxigraphEngine", "MANIFEST", "NO_OXIGRAPH_FEDERATION"]

#: Oxigraph evaluates SERVICE with its own HTTP client, in Rust: Python's audit hooks never see its
#: DNS lookups, connections or redirects, so egress_guard cannot hold it to a federation policy.
NO_OXIGRAPH_FEDERATION = (
    "SERVICE is refused by the oxigraph engine even with federation on: Oxigraph's own HTTP client "
    "cannot be held to the policy (resolved address, redirects); federate with the memory engine "
    "(--engine memory) or through a store given with --endpoint"
)

MANIFEST = "cmkg-store.json"
_STAGING = GRAPH_BASE + "staging/"


def _signature(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


class OxigraphEngine(Engine):
    """Oxigraph in process. The default graph is the union of the named graphs.

    Parameters
    ----------
    store : pyoxigraph.Store
        The store to query (in memory or on disk).
    path : Path, optional
        Where an on-disk store lives (``None`` for an in-memory one).
    federation : FederationPolicy, optional
        Kept for a caller that wraps this engine; ``SERVICE`` and remote ``FROM``
        are refused in any case (see :data:`NO_OXIGRAPH_FEDERATION`).

    Examples
    --------
    >>> from cmkg.loading import default_files
    >>> engine = OxigraphEngine.open(default_files())
    >>> engine.query("ASK { ?p a <https://w3id.org/cmkg/ontology#City> }")
    True
    >>> from rdflib import URIRef
    >>> t = engine.query("SELECT ?c ?label WHERE { ?c <http://www.w3.org/2000/01/rdf-schema#label> ?label }",
    ...                  {"c": URIRef("https://w3id.org/cmkg/ontology#City")})
    >>> t.terms[0][1].language
    'en'
    """

    name = "oxigraph"

    def __init__(self, store: Any, path: Path | None = None, *, federation: FederationPolicy | None = None) -> None:
        self.store = store
        self.path = path
        self.federation = federation
        #: rdflib terms of the Oxigraph terms seen in answers, kept across queries (terms are values)
        self._terms = _TermCache()
        #: what the last open() parsed (empty when an on-disk store was reused as it was)
        self.loaded: tuple[LoadedFile, ...] = ()

    # --- opening ---------------------------------------------------------
    @classmethod
    def open(
        cls,
        files: Sequence[Path],
        path: Path | None = None,
        reason: bool = False,
        *,
        reload: bool = False,
        progress: bool | None = None,
        lenient: bool = False,
        federation: FederationPolicy | None = None,
    ) -> OxigraphEngine:
        """Load ``files`` into a new in-memory store, or bring the on-disk store at ``path`` up to date.

        An on-disk store parses only the files it does not hold yet or that changed
        since; ``reload=True`` empties it and parses everything. Graphs it holds from
        other files (brought in with ``cmkg load``) stay. ``reason=True`` adds the
        OWL-RL entailments (owlrl) to ``…/graph/inferred``.
        """
        files = [Path(f) for f in files]
        if path is None:
            engine = cls(ox.Store())
            engine.loaded = tuple(load_files(engine.store, files, progress=progress, lenient=lenient))
        else:
            engine = cls(_open_store(Path(path)), Path(path))
            error: CmkgError | None = None
            try:
                engine.loaded = tuple(engine._sync(files, reload=reload, progress=progress, lenient=lenient))
            except CmkgError as err:
                # the loader's frames in err's traceback hold the store; once this block has dropped
                # them, closing releases the folder's lock now rather than when the error is forgotten
                error = type(err)(str(err))
            if error is not None:
                engine.close()
                raise error from None
        if reason:
            engine._reason(force=bool(engine.loaded))
        engine.federation = federation
        return engine

    def _manifest_path(self) -> Path:
        assert self.path is not None
        return self.path / MANIFEST

    def manifest(self) -> dict[str, Any]:
        """What an on-disk store holds: ``{"files": {path: {size, mtime_ns, graphs}}, "inferred": bool}``."""
        if self.path is None or not self._manifest_path().is_file():
            return {"files": {}, "inferred": False}
        try:
            data = json.loads(self._manifest_path().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {"files": {}, "inferred": False}
        data.setdefault("files", {})
        data.setdefault("inferred", False)
        return data

    def _write_manifest(self, data: Mapping[str, Any]) -> None:
        from cmkg.export import write_atomic

        write_atomic(self._manifest_path(), json.dumps(data, indent=1, sort_keys=True).encode("utf-8"))

    def _sync(self, files: Sequence[Path], *, reload: bool, progress: bool | None, lenient: bool) -> list[LoadedFile]:
        from cmkg.paths import data_root

        manifest = self.manifest()
        if reload:
            self.store.clear()
            manifest = {"files": {}, "inferred": False}
            self._write_manifest(manifest)
        held: dict[str, Any] = manifest["files"]
        wanted = {str(f.resolve()): f for f in files}
        # A curated file that was deleted takes its graph with it; other files a user loaded stay.
        root = str(data_root().resolve())
        for key in list(held):
            if key not in wanted and key.startswith(root) and not Path(key).exists():
                for g in held[key].get("graphs", []):
                    self.store.remove_graph(ox.NamedNode(g))
                del held[key]
                manifest["inferred"] = False
        stale: list[Path] = []
        for key, f in wanted.items():
            if not f.is_file():
                raise DataFileError(f"{f}: no such file")
            entry = held.get(key)
            sig = _signature(f)
            if entry is None or entry.get("size") != sig["size"] or entry.get("mtime_ns") != sig["mtime_ns"]:
                stale.append(f)
        if not stale:
            return []
        if manifest.get("inferred"):
            self.store.remove_graph(ox.NamedNode(GRAPH_BASE + "inferred"))
            manifest["inferred"] = False
        done: list[LoadedFile] = []
        for f in stale:
            loaded, graphs = self._replace_file(f, held.get(str(f.resolve()), {}), progress=progress, lenient=lenient)
            done.append(loaded)
            held[str(f.resolve())] = {**_signature(f), "graphs": graphs}
            self._write_manifest(manifest)
        self.store.flush()
        return done

    def _replace_file(
        self, f: Path, entry: Mapping[str, Any], *, progress: bool | None, lenient: bool
    ) -> tuple[LoadedFile, list[str]]:
        """Load one file, replacing what an earlier version of it put in the store; returns its graphs too."""
        target = str(graph_iri(f))
        if f.suffix.lower() in QUAD_SUFFIXES:
            for g in entry.get("graphs", []):
                self.store.remove_graph(ox.NamedNode(g))
            before = {g.value for g in self.store.named_graphs()}
            [loaded] = load_files(self.store, [f], progress=progress, lenient=lenient, bulk=True)
            after = {g.value for g in self.store.named_graphs()}
            return loaded, sorted((after - before) | {target})
        if not self._graph_has_data(target):
            # RocksDB takes a bulk load three times faster than a transaction
            [loaded] = load_files(self.store, [f], progress=progress, lenient=lenient, bulk=True)
            return loaded, [target]
        # The old version stays whole until the new one has parsed: load beside it, then MOVE (one transaction).
        start = time.perf_counter()
        staging = _STAGING + str(time.time_ns())
        try:
            self.store.load(path=str(f), format=_fmt(f), to_graph=ox.NamedNode(staging), lenient=lenient)
        except SyntaxError as err:
            from cmkg.loadfiles import syntax_error_message

            raise DataFileError(syntax_error_message(f, err)) from None
        except (OSError, ValueError) as err:
            raise DataFileError(f"{f}: cannot load: {err}") from None
        self.store.update(f"MOVE <{staging}> TO <{target}>")
        return LoadedFile(f, target, -1, time.perf_counter() - start), [target]

    def _graph_has_data(self, graph: str) -> bool:
        return bool(self.store.query(f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"))

    def _reason(self, *, force: bool) -> None:
        from cmkg.reasoning import INFERRED_GRAPH, materialise

        inferred = ox.NamedNode(str(INFERRED_GRAPH))
        if self.path is not None and not force and self.manifest().get("inferred"):
            return
        self.store.remove_graph(inferred)
        ds = self.to_dataset()
        materialise(ds)
        self.store.extend(
            ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), inferred) for s, p, o in ds.graph(INFERRED_GRAPH)
        )
        if self.path is not None:
            manifest = self.manifest()
            manifest["inferred"] = True
            self._write_manifest(manifest)

    # --- querying --------------------------------------------------------
    def query(
        self,
        text: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        timeout: float | None = None,
    ) -> QueryResult:
        """Run a read-only query; ``timeout`` is not enforced (Oxigraph cannot stop a running query)."""
        # rdflib (the checker) and Oxigraph read \uXXXX escapes differently: run exactly the checked text
        text = resolve_codepoint_escapes(text)
        info = inspect_query(text)
        if info.uses_service and self.federation is not None and self.federation.prefixes:
            raise QueryRefused(NO_OXIGRAPH_FEDERATION)
        refuse_remote_access(info, "the oxigraph engine")
        bound = {k: v for k, v in (bindings or {}).items() if v is not None}
        subs = None
        unbound: str | None = None  # the text before values were written in (for the VALUES form, if needed)
        if bound:
            if info.kind == "select" and set(bound) <= _projected(text):
                # SEP-0007 substitution: exactly rdflib's initBindings, no text rewriting
                subs = {ox.Variable(k): to_oxigraph(v) for k, v in bound.items()}
            else:
                # Oxigraph substitutes projected variables only; elsewhere write each value in place
                # of its variable where a constant may stand (Oxigraph plans around a constant far
                # better than around VALUES), in VALUES where it may not (engine/binding.py)
                from cmkg.engine.binding import inject_values, substitute

                written, left = substitute(text, bound)
                if written != text:
                    unbound = text
                text = inject_values(written, left) if left else written
        result: Any = None
        try:
            try:
                result = self.store.query(text, use_default_graph_as_union=True, substitutions=subs)
            except SyntaxError:
                if unbound is None:
                    raise
                # a literal written where only an IRI may stand: every value in VALUES instead
                from cmkg.engine.binding import inject_values

                text = inject_values(unbound, bound)
                result = self.store.query(text, use_default_graph_as_union=True, substitutions=subs)
            if info.kind == "select":
                columns = [v.value for v in result.variables]
                # one rdflib term per distinct Oxigraph term: a network's IRIs recur on many rows, and
                # building an rdflib term costs ten times a dictionary look-up
                conv = self._terms
                get = conv.__getitem__
                with collector_paused():  # 10^5 rows of new objects, no cycles among them
                    rows = [tuple(map(get, sol)) for sol in result]
                if len(conv) > _TERMS_KEPT:
                    # a large answer's terms are not kept once the caller lets go of it
                    self._terms = _TermCache()
                return ResultTable(tuple(columns), tuple(rows))
            if info.kind == "ask":
                return bool(result)
            g = Graph()
            for prefix, ns in PREFIXES.items():
                g.bind(prefix, ns)
            for t in result:
                g.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))  # type: ignore[arg-type]
            return g
        except SyntaxError as err:
            # rdflib's parser accepted it but Oxigraph's did not (the grammars differ at the edges)
            raise QuerySyntaxError(f"SPARQL syntax error: {str(err).splitlines()[0][:200]}") from None
        except OSError as err:
            raise CmkgError(f"the Oxigraph store could not answer: {err}") from None
        finally:
            # pyoxigraph's result objects must be freed on the thread that made them (they hold the
            # store): drop ours here, even when an exception unwinds, never leave it to the collector
            del result

    def triple_count(self) -> int:
        t = self.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        assert isinstance(t, ResultTable)
        return int(t.rows[0][0])

    # --- whole graph -----------------------------------------------------
    def to_dataset(self) -> Dataset:
        """Everything in the store as an rdflib Dataset whose default graph is the union (for SHACL and export)."""
        ds = Dataset(default_union=True)
        for prefix, ns in PREFIXES.items():
            ds.bind(prefix, ns, override=True, replace=True)
        graphs: dict[Any, Graph] = {}
        for q in self.store:
            g = q.graph_name
            target = graphs.get(g)
            if target is None:
                target = ds if isinstance(g, ox.DefaultGraph) else ds.graph(to_rdflib(g))  # type: ignore[arg-type]
                graphs[g] = target
            target.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))  # type: ignore[arg-type]
        return ds

    def graphs(self) -> list[URIRef]:
        """The named graphs in the store, sorted."""
        return sorted(URIRef(g.value) for g in self.store.named_graphs() if isinstance(g, ox.NamedNode))

    def close(self) -> None:
        if self.path is not None:
            self.store.flush()
        # dropping the last reference releases RocksDB's lock on the folder; query results hold
        # the store on the Rust side and can sit in a reference cycle, so collect them now
        self.store = None
        if self.path is not None:
            import gc

            gc.collect()

    def __repr__(self) -> str:
        where = f" at {self.path}" if self.path else " in memory"
        return f"<OxigraphEngine{where}>"


#: how many converted terms an engine keeps between queries (each a few hundred bytes)
_TERMS_KEPT = 200_000


class _TermCache(dict):  # type: ignore[type-arg]
    """Oxigraph term -> rdflib term, converting each distinct term once (``None``, an unbound cell, stays ``None``)."""

    def __missing__(self, term: Any) -> Node | None:
        value = self[term] = _literal(term) if type(term) is ox.Literal else to_rdflib(term)
        return value


def _literal(term: Any) -> Node | None:
    """``to_rdflib`` for a literal, without rdflib's parsing for the commonest ones: text, with or without a language.

    rdflib's ``Literal()`` checks the language tag and casts the lexical form on every call, ten times the
    cost of the object; Oxigraph has validated both already. The object is the one ``Literal()`` builds
    (same slots: a text literal's value is its text; ``tests/test_engine_oxigraph_terms.py`` compares them).
    """
    lang = term.language
    if not lang and term.datatype.value != XSD_STRING:
        return to_rdflib(term)  # numbers, dates, …: rdflib's cast gives their Python value
    text = term.value
    lit = str.__new__(Literal, text)
    lit._language = lang or None
    lit._datatype = None
    lit._value = text
    lit._ill_typed = None
    return lit


@lru_cache(maxsize=512)
def _projected(text: str) -> frozenset[str]:
    """The plain variables a SELECT projects (empty for ``SELECT *``)."""
    from rdflib.plugins.sparql.parser import parseQuery

    body = parseQuery(text)[1]
    if "projection" not in body:
        return frozenset()
    return frozenset(str(p["var"]) for p in body["projection"] if "var" in p)


def _fmt(f: Path) -> Any:
    from cmkg.loadfiles import ox_format

    return ox_format(f)


def _open_store(path: Path) -> Any:
    if path.exists() and not path.is_dir():
        raise CmkgError(f"--store {path}: is a file, not a folder (give a folder for the Oxigraph store)")
    if path.is_dir() and any(path.iterdir()) and not (path / "CURRENT").exists():
        raise CmkgError(f"--store {path}: the folder holds other files and is not an Oxigraph store")
    path.mkdir(parents=True, exist_ok=True)
    for attempt in (1, 2):
        try:
            return ox.Store(str(path))
        except OSError as err:
            text = str(err)
            if "lock" not in text.lower():
                raise CmkgError(f"--store {path}: cannot open the Oxigraph store: {text.splitlines()[0]}") from None
            if "current process" in text and attempt == 1:
                # an unreachable engine of this process may still hold it: collect it, then retry
                import gc

                gc.collect()
                continue
            who = "this process (close the other KnowledgeGraph first)" if "current process" in text else "another process"
            raise CmkgError(f"--store {path}: the store is in use by {who}; Oxigraph opens a store once at a time") from None
    raise AssertionError("unreachable")  # pragma: no cover
