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
  recently used go first. With ``weigh``, ``entries`` bounds the sum of the values'
  weights instead (rows of an answer, say); one value heavier than the bound is still
  kept, alone. A value asked for a version older than every kept one (a slow request) is
  built and returned but not kept: it does not push out a newer version.
* **Owners are held weakly**: a closed and forgotten store takes its values with it. A
  value must not refer to its owner (that would keep both alive until newer versions of
  the owner push the value out, which for a forgotten store never happens).
* **Single flight**: one builder per key; other callers of the same key wait for it and
  get its value (or its exception: a failed build is not kept, the next call builds
  again). Builders of different keys run at once; the lock is never held while building,
  so a builder may use the memo for other keys (never for its own key: it would wait
  for itself).
* **Forgetting an owner everywhere**: every memo is registered (weakly) at creation, so
  :func:`forget_everywhere` drops one store's values from all of them at once. A
  member's erasure (:mod:`graph.rights.erase`) needs it: the kept versions before the
  erasure still hold the person (path index, kept explanations, coverage, answers).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar, cast

V = TypeVar("V")

_MISSING: Any = object()
#: every memo created, so that an owner can be forgotten by all (weak: a memo may go)
_ALL: weakref.WeakSet[VersionMemo[Any]] = weakref.WeakSet()


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
    over those versions (None: one per key asked for), or the sum of ``weigh(value)`` over
    them when ``weigh`` is given.
    """

    def __init__(
        self,
        name: str,
        *,
        versions: int = 2,
        entries: int | None = None,
        weigh: Callable[[V], int] | None = None,
    ) -> None:
        if versions < 1:
            raise ValueError(f"versions must be at least 1 (got {versions})")
        if entries is not None and entries < 1:
            raise ValueError(f"entries must be at least 1 (got {entries})")
        self.name = name
        self.versions = versions
        self.entries = entries
        self._weigh = weigh
        self._lock = threading.Lock()
        #: owner -> its kept values by version, and their weight
        self._kept: weakref.WeakKeyDictionary[Any, _Owned[V]] = weakref.WeakKeyDictionary()
        #: builds under way, by (id(owner), version, key): the owner is alive meanwhile
        self._flights: dict[tuple[int, int, Hashable], _Flight] = {}
        _ALL.add(self)

    def __repr__(self) -> str:
        return f"VersionMemo({self.name!r}, versions={self.versions})"

    def __len__(self) -> int:
        """How many values are kept, over every owner."""
        with self._lock:
            return sum(len(v) for owned in self._kept.values() for v in owned.by_version.values())

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

    def put(self, owner: Any, version: int, key: Hashable, value: V) -> None:
        """Keep ``value``, built elsewhere, as if ``get`` had built it (same bounds)."""
        with self._lock:
            self._keep(owner, version, key, value)

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
            owned = self._kept.get(owner)
            return sorted(owned.by_version) if owned is not None else []

    # ------------------------------------------------------------------ under the lock

    def _weight(self, value: V) -> int:
        return 1 if self._weigh is None else self._weigh(value)

    def _find(self, owner: Any, version: int, key: Hashable) -> Any:
        owned = self._kept.get(owner)
        values = owned.by_version.get(version) if owned is not None else None
        if values is None or key not in values:
            return _MISSING
        values.move_to_end(key)
        return values[key]

    def _keep(self, owner: Any, version: int, key: Hashable, value: V) -> None:
        owned = self._kept.get(owner)
        if owned is None:
            owned = self._kept[owner] = _Owned()
        by_version = owned.by_version
        values = by_version.get(version)
        if values is None:
            if len(by_version) >= self.versions and version < min(by_version):
                return  # older than every kept version: served, not kept
            values = by_version[version] = OrderedDict()
            while len(by_version) > self.versions:
                dropped = by_version.pop(min(by_version))
                owned.weight -= sum(self._weight(v) for v in dropped.values())
        if key in values:
            owned.weight -= self._weight(values.pop(key))
        values[key] = value
        owned.weight += self._weight(value)
        if self.entries is None:
            return
        # least recently used of the oldest version first; the last value left is never
        # dropped: one heavier than the bound stays, alone
        while owned.weight > self.entries and sum(len(v) for v in by_version.values()) > 1:
            oldest = min(by_version)
            _, dropped_value = by_version[oldest].popitem(last=False)
            owned.weight -= self._weight(dropped_value)
            if not by_version[oldest]:
                del by_version[oldest]


def forget_everywhere(owner: Any) -> int:
    """Forget ``owner``'s values in every memo; how many memos held some.

    >>> memo: VersionMemo[str] = VersionMemo("example")
    >>> class Store: ...
    >>> store = Store()
    >>> _ = memo.get(store, 1, "answer", lambda: "kept")
    >>> forget_everywhere(store) >= 1, memo.peek(store, 1, "answer")
    (True, None)
    """
    held = 0
    for memo in list(_ALL):
        if memo.kept_versions(owner):
            held += 1
        memo.clear(owner)
    return held


class _Owned(Generic[V]):
    """The values kept for one owner: by version, keys in least-recently-used order."""

    __slots__ = ("by_version", "weight")

    def __init__(self) -> None:
        self.by_version: dict[int, OrderedDict[Hashable, V]] = {}
        #: the sum of the kept values' weights
        self.weight = 0
