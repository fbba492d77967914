"""The coverage routes' answers, kept per store and store version.

Reports are pure functions of (store version, date, scope): the rendered answers are
kept in a :class:`graph.memo.VersionMemo` keyed by them (a write changes the version, so
nothing stale is served); concurrent requests for the same key compute it once
(:func:`fill`).

Bound, per store: the answers of the newest 2 versions, at most :data:`CACHE_ROWS` rows
over both (about 40 MiB), least recently used of the older version dropped first; a
forgotten store takes its answers with it.

Decisions:

* Keys start with the store version the lookup saw; a value computed while a write
  lands is kept under the version it was computed on (:func:`keep`), and under the
  version the lookup saw when that one is older (:func:`fill`), so a kept answer may hold
  newer figures than its key says, never older ones.
* Bounded by rows rather than entries: a national report is thousands of rows, a
  groupement's one; one entry larger than the budget is still kept, alone.
* An answer computed at an older version than the lookup saw (a labelled answer from
  the newest complete coverage state while the current one is rebuilt:
  :mod:`graph.coverage.service`) is returned to the callers waiting for it but not kept:
  the next request after the rebuild gets the current figures.
* A kept answer is rendered data (dicts, JSON bytes, reports): it never refers to the
  store, which the memo holds weakly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graph.memo import VersionMemo
from graph.store import GraphStore

#: what an answer is kept under: (store version, what was asked…)
Key = tuple[Any, ...]
#: computes an answer: (store version it was computed on, value, rows against the budget)
Compute = Callable[[], tuple[int, Any, int]]
#: most rendered rows (coverage rows, gaps, actions) kept per store, about 1 KiB each:
#: every report of a day at national scale is a few thousand
CACHE_ROWS = 50_000
#: answers kept, as (rows, value)
Answer = tuple[int, Any]


def answers(rows: int = CACHE_ROWS) -> VersionMemo[Answer]:
    """A memo of answers: the newest 2 versions per store, at most ``rows`` rows."""
    return VersionMemo("coverage answers", versions=2, entries=rows, weigh=lambda a: a[0])


_ANSWERS = answers()


def lookup(store: GraphStore, what: Key) -> tuple[Key, Any]:
    """(key, the answer kept for the store's current version, or None)."""
    key = (store.view().version, *what)
    return key, _value(_ANSWERS.peek(store, key[0], what))


def fill(store: GraphStore, key: Key, what: Key, compute: Compute) -> Any:
    """``compute()`` → (store version, value, rows), kept under (version, ``what``) and
    under ``key`` (a key of :func:`lookup`).

    One computation per key at a time: concurrent callers wait for the first one.
    """

    def build() -> Answer:
        version, value, rows = compute()
        if version < key[0]:
            raise _Older(value)
        if version != key[0]:
            _ANSWERS.put(store, version, what, (rows, value))
        return rows, value

    try:
        return _ANSWERS.get(store, key[0], what, build)[1]
    except _Older as older:
        return older.value


class _Older(Exception):
    """An answer of an older version than asked for: given to its callers, not kept."""

    def __init__(self, value: Any) -> None:
        super().__init__("older answer")
        self.value = value


def keep(store: GraphStore, what: Key, compute: Compute) -> Any:
    """``compute()``'s value, kept under (its store version, ``what``)."""
    version, value, rows = compute()
    if version >= store.view().version:
        _ANSWERS.put(store, version, what, (rows, value))
    return value


def put(store: GraphStore, key: Key, value: Any, rows: int) -> None:
    """Keep ``value`` under ``key`` (a key of :func:`lookup`) for ``store``."""
    _ANSWERS.put(store, key[0], key[1:], (rows, value))


def _value(answer: Answer | None) -> Any:
    return None if answer is None else answer[1]
