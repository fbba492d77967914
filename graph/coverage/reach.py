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

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graph.coverage.kernels import or_runs
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

    With ``cols``, the columns are ``values[:, cols]`` (gathered by the compiled loop,
    without a temporary).

    >>> reduce_groups(np.array([[1, 2, 4, 8]], dtype=np.uint64), np.array([2, 0, 2])).tolist()
    [[3, 0, 12]]
    """
    counts = np.asarray(counts, dtype=np.int64)
    ends = np.cumsum(counts)
    return or_runs(values, ends - counts, ends, cols)


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
            extra_a = extra_b = _EMPTY
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
                _or_into(out, self.extra_a, values[:, self.extra_b])
            return out
        rows = np.asarray(rows, dtype=np.int64)
        out = or_runs(values, self.indptr[rows], self.indptr[rows + 1], self.indices)
        if len(self.extra_a) and len(rows):
            at, hit = lookup(rows, self.extra_a)
            if hit.any():
                _or_into(out, at[hit], values[:, self.extra_b[hit]])
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


@dataclass(frozen=True)
class AsIs:
    """The inputs and relay graph of the graph as it is at one day, and a memo of what
    states derive from those alone (read-only once built, shared by every state)."""

    inputs: Inputs
    relays: Relays
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


#: per path index (so per version) and day: every state of a version (national, focused
#: on a groupement, what-if bases) starts from the same ones
_AS_IS: weakref.WeakKeyDictionary[PathIndex, OrderedDict[int, AsIs]] = weakref.WeakKeyDictionary()
_AS_IS_DAYS = 4
_AS_IS_LOCK = threading.Lock()


def as_is(index: PathIndex, day: int) -> AsIs:
    """The inputs and relay graph of the graph as it is at ``day``, built once per index.

    The relay graph is about 0.1 s at 1M people, a fifth of a groupement's cold state:
    it only changes with the version (a new index) or the date, so it is kept beside the
    index and dropped with it. ``Inputs`` memoises bridge helpers, which are facts of
    the same index and day.
    """
    with _AS_IS_LOCK:
        days = _AS_IS.setdefault(index, OrderedDict())
        found = days.get(day)
        if found is not None:
            days.move_to_end(day)
            return found
    inputs = Inputs.build(index, day)
    built = AsIs(inputs, Relays.build(inputs))
    with _AS_IS_LOCK:
        days = _AS_IS.setdefault(index, OrderedDict())
        found = days.setdefault(day, built)
        while len(days) > _AS_IS_DAYS:
            days.popitem(last=False)
    return found


def clear_as_is() -> None:
    """Forget every cached :class:`AsIs` (benchmarks, tests)."""
    with _AS_IS_LOCK:
        _AS_IS.clear()


def as_is_memo(inputs: Inputs) -> dict[str, Any] | None:
    """The memo of ``inputs`` when they are the graph as it is (cached), else None."""
    with _AS_IS_LOCK:
        found = _AS_IS.get(inputs.index, {}).get(inputs.day)
    return found.memo if found is not None and found.inputs is inputs else None


def rows_of(m: int, found: np.ndarray) -> np.ndarray:
    """``np.unique`` of row numbers below ``m``, by marking them (no sort of 1M entries)."""
    if len(found) < 4096:
        return np.unique(found).astype(np.int64)
    seen = np.zeros(m, dtype=bool)
    seen[found] = True
    return np.flatnonzero(seen)


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
        """Per relay: the targets they are a contact of.

        Every consenting current employment, at its employer's bassin and sectors (the
        contact set the engine builds for a set of employers,
        :func:`graph.paths.engine.employers_target`); setting a bit twice is harmless,
        so pairs are not made unique first (a sort of 240k pairs at 1M people).
        """
        idx, bits = employer_targets(inputs, inputs.contact_employer, self.bit)
        at = relays.pos[inputs.contact_person[idx]]
        keep = at >= 0
        out = zeros(self.words, relays.m)
        set_bits(out, at[keep], bits[keep])
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
    pending: np.ndarray = field(default_factory=lambda: _EMPTY)
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
                x0[j >> 6, own] &= ~(_ONE << np.uint64(j & 63))
    idx = np.array(sorted({i for i, _ in pairs}), dtype=np.int64)
    cand = members.cand[idx]
    y = local_layers(inputs, relays, x0, cand, members)
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
    rows, gained = _EMPTY, zeros(words, 0)
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
                _or_into(layer, to, gained[:, frm])
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
        _or_into(base1, at[keep], sources[:, owner[keep]])
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
        word, mask = b >> 6, _ONE << np.uint64(b & 63)
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
