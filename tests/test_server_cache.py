"""The explorer's response cache and the guarded engine's queue (issue 9, requirement 8: load).

The embedded graph cannot change while it is served, so answers to repeated GET
requests are kept; identical requests in flight share one computation.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from cmkg.engine.guarded import GuardedEngine
from cmkg.errors import QueryTimeout
from cmkg.kg import KnowledgeGraph
from cmkg.server import ServerSettings, create_app
from cmkg.server.cache import ResponseCache

ASK = "ASK { ?s ?p ?o }"


def _counting_app(status: int = 200, body: str = "x") -> tuple[Starlette, list[str]]:
    calls: list[str] = []

    async def handler(request: Any) -> Response:
        calls.append(request.headers.get("accept", ""))
        await asyncio.sleep(0.05)
        return PlainTextResponse(body + request.headers.get("accept", ""), status_code=status)

    return Starlette(routes=[Route("/", handler, methods=["GET", "POST"])]), calls


def test_repeated_get_is_answered_from_memory_and_says_so() -> None:
    inner, calls = _counting_app()
    client = TestClient(ResponseCache(inner, max_bytes=2**20))
    first, second = client.get("/?a=1"), client.get("/?a=1")
    assert (first.headers["x-cmkg-cache"], second.headers["x-cmkg-cache"]) == ("miss", "hit")
    assert second.text == first.text and len(calls) == 1
    client.get("/?a=2")  # another query string is another answer
    assert len(calls) == 2


def test_accept_selects_a_different_entry() -> None:
    inner, calls = _counting_app()
    client = TestClient(ResponseCache(inner, max_bytes=2**20))
    a = client.get("/", headers={"Accept": "text/turtle"})
    b = client.get("/", headers={"Accept": "application/ld+json"})
    assert a.text.endswith("text/turtle") and b.text.endswith("application/ld+json") and len(calls) == 2


@pytest.mark.parametrize("status", [404, 500, 503])
def test_errors_are_never_stored(status: int) -> None:
    inner, calls = _counting_app(status)
    client = TestClient(ResponseCache(inner, max_bytes=2**20), raise_server_exceptions=False)
    assert [client.get("/").status_code for _ in range(3)] == [status] * 3
    assert len(calls) == 3


def test_post_is_not_cached_and_zero_budget_turns_it_off() -> None:
    inner, calls = _counting_app()
    client = TestClient(ResponseCache(inner, max_bytes=2**20))
    client.post("/"), client.post("/")
    assert len(calls) == 2
    off = TestClient(ResponseCache(inner, max_bytes=0))
    off.get("/"), off.get("/")
    assert len(calls) == 4


def test_budget_evicts_least_recently_used_and_skips_large_answers() -> None:
    inner, calls = _counting_app(body="y" * 4000)
    cache = ResponseCache(inner, max_bytes=10_000, max_entry_bytes=5_000)
    client = TestClient(cache)
    for q in ("a", "b", "c"):  # two fit in 10,000 bytes
        client.get(f"/?{q}")
    assert cache.stats.evicted == 1 and cache.stats.bytes <= 10_000
    assert client.get("/?c").headers["x-cmkg-cache"] == "hit"
    assert client.get("/?a").headers["x-cmkg-cache"] == "miss"  # the oldest went first
    big_inner, big_calls = _counting_app(body="z" * 6000)
    big = TestClient(ResponseCache(big_inner, max_bytes=10_000, max_entry_bytes=5_000))
    big.get("/"), big.get("/")
    assert len(big_calls) == 2


def test_entries_expire_after_ttl() -> None:
    inner, calls = _counting_app()
    client = TestClient(ResponseCache(inner, max_bytes=2**20, ttl=2.0))
    client.get("/")
    assert client.get("/").headers["x-cmkg-cache"] == "hit"
    time.sleep(2.1)
    assert client.get("/").headers["x-cmkg-cache"] == "miss" and len(calls) == 2


def test_identical_requests_in_flight_share_one_computation() -> None:
    inner, calls = _counting_app()
    cache = ResponseCache(inner, max_bytes=2**20)

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=cache), base_url="http://t") as http:
            return list(await asyncio.gather(*(http.get("/?same") for _ in range(12))))

    # In a thread of its own: a browser test may have left an event loop running in this one.
    box: list[list[httpx.Response]] = []
    runner = threading.Thread(target=lambda: box.append(asyncio.run(burst())))
    runner.start()
    runner.join()
    answers = box[0]
    assert {r.status_code for r in answers} == {200} and len(calls) == 1
    assert sorted(r.headers["x-cmkg-cache"] for r in answers) == ["hit"] * 11 + ["miss"]


@pytest.fixture(scope="module")
def cached_app(server_kg: KnowledgeGraph) -> Any:
    return create_app(server_kg, ServerSettings(timeout=10))


def test_explorer_caches_pages_queries_and_api_but_not_failures(cached_app: Any) -> None:
    client = TestClient(cached_app)
    stats = cached_app.state.cmkg.responses
    for path, accept in (
        ("/id/city/toronto", "text/html"), ("/id/city/toronto", "text/turtle"),
        ("/sparql?query=" + ASK, "application/sparql-results+json"), ("/api/queries/practices-in-country?country=Canada", "text/csv"),
    ):
        first = client.get(path, headers={"Accept": accept})
        again = client.get(path, headers={"Accept": accept})
        assert first.status_code == again.status_code == 200, path
        assert (first.headers["x-cmkg-cache"], again.headers["x-cmkg-cache"]) == ("miss", "hit"), path
        assert again.content == first.content and again.headers["content-type"] == first.headers["content-type"]
        assert again.headers["content-security-policy"] == first.headers["content-security-policy"]
    before = stats.misses
    for _ in range(2):
        assert client.get("/id/city/no-such-city").status_code == 404
        assert client.get("/sparql?query=SELEKT").status_code == 400
    assert stats.misses == before + 4


def test_cache_can_be_switched_off(server_kg: KnowledgeGraph) -> None:
    client = TestClient(create_app(server_kg, ServerSettings(timeout=10, cache_mb=0)))
    assert [client.get("/id/city/toronto").headers.get("x-cmkg-cache") for _ in range(2)] == [None, None]


def test_time_limit_counts_from_the_start_not_the_wait(server_kg: KnowledgeGraph) -> None:
    guarded = GuardedEngine(server_kg.engine, timeout=1.0, max_workers=1, queue_timeout=10)
    guarded._slots.acquire()  # every worker busy for 1.5 s, longer than the query's own limit
    threading.Timer(1.5, guarded._slots.release).start()
    outcome = guarded.run(ASK)
    assert outcome.result is True and outcome.seconds < 1.0


def test_waiting_for_a_worker_is_bounded_and_named(server_kg: KnowledgeGraph) -> None:
    guarded = GuardedEngine(server_kg.engine, timeout=5.0, max_workers=1, queue_timeout=0.3)
    guarded._slots.acquire()
    try:
        with pytest.raises(QueryTimeout, match="all 1 query workers stayed busy for 0.3 s"):
            guarded.run(ASK)
    finally:
        guarded._slots.release()
    assert guarded.run(ASK).result is True


def test_a_client_that_leaves_while_waiting_frees_its_place(server_kg: KnowledgeGraph) -> None:
    guarded = GuardedEngine(server_kg.engine, timeout=5.0, max_workers=1, queue_timeout=30)
    guarded._slots.acquire()
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    started = time.monotonic()
    try:
        with pytest.raises(QueryTimeout, match="client went away while it waited"):
            guarded.run(ASK, cancel=cancel)
    finally:
        guarded._slots.release()
    assert time.monotonic() - started < 5


def _children_nice() -> dict[int, int]:
    import os

    out = {}
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        for pid in (task / "children").read_text().split():
            try:
                out[int(pid)] = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])
            except (OSError, IndexError, ValueError):
                pass
    return out


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_a_long_running_worker_yields_the_cpu(server_kg: KnowledgeGraph) -> None:
    guarded = GuardedEngine(server_kg.engine, timeout=4.0)
    errors: list[BaseException] = []

    def slow() -> None:
        try:
            guarded.run("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
        except QueryTimeout as err:
            errors.append(err)

    worker = threading.Thread(target=slow)
    worker.start()
    time.sleep(0.3)
    early = _children_nice()
    time.sleep(1.5)
    late = _children_nice()
    worker.join()
    import os

    own = os.getpriority(os.PRIO_PROCESS, 0)  # 0, or more when the tests run under `nice`
    assert early and all(n == own for n in early.values())
    assert any(late.get(pid) == min(19, own + 10) for pid in early), (early, late)
    assert errors  # and it was still stopped at its limit
