"""Holding Python's cyclic garbage collector while many acyclic objects are built.

Turning 10^5 result rows into tuples of terms, rdflib's evaluation of a query, or a
network's ties into networkx edges allocate millions of objects, none of them in
reference cycles. Every 700 allocations the collector looks for cycles among the new
ones, and every so often walks everything alive: at 10^6 triples that was a third of
a projection's time and a fifth to two fifths of converting a large Oxigraph answer;
at 10^5 nearly half of rdflib's time on `network-actors`. Reference counting still
frees everything as usual while the collector waits.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cyclic collector for the block (if it was enabled), and enable it again after.

    Examples
    --------
    >>> import gc
    >>> with collector_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
