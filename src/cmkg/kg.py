"""The Python API: one object for the graph, whatever engine holds it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph
from rdflib.term import Node

from cmkg.catalogue import Catalogue, NamedQuery
from cmkg.engine.base import Engine, QueryResult
from cmkg.errors import CmkgError
from cmkg.results import ResultTable
from cmkg.safety import FederationPolicy

__all__ = ["KnowledgeGraph", "ENGINES"]

ENGINES = ("memory", "oxigraph")


class KnowledgeGraph:
    """The Cities of Migration Knowledge Graph behind one engine.

    Examples
    --------
    >>> from cmkg import KnowledgeGraph
    >>> kg = KnowledgeGraph.load()
    >>> kg.sparql("ASK { ?p a <https://w3id.org/cmkg/ontology#Practice> }")
    True
    """

    def __init__(self, engine: Engine, catalogue: Catalogue | None = None) -> None:
        self.engine = engine
        self._catalogue = catalogue

    # --- opening ---------------------------------------------------------
    @classmethod
    def load(
        cls,
        engine: str = "memory",
        path: str | Path | None = None,
        *,
        files: Iterable[Path] | None = None,
        extra: Iterable[Path] = (),
        reason: bool = False,
        federation: FederationPolicy | None = None,
    ) -> KnowledgeGraph:
        """Load the ontology and curated graph (plus ``extra`` files) into an embedded engine.

        ``engine`` is ``"memory"`` (rdflib, the default) or ``"oxigraph"``; ``path``
        is an on-disk Oxigraph store (opened without parsing again if it holds data).
        ``reason=True`` adds the OWL-RL entailments to a ``…/graph/inferred`` graph.
        ``federation`` lets ``SERVICE`` reach the endpoints a
        :class:`~cmkg.safety.FederationPolicy` lists (memory engine only; the
        Oxigraph engine refuses ``SERVICE`` in any case); without it queries make
        no outbound request.

        Examples
        --------
        >>> from cmkg.safety import FederationPolicy
        >>> kg = KnowledgeGraph.load(files=[], federation=FederationPolicy(("https://query.wikidata.org/sparql",)))
        >>> kg.sparql("ASK { SERVICE <https://example.org/sparql> { ?s ?p ?o } }")
        Traceback (most recent call last):
        ...
        cmkg.errors.QueryRefused: SERVICE <https://example.org/sparql> is refused: federation allows only endpoints under https://query.wikidata.org/sparql
        """
        from cmkg.loading import default_files, load_dataset

        all_files = list(files) if files is not None else default_files()
        all_files += [Path(p) for p in extra]
        if engine == "memory":
            if path is not None:
                raise CmkgError("--store/path needs --engine oxigraph (the memory engine keeps nothing on disk)")
            from cmkg.engine.local import LocalEngine

            ds = load_dataset(all_files)
            if reason:
                from cmkg.reasoning import materialise

                materialise(ds)
            return cls(LocalEngine(ds, federation=federation))
        if engine == "oxigraph":
            from cmkg.engine.oxigraph import OxigraphEngine

            return cls(OxigraphEngine.open(all_files, path=Path(path) if path else None, reason=reason, federation=federation))
        raise CmkgError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")

    @classmethod
    def remote(cls, url: str, *, timeout: float = 30.0, **options: Any) -> KnowledgeGraph:
        """A graph behind any SPARQL 1.1 endpoint, through SPARQLWrapper."""
        from cmkg.engine.remote import RemoteEngine

        return cls(RemoteEngine(url, timeout=timeout, **options))

    @classmethod
    def from_dataset(cls, dataset: Dataset, *, federation: FederationPolicy | None = None) -> KnowledgeGraph:
        """Wrap an rdflib Dataset you built yourself (its default graph should be the union)."""
        from cmkg.engine.local import LocalEngine

        return cls(LocalEngine(dataset, federation=federation))

    # --- querying --------------------------------------------------------
    @property
    def catalogue(self) -> Catalogue:
        if self._catalogue is None:
            self._catalogue = Catalogue.load()
        return self._catalogue

    def sparql(
        self, text: str, bindings: Mapping[str, Node] | None = None, *, timeout: float | None = None
    ) -> QueryResult:
        """Run an ad-hoc SPARQL query: a ResultTable (SELECT), bool (ASK) or Graph (CONSTRUCT/DESCRIBE)."""
        return self.engine.query(text, bindings, timeout=timeout)

    def query(self, name: str, /, *, timeout: float | None = None, **params: Any) -> QueryResult:
        """Run a named query of the catalogue with its parameters bound as RDF terms.

        Examples
        --------
        >>> kg = KnowledgeGraph.load()
        >>> table = kg.query("practices-in-city", city="Toronto")
        >>> len(table) > 0
        True
        """
        q = self.catalogue[name]
        return self.run(q, params, timeout=timeout)

    def run(self, q: NamedQuery, params: Mapping[str, Any] | None = None, *, timeout: float | None = None) -> QueryResult:
        bindings = q.bindings(params or {})
        return self.engine.query(q.text, bindings, timeout=timeout)

    def select(self, text: str, bindings: Mapping[str, Node] | None = None) -> ResultTable:
        """Like :meth:`sparql` for a SELECT query, typed as a ResultTable."""
        result = self.sparql(text, bindings)
        if not isinstance(result, ResultTable):
            raise CmkgError("expected a SELECT query")
        return result

    # --- whole graph -----------------------------------------------------
    @property
    def dataset(self) -> Dataset:
        """The rdflib Dataset of an embedded engine (remote: fetched with CONSTRUCT)."""
        ds = getattr(self.engine, "dataset", None)
        if isinstance(ds, Dataset):
            return ds
        to_dataset = getattr(self.engine, "to_dataset", None)
        if to_dataset is not None:
            return to_dataset()
        g = self.sparql("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        assert isinstance(g, Graph)
        out = Dataset(default_union=True)
        for t in g:
            out.add(t)
        return out

    def validate(self) -> Any:
        """SHACL shapes and check queries; returns a :class:`cmkg.validation.ValidationReport`."""
        from cmkg.validation import validate

        return validate(self)

    def stats(self) -> Any:
        from cmkg.stats import compute_stats

        return compute_stats(self)

    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"KnowledgeGraph(engine={self.engine!r})"
