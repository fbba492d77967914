"""The search index: what every referral-path query needs, built once per graph version.

Built from a :class:`~graph.view.GraphView` (plus the groupement → association map, a
text property the view does not hold) and cached by the service per store version. It
holds only flat numpy arrays, never a Python object per person or tie:

* a **symmetric CSR of personal ties**: ``KNOWS`` both ways plus ``MENTORS`` both ways
  (a parrainage is a personal tie whichever way it points). Each entry keeps its tie
  (position in ``KNOWS``, or ``n_knows`` + position in ``MENTORS``); parallel ties (a
  pair both ``KNOWS`` and ``MENTORS``) stay as parallel entries and the search keeps the
  cheaper. Hop costs depend on the policy and on the query date (age of the tie), so
  they are computed per ``(HopCosts, day)`` with numpy and cached (a few per index).
* **person masks**: introducer consent, over capacity (``monthly_load >= capacity``),
  helper status; the **rank of each id** in string order, for deterministic tie-breaks.
* lookups by node: employer → bassin (``LOCATED_IN``), person → département
  (``LIVES_IN``), groupement → association.
* per query, from the view's own CSR slices (an employer's staff is a slice, not a scan):
  the **current employees** of employers at a date, employers of a sector in a bassin,
  référents of a groupement, and the **référent bridges** valid at a date (cached per
  groupement and day).

Employment is current at day *d* when ``since`` is null or ≤ *d* and ``until`` is null or
after *d*: someone whose ``until`` has passed has left and is never counted inside.
A convention or charter is in force at *d* when ``signed`` ≤ *d* and ``expires`` is null
or ≥ *d*.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

import numba
import numpy as np

from graph.model import GroupementKind, Label, PersonStatus, RelType, TieSource
from graph.paths.policy import HopCosts, hop_costs
from graph.view import LABEL_CODE, NO_DATE, GraphView, RelIndex

#: kinds of hop
KNOWS, MENTORS, REFERENT, BRIDGE = 0, 1, 2, 3
HOP_KINDS = ("knows", "mentors", "referent", "bridge")
#: how a bridge helper is reached
VIA_CONVENTION, VIA_CHARTER = 0, 1
_CACHE_SIZE = 8


def gather(ptr: np.ndarray, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``ptr[u]:ptr[u+1]`` for every ``u`` of ``nodes``, and the index of the owner.

    >>> gather(np.array([0, 2, 2, 5]), np.array([2, 0]))
    (array([2, 3, 4, 0, 1]), array([0, 0, 0, 1, 1]))
    """
    nodes = np.ascontiguousarray(nodes, dtype=np.int64)
    if ptr.dtype != np.int64:
        ptr = ptr.astype(np.int64)
    # Compiled: one pass and no temporaries (numpy needs a cumsum and two repeats); it is
    # called for every layer of every search and every coverage propagation.
    return _gather(ptr, nodes)


@numba.njit(nogil=True, cache=True)
def _gather(ptr, nodes):  # pragma: no cover - compiled
    total = 0
    for u in nodes:
        total += ptr[u + 1] - ptr[u]
    pos = np.empty(total, dtype=np.int64)
    owner = np.empty(total, dtype=np.int64)
    k = 0
    for i in range(len(nodes)):
        u = nodes[i]
        for p in range(ptr[u], ptr[u + 1]):
            pos[k] = p
            owner[k] = i
            k += 1
    return pos, owner


