"""The inner loop of the bitset propagation, compiled: OR of runs of gathered words.

Every layer of :mod:`graph.coverage.reach` is "per row, the OR of its neighbours'
words". In numpy that is a gather of every neighbour's word into a temporary array
and a ``bitwise_or.reduceat`` over it, one word at a time: two passes and 22 MB of
temporary per word at 1M people. Compiled with numba it is one pass without the
temporary, about 1.6 times faster on one core, and the words are independent, so
large layers split them over two threads (the compiled loop releases the GIL).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

#: below this many gathered words, threads cost more than they save
_PARALLEL_FROM = 1 << 20
_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


@numba.njit(nogil=True, cache=True)
def _or_runs(row, starts, ends, cols, out):  # pragma: no cover - compiled
    for i in range(len(starts)):
        acc = np.uint64(0)
        for k in range(starts[i], ends[i]):
            acc |= row[cols[k]]
        out[i] = acc


@numba.njit(nogil=True, cache=True)
def _or_slices(row, starts, ends, out):  # pragma: no cover - compiled
    for i in range(len(starts)):
        acc = np.uint64(0)
        for k in range(starts[i], ends[i]):
            acc |= row[k]
        out[i] = acc


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            workers = max(1, min(4, len(os.sched_getaffinity(0))))
            _POOL = ThreadPoolExecutor(workers, thread_name_prefix="passerelle-bits")
        return _POOL


def or_runs(
    values: np.ndarray, starts: np.ndarray, ends: np.ndarray, cols: np.ndarray | None = None
) -> np.ndarray:
    """``out[w, i]`` = OR of ``values[w, cols[k]]`` for ``k`` in ``starts[i]:ends[i]``.

    Without ``cols``, of ``values[w, k]`` itself. ``values`` is a bitset table (one row
    per word); empty runs give 0.

    >>> v = np.array([[1, 2, 4, 8]], dtype=np.uint64)
    >>> or_runs(v, np.array([0, 2, 1]), np.array([2, 2, 4]), np.array([3, 0, 1, 2])).tolist()
    [[9, 0, 7]]
    >>> or_runs(v, np.array([0, 2]), np.array([2, 4])).tolist()
    [[3, 12]]
    """
    words = values.shape[0]
    starts = np.ascontiguousarray(starts, dtype=np.int64)
    ends = np.ascontiguousarray(ends, dtype=np.int64)
    out = np.zeros((words, len(starts)), dtype=np.uint64)
    if len(starts) == 0 or words == 0:
        return out
    if cols is not None and cols.dtype not in (np.int32, np.int64):
        cols = cols.astype(np.int64)

    def one(w: int) -> None:
        if cols is None:
            _or_slices(values[w], starts, ends, out[w])
        else:
            _or_runs(values[w], starts, ends, cols, out[w])

    gathered = words * (len(cols) if cols is not None else values.shape[1])
    if words > 1 and gathered >= _PARALLEL_FROM:
        list(_pool().map(one, range(words)))
    else:
        for w in range(words):
            one(w)
    return out
