"""The relay graph: ties between people who may relay, and propagation over it.

Relays (people who consented to introduce) are about a third of the network, so their
ties are about a tenth of all ties: every propagation runs on this smaller CSR, on
compact numbers. Hypothetical ties and relays (what-if) sit beside the shared CSR.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from graph.coverage.kernels import or_runs
from graph.coverage.reach.bitsets import EMPTY, or_into, rows_of
from graph.coverage.reach.inputs import Inputs, lookup
from graph.paths.index import gather


@dataclass(frozen=True)
class Relays:
    """Ties between people who may relay, on compact numbers (``pos[nid]``, -1 if none)."""

    nodes: np.ndarray  # nids, compact order
    pos: np.ndarray  # nid -> compact number or -1
    indptr: np.ndarray
    indices: np.ndarray
    extra_a: np.ndarray  # hypothetical ties between relays, compact, both directions
    extra_b: np.ndarray

    @property
    def m(self) -> int:
        return len(self.nodes)

    @classmethod
    def build(cls, inputs: Inputs, base: Relays | None = None) -> Relays:
        """The relay graph of ``inputs``; from ``base`` when a few relays or ties were added."""
        relay = inputs.relay
        if base is None:
            # This is half of what a one-groupement state costs at 1M people, so: the
            # relays' rows are taken from the person CSR with one mask over all its
            # entries (no per-entry position array), and compact numbers are int32.
            ptr = inputs.index.ptr
            nodes = np.flatnonzero(relay).astype(np.int64)
            pos = np.full(inputs.n, -1, dtype=np.int64)
            pos[nodes] = np.arange(len(nodes))
            compact = pos.astype(np.int32)
            at = compact[inputs.index.nbr[np.repeat(relay, np.diff(ptr))]]
            keep = at >= 0
            deg = ptr[nodes + 1] - ptr[nodes]
            starts = np.cumsum(deg) - deg
            # ties kept per relay; a sentinel gives rows without ties at the end a start
            counts = np.add.reduceat(np.append(keep, False), starts, dtype=np.int64)
            counts[deg == 0] = 0  # reduceat gives the element at the start for empty rows
            indptr = np.zeros(len(nodes) + 1, dtype=np.int64)
            np.cumsum(counts, out=indptr[1:])
            indices = at[keep]
            extra_a = extra_b = EMPTY
        else:
            # people who relay now and did not in the base (a mask: no sort of 360k nids)
            new = np.flatnonzero(relay & (base.pos < 0)).astype(np.int64)
            nodes = np.concatenate([base.nodes, new])
            pos = base.pos.copy()
            pos[new] = np.arange(base.m, base.m + len(new))
            indptr = np.concatenate([base.indptr, np.full(len(new), base.indptr[-1])])
            indices = base.indices
            # ties of the new relays, in both directions, go beside the base CSR
            p, owner = gather(inputs.index.ptr, new)
            nbr = inputs.index.nbr[p].astype(np.int64)
            keep = pos[nbr] >= 0
            a_new, b_new = new[owner[keep]], nbr[keep]
            extra_a = np.concatenate([a_new, b_new])
            extra_b = np.concatenate([b_new, a_new])
        if len(inputs.extra_a):
            a, b = inputs.extra_a, inputs.extra_b
            both = (pos[a] >= 0) & (pos[b] >= 0)
            extra_a = np.concatenate([extra_a, a[both], b[both]])
            extra_b = np.concatenate([extra_b, b[both], a[both]])
        if len(extra_a):
            extra_a, extra_b = pos[extra_a], pos[extra_b]
            # one entry per ordered pair: a base tie given again changes nothing
            key = np.unique(extra_a * (len(nodes) + 1) + extra_b)
            extra_a, extra_b = key // (len(nodes) + 1), key % (len(nodes) + 1)
        return cls(nodes, pos, indptr, indices, extra_a, extra_b)

    def spread(self, values: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Per row (all, or the compact ``rows``): OR of ``values`` over its relay neighbours."""
        if rows is None:
            out = or_runs(values, self.indptr[:-1], self.indptr[1:], self.indices)
            if len(self.extra_a):
                or_into(out, self.extra_a, values[:, self.extra_b])
            return out
        rows = np.asarray(rows, dtype=np.int64)
        out = or_runs(values, self.indptr[rows], self.indptr[rows + 1], self.indices)
        if len(self.extra_a) and len(rows):
            at, hit = lookup(rows, self.extra_a)
            if hit.any():
                or_into(out, at[hit], values[:, self.extra_b[hit]])
        return out

    def neighbours(self, rows: np.ndarray) -> np.ndarray:
        """Compact numbers next to any of ``rows`` (ties and hypothetical ties), ascending."""
        rows = np.asarray(rows, dtype=np.int64)
        if 8 * len(rows) > self.m:
            # many rows: one pass over the whole CSR beats gathering row by row
            asked = np.zeros(self.m, dtype=bool)
            asked[rows] = True
            found = self.indices[np.repeat(asked, np.diff(self.indptr))]
        else:
            p, _ = gather(self.indptr, rows)
            found = self.indices[p]
        if len(self.extra_a):
            found = np.concatenate([found, self.extra_b[np.isin(self.extra_a, rows)]])
        return rows_of(self.m, found)


def layers(relays: Relays, x0: np.ndarray, bases: Sequence[np.ndarray]) -> list[np.ndarray]:
    """``X[0] = x0``, ``X[k] = bases[k-1] | spread(X[k-1])`` for k = 1..len(bases)."""
    out = [x0]
    for base in bases:
        out.append(base | relays.spread(out[-1]))
    return out
