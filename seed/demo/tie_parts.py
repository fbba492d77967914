"""``KNOWS`` ties of every source gathered as columns, then deduplicated into :class:`Ties`.

Decisions: a pair met through several sources is one tie and the strongest source wins;
the merged ties are sorted by (smaller end, larger end), the order the embedded store
inserts fastest. Everything stays in int32/float columns: ten million ties are a few
hundred MB, never Python objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from graph.model import TieSource
from seed.demo.days import NO_DAY
from seed.demo.proportions import STRENGTH, TIE_SOURCES


@dataclass(frozen=True)
class Ties:
    """Deduplicated KNOWS ties as columns, sorted by (a, b) with a < b."""

    a: np.ndarray
    b: np.ndarray
    source: np.ndarray  # index into TIE_SOURCES
    strength: np.ndarray
    since: np.ndarray
    confirmed: np.ndarray
    context: np.ndarray  # index into contexts, -1 for none
    contexts: np.ndarray  # object array, last element None

    def __len__(self) -> int:
        return len(self.a)


class TieParts:
    """Ties of every source, accumulated before the global deduplication."""

    def __init__(self, rng: np.random.Generator, today: int) -> None:
        self.rng, self.today = rng, today
        self.parts: list[tuple[np.ndarray, ...]] = []
        self.contexts: list[str] = []
        self.merged = False

    def context_table(self, names: Sequence[str]) -> np.ndarray:
        """Register context strings; returns their indices."""
        first = len(self.contexts)
        self.contexts.extend(names)
        return np.arange(first, first + len(names))

    def add(self, a: np.ndarray, b: np.ndarray, source: TieSource, since: np.ndarray,
            context: np.ndarray | None = None) -> None:
        low, high = STRENGTH[source]
        n = len(a)
        strength = self.rng.uniform(low, high, n) + self.rng.normal(0, 0.03, n)
        since = np.minimum(since, self.today)
        ctx = np.full(n, -1, np.int64) if context is None else context
        code = np.full(n, TIE_SOURCES.index(source), np.int8)
        strength = np.round(np.clip(strength, 0.01, 1.0), 3)
        self.merged = False
        self.parts.append((
            a.astype(np.int32), b.astype(np.int32), code, strength,
            since.astype(np.int32), ctx.astype(np.int32),
        ))

    def merge(self, n_people: int) -> int:
        """Deduplicate all ties so far into one part; returns how many remain.

        A pair met through several sources is one tie: the strongest source wins. The
        result is sorted by (smaller end, larger end), the order the store inserts fastest.
        """
        if len(self.parts) == 1 and self.merged:
            return len(self.parts[0][0])
        columns = zip(*self.parts, strict=True)
        a, b, source, strength, since, ctx = (np.concatenate(c) for c in columns)
        keep = a != b
        low, high = np.minimum(a, b)[keep], np.maximum(a, b)[keep]
        strength = strength[keep]
        # one int64 sort key: the pair (at most 2**47), then the strength, strongest first
        pair = low.astype(np.int64) * n_people + high
        key = (pair << 10) | (1023 - np.rint(strength * 1000).astype(np.int64))
        order = np.argsort(key, kind="stable")
        pair = pair[order]
        pick = order[np.r_[True, pair[1:] != pair[:-1]]] if len(pair) else order
        self.parts = [(
            low[pick], high[pick], source[keep][pick], strength[pick], since[keep][pick],
            ctx[keep][pick],
        )]
        self.merged = True
        return len(pick)

    def build(self, n_people: int) -> Ties:
        self.merge(n_people)
        low, high, source, strength, since, ctx = self.parts[0]
        since = since.astype(np.int64)
        return Ties(
            a=low, b=high, source=source, strength=strength, since=since,
            confirmed=self._confirmed(since), context=ctx,
            contexts=np.array([*self.contexts, None], dtype=object),
        )

    def _confirmed(self, since: np.ndarray) -> np.ndarray:
        """Last confirmation: recent for most, years old for some, never for a few."""
        n, rng, today = len(since), self.rng, self.today
        u = rng.random(n)
        recent = np.maximum(since, today - rng.integers(0, 365, n))
        stale_end = np.maximum(since, today - 730)
        stale = since + (rng.random(n) * (stale_end - since)).astype(np.int64)
        out = np.where(u < 0.30, stale, recent)
        return np.where(u < 0.12, NO_DAY, out)
