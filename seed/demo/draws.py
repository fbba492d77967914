"""Vectorised random draws over numpy columns, for every person at once.

Decisions: nothing here loops over people. Groups (a promotion, a unit, a département) are
handled by sorting once and offset arithmetic inside the sorted runs, which is what keeps a
million people and ten million ties within seconds.
"""

from __future__ import annotations

import numpy as np


class Picker:
    """Weighted draws of one item within a group, for many draws at once.

    Items are sorted by group and their weights cumulated once; a draw is then one
    ``searchsorted`` in the right slice. A group with no weight yields -1.

    >>> pick = Picker(np.array([0, 0, 1]), np.array([1.0, 3.0, 0.0]), 3)
    >>> pick.draw(np.array([0, 0, 1, 2]), np.array([0.1, 0.9, 0.5, 0.5])).tolist()
    [0, 1, -1, -1]
    """

    def __init__(self, groups: np.ndarray, weights: np.ndarray, n_groups: int) -> None:
        self.order = np.argsort(groups, kind="stable")
        self.cum = np.cumsum(weights[self.order].astype(np.float64))
        counts = np.bincount(groups, minlength=n_groups)
        end = np.cumsum(counts)
        start = end - counts
        padded = np.concatenate([[0.0], self.cum])
        self.lo, self.hi = padded[start], padded[end]
        self.last = np.maximum(end - 1, 0)

    def draw(self, groups: np.ndarray, u: np.ndarray) -> np.ndarray:
        """One item of each of ``groups``, chosen by the uniform numbers ``u`` in [0, 1)."""
        lo, hi = self.lo[groups], self.hi[groups]
        if len(self.cum) == 0:
            return np.full(len(groups), -1, dtype=np.int64)
        pos = np.searchsorted(self.cum, lo + u * (hi - lo), side="right")
        pos = np.minimum(pos, self.last[groups])
        return np.where(hi > lo, self.order[pos], -1)


def categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of a (n, k) probability matrix (rows need not sum to 1).

    >>> categorical(np.random.default_rng(0), np.array([[2.0, 0.0], [0.0, 1.0]])).tolist()
    [0, 1]
    """
    cum = np.cumsum(probs, axis=1)
    cum /= cum[:, -1:]
    return np.minimum((rng.random(len(probs))[:, None] > cum).sum(axis=1), probs.shape[1] - 1)


def split_groups(
    rng: np.random.Generator, keys: np.ndarray, size_low: int, size_high: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut each group of ``keys`` (-1: none) into random subgroups of about the given size.

    Returns (subgroup of each item or -1, parent key of each subgroup, rank of each
    subgroup within its parent).

    >>> keys = np.array([4] * 10 + [-1])
    >>> sub, parents, ranks = split_groups(np.random.default_rng(0), keys, 5, 5)
    >>> np.bincount(sub[:10]).tolist(), int(sub[10]), parents.tolist(), ranks.tolist()
    ([5, 5], -1, [4, 4], [0, 1])
    """
    sub = np.full(len(keys), -1, dtype=np.int64)
    valid = np.flatnonzero(keys >= 0)
    if len(valid) == 0:
        return sub, np.empty(0, np.int64), np.empty(0, np.int64)
    k = keys[valid]
    order = np.lexsort((rng.random(len(valid)), k))
    ks = k[order]
    first = np.r_[True, ks[1:] != ks[:-1]]
    g = np.cumsum(first) - 1
    starts = np.flatnonzero(first)
    sizes = np.diff(np.r_[starts, len(ks)])
    target = rng.integers(size_low, size_high + 1, len(starts))
    n_sub = np.maximum(1, np.rint(sizes / target)).astype(np.int64)
    rank = np.arange(len(ks)) - starts[g]
    local = rank * n_sub[g] // sizes[g]
    offset = np.r_[0, np.cumsum(n_sub)[:-1]]
    sub[valid[order]] = offset[g] + local
    parents = np.repeat(ks[starts], n_sub)
    ranks = np.arange(n_sub.sum()) - np.repeat(offset, n_sub)
    return sub, parents, ranks


def ring_ties(
    rng: np.random.Generator, keys: np.ndarray, mean: float, window: int, p_local: float
) -> tuple[np.ndarray, np.ndarray]:
    """Random ties within groups of ``keys`` (-1: none), by offset arithmetic.

    Members of a group are put on a random ring; each starts an overdispersed Poisson
    number of ties (mean ``mean``), to a near neighbour on the ring (within ``window``,
    with probability ``p_local``: this is what makes friends of friends friends) or to
    anyone of the group. Never a self-loop: the offset is in ``[1, size - 1]``.

    >>> a, b = ring_ties(np.random.default_rng(1), np.array([0, 0, 0, 1, -1]), 3.0, 1, 1.0)
    >>> bool((a != b).all()), set(a.tolist()) | set(b.tolist()) <= {0, 1, 2}
    (True, True)
    """
    valid = np.flatnonzero(keys >= 0)
    k = keys[valid]
    order = np.lexsort((rng.random(len(valid)), k))
    members, ks = valid[order], k[order]
    first = np.r_[True, ks[1:] != ks[:-1]] if len(ks) else np.empty(0, bool)
    starts = np.flatnonzero(first)
    sizes = np.diff(np.r_[starts, len(ks)])
    g = np.cumsum(first) - 1
    start, size = starts[g], sizes[g]
    counts = rng.poisson(mean * rng.gamma(2.0, 0.5, len(ks)))
    counts[size < 2] = 0
    rep = np.repeat(np.arange(len(ks)), counts)
    sz = size[rep]
    off_near = rng.integers(1, np.minimum(window, sz - 1) + 1)
    off_any = rng.integers(1, sz)
    off = np.where(rng.random(len(rep)) < p_local, off_near, off_any)
    other = start[rep] + (rep - start[rep] + off) % sz
    return members[rep], members[other]
