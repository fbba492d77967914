"""The graph as it is at one day: inputs and relay graph, shared by every state of a version.

National states, states focused on one groupement and the bases of what-if all start from
the same :class:`Inputs` and :class:`Relays` of one version and day. The relay graph is
about 0.1 s at 1M people, a fifth of a groupement's cold state, and only changes with
the version or the date: :func:`as_is` keeps it per store version and day
(:mod:`graph.memo`).

Decisions:

* Kept per (store, version, day), at most :data:`KEPT_DAYS` days per store over the
  newest two versions: a value never refers to its store, so a forgotten store releases
  it, and a new version releases the one before the last.
* Without a store (a benchmark timing the build, a test), :func:`as_is` builds afresh.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graph.coverage.reach.inputs import Inputs
from graph.coverage.reach.relays import Relays
from graph.memo import VersionMemo
from graph.paths.index import PathIndex

#: days kept per store (the dashboard's date, today, a what-if date…)
KEPT_DAYS = 4


@dataclass(frozen=True)
class AsIs:
    """The inputs and relay graph of the graph as it is at one day, and a memo of what
    states derive from those alone (read-only once built, shared by every state)."""

    inputs: Inputs
    relays: Relays
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls, index: PathIndex, day: int) -> AsIs:
        inputs = Inputs.build(index, day)
        return cls(inputs, Relays.build(inputs))

    def memo_of(self, inputs: Inputs) -> dict[str, Any] | None:
        """The memo when ``inputs`` are this graph as it is, else None (what-if inputs)."""
        return self.memo if inputs is self.inputs else None


_AS_IS: VersionMemo[AsIs] = VersionMemo("coverage as-is", entries=KEPT_DAYS)


def as_is(index: PathIndex, day: int, store: object | None = None) -> AsIs:
    """The inputs and relay graph of ``index``'s graph as it is at ``day``: kept per
    version of ``store`` when given, else built. ``Inputs`` memoises bridge helpers,
    which are facts of the same index and day."""
    if store is None:
        return AsIs.build(index, day)
    # keyed by the index too: a state's inputs are always of its own index object
    return _AS_IS.get(store, index.version, (index, day), lambda: AsIs.build(index, day))


def clear_as_is(store: object | None = None) -> None:
    """Forget the kept :class:`AsIs` (of ``store``, or of every store): benchmarks, tests."""
    _AS_IS.clear(store)