def out_of(rel: RelIndex, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the outgoing edges of ``nodes`` and, per edge, the index of its node."""
    return gather(rel.out_ptr, nodes)


def into(rel: RelIndex, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the incoming edges of ``nodes`` and, per edge, the index of its node."""
    pos, owner = gather(rel.in_ptr, nodes)
    return rel.in_perm[pos], owner


def in_force(rel: RelIndex, pos: np.ndarray, day: int) -> np.ndarray:
    """Which ``PARTNER_OF`` edges at ``pos`` are in force at ``day``."""
    signed = rel.columns["signed"][pos]
    expires = rel.columns["expires"][pos]
    return (signed != NO_DATE) & (signed <= day) & ((expires == NO_DATE) | (expires >= day))


@dataclass(frozen=True)
class Bridges:
    """Helpers a référent of one groupement may be introduced to at one date."""

    helpers: np.ndarray  # person nids, ascending
    partner: np.ndarray  # per helper: position of the PARTNER_OF edge that allows it
    via: np.ndarray  # per helper: VIA_CONVENTION or VIA_CHARTER
    anchor: np.ndarray  # per helper: the partner association or délégation


class PathIndex:
    """Query-independent arrays for the path engine over one graph version."""

    def __init__(self, view: GraphView, groupement_association: Mapping[str, str] | None = None):
        self.view = view
        self.version = view.version
        n = self.n = view.n_slots
        labels = view.labels
        self.is_person = labels == LABEL_CODE[Label.PERSON]
        self._lock = threading.Lock()
        self._costs: OrderedDict[tuple[HopCosts, int], np.ndarray] = OrderedDict()
        self._bridges: OrderedDict[tuple[int, tuple[int, ...]], Bridges] = OrderedDict()

        # Deterministic tie-breaks compare ids as text; nids follow insertion order.
        ids = np.array(["" if i is None else i for i in view.ids], dtype=object)
        order = np.argsort(ids, kind="stable")
        self.rank = np.empty(n, dtype=np.int32)
        self.rank[order] = np.arange(n, dtype=np.int32)

        knows, mentors = view.rel(RelType.KNOWS), view.rel(RelType.MENTORS)
        self.n_knows, n_mentors = len(knows), len(mentors)
        src = np.concatenate([knows.src, knows.dst, mentors.src, mentors.dst]).astype(np.int64)
        dst = np.concatenate([knows.dst, knows.src, mentors.dst, mentors.src]).astype(np.int64)
        tie_k = np.arange(self.n_knows, dtype=np.int32)
        tie_m = np.arange(self.n_knows, self.n_knows + n_mentors, dtype=np.int32)
        tie = np.concatenate([tie_k, tie_k, tie_m, tie_m])
        order = np.argsort((src << 32) | dst, kind="stable")  # KNOWS before MENTORS per pair
        self.nbr = dst[order].astype(np.int32)
        self.tie = tie[order]
        del dst, tie
        self.ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(src, minlength=n), out=self.ptr[1:])
        del src, order
        self.deg = np.diff(self.ptr)

        status = view.column(Label.PERSON, "status")
        self.consent = self.is_person & (view.column(Label.PERSON, "consent_introducer") == 1)
        capacity = view.column(Label.PERSON, "capacity")
        load = view.column(Label.PERSON, "monthly_load")
        self.over_capacity = self.is_person & (capacity >= 0) & (np.maximum(load, 0) >= capacity)
        #: may be an intermediary when over-capacity helpers are avoided
        self.available = self.consent & ~self.over_capacity
        helper_codes = [
            list(PersonStatus).index(s) for s in (PersonStatus.HELPER, PersonStatus.BOTH)
        ]
        self.helper = self.is_person & np.isin(status, helper_codes)
        self.status = status

        self.bassin_of = _first_target(view.rel(RelType.LOCATED_IN), n)
        self.lives_in = _first_target(view.rel(RelType.LIVES_IN), n)
        self.groupement_association = np.full(n, -1, dtype=np.int32)
        for g, a in (groupement_association or {}).items():
            gi, ai = view.index.get(g), view.index.get(a)
            if gi is not None and ai is not None and labels[ai] == LABEL_CODE[Label.ASSOCIATION]:
                self.groupement_association[gi] = ai
        kinds = view.column(Label.GROUPEMENT, "kind")
        self.is_delegation = (
            (labels == LABEL_CODE[Label.GROUPEMENT])
            & (kinds != list(GroupementKind).index(GroupementKind.GROUPEMENT))
            & (kinds >= 0)
        )

    def overlay(self, view: GraphView | None = None, **arrays: np.ndarray) -> PathIndex:
        """A copy for hypothetical changes (coverage what-if); this index is left untouched.

        Shares every array except those given by name (``consent``, ``helper``,
        ``over_capacity``, ``status``…), reads ``view`` when given (e.g. with an extra
        ``PARTNER_OF``), and starts with empty caches. ``available`` follows ``consent``
        and ``over_capacity``.
        """
        other = copy.copy(self)
        other._lock = threading.Lock()
        other._costs = OrderedDict()
        other._bridges = OrderedDict()
        if view is not None:
            other.view = view
        for name, value in arrays.items():
            if not hasattr(self, name) or name.startswith("_"):
                raise AttributeError(f"PathIndex has no array {name!r}")
            setattr(other, name, value)
        other.available = other.consent & ~other.over_capacity
        return other

    # ------------------------------------------------------------------ costs

    def costs(self, costs: HopCosts, day: int) -> np.ndarray:
        """Cost (int32, thousandths) of every CSR entry under ``costs`` at ``day``."""
        key = (costs, day)
        with self._lock:
            found = self._costs.get(key)
            if found is not None:
                self._costs.move_to_end(key)
                return found
        per_tie = self.tie_costs(costs, day)
        entry = per_tie[self.tie].astype(np.int32)
        with self._lock:
            self._costs[key] = entry
            while len(self._costs) > _CACHE_SIZE // 2:
                self._costs.popitem(last=False)
        return entry

    def tie_costs(self, costs: HopCosts, day: int) -> np.ndarray:
        """Cost of every tie: ``KNOWS`` positions first, then ``MENTORS`` positions."""
        knows, mentors = self.view.rel(RelType.KNOWS), self.view.rel(RelType.MENTORS)
        k = hop_costs(
            costs,
            knows.columns["source"],
            knows.columns["strength"],
            knows.columns["confirmed_at"],
            day,
            NO_DATE,
        )
        m_code = np.full(len(mentors), list(TieSource).index(TieSource.MENTORING), dtype=np.int8)
        m = hop_costs(
            costs,
            m_code,
            np.full(len(mentors), costs.mentors_strength),
            mentors.columns["since"],
            day,
            NO_DATE,
        )
        return np.concatenate([k, m])

    def tie_of(self, tie: int) -> tuple[RelType, int, int]:
        """(type, src nid, dst nid) of a tie number."""
        if tie < self.n_knows:
            rel = self.view.rel(RelType.KNOWS)
            return RelType.KNOWS, int(rel.src[tie]), int(rel.dst[tie])
        rel = self.view.rel(RelType.MENTORS)
        pos = tie - self.n_knows
        return RelType.MENTORS, int(rel.src[pos]), int(rel.dst[pos])

    # ------------------------------------------------------------------ targets

    def employees(self, employers: np.ndarray, day: int) -> tuple[np.ndarray, np.ndarray, int]:
        """(people, their employer, number of former employees) of ``employers`` at ``day``.

        A person working at several of the employers appears once per employer.
        """
        rel = self.view.rel(RelType.WORKS_AT)
        pos, owner = into(rel, np.asarray(employers, dtype=np.int64))
        since, until = rel.columns["since"][pos], rel.columns["until"][pos]
        current = ((since == NO_DATE) | (since <= day)) & ((until == NO_DATE) | (until > day))
        left = (until != NO_DATE) & (until <= day)
        people = rel.src[pos][current]
        return people, np.asarray(employers)[owner][current], int(np.count_nonzero(left))

    def employers_in(self, sector: int, bassin: int) -> np.ndarray:
        """Employers of ``sector`` located in ``bassin``, ascending."""
        employers = self.view.rel(RelType.IN_SECTOR).sources(sector)
        return np.unique(employers[self.bassin_of[employers] == bassin])

    def sectors_of(self, employer: int) -> np.ndarray:
        return self.view.rel(RelType.IN_SECTOR).targets(employer)

    def employer_of_offer(self, offer: int) -> np.ndarray:
        return self.view.rel(RelType.OFFERS).sources(offer)

    def reporters(self, offer: int) -> np.ndarray:
        return self.view.rel(RelType.REPORTED).sources(offer)

    def current_employers(self, person: int, day: int) -> np.ndarray:
        rel = self.view.rel(RelType.WORKS_AT)
        pos = rel.out_positions(person)
        since, until = rel.columns["since"][pos], rel.columns["until"][pos]
        current = ((since == NO_DATE) | (since <= day)) & ((until == NO_DATE) | (until > day))
        return rel.dst[pos][current]

    def bassins_of_departement(self, bassin: int) -> np.ndarray:
        """The bassins d'emploi of the département of ``bassin`` (itself included)."""
        part_of = self.view.rel(RelType.PART_OF)
        depts = part_of.targets(bassin)
        depts = depts[self.view.labels[depts] == LABEL_CODE[Label.DEPARTEMENT]]
        if len(depts) == 0:
            return np.array([bassin])
        pos, _ = into(part_of, depts)
        found = part_of.src[pos]
        found = found[self.view.labels[found] == LABEL_CODE[Label.BASSIN_EMPLOI]]
        return np.unique(np.concatenate([found, [bassin]]))

    # ------------------------------------------------------------------ référents and bridges

    def groupements_of(self, person: int) -> np.ndarray:
        return np.unique(self.view.rel(RelType.IN_GROUPEMENT).targets(person))

    def referents_of(self, groupement: int) -> np.ndarray:
        return np.unique(self.view.rel(RelType.REFERENT_OF).sources(groupement))

    def bridges(self, groupement: int, day: int) -> Bridges:
        """Helpers that référents of ``groupement`` may be introduced to at ``day``.

        A helper qualifies when they are a member of an association bound to the
        groupement's association by a convention in force, or attached to a délégation
        bound to the groupement by a local charter in force; and they are in the same
        territory: they live in a département the groupement covers, or one of their
        groupements covers such a département. Membership of a convention is checked
        first, so a helper reachable both ways is explained by the convention.

        Cached by the agreements in force, not by day: the answer only changes on the
        day an agreement is signed or expires.
        """
        agreements = self.agreements(groupement, day)
        key = (groupement, agreements)
        with self._lock:
            found = self._bridges.get(key)
            if found is not None:
                self._bridges.move_to_end(key)
                return found
        bridges = self._compute_bridges(groupement, agreements)
        with self._lock:
            self._bridges[key] = bridges
            while len(self._bridges) > 64 * _CACHE_SIZE:
                self._bridges.popitem(last=False)
        return bridges

    def warm(self, day: int, costs: HopCosts | None = None) -> None:
        """Compute the hop costs (default policy) and every groupement's bridges for ``day``.

        Both take seconds on a national network (a bridge set may hold tens of thousands
        of helpers); doing them here, once per graph version, keeps that work out of the
        first queries.
        """
        self.costs(costs or HopCosts(), day)
        referent_of = self.view.rel(RelType.REFERENT_OF)
        for g in np.unique(referent_of.dst).tolist():
            self.bridges(g, day)

    def agreements(self, groupement: int, day: int) -> tuple[int, ...]:
        """``PARTNER_OF`` positions in force at ``day`` for the groupement or its association."""
        rel = self.view.rel(RelType.PARTNER_OF)
        found = []
        for own in (int(self.groupement_association[groupement]), groupement):
            if own >= 0:
                pos = np.concatenate([rel.out_positions(own), rel.in_positions(own)])
                found.append(pos[in_force(rel, pos, day)])
        return tuple(sorted(np.concatenate(found).tolist())) if found else ()

    def _compute_bridges(self, groupement: int, agreements: tuple[int, ...]) -> Bridges:
        view = self.view
        empty = Bridges(*(np.empty(0, dtype=np.int32) for _ in range(4)))
        covers = view.rel(RelType.COVERS)
        depts = np.unique(covers.targets(groupement))
        if len(depts) == 0 or not agreements:
            return empty
        # The territory is small (a département or two): start from its people, not from
        # the members of a partner association, who may be a third of the network.
        pos, _ = into(covers, depts)
        covering = np.unique(covers.src[pos])
        in_grp, lives_in = view.rel(RelType.IN_GROUPEMENT), view.rel(RelType.LIVES_IN)
        living, _ = into(lives_in, depts)
        attached, _ = into(in_grp, covering)
        people = np.unique(np.concatenate([lives_in.src[living], in_grp.src[attached]])).astype(
            np.int64
        )
        people = people[self.helper[people]]
        partner_rel = view.rel(RelType.PARTNER_OF)
        in_force_pos = np.array(agreements, dtype=np.int64)
        found: list[tuple[np.ndarray, ...]] = []
        association = int(self.groupement_association[groupement])
        for via, own, member_rel, anchor_label in (
            (VIA_CONVENTION, association, RelType.MEMBER_OF, Label.ASSOCIATION),
            (VIA_CHARTER, groupement, RelType.IN_GROUPEMENT, Label.GROUPEMENT),
        ):
            if own < 0 or len(people) == 0:
                continue
            ppos = in_force_pos[
                (partner_rel.src[in_force_pos] == own) | (partner_rel.dst[in_force_pos] == own)
            ]
            other = np.where(
                partner_rel.src[ppos] == own, partner_rel.dst[ppos], partner_rel.src[ppos]
            )
            keep = view.labels[other] == LABEL_CODE[anchor_label]
            ppos, other = ppos[keep], other[keep].astype(np.int64)
            if len(other) == 0:
                continue
            # Per partner (association or délégation), the agreement stored first.
            order = np.lexsort((ppos, other))
            other, ppos = other[order], ppos[order]
            first = np.ones(len(other), dtype=bool)
            first[1:] = other[1:] != other[:-1]
            other, ppos = other[first], ppos[first]
            members = view.rel(member_rel)
            mpos, owner = out_of(members, people)
            anchors = members.dst[mpos].astype(np.int64)
            hit = np.isin(anchors, other)
            anchors = anchors[hit]
            found.append(
                (
                    people[owner[hit]],
                    ppos[np.searchsorted(other, anchors)],
                    np.full(len(anchors), via),
                    anchors,
                )
            )
        if not found:
            return empty
        people, partner, vias, anchor = (
            np.concatenate(col).astype(np.int64) for col in zip(*found, strict=True)
        )
        # One bridge per helper: conventions first, then the agreement stored first.
        order = np.lexsort((partner, vias, people))
        people, partner, vias, anchor = people[order], partner[order], vias[order], anchor[order]
        first = np.ones(len(people), dtype=bool)
        first[1:] = people[1:] != people[:-1]
        return Bridges(*(a[first].astype(np.int32) for a in (people, partner, vias, anchor)))


def _first_target(rel: RelIndex, n: int) -> np.ndarray:
    """For each node, the target of its first outgoing edge of ``rel`` (-1 if none)."""
    out = np.full(n, -1, dtype=np.int32)
    # Fancy assignment keeps the last write: go backwards to keep the first edge.
    out[rel.src[::-1]] = rel.dst[::-1]
    return out
