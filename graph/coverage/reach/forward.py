"""Forward reach: who the candidates of each groupement can reach within 4 hops.

One bit per groupement, sources its candidates; used for the employers without contact,
the single points of failure and the unreached offers. A candidate reaches themselves
(distance 0): a member who works at an employer is a way in for their own groupement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from graph.coverage.reach.bitsets import (
    EMPTY,
    ONE,
    n_words,
    or_into,
    reduce_groups,
    set_bits,
    zeros,
)
from graph.coverage.reach.candidates import Memberships
from graph.coverage.reach.inputs import MAX_HOPS, Inputs, lookup
from graph.coverage.reach.relays import Relays, layers
from graph.paths.index import gather


@dataclass
class Forward:
    """Per relay and per groupement: reached from the groupement's candidates within 4 hops."""

    groupements: np.ndarray  # groupement nids, one bit each
    bit: np.ndarray  # nid -> bit or -1
    relays: Relays
    sources: np.ndarray  # per candidate of the Memberships: their groupement bits
    base1: np.ndarray  # per relay: hop 1 (tie from a candidate, or référent hop)
    base2: np.ndarray  # per relay: hop 2 by a bridge
    x: list[np.ndarray]  # X0..X4 per relay

    def reached(self, inputs: Inputs, people: np.ndarray, members: Memberships) -> np.ndarray:
        """Per person: groupements whose candidates reach them (distance 0 to 4)."""
        people = np.asarray(people, dtype=np.int64)
        out = zeros(self.x[-1].shape[0], len(people))
        at = self.relays.pos[people]
        ok = at >= 0
        out[:, ok] = self.x[-1][:, at[ok]]
        ci = members.cand_pos[people]
        is_cand = ci >= 0
        out[:, is_cand] |= self.sources[:, ci[is_cand]]
        return out


def forward(
    inputs: Inputs,
    members: Memberships,
    relays: Relays,
    groupements: np.ndarray,
    local: bool = False,
) -> Forward:
    """Forward reach from every groupement's candidates at once (one bit per groupement).

    ``local``: for one or a few groupements, push what each row gains instead of
    recomputing every row at every hop (:func:`monotone_layers`).
    """
    bit = np.full(inputs.n, -1, dtype=np.int64)
    bit[groupements] = np.arange(len(groupements))
    words = n_words(len(groupements))
    sources = zeros(words, len(members.cand))
    gb = bit[members.member_group]
    ok = gb >= 0
    set_bits(sources, members.member_cand[ok], gb[ok])
    base1, base2 = forward_bases(inputs, members, relays, sources, bit, words, push=local)
    bases = [base1] + [base1 | base2] * (MAX_HOPS - 1)
    x = monotone_layers(relays, bases) if local else layers(relays, zeros(words, relays.m), bases)
    return Forward(groupements, bit, relays, sources, base1, base2, x)


def monotone_layers(relays: Relays, bases: Sequence[np.ndarray]) -> list[np.ndarray]:
    """``layers(relays, 0, bases)`` when each base holds the one before (forward reach).

    Then every layer holds the one before, and ``X[k] = X[k-1] | bases[k-1] | OR over
    neighbours of what they gained at k-1``: only the rows that gained a bit pass it
    on. With one bit (one groupement) a row passes it on once, so the work is one pass
    over the ties instead of one per hop.
    """
    words, m = bases[0].shape[0], relays.m
    out = [zeros(words, m)]
    rows, gained = EMPTY, zeros(words, 0)
    # one bit in all (one groupement): every pushed value is that bit, so a plain
    # assignment is exact even where several rows push to the same one
    used = int(np.bitwise_or.reduce([np.bitwise_or.reduce(b[0]) for b in bases])) if words else 0
    single = words == 1 and used & (used - 1) == 0
    for base in bases:
        layer = out[-1] | base
        if len(rows):
            p, owner = gather(relays.indptr, rows)
            to, frm = relays.indices[p], owner
            if len(relays.extra_a):
                at, hit = lookup(rows, relays.extra_a)
                to = np.concatenate([to, relays.extra_b[hit]])
                frm = np.concatenate([frm, at[hit]])
            if single:
                layer[0, to] |= gained[0, frm]
            else:
                or_into(layer, to, gained[:, frm])
        rows = np.flatnonzero((layer != out[-1]).any(axis=0))
        gained = layer[:, rows] & ~out[-1][:, rows]
        out.append(layer)
    return out


def forward_bases(
    inputs: Inputs,
    members: Memberships,
    relays: Relays,
    sources: np.ndarray,
    bit: np.ndarray,
    words: int,
    push: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Hop 1 (ties from candidates, référent hops) and hop 2 (bridges) per relay."""
    if push:
        # the candidates of one groupement (a focused state): push their bits to their
        # relay neighbours rather than read every relay's ties (ties are symmetric)
        base1 = zeros(words, relays.m)
        nbr, owner = inputs.ties_of(members.cand)
        at = relays.pos[nbr]
        keep = at >= 0
        or_into(base1, at[keep], sources[:, owner[keep]])
    else:
        nbr, owner = inputs.ties_of(relays.nodes)
        ci = members.cand_pos[nbr]
        is_cand = ci >= 0
        counts = np.bincount(owner[is_cand], minlength=relays.m)
        base1 = reduce_groups(sources, counts, ci[is_cand])
    base2 = zeros(words, relays.m)
    hops = open_referent_hops(inputs, members, relays, bit)
    for r, g in zip(
        members.pair_person[hops].tolist(), members.pair_group[hops].tolist(), strict=True
    ):
        b = int(bit[g])
        word, mask = b >> 6, ONE << np.uint64(b & 63)
        base1[word, relays.pos[r]] |= mask
        hp = relays.pos[inputs.bridges(g)]
        hp = hp[hp >= 0]
        base2[word, hp] |= mask
    return base1, base2


def open_referent_hops(
    inputs: Inputs, members: Memberships, relays: Relays, bit: np.ndarray
) -> np.ndarray:
    """Per référent pair: does the forward reach take its référent hop?

    Only for a groupement with a bit, a référent who may relay, and at least one candidate
    of the groupement other than the référent (nobody to introduce otherwise).
    """
    group, person = members.pair_group, members.pair_person
    n_cand = np.bincount(members.member_group, minlength=inputs.n)[group]
    # is the référent one of the groupement's candidates? (memberships are grouped by
    # candidate: look at the référent's own rows only, not at all 400k memberships)
    ci = members.cand_pos[person]
    lo = np.searchsorted(members.member_cand, ci, side="left")
    hi = np.searchsorted(members.member_cand, ci, side="right")
    self_member = np.array(
        [
            c >= 0 and g in members.member_group[a:b]
            for c, g, a, b in zip(
                ci.tolist(), group.tolist(), lo.tolist(), hi.tolist(), strict=True
            )
        ],
        dtype=bool,
    )
    others = n_cand - self_member
    return (bit[group] >= 0) & (others > 0) & (relays.pos[person] >= 0)
