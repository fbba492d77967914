"""Edits of sorted arrays: a few removals and insertions, at the cost of one copy.

A write changes a handful of relationships among millions. Derived arrays (a relationship
type's edges sorted by their ends, the search index's ties) follow it with an
:class:`Edit`: which positions of the old array go, and where new entries go in. Applying
it to an array (:meth:`Edit.apply`) is one ``memcpy``-like copy, never a sort; positions
held elsewhere (an edge's position kept in another array) follow with
:meth:`Edit.remap`, one compiled pass.

>>> edit = Edit(removed=np.array([1]), insert_at=np.array([2, 2]), n_old=4)
>>> edit.apply(np.array([10, 11, 12, 13]), np.array([20, 21]))
array([10, 12, 20, 21, 13])
>>> edit.remap(np.array([0, 1, 2, 3]))
array([ 0, -1,  1,  4])
>>> edit.added
array([2, 3])

Decisions:

* ``insert_at`` counts in the array *after* the removals (``numpy.insert`` semantics:
  a value goes before the element at that index; equal indices keep the given order),
  so removals and insertions never have to be ordered against each other.
* Remapping is a compiled loop with two binary searches in the (short) edit arrays per
  value: one pass over the values, no table as long as the array.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np


@dataclass(frozen=True)
class Edit:
    """Remove ``removed`` (ascending positions of the old array), then insert new values
    at ``insert_at`` (ascending indices into the array left by the removals)."""

    removed: np.ndarray
    insert_at: np.ndarray
    n_old: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "removed", np.asarray(self.removed, dtype=np.int64))
        object.__setattr__(self, "insert_at", np.asarray(self.insert_at, dtype=np.int64))

    @classmethod
    def none(cls, n: int) -> Edit:
        """The edit that changes nothing."""
        return cls(np.empty(0, np.int64), np.empty(0, np.int64), n)

    @property
    def n_new(self) -> int:
        return self.n_old - len(self.removed) + len(self.insert_at)

    @property
    def empty(self) -> bool:
        return len(self.removed) == 0 and len(self.insert_at) == 0

    @property
    def added(self) -> np.ndarray:
        """Positions of the inserted values in the new array."""
        return self.insert_at + np.arange(len(self.insert_at), dtype=np.int64)

    def apply(self, arr: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
        """A new array: ``arr`` edited, ``values`` (one per insertion) inserted."""
        out = np.delete(arr, self.removed) if len(self.removed) else arr
        if len(self.insert_at):
            assert values is not None and len(values) == len(self.insert_at)
            out = insert(out, self.insert_at, np.asarray(values, dtype=arr.dtype))
        return out.copy() if out is arr else out

    def remap(self, positions: np.ndarray) -> np.ndarray:
        """New positions of old ``positions`` (-1 for a removed one), same dtype."""
        positions = np.ascontiguousarray(positions)
        if self.empty:
            return positions.copy()
        out = np.empty_like(positions)
        none = np.empty(0, dtype=np.int64)
        big = np.iinfo(positions.dtype).max
        _remap_split(positions, big, self.removed, self.insert_at, none, none, 0, out)
        return out


def insert(arr: np.ndarray, at: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``numpy.insert(arr, at, values)`` for ascending ``at``, by copying the slices
    between insertions (``numpy.insert`` also builds a mask as long as the result).

    >>> insert(np.array([1, 2, 3]), np.array([0, 2, 2]), np.array([7, 8, 9]))
    array([7, 1, 2, 8, 9, 3])
    """
    if len(at) > 256:
        return np.insert(arr, at, values)
    out = np.empty(len(arr) + len(at), dtype=arr.dtype)
    src = dst = 0
    for j, a in enumerate(at.tolist()):
        out[dst : dst + a - src] = arr[src:a]
        dst += a - src
        out[dst] = values[j]
        dst += 1
        src = a
    out[dst:] = arr[src:]
    return out


def remap_split(
    values: np.ndarray, split: int, first: Edit, second: Edit, offset: int
) -> np.ndarray:
    """Remap values that number two arrays one after the other: ``v < split`` is a
    position under ``first``, ``v >= split`` is ``split`` + a position under ``second``,
    which comes out as ``offset`` + its new position (-1 for a removed one).

    >>> first = Edit(np.array([0]), np.array([], dtype=np.int64), 2)
    >>> second = Edit(np.array([], dtype=np.int64), np.array([0]), 1)
    >>> remap_split(np.array([0, 1, 2]), 2, first, second, 1)
    array([-1,  0,  2])
    """
    values = np.ascontiguousarray(values)
    out = np.empty_like(values)
    _remap_split(
        values, split, first.removed, first.insert_at, second.removed, second.insert_at,
        offset, out,
    )  # fmt: skip
    return out


