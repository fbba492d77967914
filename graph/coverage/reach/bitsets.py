"""Bitsets for reachability: one bit per target (or groupement), ``uint64`` words.

A table has one row per word and one column per item (person, relay, candidate), so an
OR over neighbours is one gather and one ``reduceat`` per word.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from graph.coverage.kernels import or_runs

ONE = np.uint64(1)
EMPTY = np.empty(0, dtype=np.int64)


def n_words(bits: int) -> int:
    """Number of uint64 words for ``bits`` bits (at least one).

    >>> n_words(0), n_words(64), n_words(65)
    (1, 1, 2)
    """
    return max(1, (bits + 63) // 64)


def zeros(words: int, columns: int) -> np.ndarray:
    """An empty bitset table: one row per word, one column per item."""
    return np.zeros((words, columns), dtype=np.uint64)


def set_bits(table: np.ndarray, columns: np.ndarray, bits: np.ndarray) -> None:
    """Set bit ``bits[i]`` of column ``columns[i]``, in place.

    >>> t = zeros(2, 3); set_bits(t, np.array([0, 2, 2]), np.array([1, 0, 65])); t.tolist()
    [[2, 0, 1], [0, 0, 2]]
    """
    columns = np.asarray(columns, dtype=np.int64)
    bits = np.asarray(bits, dtype=np.int64)
    for w in np.unique(bits >> 6).tolist():
        sel = (bits >> 6) == w
        np.bitwise_or.at(table[w], columns[sel], ONE << (bits[sel] & 63).astype(np.uint64))


def has_bit(table: np.ndarray, columns: np.ndarray, bit: int) -> np.ndarray:
    """Whether bit ``bit`` is set in each of ``columns``."""
    word = table[bit >> 6][np.asarray(columns, dtype=np.int64)]
    return (word >> np.uint64(bit & 63)) & ONE == ONE


def bits_of(table: np.ndarray, column: int) -> list[int]:
    """The bits set in one column, ascending."""
    out = []
    for w in range(table.shape[0]):
        word = int(table[w, column])
        while word:
            low = word & -word
            out.append(w * 64 + low.bit_length() - 1)
            word ^= low
    return out


def any_bits(table: np.ndarray) -> np.ndarray:
    """Per column: is any bit set."""
    return (table != 0).any(axis=0)


def bit_mask(words: int, bits: Sequence[int]) -> np.ndarray:
    """One column with ``bits`` set, as a (words,) array."""
    mask = np.zeros(words, dtype=np.uint64)
    for b in bits:
        mask[b >> 6] |= ONE << np.uint64(b & 63)
    return mask


def reduce_groups(
    values: np.ndarray, counts: np.ndarray, cols: np.ndarray | None = None
) -> np.ndarray:
    """OR of consecutive groups of columns: group i is the next ``counts[i]`` columns.

    With ``cols``, the columns are ``values[:, cols]`` (gathered by the compiled loop,
    without a temporary).

    >>> reduce_groups(np.array([[1, 2, 4, 8]], dtype=np.uint64), np.array([2, 0, 2])).tolist()
    [[3, 0, 12]]
    """
    counts = np.asarray(counts, dtype=np.int64)
    ends = np.cumsum(counts)
    return or_runs(values, ends - counts, ends, cols)


def rows_of(m: int, found: np.ndarray) -> np.ndarray:
    """``np.unique`` of row numbers below ``m``, by marking them (no sort of 1M entries)."""
    if len(found) < 4096:
        return np.unique(found).astype(np.int64)
    seen = np.zeros(m, dtype=bool)
    seen[found] = True
    return np.flatnonzero(seen)


def or_into(out: np.ndarray, cols: np.ndarray, values: np.ndarray) -> None:
    """OR ``values[:, i]`` into ``out[:, cols[i]]`` for every ``i``, in place (repeats add up)."""
    for w in range(out.shape[0]):
        np.bitwise_or.at(out[w], cols, values[w])
