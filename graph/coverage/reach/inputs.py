"""What reachability reads, as flat arrays at one date (what-if replaces some of them).

Built from the path engine's :class:`~graph.paths.index.PathIndex` with the engine's
rules: relays are the people who consented to introduce, contacts the consenting
current employees (employment current at the date), référents the ``REFERENT_OF`` pairs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from graph.coverage.reach.bitsets import EMPTY
from graph.model import PersonStatus, RelType
from graph.paths.index import PathIndex, gather
from graph.view import NO_DATE

#: hops of the longest path: at most 3 intermediaries (the engine's default policy)
MAX_HOPS = 4
_CANDIDATE_CODES = [
    list(PersonStatus).index(s) for s in (PersonStatus.CANDIDATE, PersonStatus.BOTH)
]


@dataclass(frozen=True)
class Inputs:
    """What reachability reads, as flat arrays at one date; what-if replaces some of them.

    ``relay`` is the engine's introducer consent; ``contacts`` pairs (person, employer)
    of current, consenting employment; ``referents`` pairs (person, groupement);
    ``extra_ties`` pairs of people tied only hypothetically; ``bridges`` maps a
    groupement to its bridge helpers (computed on demand by ``bridge_source``).
    """

    index: PathIndex
    day: int
    relay: np.ndarray
    candidate: np.ndarray
    contact_person: np.ndarray
    contact_employer: np.ndarray
    referent_person: np.ndarray
    referent_groupement: np.ndarray
    extra_a: np.ndarray = field(default_factory=lambda: EMPTY)
    extra_b: np.ndarray = field(default_factory=lambda: EMPTY)
    bridge_source: Callable[[int], np.ndarray] | None = None
    _bridges: dict[int, np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    @property
    def n(self) -> int:
        return self.index.n

    @classmethod
    def build(cls, index: PathIndex, day: int) -> Inputs:
        """The inputs of the graph as it is, at ``day``."""
        view = index.view
        candidate = index.is_person & np.isin(index.status, _CANDIDATE_CODES)
        person, employer = current_employment(index, day)
        keep = index.consent[person]
        ref = view.rel(RelType.REFERENT_OF)
        return cls(
            index=index,
            day=day,
            relay=index.consent,
            candidate=candidate,
            contact_person=person[keep],
            contact_employer=employer[keep],
            referent_person=ref.src.astype(np.int64),
            referent_groupement=ref.dst.astype(np.int64),
        )

    def bridges(self, groupement: int) -> np.ndarray:
        """Bridge helpers of ``groupement`` at the date (person nids, ascending)."""
        found = self._bridges.get(groupement)
        if found is None:
            if self.bridge_source is not None:
                found = self.bridge_source(groupement)
            else:
                found = self.index.bridges(groupement, self.day).helpers.astype(np.int64)
            self._bridges[groupement] = found
        return found

    def ties_of(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(neighbour, index of the node in ``nodes``) over ties, hypothetical ones too.

        Entries are grouped by node, in the order of ``nodes``.
        """
        nodes = np.asarray(nodes, dtype=np.int64)
        pos, owner = gather(self.index.ptr, nodes)
        nbr = self.index.nbr[pos].astype(np.int64)
        if len(self.extra_a) and len(nodes):
            a = np.concatenate([self.extra_a, self.extra_b])
            b = np.concatenate([self.extra_b, self.extra_a])
            at, hit = lookup(nodes, a)
            if hit.any():
                nbr = np.concatenate([nbr, b[hit]])
                owner = np.concatenate([owner, at[hit]])
                srt = np.argsort(owner, kind="stable")
                nbr, owner = nbr[srt], owner[srt]
        return nbr, owner


def lookup(items: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``values``: (its index in ``items``, whether it is there).

    >>> lookup(np.array([5, 2, 9]), np.array([9, 3]))
    (array([2, 0]), array([ True, False]))
    """
    items = np.asarray(items, dtype=np.int64)
    values = np.asarray(values, dtype=np.int64)
    if len(items) == 0:
        return np.zeros(len(values), dtype=np.int64), np.zeros(len(values), dtype=bool)
    order = np.argsort(items, kind="stable")
    at = np.minimum(np.searchsorted(items[order], values), len(items) - 1)
    return order[at], items[order[at]] == values


def current_employment(index: PathIndex, day: int) -> tuple[np.ndarray, np.ndarray]:
    """(person, employer) of every employment current at ``day`` (the engine's rule)."""
    rel = index.view.rel(RelType.WORKS_AT)
    since, until = rel.columns["since"], rel.columns["until"]
    current = ((since == NO_DATE) | (since <= day)) & ((until == NO_DATE) | (until > day))
    return rel.src[current].astype(np.int64), rel.dst[current].astype(np.int64)
