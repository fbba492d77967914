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

Decisions (following writes, :meth:`PathIndex.updated`):

* The index of version *v* is derived from the index of an earlier version and the
  view's :class:`~graph.view.ViewChanges`, and equals ``PathIndex(view)`` array for
  array (checked by random write sequences in ``tests/test_paths_index.py``). What a
  write did not touch is the same array: a member update copies only the masks whose
  columns changed (consent, over capacity, available, helper), and keeps the ties' CSR,
  the ranks and the cached hop costs as they are.
* New ids take their rank by binary search over the ids kept in rank order (a deleted
  node's slot moves among the empty ids, as a fresh sort would put it); every other rank
  moves by one compiled pass over the ranks.
* New, removed or updated ``KNOWS``/``MENTORS`` ties edit the CSR: one copy of ``nbr``,
  ``tie`` and of each cached cost array, one compiled pass renumbering the ties
  (:mod:`graph.edits`), never a sort; only the costs of the ties added or updated are
  computed. Parallel entries keep the order of a fresh build (KNOWS, MENTORS from the
  owner, MENTORS to the owner; by tie).
* ``LOCATED_IN``/``LIVES_IN`` changes recompute the first target of their sources only;
  the groupement → association map is read again only when a groupement or an
  association was written or deleted. Cached bridges are kept except those of the
  groupements whose territory (before or after) holds a person whose status, home,
  groupements or memberships changed; a change of ``COVERS``, ``PARTNER_OF`` or of the
  association map drops them all. Agreements in force are kept unless ``PARTNER_OF`` or
  the map changed.
* **Fallback**: unknown changes (after a full load, or a batch merged past
  :data:`graph.embedded.memory.PATCH_MAX`), an index of another lineage, or more than
  :data:`UPDATE_MAX` (10,000) changed nodes and relationships: ``updated`` returns None
  and the caller builds afresh (a sort of every tie, as cheap per record by then).
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numba
import numpy as np

from graph.edits import Edit, extend_ptr, insert, remap_split, shift_ptr
from graph.model import GroupementKind, Label, PersonStatus, RelType, TieSource
from graph.paths.policy import HopCosts, hop_costs
from graph.view import (
    LABEL_CODE,
    NO_DATE,
    GraphView,
    RelChanges,
    RelIndex,
    ViewChanges,
    column_key,
    key_ends,
)

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
    """Query-independent arrays for the path engine over one graph version.

    Built from a view (``PathIndex(view)``), or from the index of an earlier version and
    what changed since (:meth:`updated`), which gives the very same arrays.
    """

    def __init__(self, view: GraphView, groupement_association: Mapping[str, str] | None = None):
        self.view = view
        self.version = view.version
        n = self.n = view.n_slots
        self._lock = threading.Lock()
        self._costs: OrderedDict[tuple[HopCosts, int], np.ndarray] = OrderedDict()
        self._bridges: OrderedDict[tuple[int, tuple[int, ...]], Bridges] = OrderedDict()
        self._agreements: dict[tuple[int, int], tuple[int, ...]] = {}

        # Deterministic tie-breaks compare ids as text; nids follow insertion order. The
        # ids in rank order are kept so that new ids find their rank by binary search.
        ids = np.array(["" if i is None else i for i in view.ids], dtype=object)
        order = np.argsort(ids, kind="stable")
        self._ranked_ids = ids[order]
        self._ranked_nids = order.astype(np.int64)
        self.rank = np.empty(n, dtype=np.int32)
        self.rank[order] = np.arange(n, dtype=np.int32)
        del ids

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

        everyone = np.arange(n, dtype=np.int64)
        masks = _person_masks(view, everyone)
        self.is_person = masks["is_person"]
        self.consent = masks["consent"]
        self.over_capacity = masks["over_capacity"]
        #: may be an intermediary when over-capacity helpers are avoided
        self.available = self.consent & ~self.over_capacity
        self.helper = masks["helper"]
        self.status = view.column(Label.PERSON, "status")

        self.bassin_of = _first_target(view.rel(RelType.LOCATED_IN), n)
        self.lives_in = _first_target(view.rel(RelType.LIVES_IN), n)
        self._associations = dict(groupement_association or {})
        self.groupement_association = _association_of(view, self._associations)
        self.is_delegation = _is_delegation(view, everyone)

    # ------------------------------------------------------------------ following writes

    def updated(
        self,
        view: GraphView,
        changes: ViewChanges | None = None,
        associations: Callable[[], Mapping[str, str]] | None = None,
    ) -> PathIndex | None:
        """The index of ``view`` from this one, at the cost of what changed; None when
        that is unknown or large (past :data:`UPDATE_MAX`): the caller builds it then.

        ``changes`` defaults to ``view.changes_since(self.version)``. ``associations``
        reads the groupement → association map again; it is called only when a
        groupement or an association was written or deleted.
        """
        if changes is None:
            changes = view.changes_since(self.version)
        if changes is None or changes.base != self.version or changes.n_base != self.n:
            return None
        n = view.n_slots
        if changes.size + (n - self.n) > UPDATE_MAX:
            return None
        new = copy.copy(self)
        new.view, new.version, new.n = view, view.version, n
        new._lock = threading.Lock()
        fresh = np.arange(self.n, n, dtype=np.int64)
        relabelled = changes.labels

        new._update_ranks(view, np.union1d(relabelled, fresh))
        new._update_ties(self, changes)

        # Each mask is recomputed where its own columns changed (and at new nodes).
        def touched(*columns: str) -> np.ndarray:
            keys = [column_key(Label.PERSON, c) for c in columns]
            return np.union1d(np.union1d(relabelled, changes.changed(*keys)), fresh)

        for name, columns in _MASK_COLUMNS.items():
            at = touched(*columns)
            setattr(new, name, _patched(getattr(self, name), n, at, _person_masks(view, at)[name]))
        at = touched(*_MASK_COLUMNS["consent"], *_MASK_COLUMNS["over_capacity"])
        masks = _person_masks(view, at)
        new.available = _patched(self.available, n, at, masks["consent"] & ~masks["over_capacity"])
        new.status = view.column(Label.PERSON, "status")

        for name, rel_type in (("bassin_of", RelType.LOCATED_IN), ("lives_in", RelType.LIVES_IN)):
            nodes = _sources(changes, rel_type)
            rel = view.rel(rel_type)
            first = np.full(len(nodes), -1, dtype=np.int64)
            some = rel.out_ptr[nodes] < rel.out_ptr[nodes + 1]
            first[some] = rel.dst[rel.out_ptr[nodes[some]]]
            setattr(new, name, _patched(getattr(self, name), n, nodes, first, fill=-1))

        at = np.union1d(np.union1d(relabelled, changes.changed(_KIND)), fresh)
        new.is_delegation = _patched(self.is_delegation, n, at, _is_delegation(view, at))
        written = np.union1d(np.union1d(changes.upserted, relabelled), fresh)
        places = (LABEL_CODE[Label.GROUPEMENT], LABEL_CODE[Label.ASSOCIATION])
        regroup = bool(
            np.isin(view.labels[written], places).any()
            or np.isin(self.view.labels[written[written < self.n]], places).any()
        )
        if regroup:
            if associations is not None:
                new._associations = dict(associations())
            new.groupement_association = _association_of(view, new._associations)
        else:
            new.groupement_association = _patched(
                self.groupement_association, n, fresh, np.full(len(fresh), -1), fill=-1
            )
        new._bridges = self._bridges_kept(new, changes, regroup)
        wide = regroup or RelType.PARTNER_OF in changes.rels
        if wide:
            new._agreements = {}
        else:
            with self._lock:  # queries on this index add agreements meanwhile
                new._agreements = dict(self._agreements)
        return new

    def _update_ranks(self, view: GraphView, at: np.ndarray) -> None:
        """Give ``at`` (new nodes, deleted ones) their rank by binary search over the ids
        in rank order; every other rank moves by the insertions before it."""
        n_old = len(self.rank)
        ids = view.ids
        moved = at[at < n_old]
        removed = np.sort(self.rank[moved].astype(np.int64))
        entries = sorted(("" if (i := ids[nid]) is None else i, nid) for nid in at.tolist())
        points = []
        ranked_ids, ranked_nids = self._ranked_ids, self._ranked_nids
        for node_id, nid in entries:
            lo = int(np.searchsorted(ranked_ids, node_id, side="left"))
            hi = int(np.searchsorted(ranked_ids, node_id, side="right"))
            points.append(lo + int(np.searchsorted(ranked_nids[lo:hi], nid)))
        insert_at = np.array(points, dtype=np.int64)
        insert_at -= np.searchsorted(removed, insert_at)
        edit = Edit(removed, insert_at, n_old)
        if edit.empty:
            return
        self._ranked_ids = edit.apply(ranked_ids, np.array([e[0] for e in entries], dtype=object))
        self._ranked_nids = edit.apply(ranked_nids, np.array([e[1] for e in entries]))
        rank = np.zeros(view.n_slots, dtype=np.int32)
        rank[:n_old] = edit.remap(self.rank)
        rank[np.array([e[1] for e in entries], dtype=np.int64)] = edit.added
        self.rank = rank

    def _update_ties(self, old: PathIndex, changes: ViewChanges) -> None:
        """Edit the ties' CSR for the ties removed and added (one copy of its arrays and
        one pass renumbering the ties), and the cached costs with it: only the entries of
        ties added or updated are computed."""
        view, n = self.view, self.n
        kc = changes.rels.get(RelType.KNOWS, RelChanges())
        mc = changes.rels.get(RelType.MENTORS, RelChanges())
        self.ptr = ptr = extend_ptr(old.ptr, n)
        self.deg = old.deg if ptr is old.ptr else np.diff(ptr)
        if not (len(kc) or len(mc)):
            self._costs = OrderedDict(old._costs)
            return
        old_k, old_m = old.view.rel(RelType.KNOWS), old.view.rel(RelType.MENTORS)
        new_k, new_m = view.rel(RelType.KNOWS), view.rel(RelType.MENTORS)
        nk_old, nk = len(old_k), len(new_k)
        k_edit = _rel_edit(old_k, new_k, kc)
        m_edit = _rel_edit(old_m, new_m, mc)
        entry_edit = Edit.none(len(old.nbr))
        new_ties = np.empty(0, dtype=np.int64)
        if not (k_edit.empty and m_edit.empty):
            # CSR entries of the removed ties; then where each entry of an added tie goes:
            # in its owner's block, by neighbour, then (part, tie) among parallel entries.
            gone: list[tuple[int, int]] = []  # (entry, owner)
            for rel, edit, offset in ((old_k, k_edit, 0), (old_m, m_edit, nk_old)):
                for p in edit.removed.tolist():
                    u, v = int(rel.src[p]), int(rel.dst[p])
                    gone.append((_entry(ptr, old.nbr, old.tie, u, v, offset + p), u))
                    gone.append((_entry(ptr, old.nbr, old.tie, v, u, offset + p), v))
            gone.sort()
            removed = np.array([g[0] for g in gone], dtype=np.int64)
            nbr = np.delete(old.nbr, removed) if len(removed) else old.nbr
            tie = np.delete(old.tie, removed) if len(removed) else old.tie
            tie = remap_split(tie, nk_old, k_edit, m_edit, nk)
            self.n_knows = nk
            # (at, owner, nbr, part, tie): entries that go to the same place are in CSR order
            added: list[tuple[int, int, int, int, int]] = []
            for rel, positions, offset, part in (
                (new_k, k_edit.added, 0, 0),
                (new_m, m_edit.added, nk, 2),
            ):
                for p in positions.tolist():
                    u, v = int(rel.src[p]), int(rel.dst[p])
                    for owner, other, side in ((u, v, 0), (v, u, 1)):
                        start = int(ptr[owner]) - int(np.searchsorted(removed, ptr[owner]))
                        end = int(ptr[owner + 1]) - int(np.searchsorted(removed, ptr[owner + 1]))
                        block = nbr[start:end]
                        lo = start + int(np.searchsorted(block, other, side="left"))
                        hi = start + int(np.searchsorted(block, other, side="right"))
                        key = (part + side, offset + p)
                        at = lo + sum(self._order_key(owner, t) < key for t in tie[lo:hi].tolist())
                        added.append((at, owner, other, part + side, offset + p))
            added.sort()
            insert_at = np.array([a[0] for a in added], dtype=np.int64)
            entry_edit = Edit(removed, insert_at, len(old.nbr))
            new_ties = np.array([a[4] for a in added], dtype=np.int64)
            self.nbr = insert(nbr, insert_at, np.array([a[2] for a in added], np.int32))
            self.tie = insert(tie, insert_at, new_ties.astype(np.int32))
            self.ptr = shift_ptr(
                ptr,
                np.array([g[1] for g in gone], dtype=np.int64),
                np.array([a[1] for a in added], dtype=np.int64),
            )
            self.deg = np.diff(self.ptr)

        # Ties whose properties changed keep their entries; their costs change.
        changed = [(RelType.KNOWS, 0, e) for e in _ends(kc.updated)]
        changed += [(RelType.MENTORS, nk, e) for e in _ends(mc.updated)]
        changed_at = np.array(
            [
                _entry(self.ptr, self.nbr, self.tie, a, b, offset + view.rel(t).position(u, v))
                for t, offset, (u, v) in changed
                for a, b in ((u, v), (v, u))
            ],
            dtype=np.int64,
        )
        self._costs = OrderedDict()
        for (costs, day), entry in old._costs.items():
            fresh = self._tie_costs_at(costs, day, new_ties).astype(np.int32)
            updated = entry_edit.apply(entry, fresh)
            if len(changed_at):
                updated[changed_at] = self._tie_costs_at(costs, day, self.tie[changed_at])
            self._costs[(costs, day)] = updated

    def _order_key(self, owner: int, tie: int) -> tuple[int, int]:
        """(part, tie) of an entry of ``owner``: its order among parallel entries, as
        the stable sort of a new index leaves them (KNOWS, then MENTORS from ``owner``,
        then MENTORS to ``owner``; by tie within each)."""
        rel_type, src, _ = self.tie_of(tie)
        part = 0 if rel_type == RelType.KNOWS else 2
        return (part + int(src != owner), tie)

    def _bridges_kept(
        self, new: PathIndex, changes: ViewChanges, regroup: bool
    ) -> OrderedDict[tuple[int, tuple[int, ...]], Bridges]:
        """The cached bridges still true in ``new``: those of groupements whose territory
        holds no helper whose status, home, groupements or memberships changed."""
        if regroup or any(t in changes.rels for t in _BRIDGE_WIDE):
            return OrderedDict()
        # a copy under the lock: queries on this index add and reorder bridges meanwhile
        with self._lock:
            cached = OrderedDict(self._bridges)
        if not any(t in changes.rels for t in _BRIDGE_PEOPLE):
            helper_changed = changes.changed(column_key(Label.PERSON, "status"))
            if len(helper_changed) == 0 and len(changes.labels) == 0:
                return cached
        people = [changes.changed(column_key(Label.PERSON, "status")), changes.labels]
        for t in _BRIDGE_PEOPLE:
            people.append(_sources(changes, t))
        who = np.unique(np.concatenate(people)).astype(np.int64)
        depts: list[np.ndarray] = []
        for index in (self, new):
            view = index.view
            who_here = who[who < view.n_slots]
            lives, _ = out_of(view.rel(RelType.LIVES_IN), who_here)
            depts.append(view.rel(RelType.LIVES_IN).dst[lives])
            grp, _ = out_of(view.rel(RelType.IN_GROUPEMENT), who_here)
            groups = view.rel(RelType.IN_GROUPEMENT).dst[grp]
            covered, _ = out_of(view.rel(RelType.COVERS), groups)
            depts.append(view.rel(RelType.COVERS).dst[covered])
        covers = new.view.rel(RelType.COVERS)
        pos, _ = into(covers, np.unique(np.concatenate(depts)).astype(np.int64))
        affected = set(covers.src[pos].tolist())
        return OrderedDict((k, b) for k, b in cached.items() if k[0] not in affected)

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
        other._agreements = {}
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
        return self._tie_costs_at(costs, day, np.arange(len(knows) + len(mentors), dtype=np.int64))

    def _tie_costs_at(self, costs: HopCosts, day: int, ties: np.ndarray) -> np.ndarray:
        """Cost of the ties ``ties`` (int64): the same numbers as :meth:`tie_costs`."""
        knows, mentors = self.view.rel(RelType.KNOWS), self.view.rel(RelType.MENTORS)
        ties = np.asarray(ties, dtype=np.int64)
        k = ties[ties < self.n_knows]
        m = ties[ties >= self.n_knows] - self.n_knows
        out = np.empty(len(ties), dtype=np.int64)
        out[ties < self.n_knows] = hop_costs(
            costs,
            knows.columns["source"][k],
            knows.columns["strength"][k],
            knows.columns["confirmed_at"][k],
            day,
            NO_DATE,
        )
        m_code = np.full(len(m), list(TieSource).index(TieSource.MENTORING), dtype=np.int8)
        out[ties >= self.n_knows] = hop_costs(
            costs,
            m_code,
            np.full(len(m), costs.mentors_strength),
            mentors.columns["since"][m],
            day,
            NO_DATE,
        )
        return out

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
        key = (groupement, day)
        found = self._agreements.get(key)
        if found is not None:
            return found
        rel = self.view.rel(RelType.PARTNER_OF)
        parts = []
        for own in (int(self.groupement_association[groupement]), groupement):
            if own >= 0:
                pos = np.concatenate([rel.out_positions(own), rel.in_positions(own)])
                parts.append(pos[in_force(rel, pos, day)])
        found = tuple(sorted(np.concatenate(parts).tolist())) if parts else ()
        with self._lock:
            if len(self._agreements) >= 64 * _CACHE_SIZE:
                self._agreements.clear()
            self._agreements[key] = found
        return found

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


#: past this many changed nodes and relationships, :meth:`PathIndex.updated` declines
#: and the index is built afresh (a sort of every tie, about as fast by then)
UPDATE_MAX = 10_000
#: the person columns each mask reads
_MASK_COLUMNS: dict[str, tuple[str, ...]] = {
    "is_person": (),
    "consent": ("consent_introducer",),
    "over_capacity": ("capacity", "monthly_load"),
    "helper": ("status",),
}
_KIND = column_key(Label.GROUPEMENT, "kind")
#: changes that may change any groupement's bridges, or only those of some people
_BRIDGE_WIDE = (RelType.COVERS, RelType.PARTNER_OF)
_BRIDGE_PEOPLE = (RelType.LIVES_IN, RelType.IN_GROUPEMENT, RelType.MEMBER_OF)
_HELPER_CODES = [list(PersonStatus).index(s) for s in (PersonStatus.HELPER, PersonStatus.BOTH)]


def _person_masks(view: GraphView, at: np.ndarray) -> dict[str, np.ndarray]:
    """The person masks at nodes ``at`` (every node for a new index)."""
    is_person = view.labels[at] == LABEL_CODE[Label.PERSON]
    consent = is_person & (view.column(Label.PERSON, "consent_introducer")[at] == 1)
    capacity = view.column(Label.PERSON, "capacity")[at]
    load = view.column(Label.PERSON, "monthly_load")[at]
    over_capacity = is_person & (capacity >= 0) & (np.maximum(load, 0) >= capacity)
    helper = is_person & np.isin(view.column(Label.PERSON, "status")[at], _HELPER_CODES)
    return {
        "is_person": is_person,
        "consent": consent,
        "over_capacity": over_capacity,
        "helper": helper,
    }


def _is_delegation(view: GraphView, at: np.ndarray) -> np.ndarray:
    kinds = view.column(Label.GROUPEMENT, "kind")[at]
    return (
        (view.labels[at] == LABEL_CODE[Label.GROUPEMENT])
        & (kinds != list(GroupementKind).index(GroupementKind.GROUPEMENT))
        & (kinds >= 0)
    )


def _association_of(view: GraphView, associations: Mapping[str, str]) -> np.ndarray:
    out = np.full(view.n_slots, -1, dtype=np.int32)
    for g, a in associations.items():
        gi, ai = view.index.get(g), view.index.get(a)
        if gi is not None and ai is not None and view.labels[ai] == LABEL_CODE[Label.ASSOCIATION]:
            out[gi] = ai
    return out


def _patched(
    old: np.ndarray, n: int, at: np.ndarray, values: np.ndarray, fill: int = 0
) -> np.ndarray:
    """``old`` over ``n`` nodes with ``values`` at ``at``; ``old`` itself when unchanged."""
    if len(at) == 0 and len(old) == n:
        return old
    out = np.full(n, fill, dtype=old.dtype)
    out[: len(old)] = old
    out[at] = values
    return out


def _sources(changes: ViewChanges, rel_type: RelType) -> np.ndarray:
    """Sources of the relationships of ``rel_type`` added or removed."""
    change = changes.rels.get(rel_type)
    if change is None:
        return np.empty(0, dtype=np.int64)
    src, _ = key_ends(np.concatenate([change.removed, change.added]))
    return np.unique(src)


def _ends(keys: np.ndarray) -> list[tuple[int, int]]:
    src, dst = key_ends(keys)
    return list(zip(src.tolist(), dst.tolist(), strict=True))


def _rel_edit(old: RelIndex, new: RelIndex, change: RelChanges) -> Edit:
    """The edit from ``old``'s edges to ``new``'s: removed positions (in ``old``), and
    where the added ones go (their positions in ``new``, less the ones before them)."""
    removed = np.array([old.position(*e) for e in _ends(change.removed)], dtype=np.int64)
    added = np.array([new.position(*e) for e in _ends(change.added)], dtype=np.int64)
    removed.sort()
    added.sort()
    return Edit(removed, added - np.arange(len(added)), len(old))


def _entry(ptr: np.ndarray, nbr: np.ndarray, tie: np.ndarray, u: int, v: int, t: int) -> int:
    """Index of the CSR entry ``u → v`` of tie ``t``."""
    lo, hi = int(ptr[u]), int(ptr[u + 1])
    first = lo + int(np.searchsorted(nbr[lo:hi], v, side="left"))
    last = lo + int(np.searchsorted(nbr[lo:hi], v, side="right"))
    found = np.flatnonzero(tie[first:last] == t)
    if len(found) != 1:
        raise LookupError(f"no single entry {u} -> {v} for tie {t}")
    return first + int(found[0])


def _first_target(rel: RelIndex, n: int) -> np.ndarray:
    """For each node, the target of its first outgoing edge of ``rel`` (-1 if none)."""
    out = np.full(n, -1, dtype=np.int32)
    # Fancy assignment keeps the last write: go backwards to keep the first edge.
    out[rel.src[::-1]] = rel.dst[::-1]
    return out
