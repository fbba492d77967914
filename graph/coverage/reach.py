"""Multi-source reachability for coverage: every candidate of every groupement at once.

"Does this candidate have at least one valid referral path to an employer of one of their
targets?" is an existence question, so no hop costs are needed: only which hops are
allowed. The rules are those of the path engine (:mod:`graph.paths.engine`) with its
default policy, asked for one path:

* a path is ``candidate, i1, …, im, contact`` with ``m`` ≤ 3 (:data:`MAX_HOPS` = 4 hops);
* hops follow personal ties (``KNOWS`` and ``MENTORS``, both ways: the path index's
  symmetric CSR), plus the candidate's référent hop (candidate → a référent of one of the
  candidate's groupements, not the candidate themselves) and, right after it, the bridge
  from that référent to a helper of a partner association or délégation
  (:meth:`PathIndex.bridges <graph.paths.index.PathIndex.bridges>` at the query date);
* every intermediary consented to introduce (``PathIndex.consent``). Helpers over
  capacity are allowed: the engine uses them when there is no alternative, and here the
  only question is whether any path exists;
* the contact is a current employee of an employer of the target who consented
  (``contact_must_consent``), and is not the candidate.

Targets. Each bassin d'emploi and each sector that some candidate ``TARGETS`` is one
target; its contacts are the consenting current employees of the employers located in
the bassin (``LOCATED_IN``, the first one as the path index reads it) or of the sector
(``IN_SECTOR``), exactly the contact set the engine builds for a set of employers
(:func:`graph.paths.engine.employers_target`). A candidate is covered when they have a
path to a contact of at least one of their own targets.

How: backward from the contacts, with bitsets. Each target gets a bit; every person who
may relay (consented) holds ``ceil(T/64)`` uint64 words. ``Y0`` are the contact bits;
``Y[k] = Y0 | OR over relay neighbours of Y[k-1]`` is "reaches a contact of the target
within k hops through consenting relays" (k = 1..3), computed with one gather and one
``np.bitwise_or.reduceat`` per word over the CSR of ties between relays. A candidate's
bits are then the OR of ``Y[3]`` over their relay neighbours, plus, for each référent
``r`` of their groupements who consented: ``Y[3][r]`` (hop 1 is the référent hop) and
``Y[2][b]`` for every bridge helper ``b`` of that groupement (hop 2 is the bridge).
Relays are a third of the network, so the relay CSR holds about a tenth of the ties.

Walks and paths. The bits describe walks; a walk that comes back to the candidate can be
cut at its last visit and is still a valid path, except when it *ends* at the candidate
(a candidate who is themselves a contact of one of their own targets). For those
(candidate, target) pairs only, the bits cannot tell, so they are decided again by the
same propagation with one bit per pair whose contacts leave that candidate out
(:func:`_resolve_ambiguous`). Everything is exact; ``tests/test_coverage_property.py``
checks it against :func:`graph.paths.find_paths` on random graphs.

Forward reach (who can be *reached* from a groupement's candidates, used for the
employers without contact, the single points of failure and the unreached offers) is the
same propagation the other way: one bit per groupement, sources the candidates, ``X[1]``
their relay neighbours and référents, the bridge helpers in ``X[2]``, and
``X[k] = base | OR over relay neighbours of X[k-1]`` up to 4 hops. There, a candidate
counts as reaching themselves (distance 0): a member who works at an employer is a way
in for their own groupement.

Hypothetical changes (:mod:`graph.coverage.whatif`) reuse all of this on an
:class:`Inputs` with extra ties, relays, contacts, référents and bridges (the relay CSR is
shared; new ties and relays sit beside it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from graph.model import Label, PersonStatus, RelType
from graph.paths.index import PathIndex, gather
from graph.view import LABEL_CODE, NO_DATE

#: hops of the longest path: at most 3 intermediaries (the engine's default policy)
MAX_HOPS = 4
_ONE = np.uint64(1)
_EMPTY = np.empty(0, dtype=np.int64)
_CANDIDATE_CODES = [
    list(PersonStatus).index(s) for s in (PersonStatus.CANDIDATE, PersonStatus.BOTH)
]


# --------------------------------------------------------------------------- bitsets


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
        np.bitwise_or.at(table[w], columns[sel], _ONE << (bits[sel] & 63).astype(np.uint64))


def has_bit(table: np.ndarray, columns: np.ndarray, bit: int) -> np.ndarray:
    """Whether bit ``bit`` is set in each of ``columns``."""
    word = table[bit >> 6][np.asarray(columns, dtype=np.int64)]
    return (word >> np.uint64(bit & 63)) & _ONE == _ONE


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
        mask[b >> 6] |= _ONE << np.uint64(b & 63)
    return mask


def reduce_groups(
    values: np.ndarray, counts: np.ndarray, cols: np.ndarray | None = None
) -> np.ndarray:
    """OR of consecutive groups of columns: group i is the next ``counts[i]`` columns.

    With ``cols``, the columns are ``values[:, cols]`` (gathered one word at a time: a
    row of a word is contiguous, a 2-D fancy index is several times slower).

    >>> reduce_groups(np.array([[1, 2, 4, 8]], dtype=np.uint64), np.array([2, 0, 2])).tolist()
    [[3, 0, 12]]
    """
    out = zeros(values.shape[0], len(counts))
    nonempty = np.flatnonzero(counts)
    if len(nonempty) == 0:
        return out
    starts = (np.cumsum(counts) - counts)[nonempty]
    for w in range(values.shape[0]):
        row = values[w] if cols is None else values[w][cols]
        out[w, nonempty] = np.bitwise_or.reduceat(row, starts)
    return out


# --------------------------------------------------------------------------- inputs


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
    extra_a: np.ndarray = field(default_factory=lambda: _EMPTY)
    extra_b: np.ndarray = field(default_factory=lambda: _EMPTY)
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


# --------------------------------------------------------------------------- the relay graph


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
            nodes = np.flatnonzero(relay).astype(np.int64)
            pos = np.full(inputs.n, -1, dtype=np.int64)
            pos[nodes] = np.arange(len(nodes))
            p, owner = gather(inputs.index.ptr, nodes)
            nbr = inputs.index.nbr[p]
            keep = relay[nbr]
            indptr = np.zeros(len(nodes) + 1, dtype=np.int64)
            np.cumsum(np.bincount(owner[keep], minlength=len(nodes)), out=indptr[1:])
            indices = pos[nbr[keep]]
            extra_a = extra_b = _EMPTY
        else:
            new = np.setdiff1d(np.flatnonzero(relay), base.nodes)
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
            out = reduce_groups(values, np.diff(self.indptr), self.indices)
            if len(self.extra_a):
                _or_into(out, self.extra_a, values[:, self.extra_b])
            return out
        rows = np.asarray(rows, dtype=np.int64)
        p, owner = gather(self.indptr, rows)
        out = reduce_groups(values, np.bincount(owner, minlength=len(rows)), self.indices[p])
        if len(self.extra_a) and len(rows):
            at, hit = lookup(rows, self.extra_a)
            if hit.any():
                _or_into(out, at[hit], values[:, self.extra_b[hit]])
        return out

    def neighbours(self, rows: np.ndarray) -> np.ndarray:
        """Compact numbers next to any of ``rows`` (ties and hypothetical ties)."""
        p, _ = gather(self.indptr, np.asarray(rows, dtype=np.int64))
        found = [self.indices[p]]
        if len(self.extra_a):
            found.append(self.extra_b[np.isin(self.extra_a, rows)])
        return np.unique(np.concatenate(found))


def _or_into(out: np.ndarray, cols: np.ndarray, values: np.ndarray) -> None:
    for w in range(out.shape[0]):
        np.bitwise_or.at(out[w], cols, values[w])


def layers(relays: Relays, x0: np.ndarray, bases: Sequence[np.ndarray]) -> list[np.ndarray]:
    """``X[0] = x0``, ``X[k] = bases[k-1] | spread(X[k-1])`` for k = 1..len(bases)."""
    out = [x0]
    for base in bases:
        out.append(base | relays.spread(out[-1]))
    return out


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Targets:
    """The targets candidates aim at, one bit each: bassins first, then sectors (by nid)."""

    nodes: np.ndarray  # target node nids
    is_bassin: np.ndarray
    bit: np.ndarray  # nid -> bit or -1

    @property
    def words(self) -> int:
        return n_words(len(self.nodes))

    @classmethod
    def of(cls, inputs: Inputs, people: np.ndarray) -> Targets:
        view = inputs.index.view
        rel = view.rel(RelType.TARGETS)
        pos, _ = gather(rel.out_ptr, people)
        found = np.unique(rel.dst[pos])
        bassin = view.labels[found] == LABEL_CODE[Label.BASSIN_EMPLOI]
        nodes = np.concatenate([found[bassin], found[~bassin]]).astype(np.int64)
        bit = np.full(inputs.n, -1, dtype=np.int64)
        bit[nodes] = np.arange(len(nodes))
        return cls(nodes, np.arange(len(nodes)) < int(bassin.sum()), bit)

    def masks(self, inputs: Inputs, people: np.ndarray) -> np.ndarray:
        """Per person: the bits of their targets (only targets known here)."""
        rel = inputs.index.view.rel(RelType.TARGETS)
        pos, owner = gather(rel.out_ptr, people)
        bits = self.bit[rel.dst[pos]]
        keep = bits >= 0
        out = zeros(self.words, len(people))
        set_bits(out, owner[keep], bits[keep])
        return out

    def contact_bits(self, inputs: Inputs, relays: Relays) -> np.ndarray:
        """Per relay: the targets they are a contact of (:func:`target_pairs`)."""
        person, target = target_pairs(inputs, self.bit)
        out = zeros(self.words, relays.m)
        at = relays.pos[person]
        keep = at >= 0
        set_bits(out, at[keep], target[keep])
        return out


def employer_targets(
    inputs: Inputs, employers: np.ndarray, bit: np.ndarray
) -> tuple[np.ndarray, ...]:
    """(index in ``employers``, target bit) for the bassin and the sectors of each employer."""
    employers = np.asarray(employers, dtype=np.int64)
    bassin = inputs.index.bassin_of[employers]
    b_bit = np.where(bassin >= 0, bit[np.maximum(bassin, 0)], -1)
    sectors = inputs.index.view.rel(RelType.IN_SECTOR)
    pos, owner = gather(sectors.out_ptr, employers)
    s_bit = bit[sectors.dst[pos]]
    idx = np.concatenate([np.arange(len(employers)), owner])
    bits = np.concatenate([b_bit, s_bit])
    keep = bits >= 0
    return idx[keep], bits[keep]


def target_pairs(inputs: Inputs, bit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(contact person, target bit) for every consenting current employment, unique."""
    idx, bits = employer_targets(inputs, inputs.contact_employer, bit)
    person = inputs.contact_person[idx]
    if len(person) == 0:
        return person, bits
    key = np.unique(person * (int(bits.max()) + 1) + bits)
    return key // (int(bits.max()) + 1), key % (int(bits.max()) + 1)


