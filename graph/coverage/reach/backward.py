"""Backward reach: which candidates have a valid path to a contact of one of their targets.

``Y[0]`` are the contact bits, ``Y[k] = Y[0] | OR over relay neighbours of Y[k-1]``; a
candidate's bits come from ``Y[3]`` at their neighbours and référents and ``Y[2]`` at the
bridge helpers (see :mod:`graph.coverage.reach`). :func:`settle` makes the answer exact
for candidates who are themselves contacts of their targets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from graph.coverage.reach.bitsets import (
    EMPTY,
    ONE,
    any_bits,
    bit_mask,
    bits_of,
    has_bit,
    n_words,
    rows_of,
    zeros,
)
from graph.coverage.reach.candidates import (
    Memberships,
    candidate_bits,
    referent_bits,
    through_referents,
)
from graph.coverage.reach.inputs import MAX_HOPS, Inputs
from graph.coverage.reach.relays import Relays, layers
from graph.coverage.reach.targets import Targets


@dataclass
class Backward:
    """The target bits, layer by layer, and which candidates have a path."""

    targets: Targets
    relays: Relays
    contact: np.ndarray  # Y0 per relay
    y: list[np.ndarray]  # Y0..Y3 per relay
    members: Memberships
    ref: np.ndarray  # per référent pair
    reach: np.ndarray  # per candidate: targets with a walk (see the module docstring)
    wants: np.ndarray  # per candidate: their targets
    covered: np.ndarray  # per candidate: has a valid path to one of their targets (exact)
    #: candidates without a path whose bits show a walk to one of their targets, back to
    #: themselves as a contact of it: the bits cannot tell when a change opens a path for
    #: them, so what-if decides them again (indices, ascending)
    pending: np.ndarray = field(default_factory=lambda: EMPTY)
    #: ``y[2]``, ``y[3]`` hold only the rows these candidates read (:func:`local_layers`)
    local: bool = False


def backward(
    inputs: Inputs,
    cand: np.ndarray,
    targets: Targets | None = None,
    relays: Relays | None = None,
    members: Memberships | None = None,
    local: bool = False,
) -> Backward:
    """Which candidates of ``cand`` (ascending nids) can reach one of their targets.

    Only the targets of ``cand`` get a bit. With ``local`` (a few candidates: one
    groupement's), ``Y[2]`` and ``Y[3]`` are computed only where they are read
    (:func:`local_layers`); such a result cannot seed a what-if (``Backward.local``).
    """
    targets = targets or Targets.of(inputs, cand)
    relays = relays or Relays.build(inputs)
    y0 = targets.contact_bits(inputs, relays)
    members = members or Memberships.of(inputs, cand)
    if local:
        y = local_layers(inputs, relays, y0, cand, members)
    else:
        y = layers(relays, y0, [y0] * (MAX_HOPS - 1))
    ref = referent_bits(inputs, relays, y[2], y[3], members)
    everyone = np.arange(len(cand))
    reach = candidate_bits(inputs, relays, y[3], cand) | through_referents(members, ref, everyone)
    wants = targets.masks(inputs, cand)
    result = Backward(
        targets,
        relays,
        y0,
        y,
        members,
        ref,
        reach,
        wants,
        np.zeros(len(cand), dtype=bool),
        local=local,
    )
    settle(inputs, result, everyone)
    return result


def local_layers(
    inputs: Inputs, relays: Relays, y0: np.ndarray, cand: np.ndarray, members: Memberships
) -> list[np.ndarray]:
    """``Y[0..3]`` exact where the candidates ``cand`` read them (other rows may be zero).

    A candidate reads ``Y[3]`` at their relay neighbours and at their groupements'
    référents, and ``Y[2]`` at those groupements' bridge helpers; ``Y[3]`` at a row needs
    ``Y[2]`` at its neighbours, which needs ``Y[1]`` around those: about half the rows
    even for a small groupement, so ``Y[1]`` is computed in full (restricting it costs
    more than it saves), and ``Y[2]``, ``Y[3]`` on their rows only: for a groupement of
    a few hundred candidates, a tenth and about 1% of the rows. (A délégation of 50,000
    candidates asks for most rows: those layers are then computed in full.)
    """
    y1 = y0 | relays.spread(y0)
    nbr, _ = inputs.ties_of(cand)
    # the référent pairs of these candidates' groupements (through_referents reads no other)
    ci = members.cand_pos[cand]
    mine = np.isin(members.pair_group, members.member_group[np.isin(members.member_cand, ci)])
    referents = relays.pos[members.pair_person[mine]]
    first = np.concatenate([relays.pos[nbr], referents])
    first = rows_of(relays.m, first[first >= 0])
    groups = np.unique(members.pair_group[mine][referents >= 0]).tolist()
    bridge = [relays.pos[inputs.bridges(g)] for g in groups]
    second = np.concatenate([relays.neighbours(first), *bridge])
    second = rows_of(relays.m, second[second >= 0])
    y2 = _layer_at(relays, y0, y1, second)
    y3 = _layer_at(relays, y0, y2, first)
    return [y0, y1, y2, y3]


def _layer_at(relays: Relays, base: np.ndarray, prev: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``base | spread(prev)`` on ``rows`` (zero elsewhere), or on every row when more than
    three quarters are asked for (measured at 1M: gathering 40% of the rows costs 55% of a
    full pass, 70% of them 90%)."""
    if 4 * len(rows) > 3 * relays.m:
        return base | relays.spread(prev)
    out = zeros(base.shape[0], relays.m)
    out[:, rows] = base[:, rows] | relays.spread(prev, rows)
    return out


def own_contact_bits(result: Backward, cand: np.ndarray) -> np.ndarray:
    """Per candidate: the targets they are themselves a contact of."""
    at = result.relays.pos[cand]
    out = zeros(result.contact.shape[0], len(cand))
    ok = at >= 0
    out[:, ok] = result.contact[:, at[ok]]
    return out


def settle(inputs: Inputs, result: Backward, subset: np.ndarray) -> None:
    """Set ``covered`` exactly for the candidates ``subset`` (indices), in place.

    A walk to a target the candidate is not a contact of is a path; the rest are decided
    by :func:`_resolve_ambiguous`, only for candidates not already covered otherwise.
    """
    subset = np.asarray(subset, dtype=np.int64)
    cand = result.members.cand[subset]
    own = own_contact_bits(result, cand)
    got = result.reach[:, subset] & result.wants[:, subset]
    sure = any_bits(got & ~own)
    result.covered[subset] = sure
    doubt = np.flatnonzero(~sure & any_bits(got & own))
    kept = result.pending[~np.isin(result.pending, subset)]
    if len(doubt) == 0:
        result.pending = kept
        return
    unsure = got[:, doubt] & own[:, doubt]
    pairs = [(int(subset[c]), t) for j, c in enumerate(doubt.tolist()) for t in bits_of(unsure, j)]
    for (i, _), ok in zip(pairs, _resolve_ambiguous(inputs, result, pairs), strict=True):
        result.covered[i] |= ok
    still = subset[doubt]
    result.pending = np.union1d(kept, still[~result.covered[still]])


def _resolve_ambiguous(
    inputs: Inputs, result: Backward, pairs: list[tuple[int, int]]
) -> list[bool]:
    """For (candidate index, target bit) pairs where the candidate is a contact of the target:
    is there a path to another contact? One bit per pair, the candidate left out."""
    relays, members = result.relays, result.members
    words = n_words(len(pairs))
    x0 = zeros(words, relays.m)
    everyone = np.arange(relays.m)
    by_target: dict[int, list[int]] = {}
    for j, (_, t) in enumerate(pairs):
        by_target.setdefault(t, []).append(j)
    for t, js in by_target.items():
        # every pair of the target starts from its contacts (one OR per target, not per
        # pair: a sector has tens of thousands of contacts), then each pair's own
        # candidate is taken out of its bit
        contacts = np.flatnonzero(has_bit(result.contact, everyone, t))
        x0[:, contacts] |= bit_mask(words, js)[:, None]
        for j in js:
            own = relays.pos[members.cand[pairs[j][0]]]
            if own >= 0:
                x0[j >> 6, own] &= ~(ONE << np.uint64(j & 63))
    idx = np.array(sorted({i for i, _ in pairs}), dtype=np.int64)
    cand = members.cand[idx]
    y = local_layers(inputs, relays, x0, cand, members)
    ref = referent_bits(inputs, relays, y[2], y[3], members)
    reach = candidate_bits(inputs, relays, y[3], cand) | through_referents(members, ref, idx)
    where = {int(i): j for j, i in enumerate(idx.tolist())}
    return [bool(has_bit(reach, np.array([where[i]]), j)[0]) for j, (i, _) in enumerate(pairs)]
