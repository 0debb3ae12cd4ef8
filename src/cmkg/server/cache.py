"""A response cache for the explorer: the graph is read-only while it is served.

Public SPARQL services cache answers (the Wikidata query service keeps a GET
query's result for five minutes); here the embedded graph cannot change while
the server runs, so a successful ``GET`` answer stays valid until the server
stops. :class:`ResponseCache` is plain ASGI middleware that keeps whole
``200`` responses to ``GET`` requests, keyed by everything that can change them
(path, query string, ``Accept``, ``Host``, ``Origin``), up to a memory budget,
least recently used first out. With a remote store behind the explorer
(``--endpoint``) the data can change, so entries expire after ``ttl`` seconds.

Identical requests that arrive while the first is still being answered wait for
it instead of running the same query again ("single flight"): thirty clients
opening the same page cost one query, not thirty.

Every response says ``X-Cmkg-Cache: hit`` or ``miss``.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

__all__ = ["ResponseCache", "CacheStats"]

#: Request headers that select between different answers for the same URL.
_KEY_HEADERS = (b"accept", b"host", b"origin", b"x-forwarded-host", b"x-forwarded-proto")


@dataclass
class CacheStats:
    """Counters, for the load test and ``/-/dataset``."""

    hits: int = 0
    misses: int = 0
    stored: int = 0
    evicted: int = 0
    bytes: int = 0


@dataclass(frozen=True)
class _Entry:
    start: dict[str, Any]
    body: bytes
    expires: float | None

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.start.get("headers", [])) + 200


class ResponseCache:
    """ASGI middleware: answer repeated ``GET`` requests from memory.

    Parameters
    ----------
    app : ASGI application
        What to cache the answers of.
    max_bytes : int
        Memory budget for stored responses (bodies and headers); 0 turns the cache off.
    max_entry_bytes : int
        Larger responses (dumps, huge results) are never stored.
    ttl : float or None
        Seconds an entry stays valid; ``None`` for as long as the server runs
        (the embedded graph cannot change while served).
    stats : CacheStats, optional
        Where to count hits and misses (shared with the application's state).

    Examples
    --------
    >>> from starlette.applications import Starlette
    >>> from starlette.responses import PlainTextResponse
    >>> from starlette.routing import Route
    >>> from starlette.testclient import TestClient
    >>> calls = []
    >>> def hello(request):
    ...     calls.append(1)
    ...     return PlainTextResponse("hello")
    >>> app = ResponseCache(Starlette(routes=[Route("/", hello)]), max_bytes=2**20)
    >>> client = TestClient(app)
    >>> [client.get("/").headers["x-cmkg-cache"] for _ in range(3)], len(calls)
    (['miss', 'hit', 'hit'], 1)
    """

    def __init__(
        self, app: Any, max_bytes: int = 64 * 2**20, max_entry_bytes: int = 2**20, ttl: float | None = None,
        stats: CacheStats | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max(0, int(max_bytes))
        self.max_entry_bytes = min(int(max_entry_bytes), self.max_bytes)
        self.ttl = ttl
        self.stats = stats if stats is not None else CacheStats()
        self._entries: OrderedDict[tuple[bytes, ...], _Entry] = OrderedDict()
        self._pending: dict[tuple[bytes, ...], asyncio.Future[None]] = {}

    def clear(self) -> None:
        """Forget every stored response."""
        self._entries.clear()
        self.stats.bytes = 0

    def _key(self, scope: dict[str, Any]) -> tuple[bytes, ...]:
        headers = dict(scope.get("headers") or [])
        return (scope["path"].encode("utf-8", "surrogateescape"), scope.get("query_string", b""),
                *(headers.get(h, b"") for h in _KEY_HEADERS))

    def _lookup(self, key: tuple[bytes, ...]) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires is not None and entry.expires < time.monotonic():
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry

    def _drop(self, key: tuple[bytes, ...]) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self.stats.bytes -= entry.size

    def _store(self, key: tuple[bytes, ...], entry: _Entry) -> None:
        if entry.size > self.max_entry_bytes:
            return
        self._drop(key)
        while self._entries and self.stats.bytes + entry.size > self.max_bytes:
            old, _ = self._entries.popitem(last=False)
            self.stats.bytes -= _.size
            self.stats.evicted += 1
        self._entries[key] = entry
        self.stats.bytes += entry.size
        self.stats.stored += 1

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not self.max_bytes:
            await self.app(scope, receive, send)
            return
        key = self._key(scope)
        while True:
            entry = self._lookup(key)
            if entry is not None:
                self.stats.hits += 1
                await _replay(entry, send)
                return
            pending = self._pending.get(key)
            if pending is None:
                break
            # The same request is being answered right now: wait for it, then look again.
            await asyncio.shield(pending)
            if self._lookup(key) is None:
                break  # the first answer was not cacheable (an error, too large): answer this one ourselves
        self.stats.misses += 1
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        first = key not in self._pending
        if first:
            self._pending[key] = done
        try:
            await self._answer_and_store(key, scope, receive, send)
        finally:
            if first:
                del self._pending[key]
                done.set_result(None)

    async def _answer_and_store(self, key: tuple[bytes, ...], scope: dict[str, Any], receive: Any, send: Any) -> None:
        start: dict[str, Any] = {}
        chunks: list[bytes] = []
        size = 0
        keep = True

        async def capture(message: dict[str, Any]) -> None:
            nonlocal size, keep, start, chunks
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                keep = message["status"] == 200 and not any(k.lower() == b"set-cookie" for k, _ in headers)
                start = {**message, "headers": headers}
                message = {**message, "headers": [*headers, (b"x-cmkg-cache", b"miss")]}
            elif message["type"] == "http.response.body" and keep:
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
                if size > self.max_entry_bytes:
                    keep, chunks = False, []
                elif not message.get("more_body", False):
                    expires = None if self.ttl is None else time.monotonic() + self.ttl
                    self._store(key, _Entry(start, b"".join(chunks), expires))
            await send(message)

        await self.app(scope, receive, capture)


async def _replay(entry: _Entry, send: Any) -> None:
    await send({**entry.start, "headers": [*entry.start["headers"], (b"x-cmkg-cache", b"hit")]})
    await send({"type": "http.response.body", "body": entry.body})
