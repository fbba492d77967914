"""Incremental reachability for what-if: propagate only what a change adds.

A full coverage state at 1M people costs seconds, almost all of it in the layered
propagations of :mod:`graph.coverage.reach` (``Y[0..3]`` backward from the targets'
contacts, ``X[0..4]`` forward from the groupements' candidates). A hypothetical change
touches a handful of people, so the what-if keeps the base state's layers and recomputes
only the columns a change can reach.

Why it is exact. Both propagations are ``L[0] = x0`` and ``L[k] = base_k | spread(L[k-1])``
over the relay graph. After a change, a row ``u`` of layer ``k`` can differ only if its
``base_k`` differs, if it gained a tie (a new relay's ties, or a hypothetical tie), or
if one of its neighbours differs at layer ``k-1``; every other row has the same inputs,
hence the same value. :func:`relayer` recomputes exactly those rows, in full (``base |``
OR over *all* their neighbours at ``k-1``, old values or new), layer after layer, and
passes on the rows that really changed. The candidates whose bits are recomputed are
those tied to a changed ``Y[3]`` row, those with a new tie, those who are themselves a
new contact, and the members of groupements whose référent pairs changed; their
``covered`` is decided again by :func:`~graph.coverage.reach.settle`.

Every change kind only *adds* (a tie, a relay, a contact, a référent, bridge helpers):
the relay graph, the contacts and the bases only grow. Two shortcuts rely on that and
nothing else: the forward bases of the state after are those of the base state OR'ed
with what the change adds, and a candidate who had a path keeps it (paths only grow),
so only candidates without one are settled again. ``tests/test_coverage_whatif.py``
compares the result with a full recompute on random graphs for each change kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from graph.coverage import reach as R

_EMPTY = np.empty(0, dtype=np.int64)


@dataclass(frozen=True)
class Delta:
    """What a set of additive changes adds, in node numbers (nids) of the graph."""

    #: hypothetical ties, one entry per tie
    tie_a: np.ndarray
    tie_b: np.ndarray
    #: people who consent now and did not
    consented: np.ndarray
    #: people with a contact pair they did not have (new job, or consent of an employee)
    new_contacts: np.ndarray
    #: per groupement whose bridge set grew: the helpers added to it
    bridges_added: dict[int, np.ndarray]


def extend(table: np.ndarray, columns: int) -> np.ndarray:
    """A copy of ``table`` with zero columns added up to ``columns`` (new relays)."""
    out = R.zeros(table.shape[0], columns)
    out[:, : table.shape[1]] = table
    return out


def changed_rows(new: np.ndarray, old: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Of ``rows``, those whose column differs between ``new`` and ``old`` (same width)."""
    if len(rows) == 0:
        return _EMPTY
    return rows[(new[:, rows] != old[:, rows]).any(axis=0)]


def new_edges(base: R.Relays, relays: R.Relays) -> np.ndarray:
    """Compact rows of ``relays`` with a tie the ``base`` relay graph does not have."""
    a, b = relays.extra_a, relays.extra_b
    if len(base.extra_a):
        width = relays.m + 1
        old = base.extra_a * width + base.extra_b  # base numbers are kept by Relays.build
        a = a[~np.isin(a * width + b, old)]
    return np.unique(a)


