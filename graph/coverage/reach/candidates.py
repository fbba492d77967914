"""Candidates and their first hop: their ties, and the référents of their groupements.

A candidate's bits are the OR of what their relay neighbours reach, plus what they reach
through each référent of their groupements (:func:`referent_bits`: the référent hop,
then the bridge to a partner's helper).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graph.coverage.reach.bitsets import reduce_groups, zeros
from graph.coverage.reach.inputs import Inputs
from graph.coverage.reach.relays import Relays
from graph.model import RelType
from graph.paths.index import gather


@dataclass(frozen=True)
class Memberships:
    """Candidate → groupement memberships, and référents who may be a first hop."""

    cand: np.ndarray  # candidate nids, ascending
    member_cand: np.ndarray  # per membership: index into cand
    member_group: np.ndarray  # per membership: groupement nid
    pair_person: np.ndarray  # référent pairs (person, groupement), sorted by groupement
    pair_group: np.ndarray
    cand_pos: np.ndarray  # nid -> index into cand, or -1

    @classmethod
    def of(cls, inputs: Inputs, cand: np.ndarray, also: np.ndarray | None = None) -> Memberships:
        """Memberships of ``cand``; with ``also``, référent pairs are kept only for the
        groupements of these candidates and those of ``also`` (a focused state needs no
        other: a référent only ever serves the candidates of their own groupement)."""
        rel = inputs.index.view.rel(RelType.IN_GROUPEMENT)
        pos, owner = gather(rel.out_ptr, cand)
        member_group = rel.dst[pos].astype(np.int64)
        pair_person, pair_group = referent_pairs(inputs)
        if also is not None:
            keep = np.isin(pair_group, np.concatenate([member_group, also]))
            pair_person, pair_group = pair_person[keep], pair_group[keep]
        cand_pos = np.full(inputs.n, -1, dtype=np.int64)
        cand_pos[cand] = np.arange(len(cand))
        return cls(cand, owner, member_group, pair_person, pair_group, cand_pos)


def referent_pairs(inputs: Inputs) -> tuple[np.ndarray, np.ndarray]:
    """(person, groupement) of every référent, once each, sorted by groupement then person."""
    key = np.unique(inputs.referent_groupement * inputs.n + inputs.referent_person)
    return key % inputs.n, key // inputs.n


def candidate_bits(inputs: Inputs, relays: Relays, y3: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """Per candidate: OR of ``y3`` over their relay neighbours (tie as the first hop)."""
    nbr, owner = inputs.ties_of(cand)
    at = relays.pos[nbr]
    keep = at >= 0
    return reduce_groups(y3, np.bincount(owner[keep], minlength=len(cand)), at[keep])


def referent_bits(
    inputs: Inputs,
    relays: Relays,
    y2: np.ndarray,
    y3: np.ndarray,
    members: Memberships,
    pairs: np.ndarray | None = None,
) -> np.ndarray:
    """Per référent pair (person, groupement): what a candidate reaches through them.

    ``Y[3]`` of the référent (hop 1 is the référent hop) and ``Y[2]`` of each bridge
    helper (hop 2 is the bridge), when the référent consented; nothing otherwise.
    With ``pairs`` (indices into the pairs), only those, in that order (what-if
    recomputes the few pairs a change touches).
    """
    pairs = np.arange(len(members.pair_person)) if pairs is None else pairs
    out = zeros(y3.shape[0], len(pairs))
    at = relays.pos[members.pair_person[pairs]]
    ok = np.flatnonzero(at >= 0)
    if len(ok) == 0:
        return out
    out[:, ok] = y3[:, at[ok]]
    groups = members.pair_group[pairs]
    for g in np.unique(groups[ok]).tolist():
        helpers = inputs.bridges(g)
        hp = relays.pos[helpers]
        hp = hp[hp >= 0]
        if len(hp) == 0:
            continue
        reach = np.bitwise_or.reduce(y2[:, hp], axis=1)
        cols = ok[groups[ok] == g]
        out[:, cols] |= reach[:, None]
    return out


def through_referents(members: Memberships, ref: np.ndarray, subset: np.ndarray) -> np.ndarray:
    """Per candidate of ``subset`` (indices into ``members.cand``): OR of their référent pairs.

    A référent is never a first hop for themselves.
    """
    inv = np.full(len(members.cand), -1, dtype=np.int64)
    inv[subset] = np.arange(len(subset))
    sel = np.flatnonzero(inv[members.member_cand] >= 0)
    groups = members.member_group[sel]
    lo = np.searchsorted(members.pair_group, groups, side="left")
    hi = np.searchsorted(members.pair_group, groups, side="right")
    counts = hi - lo
    rep = np.repeat(np.arange(len(sel)), counts)
    pair = np.repeat(lo, counts) + (
        np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    )
    who = members.member_cand[sel][rep]
    keep = members.pair_person[pair] != members.cand[who]
    who, pair = inv[who[keep]], pair[keep]
    order = np.argsort(who, kind="stable")
    return reduce_groups(ref, np.bincount(who, minlength=len(subset)), pair[order])
