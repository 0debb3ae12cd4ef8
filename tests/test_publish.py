"""publish: the Graph Store HTTP Protocol upload is complete, idempotent and atomic."""

from __future__ import annotations

import httpx
import pytest
from rdflib import Dataset, Literal, URIRef

from cmkg.errors import CmkgError, EndpointError
from cmkg.kg import KnowledgeGraph
from cmkg.publish import TEMP_PREFIX, publish, store_urls

from plugins.remote import free_port


def _graphs(url: str) -> dict[str, int]:
    kg = KnowledgeGraph.remote(url)
    t = kg.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {str(g): int(n) for g, n in t.rows}


def test_published_graph_matches_the_local_one(kg, remote_kg, oxigraph_server) -> None:  # type: ignore[no-untyped-def]
    remote = _graphs(oxigraph_server.query_url)
    local = {str(c.identifier): len(c) for c in kg.dataset.contexts() if len(c)}
    assert {g: n for g, n in remote.items() if g.startswith("https://w3id.org/cmkg/graph/")} == local


def test_publishing_twice_leaves_one_copy(kg, remote_kg, oxigraph_server) -> None:  # type: ignore[no-untyped-def]
    before = _graphs(oxigraph_server.query_url)
    result = publish(kg.dataset, oxigraph_server.query_url)
    assert result.atomic and result.triples == sum(n for g, n in before.items() if g.startswith("https://w3id.org/cmkg/graph/"))
    assert _graphs(oxigraph_server.query_url) == before
    assert not any(g.startswith(TEMP_PREFIX) for g in before)


def test_into_one_graph_and_stale_graphs_dropped(oxigraph_server) -> None:  # type: ignore[no-untyped-def]
    # A separate target graph so the shared fixture store stays as published.
    ds = Dataset(default_union=True)
    ds.graph(URIRef("https://example.org/g/a")).add((URIRef("https://example.org/s"), URIRef("https://example.org/p"), Literal("1")))
    res = publish(ds, oxigraph_server.query_url, graph="https://example.org/one")
    assert res.graphs == (("https://example.org/one", 1),)
    assert _graphs(oxigraph_server.query_url)["https://example.org/one"] == 1
    r = httpx.post(oxigraph_server.update_url, data={"update": "DROP GRAPH <https://example.org/one>"})
    assert r.status_code < 300


def test_non_atomic_publish_by_put(kg, remote_kg, oxigraph_server) -> None:  # type: ignore[no-untyped-def]
    before = _graphs(oxigraph_server.query_url)
    res = publish(kg.dataset, oxigraph_server.store_url, atomic=False)
    assert not res.atomic
    assert _graphs(oxigraph_server.query_url) == before


def test_failed_upload_leaves_the_old_graphs(kg, remote_kg, oxigraph_server) -> None:  # type: ignore[no-untyped-def]
    before = _graphs(oxigraph_server.query_url)
    with pytest.raises(EndpointError):
        # A Graph Store URL that does not exist: every PUT fails, nothing is swapped in.
        publish(kg.dataset, oxigraph_server.query_url, store=oxigraph_server.base + "/nope")
    assert _graphs(oxigraph_server.query_url) == before


def test_unreachable_store() -> None:
    ds = Dataset()
    ds.graph(URIRef("https://example.org/g")).add((URIRef("https://example.org/s"), URIRef("https://example.org/p"), Literal("x")))
    with pytest.raises(EndpointError, match="cannot reach"):
        publish(ds, f"http://127.0.0.1:{free_port()}/query", timeout=3)


def test_store_urls() -> None:
    assert store_urls("http://h/ds/query").update == "http://h/ds/update"
    assert store_urls("http://h/ds/data").query == "http://h/ds/query"
    with pytest.raises(CmkgError, match="--store-url"):
        store_urls("http://h/endpoint")


def test_interrupted_publish_leaves_old_graphs_and_no_temporaries(kg, remote_kg, oxigraph_server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import cmkg.publish as pub

    before = _graphs(oxigraph_server.query_url)
    real_put = pub._put
    calls = {"n": 0}

    def flaky_put(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the user presses Ctrl-C in the middle of the upload
        return real_put(*args, **kwargs)

    monkeypatch.setattr(pub, "_put", flaky_put)
    with pytest.raises(KeyboardInterrupt):
        publish(kg.dataset, oxigraph_server.query_url)
    assert _graphs(oxigraph_server.query_url) == before


def test_temporaries_of_a_crashed_publish_are_dropped_next_time(kg, remote_kg, oxigraph_server) -> None:  # type: ignore[no-untyped-def]
    before = _graphs(oxigraph_server.query_url)
    leftover = TEMP_PREFIX + "crashed:0"
    r = httpx.post(oxigraph_server.update_url, data={"update": f"INSERT DATA {{ GRAPH <{leftover}> {{ <https://example.org/s> <https://example.org/p> 1 }} }}"})
    assert r.status_code < 300 and leftover in _graphs(oxigraph_server.query_url)
    publish(kg.dataset, oxigraph_server.query_url)
    assert _graphs(oxigraph_server.query_url) == before


def test_the_store_runs_one_update_request_as_one_transaction(oxigraph_server) -> None:  # type: ignore[no-untyped-def]
    # What atomic publishing relies on: if the MOVE request fails half-way, nothing of it happens.
    g = "https://example.org/atomic"
    httpx.post(oxigraph_server.update_url, data={"update": f"INSERT DATA {{ GRAPH <{g}> {{ <https://example.org/s> <https://example.org/p> 1 }} }}"})
    r = httpx.post(oxigraph_server.update_url, data={"update": f"DROP GRAPH <{g}> ; MOVE GRAPH <https://example.org/missing> TO GRAPH <{g}>"})
    assert r.status_code >= 400
    assert _graphs(oxigraph_server.query_url).get(g) == 1
    httpx.post(oxigraph_server.update_url, data={"update": f"DROP GRAPH <{g}>"})
