"""The coverage routes' answers, kept per store and store version.

Reports are pure functions of (store version, date, scope): the rendered answers are
kept per store, least recently used dropped first beyond :data:`CACHE_ROWS` rows (about
40 MiB), keyed by them (a write changes the version, so nothing stale is served);
concurrent requests for the same key compute it once (:func:`fill`).

Decisions:

* Keys start with the store version the lookup saw; a value computed while a write
  lands is kept under the version it was computed on (:func:`keep`), so it may hold
  newer figures than its key says, never older ones.
* Bounded by rows rather than entries: a national report is thousands of rows, a
  groupement's one; one entry larger than the budget is still kept, alone.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from graph.store import GraphStore

#: what an answer is kept under: (store version, what was asked…)
Key = tuple[Any, ...]
#: computes an answer: (store version it was computed on, value, rows against the budget)
Compute = Callable[[], tuple[int, Any, int]]
#: most rendered rows (coverage rows, gaps, actions) kept per store, about 1 KiB each:
#: every report of a day at national scale is a few thousand
CACHE_ROWS = 50_000
_LOCK = threading.Lock()
_CACHE: weakref.WeakKeyDictionary[Any, Entries] = weakref.WeakKeyDictionary()
_FLIGHTS: dict[Key, threading.Lock] = {}


class Entries:
    """Rendered answers of one store, least recently used first, with their row counts."""

    def __init__(self) -> None:
        self.items: OrderedDict[Key, tuple[int, Any]] = OrderedDict()
        self.rows = 0

    def get(self, key: Key) -> Any:
        hit = self.items.get(key)
        if hit is None:
            return None
        self.items.move_to_end(key)
        return hit[1]

    def put(self, key: Key, value: Any, rows: int) -> None:
        old = self.items.pop(key, None)
        self.rows += rows - (old[0] if old else 0)
        self.items[key] = (rows, value)
        while self.rows > CACHE_ROWS and len(self.items) > 1:
            _, (dropped, _) = self.items.popitem(last=False)
            self.rows -= dropped


def lookup(store: GraphStore, what: Key) -> tuple[Key, Any]:
    """(key, the answer kept for the store's current version, or None)."""
    key = (store.view().version, *what)
    with _LOCK:
        return key, _entries(store).get(key)


def fill(store: GraphStore, key: Key, what: Key, compute: Compute) -> Any:
    """``compute()`` → (store version, value, rows), kept under (version, ``what``).

    One computation per key at a time: concurrent callers wait for the first one.
    """
    with _LOCK:
        entries = _CACHE[store]
        flight = _FLIGHTS.setdefault((id(store), key), threading.Lock())
    with flight:
        with _LOCK:
            hit = entries.get(key)
        if hit is not None:
            return hit
        try:
            return keep(store, what, compute)
        finally:
            with _LOCK:
                _FLIGHTS.pop((id(store), key), None)


def keep(store: GraphStore, what: Key, compute: Compute) -> Any:
    """``compute()``'s value, kept under (its store version, ``what``)."""
    version, value, rows = compute()
    with _LOCK:
        _entries(store).put((version, *what), value, rows)
    return value


def put(store: GraphStore, key: Key, value: Any, rows: int) -> None:
    """Keep ``value`` under ``key`` (a key of :func:`lookup`) for ``store``."""
    with _LOCK:
        _entries(store).put(key, value, rows)


def _entries(store: GraphStore) -> Entries:
    """The store's entries, made on first use; the caller holds ``_LOCK``."""
    entries = _CACHE.get(store)
    if entries is None:
        entries = _CACHE[store] = Entries()
    return entries
