"""Upload the graph to a SPARQL 1.1 store with the Graph Store HTTP Protocol.

Each named graph of the dataset (one per ontology or graph file) is sent with
``PUT`` to the store's Graph Store endpoint, which replaces that graph: so
publishing twice leaves one copy, and graphs under
``https://w3id.org/cmkg/graph/`` that the new build no longer has are dropped.

When the store also has a SPARQL Update endpoint, publishing is atomic: every
graph is first uploaded to a temporary graph (``urn:cmkg:publish:…``), then one
update request moves them all into place (``MOVE``) and drops the stale ones.
A store runs one update request as one transaction (Oxigraph, Fuseki), so an
interrupted publish leaves the old graphs or the new ones, never a mix; the
temporary graphs a crash leaves behind are dropped by the next publish. (While
the temporary graphs are uploading, a store that queries the *union* of its
graphs sees them too; the live graphs themselves change in one step.)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import httpx
from rdflib import Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from cmkg.catalogue import validate_iri
from cmkg.errors import CmkgError, EndpointError
from cmkg.loading import GRAPH_BASE

__all__ = ["PublishResult", "StoreUrls", "store_urls", "publish", "TEMP_PREFIX"]

TEMP_PREFIX = "urn:cmkg:publish:"


@dataclass(frozen=True)
class StoreUrls:
    """The three URLs of a SPARQL 1.1 store: query, SPARQL Update (if any), Graph Store."""

    query: str
    update: str | None
    store: str


@dataclass(frozen=True)
class PublishResult:
    """What a publish did."""

    urls: StoreUrls
    graphs: tuple[tuple[str, int], ...]  # (graph IRI, triples) uploaded
    dropped: tuple[str, ...]  # stale graphs removed
    atomic: bool

    @property
    def triples(self) -> int:
        return sum(n for _, n in self.graphs)


def store_urls(endpoint: str, *, store: str | None = None, update: str | None = None) -> StoreUrls:
    """Work out the store's URLs from its query endpoint, the way Oxigraph and Fuseki lay them out.

    Examples
    --------
    >>> store_urls("http://127.0.0.1:7878/query")
    StoreUrls(query='http://127.0.0.1:7878/query', update='http://127.0.0.1:7878/update', store='http://127.0.0.1:7878/store')
    >>> store_urls("http://localhost:3030/ds/sparql", store="http://localhost:3030/ds/data").store
    'http://localhost:3030/ds/data'
    """
    base, _, last = endpoint.rstrip("/").rpartition("/")
    if last in ("query", "sparql"):
        query = endpoint
        store = store or f"{base}/store"
    elif last in ("store", "data"):
        query = f"{base}/query"
        store = store or endpoint
    elif store is None:
        raise CmkgError(
            f"cannot tell the Graph Store URL of {endpoint}: pass --store-url (e.g. …/store for Oxigraph, …/data for Fuseki)"
        )
    else:
        query = endpoint
    if update is None and base and last in ("query", "sparql", "store", "data"):
        update = f"{base}/update"
    return StoreUrls(query=query, update=update, store=store)


def _named_graphs(dataset: Dataset, into: str | None) -> list[tuple[URIRef, Graph]]:
    if into is not None:
        merged = Graph()
        for s, p, o, _c in dataset.quads((None, None, None, None)):
            merged.add((s, p, o))
        return [(validate_iri(into, "--graph"), merged)]
    out = []
    for ctx in dataset.contexts():
        if ctx.identifier == DATASET_DEFAULT_GRAPH_ID or len(ctx) == 0:
            continue
        out.append((URIRef(str(ctx.identifier)), ctx))
    return sorted(out, key=lambda pair: str(pair[0]))


def _check(response: httpx.Response, what: str) -> None:
    if response.status_code >= 400:
        body = " ".join(response.text.split())[:300]
        raise EndpointError(f"{what}: the store answered HTTP {response.status_code}" + (f": {body}" if body else ""))


def _existing_graphs(client: httpx.Client, query_url: str) -> list[str]:
    response = client.post(
        query_url,
        data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    _check(response, f"listing the graphs at {query_url}")
    try:
        return [b["g"]["value"] for b in response.json()["results"]["bindings"] if b.get("g", {}).get("type") == "uri"]
    except (ValueError, KeyError, TypeError):
        raise EndpointError(f"{query_url} did not answer with SPARQL results JSON") from None


def _put(client: httpx.Client, store_url: str, graph: str, g: Graph) -> None:
    body = g.serialize(format="nt", encoding="utf-8")
    response = client.put(store_url, params={"graph": graph}, content=body, headers={"Content-Type": "application/n-triples"})
    _check(response, f"uploading <{graph}> to {store_url}")


def _update(client: httpx.Client, update_url: str, operations: Iterable[str]) -> None:
    text = " ;\n".join(operations)
    if not text:
        return
    response = client.post(update_url, data={"update": text})
    _check(response, f"the SPARQL update at {update_url}")


def publish(
    dataset: Dataset,
    endpoint: str,
    *,
    graph: str | None = None,
    store: str | None = None,
    update: str | None = None,
    atomic: bool = True,
    timeout: float = 120.0,
) -> PublishResult:
    """Upload ``dataset`` to the store behind ``endpoint``; return what was written.

    ``graph`` puts every triple in that one named graph instead of one graph per
    file. ``store`` and ``update`` override the Graph Store and SPARQL Update URLs
    derived from ``endpoint`` (see :func:`store_urls`).
    """
    urls = store_urls(endpoint, store=store, update=update)
    pairs = _named_graphs(dataset, graph)
    if not pairs:
        raise CmkgError("there is nothing to publish: the graph is empty")
    run = f"{TEMP_PREFIX}{uuid.uuid4().hex}:"
    use_update = atomic and urls.update is not None
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            existing = _existing_graphs(client, urls.query)
            names = {str(iri) for iri, _ in pairs}
            stale = [] if graph is not None else [g for g in existing if g.startswith(GRAPH_BASE) and g not in names]
            leftovers = [g for g in existing if g.startswith(TEMP_PREFIX)]
            if use_update:
                assert urls.update is not None
                temps = []
                try:
                    for i, (iri, g) in enumerate(pairs):
                        temp = f"{run}{i}"
                        _put(client, urls.store, temp, g)
                        temps.append((temp, str(iri)))
                    ops = [f"DROP SILENT GRAPH <{g}>" for g in stale + leftovers]
                    ops += [f"MOVE SILENT GRAPH <{temp}> TO GRAPH <{iri}>" for temp, iri in temps]
                    _update(client, urls.update, ops)
                except BaseException:
                    # Best effort: the live graphs are untouched; do not leave our temporary graphs about.
                    try:
                        _update(client, urls.update, [f"DROP SILENT GRAPH <{t}>" for t, _ in temps])
                    except (CmkgError, httpx.HTTPError):
                        pass
                    raise
            else:
                for iri, g in pairs:
                    _put(client, urls.store, str(iri), g)
                for g in stale + leftovers:
                    response = client.delete(urls.store, params={"graph": g})
                    if response.status_code != 404:
                        _check(response, f"dropping <{g}> at {urls.store}")
    except httpx.TimeoutException:
        raise EndpointError(f"the store at {urls.store} did not answer within {timeout:g} seconds") from None
    except httpx.HTTPError as err:
        raise EndpointError(f"cannot reach the store at {urls.store}: {err}") from None
    return PublishResult(
        urls=urls,
        graphs=tuple((str(iri), len(g)) for iri, g in pairs),
        dropped=tuple(stale),
        atomic=use_update,
    )