# --------------------------------------------------------------------------- candidates


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
    def of(cls, inputs: Inputs, cand: np.ndarray) -> Memberships:
        rel = inputs.index.view.rel(RelType.IN_GROUPEMENT)
        pos, owner = gather(rel.out_ptr, cand)
        order = np.lexsort((inputs.referent_person, inputs.referent_groupement))
        pairs = np.unique(
            np.stack([inputs.referent_groupement[order], inputs.referent_person[order]]), axis=1
        )
        cand_pos = np.full(inputs.n, -1, dtype=np.int64)
        cand_pos[cand] = np.arange(len(cand))
        return cls(cand, owner, rel.dst[pos].astype(np.int64), pairs[1], pairs[0], cand_pos)


def candidate_bits(inputs: Inputs, relays: Relays, y3: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """Per candidate: OR of ``y3`` over their relay neighbours (tie as the first hop)."""
    nbr, owner = inputs.ties_of(cand)
    at = relays.pos[nbr]
    keep = at >= 0
    return reduce_groups(y3, np.bincount(owner[keep], minlength=len(cand)), at[keep])


def referent_bits(
    inputs: Inputs, relays: Relays, y2: np.ndarray, y3: np.ndarray, members: Memberships
) -> np.ndarray:
    """Per référent pair (person, groupement): what a candidate reaches through them.

    ``Y[3]`` of the référent (hop 1 is the référent hop) and ``Y[2]`` of each bridge
    helper (hop 2 is the bridge), when the référent consented; nothing otherwise.
    """
    out = zeros(y3.shape[0], len(members.pair_person))
    at = relays.pos[members.pair_person]
    ok = np.flatnonzero(at >= 0)
    if len(ok) == 0:
        return out
    out[:, ok] = y3[:, at[ok]]
    for g in np.unique(members.pair_group[ok]).tolist():
        helpers = inputs.bridges(g)
        hp = relays.pos[helpers]
        hp = hp[hp >= 0]
        if len(hp) == 0:
            continue
        reach = np.bitwise_or.reduce(y2[:, hp], axis=1)
        cols = ok[members.pair_group[ok] == g]
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


def backward(
    inputs: Inputs, cand: np.ndarray, targets: Targets | None = None, relays: Relays | None = None
) -> Backward:
    """Which candidates of ``cand`` (ascending nids) can reach one of their targets."""
    targets = targets or Targets.of(inputs, cand)
    relays = relays or Relays.build(inputs)
    y0 = targets.contact_bits(inputs, relays)
    y = layers(relays, y0, [y0] * (MAX_HOPS - 1))
    members = Memberships.of(inputs, cand)
    ref = referent_bits(inputs, relays, y[2], y[3], members)
    everyone = np.arange(len(cand))
    reach = candidate_bits(inputs, relays, y[3], cand) | through_referents(members, ref, everyone)
    wants = targets.masks(inputs, cand)
    result = Backward(
        targets, relays, y0, y, members, ref, reach, wants, np.zeros(len(cand), dtype=bool)
    )
    settle(inputs, result, everyone)
    return result


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
    cand = result.members.cand[subset]
    own = own_contact_bits(result, cand)
    got = result.reach[:, subset] & result.wants[:, subset]
    sure = any_bits(got & ~own)
    result.covered[subset] = sure
    doubt = np.flatnonzero(~sure & any_bits(got & own))
    if len(doubt) == 0:
        return
    unsure = got[:, doubt] & own[:, doubt]
    pairs = [(int(subset[c]), t) for j, c in enumerate(doubt.tolist()) for t in bits_of(unsure, j)]
    for (i, _), ok in zip(pairs, _resolve_ambiguous(inputs, result, pairs), strict=True):
        result.covered[i] |= ok


def _resolve_ambiguous(
    inputs: Inputs, result: Backward, pairs: list[tuple[int, int]]
) -> list[bool]:
    """For (candidate index, target bit) pairs where the candidate is a contact of the target:
    is there a path to another contact? One bit per pair, the candidate left out."""
    relays, members = result.relays, result.members
    x0 = zeros(n_words(len(pairs)), relays.m)
    everyone = np.arange(relays.m)
    contacts: dict[int, np.ndarray] = {}
    for j, (i, t) in enumerate(pairs):
        if t not in contacts:
            contacts[t] = np.flatnonzero(has_bit(result.contact, everyone, t))
        cols = contacts[t][contacts[t] != relays.pos[members.cand[i]]]
        set_bits(x0, cols, np.full(len(cols), j))
    y = layers(relays, x0, [x0] * (MAX_HOPS - 1))
    idx = np.array(sorted({i for i, _ in pairs}), dtype=np.int64)
    cand = members.cand[idx]
    ref = referent_bits(inputs, relays, y[2], y[3], members)
    reach = candidate_bits(inputs, relays, y[3], cand) | through_referents(members, ref, idx)
    where = {int(i): j for j, i in enumerate(idx.tolist())}
    return [bool(has_bit(reach, np.array([where[i]]), j)[0]) for j, (i, _) in enumerate(pairs)]


# --------------------------------------------------------------------------- forward


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
    inputs: Inputs, members: Memberships, relays: Relays, groupements: np.ndarray
) -> Forward:
    """Forward reach from every groupement's candidates at once (one bit per groupement)."""
    bit = np.full(inputs.n, -1, dtype=np.int64)
    bit[groupements] = np.arange(len(groupements))
    words = n_words(len(groupements))
    sources = zeros(words, len(members.cand))
    gb = bit[members.member_group]
    ok = gb >= 0
    set_bits(sources, members.member_cand[ok], gb[ok])
    base1, base2 = forward_bases(inputs, members, relays, sources, bit, words)
    x = layers(relays, zeros(words, relays.m), [base1] + [base1 | base2] * (MAX_HOPS - 1))
    return Forward(groupements, bit, relays, sources, base1, base2, x)


