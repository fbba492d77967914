"""Values derived from one version of a store, built once and kept for a few versions.

Path indexes, coverage states, names read from the store: each is a pure function of the
store's content at one version, costly to build (seconds at a million people) and cheap
to keep for the next query. A :class:`VersionMemo` holds such values by
``(owner, version, key)``; the owner is the store they were read from.

>>> memo: VersionMemo[str] = VersionMemo("example")
>>> class Store: ...
>>> store = Store()
>>> memo.get(store, 1, "answer", lambda: "built at version 1")
'built at version 1'
>>> memo.get(store, 1, "answer", lambda: "not called: kept")
'built at version 1'
>>> memo.peek(store, 2, "answer") is None
True

Decisions:

* **Key**: ``(owner, version, key)``. The version is the store's
  (:attr:`graph.store.GraphStore.version`, or the ``version`` of the view the value was
  built from): a write gives a new version, so a value of an older one is never served
  for a newer one, and answers after a write are those of the new version.
* **Bound**: per owner, the values of the newest ``versions`` versions (default 2: the
  current one, and the one before for requests that read their view just before a
  write); a value of an older version is released when a newer version is kept. When
  ``entries`` is given, at most that many values per owner: the oldest version's least
  recently used go first. A value asked for a version older than every kept one (a slow
  request) is built and returned but not kept: it does not push out a newer version.
* **Owners are held weakly**: a closed and forgotten store takes its values with it. A
  value must not refer to its owner (that would keep both alive until newer versions of
  the owner push the value out, which for a forgotten store never happens).
* **Single flight**: one builder per key; other callers of the same key wait for it and
  get its value (or its exception: a failed build is not kept, the next call builds
  again). Builders of different keys run at once; the lock is never held while building,
  so a builder may use the memo for other keys (never for its own key: it would wait
  for itself).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar, cast

V = TypeVar("V")

_MISSING: Any = object()


class _Flight:
    """One build under way: waiters block on ``done``, then read ``value`` or ``error``."""

    __slots__ = ("done", "error", "value")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None


class VersionMemo(Generic[V]):
    """Values by ``(owner, version, key)``: built once, kept for the newest versions.

    ``name`` says what is kept (for ``repr`` and debugging); ``versions`` is how many
    versions per owner are kept (at least 1); ``entries`` bounds the values kept per owner
    over those versions (None: one per key asked for).
    """

    def __init__(self, name: str, *, versions: int = 2, entries: int | None = None) -> None:
        if versions < 1:
            raise ValueError(f"versions must be at least 1 (got {versions})")
        if entries is not None and entries < 1:
            raise ValueError(f"entries must be at least 1 (got {entries})")
        self.name = name
        self.versions = versions
        self.entries = entries
        self._lock = threading.Lock()
        #: owner -> version -> key -> value (keys in least-recently-used order)
        self._kept: weakref.WeakKeyDictionary[Any, dict[int, OrderedDict[Hashable, V]]] = (
            weakref.WeakKeyDictionary()
        )
        #: builds under way, by (id(owner), version, key): the owner is alive meanwhile
        self._flights: dict[tuple[int, int, Hashable], _Flight] = {}

    def __repr__(self) -> str:
        return f"VersionMemo({self.name!r}, versions={self.versions})"

    def get(self, owner: Any, version: int, key: Hashable, build: Callable[[], V]) -> V:
        """The value of ``key`` at ``version`` of ``owner``; ``build()`` makes it once."""
        flight_key = (id(owner), version, key)
        with self._lock:
            found = self._find(owner, version, key)
            if found is not _MISSING:
                return found
            flight = self._flights.get(flight_key)
            leader = flight is None
            if flight is None:
                flight = self._flights[flight_key] = _Flight()
        if not leader:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            return cast(V, flight.value)
        try:
            value = build()
        except BaseException as exc:
            flight.error = exc
            with self._lock:
                del self._flights[flight_key]
            flight.done.set()
            raise
        flight.value = value
        with self._lock:
            self._keep(owner, version, key, value)
            del self._flights[flight_key]
        flight.done.set()
        return value

    def peek(self, owner: Any, version: int, key: Hashable) -> V | None:
        """The kept value, or None when it is not built (this never builds)."""
        with self._lock:
            found = self._find(owner, version, key)
        return None if found is _MISSING else found

    def clear(self, owner: Any | None = None) -> None:
        """Forget the values of ``owner``, or of every owner (tests, benchmarks)."""
        with self._lock:
            if owner is None:
                self._kept.clear()
            else:
                self._kept.pop(owner, None)

    def kept_versions(self, owner: Any) -> list[int]:
        """The versions of ``owner`` with values kept, oldest first."""
        with self._lock:
            return sorted(self._kept.get(owner, {}))

    # ------------------------------------------------------------------ under the lock

    def _find(self, owner: Any, version: int, key: Hashable) -> Any:
        values = self._kept.get(owner, {}).get(version)
        if values is None or key not in values:
            return _MISSING
        values.move_to_end(key)
        return values[key]

    def _keep(self, owner: Any, version: int, key: Hashable, value: V) -> None:
        by_version = self._kept.get(owner)
        if by_version is None:
            by_version = self._kept[owner] = {}
        values = by_version.get(version)
        if values is None:
            if len(by_version) >= self.versions and version < min(by_version):
                return  # older than every kept version: served, not kept
            values = by_version[version] = OrderedDict()
            while len(by_version) > self.versions:
                del by_version[min(by_version)]
        values[key] = value
        values.move_to_end(key)
        if self.entries is not None:
            while sum(len(v) for v in by_version.values()) > self.entries:
                oldest = min(by_version)
                by_version[oldest].popitem(last=False)
                if not by_version[oldest]:
                    del by_version[oldest]