#: up to this many removals or insertions, a value's new position is counted by a scan
_SCAN_MAX = 32


@numba.njit(nogil=True, cache=True, inline="always")
def _search(sorted_values, x, strict):  # pragma: no cover - compiled
    """How many of ``sorted_values`` are < x (``strict``) or <= x, by binary search."""
    lo, hi = 0, len(sorted_values)
    while lo < hi:
        mid = (lo + hi) // 2
        v = sorted_values[mid]
        if v < x or (not strict and v == x):
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit(nogil=True, cache=True)
def _remap_split(values, split, rem1, ins1, rem2, ins2, offset, out):  # pragma: no cover
    """``values`` below ``split`` under edit 1; the others, less ``split``, under edit 2
    and plus ``offset``. Short edits are scanned without branches: a binary search's
    mispredicted branches cost five to ten times more per value. (Two separate loops:
    with both paths in one loop the scan is compiled as slowly as the search.)"""
    short = max(len(rem1), len(ins1), len(rem2), len(ins2)) <= _SCAN_MAX
    if short:
        for i in range(len(values)):
            v = values[i]
            if v < split:
                rem, ins, base, p = rem1, ins1, 0, v
            else:
                rem, ins, base, p = rem2, ins2, offset, v - split
            r = 0
            hit = 0
            for j in range(len(rem)):
                r += rem[j] < p
                hit |= rem[j] == p
            q = p - r
            c = 0
            for j in range(len(ins)):
                c += ins[j] <= q
            out[i] = -1 if hit else base + q + c
    else:
        for i in range(len(values)):
            v = values[i]
            if v < split:
                rem, ins, base, p = rem1, ins1, 0, v
            else:
                rem, ins, base, p = rem2, ins2, offset, v - split
            r = _search(rem, p, True)
            if r < len(rem) and rem[r] == p:
                out[i] = -1
            else:
                q = p - r
                out[i] = base + q + _search(ins, q, False)


def extend_ptr(ptr: np.ndarray, n: int) -> np.ndarray:
    """CSR offsets over ``n`` nodes from offsets over fewer (new nodes have no entries).

    >>> extend_ptr(np.array([0, 2, 3]), 4)
    array([0, 2, 3, 3, 3])
    """
    if len(ptr) == n + 1:
        return ptr
    return np.concatenate([ptr, np.full(n + 1 - len(ptr), ptr[-1], dtype=ptr.dtype)])


def shift_ptr(ptr: np.ndarray, removed_owner: np.ndarray, added_owner: np.ndarray) -> np.ndarray:
    """CSR offsets after removing entries of ``removed_owner`` nodes and adding entries of
    ``added_owner`` nodes (one owner per entry; ``ptr`` already spans every node).

    >>> shift_ptr(np.array([0, 2, 3, 3]), np.array([0]), np.array([2, 2]))
    array([0, 1, 2, 4])
    """
    n = len(ptr) - 1
    delta = np.bincount(np.asarray(added_owner, dtype=np.int64), minlength=n)[:n].astype(np.int64)
    delta -= np.bincount(np.asarray(removed_owner, dtype=np.int64), minlength=n)[:n]
    out = ptr.copy()
    out[1:] += np.cumsum(delta)
    return out


def counting_order(keys: np.ndarray, ptr: np.ndarray) -> np.ndarray:
    """Positions of ``keys`` grouped by key, ascending within a key: what a stable
    argsort of ``keys`` gives, in one linear pass (``ptr``: the CSR offsets of ``keys``).

    >>> keys = np.array([2, 0, 2, 1], dtype=np.int32)
    >>> counting_order(keys, np.array([0, 1, 2, 4]))
    array([1, 3, 0, 2])
    """
    return _counting_order(np.ascontiguousarray(keys), np.ascontiguousarray(ptr, dtype=np.int64))


@numba.njit(nogil=True, cache=True)
def _counting_order(keys, ptr):  # pragma: no cover - compiled
    cursor = ptr[:-1].copy()
    out = np.empty(len(keys), dtype=np.int64)
    for p in range(len(keys)):
        k = keys[p]
        out[cursor[k]] = p
        cursor[k] += 1
    return out