def forward_bases(
    inputs: Inputs,
    members: Memberships,
    relays: Relays,
    sources: np.ndarray,
    bit: np.ndarray,
    words: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Hop 1 (ties from candidates, référent hops) and hop 2 (bridges) per relay."""
    nbr, owner = inputs.ties_of(relays.nodes)
    ci = members.cand_pos[nbr]
    is_cand = ci >= 0
    base1 = reduce_groups(sources, np.bincount(owner[is_cand], minlength=relays.m), ci[is_cand])
    base2 = zeros(words, relays.m)
    # groupements with a candidate other than a given référent: count candidates per group
    n_cand = np.bincount(members.member_group, minlength=inputs.n)
    n = inputs.n
    member_keys = members.cand[members.member_cand] * n + members.member_group
    self_member = np.isin(members.pair_person * n + members.pair_group, member_keys)
    for r, g, own in zip(
        members.pair_person.tolist(), members.pair_group.tolist(), self_member.tolist(), strict=True
    ):
        b = int(bit[g])
        if b < 0:
            continue
        others = n_cand[g] - int(own)
        at = int(relays.pos[r])
        if others <= 0 or at < 0:
            continue  # nobody to introduce, or a référent who cannot relay
        word, mask = b >> 6, _ONE << np.uint64(b & 63)
        base1[word, at] |= mask
        hp = relays.pos[inputs.bridges(g)]
        hp = hp[hp >= 0]
        base2[word, hp] |= mask
    return base1, base2