def relayer(
    relays: R.Relays,
    old: Sequence[np.ndarray],
    x0: np.ndarray,
    changed0: np.ndarray,
    bases: Sequence[np.ndarray],
    base_changed: Sequence[np.ndarray],
    sinks: np.ndarray,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``layers(relays, x0, bases)`` recomputed from ``old`` (the layers before the change).

    ``changed0``: rows where ``x0`` differs from ``old[0]``; ``base_changed[k-1]``: rows
    where ``bases[k-1]`` differs from the base before; ``sinks``: rows with a new tie.
    Returns the layers (full arrays, new relays included) and, per layer, the rows that
    changed. See the module docstring for why untouched rows keep their old values.
    """
    out = [x0]
    changed = [changed0]
    for k, (base, dirty) in enumerate(zip(bases, base_changed, strict=True), start=1):
        layer = extend(old[k], relays.m)
        spread_from = relays.neighbours(changed[-1]) if len(changed[-1]) else _EMPTY
        rows = np.unique(np.concatenate([dirty, sinks, spread_from]))
        if len(rows):
            before = layer[:, rows]
            layer[:, rows] = base[:, rows] | relays.spread(out[-1], rows)
            changed.append(rows[(layer[:, rows] != before).any(axis=0)])
        else:
            changed.append(_EMPTY)
        out.append(layer)
    return out, changed


def contact_bits_of(inputs: R.Inputs, targets: R.Targets, people: np.ndarray) -> np.ndarray:
    """The targets each of ``people`` is a contact of (their ``Y[0]`` columns)."""
    people = np.asarray(people, dtype=np.int64)
    out = R.zeros(targets.words, len(people))
    at, hit = R.lookup(people, inputs.contact_person)
    pairs = np.flatnonzero(hit)
    if len(pairs) == 0:
        return out
    idx, bits = R.employer_targets(inputs, inputs.contact_employer[pairs], targets.bit)
    R.set_bits(out, at[pairs][idx], bits)
    return out


# --------------------------------------------------------------------------- backward


def backward(
    base: R.Backward,
    inputs: R.Inputs,
    relays: R.Relays,
    members: R.Memberships,
    delta: Delta,
) -> R.Backward:
    """The backward reachability after ``delta``, from the ``base`` one (exact)."""
    if base.local:
        raise ValueError("a focused state holds partial layers: what-if needs the national one")
    old_relays, targets = base.relays, base.targets
    m = relays.m
    sinks = new_edges(old_relays, relays)

    # Y[0]: the people with a new contact pair get their bits again
    y0 = extend(base.contact, m)
    at = relays.pos[delta.new_contacts]
    people, at = delta.new_contacts[at >= 0], at[at >= 0]
    y0[:, at] = contact_bits_of(inputs, targets, people)
    changed0 = changed_rows(y0, extend(base.contact, m), at)
    n_layers = len(base.y) - 1
    y, changed = relayer(
        relays, base.y, y0, changed0, [y0] * n_layers, [changed0] * n_layers, sinks
    )

    # référent pairs: map the old ones, recompute those a change can touch
    n = inputs.n
    old_key = base.members.pair_group * n + base.members.pair_person
    new_key = members.pair_group * n + members.pair_person
    where = np.searchsorted(new_key, old_key)
    ref = R.zeros(base.ref.shape[0], len(new_key))
    ref[:, where] = base.ref
    known = np.zeros(len(new_key), dtype=bool)
    known[where] = True
    touched_people = np.concatenate([delta.consented, relays.nodes[changed[3]]])
    dirty = ~known | np.isin(members.pair_person, touched_people)
    dirty |= np.isin(members.pair_group, list(delta.bridges_added))
    if len(changed[2]):
        moved = np.zeros(m, dtype=bool)
        moved[changed[2]] = True
        for g in np.unique(members.pair_group[~dirty]).tolist():
            hp = relays.pos[inputs.bridges(g)]
            if moved[hp[hp >= 0]].any():
                dirty |= members.pair_group == g
    pairs = np.flatnonzero(dirty)
    before = ref[:, pairs]
    ref[:, pairs] = R.referent_bits(inputs, relays, y[2], y[3], members, pairs)
    moved_pairs = pairs[(ref[:, pairs] != before).any(axis=0)]
    groups = np.unique(members.pair_group[moved_pairs])

    # candidates whose bits may change
    nbr, _ = inputs.ties_of(relays.nodes[changed[3]])
    ends = np.concatenate([delta.new_contacts, nbr, delta.tie_a, delta.tie_b])
    ci = members.cand_pos[ends]
    found = [ci[ci >= 0]]
    found.append(members.member_cand[np.isin(members.member_group, groups)])
    subset = np.unique(np.concatenate(found))

    reach = base.reach.copy()
    if len(subset):
        reach[:, subset] = R.candidate_bits(
            inputs, relays, y[3], members.cand[subset]
        ) | R.through_referents(members, ref, subset)
    result = R.Backward(
        targets, relays, y0, y, members, ref, reach, base.wants, base.covered.copy(), base.pending
    )
    # paths only grow: who had one keeps it; those without one whose bits changed are
    # decided again, and so are the pending ones (see Backward.pending)
    open_ = np.union1d(subset[~base.covered[subset]], base.pending)
    if len(open_):
        R.settle(inputs, result, open_)
    return result


# --------------------------------------------------------------------------- forward


def forward(
    base: R.Forward,
    old_members: R.Memberships,
    inputs: R.Inputs,
    relays: R.Relays,
    members: R.Memberships,
    delta: Delta,
) -> R.Forward:
    """The forward reach after ``delta``, from the ``base`` one (exact).

    The bases only gain what the change adds: hop 1 from candidates over a new tie or to
    a new relay, référent hops that open, and bridge helpers of groupements whose
    référent hop is open (newly, or with helpers added to their bridges, or who relay
    now).
    """
    m, bit, words = relays.m, base.bit, base.x[0].shape[0]
    old_m = base.relays.m
    base1 = extend(base.base1, m)
    base2 = extend(base.base2, m)

    # hop 1: candidates' ties to people who relay now, and hypothetical ties
    if len(delta.consented):
        nbr, owner = inputs.ties_of(delta.consented)
        ci = members.cand_pos[nbr]
        ok = ci >= 0
        R.or_into(base1, relays.pos[delta.consented[owner[ok]]], base.sources[:, ci[ok]])
    a = np.concatenate([delta.tie_a, delta.tie_b])
    b = np.concatenate([delta.tie_b, delta.tie_a])
    ci, at = members.cand_pos[a], relays.pos[b]
    ok = (ci >= 0) & (at >= 0)
    if ok.any():
        R.or_into(base1, at[ok], base.sources[:, ci[ok]])

    # référent hops and bridges
    was_open = R.open_referent_hops(inputs, old_members, base.relays, bit)
    is_open = R.open_referent_hops(inputs, members, relays, bit)
    before = set(old_members.pair_group[was_open].tolist())
    for r, g in zip(
        members.pair_person[is_open].tolist(), members.pair_group[is_open].tolist(), strict=True
    ):
        b_ = int(bit[g])
        word, mask = b_ >> 6, R.ONE << np.uint64(b_ & 63)
        base1[word, relays.pos[r]] |= mask
    for g in np.unique(members.pair_group[is_open]).tolist():
        b_ = int(bit[g])
        word, mask = b_ >> 6, R.ONE << np.uint64(b_ & 63)
        if g not in before:
            hp = relays.pos[inputs.bridges(g)]
        else:
            hp = relays.pos[delta.bridges_added.get(g, _EMPTY)]
            if len(delta.consented):
                new = relays.pos[inputs.bridges(g)]
                hp = np.concatenate([hp, new[new >= old_m]])
        base2[word, hp[hp >= 0]] |= mask

    # the rows whose bases changed, then the layers
    old1 = extend(base.base1, m)
    old12 = old1 | extend(base.base2, m)
    both = base1 | base2
    rows1 = np.flatnonzero((base1 != old1).any(axis=0))
    rows12 = np.flatnonzero((both != old12).any(axis=0))
    n_layers = len(base.x) - 1
    x, _ = relayer(
        relays,
        base.x,
        R.zeros(words, m),
        _EMPTY,
        [base1] + [both] * (n_layers - 1),
        [rows1] + [rows12] * (n_layers - 1),
        new_edges(base.relays, relays),
    )
    return replace(base, relays=relays, base1=base1, base2=base2, x=x)
