"""The referral-path search: pure functions over a :class:`~graph.paths.index.PathIndex`.

A path is ``[candidate, i1, …, im, contact]``: ``m`` ≤ ``max_intermediaries``
intermediaries, each of whom consented, then a final contact at the target. Hops follow
personal ties (``KNOWS``, ``MENTORS``) and two virtual hops that exist only for this
candidate: from the candidate to the référent of their groupement (``referent``), and
from that référent, when they are the first intermediary, to a helper of a partner
association or délégation under a convention or charter in force (``bridge``).

How one cheapest path is found (exact, hop-bounded, meet in the middle):

* Forward layers from the candidate (layer *h*: the cheapest walk with exactly *h* hops
  to each node, expanding only through allowed intermediaries), backward layers from the
  contacts the same way. The forward side always gets at least two layers (so a bridge,
  always hop 2, is on it); each further layer goes to the side whose frontier has the
  smaller total degree, until the two sides hold ``max_intermediaries + 1`` layers.
* Every pair of layers (h1 ≥ 1, h2) is joined on common nodes (an allowed intermediary,
  or a contact when h2 = 0). Every valid path of at most L hops appears in one join, so
  the minimum is exact. Hop costs are positive integers, so a cheapest walk never
  repeats a node: it is a simple path, the candidate never appears twice.
* Ties are broken by (cost, number of hops, the sequence of ids): each layer keeps, per
  node, the parent whose prefix (forward) or suffix (backward) of ids is smallest, and
  all equal joins are compared on their full id sequences.
* Two things keep a request for k paths cheap: a référent's bridge set (tens of thousands
  of helpers, already sorted in the index) is a second layer 2 that needs no sorting,
  merged with the ties' layer 2 only if the search goes further from there; and the
  contacts' side is reused from one search to the next while it is still exact (between
  the searches of one request only exclusions change).

How k paths are chosen (diversity, capacity):

1. repeatedly the cheapest path whose intermediaries all differ from those of the paths
   already chosen and whose first node differs from theirs (fully disjoint);
2. then, if fewer than k, paths that only avoid the first nodes already used: no two
   paths ever share their first intermediary (for a direct path, the contact);
3. both steps first without helpers over capacity; only if fewer than k paths were found
   and an over-capacity helper was in reach, again with them allowed (they are flagged).

The chosen paths are returned ranked by (cost, hops, ids), those through an over-capacity
helper last (they are a last resort); a path found in step 2 lists the intermediaries it
shares with another path.

When no path exists the outcome says why (no one at the target, the candidate has no
tie, no contact who consented, no consenting intermediary within reach, or nobody within
reach at all) and suggests the nearest reachable employers of the same sector nearby.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graph.model import Label
from graph.paths import kernels
from graph.paths.index import BRIDGE, KNOWS, MENTORS, REFERENT, PathIndex
from graph.paths.policy import PathPolicy
from graph.view import LABEL_CODE

#: how the contact belongs to the target, in :attr:`TargetSet.via` (else an employer nid)
VIA_REPORTER = -1
VIA_PERSON = -2
_MAX_TIES = 256
_NONE = np.empty(0, dtype=np.int64)
_NO_EXTRA = (_NONE, _NONE, _NONE, np.empty(0, dtype=np.int8), _NONE)

# reasons when there is no path
NO_TARGET_PEOPLE = "no_target_people"
CANDIDATE_ISOLATED = "candidate_isolated"
NO_CONSENTING_CONTACT = "no_consenting_contact"
NO_CONSENTING_INTERMEDIARY = "no_consenting_intermediary"
TOO_FAR = "too_far"


@dataclass(frozen=True)
class TargetSet:
    """The people a path may end at, and how each belongs to the target."""

    kind: str  # person, employer, offer, set
    node: int  # the target node, -1 for a set
    people: np.ndarray  # ascending, unique
    via: np.ndarray  # per person: employer nid, VIA_REPORTER or VIA_PERSON
    employers: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    former: int = 0  # former employees left out
    sector: int = -1
    bassin: int = -1

    def via_of(self, person: int) -> int:
        i = int(np.searchsorted(self.people, person))
        return int(self.via[i])


@dataclass(frozen=True)
class RawHop:
    src: int
    dst: int
    kind: int  # KNOWS, MENTORS, REFERENT, BRIDGE
    cost: int
    tie: int = -1  # KNOWS/MENTORS: the tie number in the index
    groupement: int = -1  # REFERENT/BRIDGE: the candidate's groupement
    partner: int = -1  # BRIDGE: position of the PARTNER_OF edge
    via: int = -1  # BRIDGE: VIA_CONVENTION or VIA_CHARTER
    anchor: int = -1  # BRIDGE: the partner association or délégation


@dataclass(frozen=True)
class RawPath:
    nodes: tuple[int, ...]
    hops: tuple[RawHop, ...]
    cost: int
    contact_via: int = VIA_PERSON
    over_capacity: tuple[int, ...] = ()
    shared: tuple[int, ...] = ()

    @property
    def intermediaries(self) -> tuple[int, ...]:
        return self.nodes[1:-1]

    @property
    def contact(self) -> int:
        return self.nodes[-1]


@dataclass(frozen=True)
class RawAlternative:
    employer: int
    path: RawPath


@dataclass(frozen=True)
class Outcome:
    paths: tuple[RawPath, ...]
    reason: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    alternatives: tuple[RawAlternative, ...] = ()


# --------------------------------------------------------------------------- targets


def person_target(index: PathIndex, person: int) -> TargetSet:
    return TargetSet("person", person, np.array([person], dtype=np.int64), np.array([VIA_PERSON]))


def employer_target(index: PathIndex, employer: int, day: int) -> TargetSet:
    people, employers, former = index.employees(np.array([employer]), day)
    people, via = _people_via(index, people, employers)
    return TargetSet("employer", employer, people, via, np.array([employer]), former)


def offer_target(index: PathIndex, offer: int, day: int) -> TargetSet:
    employers = np.unique(index.employer_of_offer(offer))
    people, owners, former = index.employees(employers, day)
    reporters = np.unique(index.reporters(offer))
    # A reporter who also works there is explained as the reporter: it is more specific.
    people = np.concatenate([reporters, people])
    owners = np.concatenate([np.full(len(reporters), VIA_REPORTER), owners])
    people, via = _people_via(index, people, owners)
    return TargetSet("offer", offer, people, via, employers, former)


def set_target(index: PathIndex, sector: int, bassin: int, day: int) -> TargetSet:
    employers = index.employers_in(sector, bassin)
    return employers_target(index, employers, day, kind="set", sector=sector, bassin=bassin)


def employers_target(
    index: PathIndex,
    employers: np.ndarray,
    day: int,
    kind: str = "set",
    sector: int = -1,
    bassin: int = -1,
) -> TargetSet:
    people, owners, former = index.employees(employers, day)
    people, via = _people_via(index, people, owners)
    return TargetSet(kind, -1, people, via, np.asarray(employers), former, sector, bassin)


def _people_via(
    index: PathIndex, people: np.ndarray, via: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Unique people; for each, the first reason (reporter first, then employer by id)."""
    people = np.asarray(people, dtype=np.int64)
    via = np.asarray(via, dtype=np.int64)
    if len(people) == 0:
        return people, via
    via_rank = np.where(via < 0, via, index.rank[np.maximum(via, 0)])
    order = np.lexsort((via_rank, people))
    people, via = people[order], via[order]
    first = np.ones(len(people), dtype=bool)
    first[1:] = people[1:] != people[:-1]
    return people[first], via[first]


# --------------------------------------------------------------------------- one search


@dataclass
class _Layer:
    node: np.ndarray  # ascending, unique
    cost: np.ndarray
    link: np.ndarray  # forward: index of the parent in the previous layer; backward: child
    kind: np.ndarray
    aux: np.ndarray  # KNOWS/MENTORS: tie number; REFERENT/BRIDGE: groupement
    order: np.ndarray  # forward: rank of the id prefix within the layer; backward: id rank

    @classmethod
    def start(cls, nodes: np.ndarray, rank: np.ndarray) -> _Layer:
        nodes = np.asarray(nodes, dtype=np.int64)
        n = len(nodes)
        zero = np.zeros(n, dtype=np.int64)
        return cls(nodes, zero, zero - 1, zero - 1, zero - 1, rank[nodes].astype(np.int64))


class _Allowed:
    """Who may be an intermediary: a precomputed mask minus a few excluded people."""

    def __init__(self, mask: np.ndarray, excluded: Sequence[int]) -> None:
        self.mask = mask
        self.excluded = np.asarray(sorted(set(excluded)), dtype=np.int64)

    def __call__(self, nodes: np.ndarray) -> np.ndarray:
        ok = self.mask[nodes]
        if len(self.excluded) > 16:
            ok &= ~np.isin(nodes, self.excluded)
        else:  # a few comparisons beat np.isin's sort
            for x in self.excluded.tolist():
                ok &= nodes != x
        return ok


class _Query:
    """Everything that stays the same across the searches of one request."""

    def __init__(self, index: PathIndex, candidate: int, policy: PathPolicy, day: int) -> None:
        self.index = index
        self.c = candidate
        self.policy = policy
        self.day = day
        self.costs = index.costs(policy.costs, day)
        self.hops = policy.max_hops
        ref_nodes: list[int] = []
        ref_groups: list[int] = []
        self.bridges: dict[int, list[tuple[int, Any]]] = {}
        if policy.referent_bridge:
            for g in index.groupements_of(candidate).tolist():
                bridges = index.bridges(g, day)
                for r in index.referents_of(g).tolist():
                    if r == candidate:
                        continue
                    ref_nodes.append(r)
                    ref_groups.append(g)
                    if len(bridges.helpers):
                        self.bridges.setdefault(r, []).append((g, bridges))
        order = np.lexsort(
            (np.array(ref_groups, dtype=np.int64), np.array(ref_nodes, dtype=np.int64))
        )
        self.ref_nodes = np.array(ref_nodes, dtype=np.int64)[order]
        self.ref_groups = np.array(ref_groups, dtype=np.int64)[order]
        self.ref_cost = policy.costs.scaled(policy.costs.referent_cost)
        self.bridge_cost = policy.costs.scaled(policy.costs.bridge_cost)
        self.capacity_seen = False
        # Backward layers of the last search, reused while still exact.
        self._bw_contacts: np.ndarray | None = None
        self._bw_layers: list[_Layer] = []
        self._bw_fronts: list[np.ndarray] = []

    @property
    def isolated(self) -> bool:
        return self.index.deg[self.c] == 0 and len(self.ref_nodes) == 0

    # ------------------------------------------------------------------ layers

    def _expand(
        self,
        prev: _Layer,
        front: np.ndarray,
        extra: tuple[np.ndarray, ...] = _NO_EXTRA,
        excluded: np.ndarray = _NONE,
    ) -> tuple[np.ndarray, ...]:
        """Candidate entries from ``prev[front]`` over ties, plus ``extra`` virtual hops,
        none to the candidate or to ``excluded`` (sorted)."""
        index = self.index
        return kernels.candidates(
            index.ptr,
            index.nbr,
            index.tie,
            self.costs,
            index.n_knows,
            prev.node,
            prev.cost,
            front,
            *extra,
            self.c,
            excluded,
        )

    def _layer(self, prev: _Layer, entries: tuple[np.ndarray, ...], forward: bool) -> _Layer:
        """The layer after ``prev`` from candidate entries linking into ``prev``: per node
        the cheapest entry, ranked for the tie-breaks (see :mod:`graph.paths.kernels`)."""
        slots = kernels.scratch(self.index.n)
        return _Layer(*kernels.reduce_layer(*entries, prev.order, self.index.rank, forward, slots))

    def forward(
        self, prev: _Layer, h: int, allowed: _Allowed, first_excluded: np.ndarray
    ) -> _Layer:
        """Layer h+1 from layer h of the candidate's side."""
        if h > 0:
            return self._layer(prev, self._expand(prev, np.flatnonzero(allowed(prev.node))), True)
        extra = _NO_EXTRA
        if len(self.ref_nodes):
            n = len(self.ref_nodes)
            extra = (
                self.ref_nodes,
                np.full(n, self.ref_cost, dtype=np.int64),
                np.zeros(n, dtype=np.int64),
                np.full(n, REFERENT, dtype=np.int8),
                self.ref_groups,
            )
        excluded = np.unique(first_excluded).astype(np.int64)
        return self._layer(prev, self._expand(prev, np.zeros(1, np.int64), extra, excluded), True)

    def bridge_layer(self, first: _Layer, allowed: _Allowed) -> _Layer | None:
        """Hop 2 over référent bridges, kept apart from hop 2 over ties.

        A bridge set may hold tens of thousands of helpers, already sorted: kept as its
        own layer it needs no sorting, and the join treats it as a second layer 2. It is
        merged with the ties' layer 2 only if the search goes on to hop 3 from there.
        """
        if not self.bridges:
            return None
        referents = np.fromiter(self.bridges, dtype=np.int64)
        at = np.flatnonzero(np.isin(first.node, referents))
        at = at[allowed(first.node[at])]
        blocks = []
        for i in at.tolist():
            for g, bridges in self.bridges[int(first.node[i])]:
                helpers = bridges.helpers.astype(np.int64)
                helpers = helpers[helpers != self.c]
                n = len(helpers)
                blocks.append(
                    (
                        helpers,
                        np.full(n, first.cost[i] + self.bridge_cost, dtype=np.int64),
                        np.full(n, i, dtype=np.int64),
                        np.full(n, BRIDGE, dtype=np.int8),
                        np.full(n, g, dtype=np.int64),
                    )
                )
        if not blocks:
            return None
        if len(blocks) == 1:
            node, cost, link, kind, aux = blocks[0]
            return _Layer(node, cost, link, kind, aux, np.zeros(len(node), dtype=np.int64))
        return self._layer(
            first, tuple(np.concatenate(col) for col in zip(*blocks, strict=True)), True
        )

    def merge(self, prev: _Layer, a: _Layer, b: _Layer) -> _Layer:
        """One layer from two layers of the same hop count (ties and bridges)."""
        cols = [
            np.concatenate([x, y])
            for x, y in (
                (a.node, b.node),
                (a.cost, b.cost),
                (a.link, b.link),
                (a.kind, b.kind),
                (a.aux, b.aux),
            )
        ]
        return self._layer(prev, tuple(cols), True)

    def backward(self, prev: _Layer, front: np.ndarray) -> _Layer:
        """The next layer of the contacts' side, from ``prev[front]`` (``link``: the child)."""
        return self._layer(prev, self._expand(prev, np.flatnonzero(front)), False)

    def backward_cached(self, bw: list[_Layer], allowed: _Allowed) -> _Layer:
        """The next backward layer, reused from the previous search when still exact.

        Between the searches of one request only exclusions change. A cached layer
        stays exact when nobody was added to the frontier it was built from and none of
        its entries goes through someone now excluded: every entry keeps its cheapest,
        smallest-id child, which is still there.
        """
        h = len(bw) - 1
        prev = bw[h]
        front = np.ones(len(prev.node), dtype=bool) if h == 0 else allowed(prev.node)
        layers, fronts = self._bw_layers, self._bw_fronts
        if h + 1 < len(layers) and layers[h] is prev:
            cached, old = layers[h + 1], fronts[h + 1]
            removed = old & ~front
            if not (front & ~old).any() and not removed[cached.link].any():
                return cached
        layer = self.backward(prev, front)
        del layers[h + 1 :], fronts[h + 1 :]
        layers.append(layer)
        fronts.append(front)
        return layer

    # ------------------------------------------------------------------ the search

    def best(
        self, contacts: np.ndarray, allowed: _Allowed, first_excluded: np.ndarray
    ) -> RawPath | None:
        """The cheapest valid path to one of ``contacts``, or None."""
        index = self.index
        if len(contacts) == 0:
            return None
        if self._bw_contacts is not contacts:
            self._bw_contacts = contacts
            self._bw_layers = [_Layer.start(contacts, index.rank)]
            self._bw_fronts = [np.empty(0, dtype=bool)]
        fw = [_Layer.start(np.array([self.c]), index.rank)]
        bw = [self._bw_layers[0]]
        fw.append(self.forward(fw[-1], 0, allowed, first_excluded))
        bridged = None
        if self.hops >= 2:
            fw.append(self.forward(fw[-1], 1, allowed, first_excluded))
            bridged = self.bridge_layer(fw[1], allowed)
        while len(fw) - 1 + len(bw) - 1 < self.hops:
            f_front = fw[-1].node[allowed(fw[-1].node)]
            if bridged is not None and len(fw) == 3:
                f_front = np.concatenate([f_front, bridged.node[allowed(bridged.node)]])
            b_front = bw[-1].node if len(bw) == 1 else bw[-1].node[allowed(bw[-1].node)]
            if len(f_front) == 0 and len(b_front) == 0:
                break
            f_work = int(index.deg[f_front].sum()) if len(f_front) else None
            b_work = int(index.deg[b_front].sum()) if len(b_front) else None
            if b_work is None or (f_work is not None and f_work < b_work):
                if bridged is not None:
                    fw[2] = self.merge(fw[1], fw[2], bridged)
                    bridged = None
                fw.append(self.forward(fw[-1], len(fw) - 1, allowed, first_excluded))
            else:
                bw.append(self.backward_cached(bw, allowed))
        layers = [(h, layer) for h, layer in enumerate(fw) if h > 0]
        if bridged is not None:
            layers.append((2, bridged))
        if not self.capacity_seen:
            over = index.over_capacity
            self.capacity_seen = any(bool(over[layer.node].any()) for _, layer in layers) or any(
                bool(over[layer.node].any()) for layer in bw
            )
        return self._join(fw, layers, bw, allowed)

    def _join(
        self,
        fw: list[_Layer],
        layers: list[tuple[int, _Layer]],
        bw: list[_Layer],
        allowed: _Allowed,
    ) -> RawPath | None:
        best: tuple[int, int] | None = None  # (cost, hops) of the cheapest meeting
        found: list[tuple[int, int, int, np.ndarray, np.ndarray]] = []
        for which, (h1, f) in enumerate(layers):
            for h2 in range(len(bw)):
                if h1 + h2 > self.hops:
                    continue
                b = bw[h2]
                if len(f.node) == 0 or len(b.node) == 0:
                    continue
                # Past the contacts' own layer the meeting node is an intermediary.
                cost, fi, bi = kernels.meet(
                    f.node, f.cost, b.node, b.cost, allowed.mask, allowed.excluded, h2 > 0
                )
                if len(fi) == 0:
                    continue
                key = (int(cost), h1 + h2)
                if best is None or key < best:
                    best, found = key, []
                if key == best:
                    found.append((which, h1, h2, fi, bi))
        if best is None:
            return None
        # Equal (cost, hops): the smallest sequence of ids, among the first _MAX_TIES.
        paths: list[RawPath] = []
        for which, h1, h2, fi, bi in found:
            h, layer = layers[which]
            chain = [*fw[:h], layer]  # the forward layers this join went through
            for f_at, b_at in zip(fi.tolist(), bi.tolist(), strict=True):
                if len(paths) == _MAX_TIES:
                    break
                paths.append(self._rebuild(chain, bw, h1, h2, f_at, b_at))
        return min(paths, key=lambda p: self.index.rank[list(p.nodes)].tolist())

    def _rebuild(
        self, fw: list[_Layer], bw: list[_Layer], h1: int, h2: int, fi: int, bi: int
    ) -> RawPath:
        nodes: list[int] = []
        hops: list[RawHop] = []
        e = fi
        for h in range(h1, 0, -1):
            layer, prev = fw[h], fw[h - 1]
            parent = int(layer.link[e])
            hops.append(
                self._hop(
                    int(prev.node[parent]),
                    int(layer.node[e]),
                    int(layer.kind[e]),
                    int(layer.cost[e] - prev.cost[parent]),
                    int(layer.aux[e]),
                )
            )
            nodes.append(int(layer.node[e]))
            e = parent
        nodes.append(self.c)
        nodes.reverse()
        hops.reverse()
        e = bi
        for h in range(h2, 0, -1):
            layer, child_layer = bw[h], bw[h - 1]
            child = int(layer.link[e])
            hops.append(
                self._hop(
                    int(layer.node[e]),
                    int(child_layer.node[child]),
                    int(layer.kind[e]),
                    int(layer.cost[e] - child_layer.cost[child]),
                    int(layer.aux[e]),
                )
            )
            nodes.append(int(child_layer.node[child]))
            e = child
        return RawPath(tuple(nodes), tuple(hops), sum(h.cost for h in hops))

    def _hop(self, src: int, dst: int, kind: int, cost: int, aux: int) -> RawHop:
        if kind in (KNOWS, MENTORS):
            return RawHop(src, dst, kind, cost, tie=aux)
        if kind == REFERENT:
            return RawHop(src, dst, kind, cost, groupement=aux)
        bridges = self.index.bridges(aux, self.day)
        i = int(np.searchsorted(bridges.helpers, dst))
        return RawHop(
            src,
            dst,
            kind,
            cost,
            groupement=aux,
            partner=int(bridges.partner[i]),
            via=int(bridges.via[i]),
            anchor=int(bridges.anchor[i]),
        )


# --------------------------------------------------------------------------- k paths


def find(
    index: PathIndex,
    candidate: int,
    target: TargetSet,
    policy: PathPolicy,
    day: int,
    *,
    alternatives: bool = True,
) -> Outcome:
    """Up to ``policy.k`` diverse cheapest paths from ``candidate`` to ``target``.

    ``day`` is the query date as a day number (:func:`graph.view.day_number`). Pure: reads
    the index, returns node numbers; :mod:`graph.paths.explain` turns them into text.
    """
    query = _Query(index, candidate, policy, day)
    paths = _k_paths(query, target, policy.k)
    if paths:
        return Outcome(tuple(paths))
    reason, facts = _why_not(query, target)
    alts = _alternatives(index, candidate, target, policy, day) if alternatives else ()
    return Outcome((), reason, facts, alts)


def _contacts(query: _Query, target: TargetSet, with_over: bool) -> np.ndarray:
    index = query.index
    people = target.people[target.people != query.c]
    if target.kind == "person":
        return people
    ok = np.ones(len(people), dtype=bool)
    if query.policy.contact_must_consent:
        ok &= index.consent[people]
    if not with_over:
        over = index.over_capacity[people]
        if (over & ok).any():
            query.capacity_seen = True
        ok &= ~over
    return people[ok]


def _k_paths(query: _Query, target: TargetSet, k: int) -> list[RawPath]:
    index = query.index
    chosen: list[tuple[RawPath, bool]] = []  # (path, found while requiring disjointness)
    if query.policy.avoid_over_capacity:
        phases = [(False, True), (False, False), (True, True), (True, False)]
    else:
        phases = [(True, True), (True, False)]
    searched: set[tuple[bool, bool, int]] = set()
    for with_over, disjoint in phases:
        if with_over and query.policy.avoid_over_capacity and not query.capacity_seen:
            break  # allowing over-capacity helpers would change nothing
        contacts = _contacts(query, target, with_over)
        mask = index.consent if with_over else index.available
        while len(chosen) < k:
            used_first = [p.nodes[1] for p, _ in chosen]
            used = {i for p, _ in chosen for i in p.intermediaries} if disjoint else set()
            # The same search again would give the same answer.
            key = (with_over, disjoint, len(chosen))
            if key in searched or (
                not disjoint and not chosen and (with_over, True, 0) in searched
            ):
                break
            searched.add(key)
            allowed = _Allowed(mask, [query.c, *used])
            path = query.best(contacts, allowed, np.asarray(used_first, dtype=np.int64))
            if path is None:
                break
            chosen.append((path, disjoint))
    out = []
    for path, disjoint in chosen:
        others = {i for p, _ in chosen if p is not path for i in p.intermediaries}
        shared = tuple(i for i in path.intermediaries if i in others) if not disjoint else ()
        asked = path.nodes[1:] if target.kind != "person" else path.intermediaries
        over = tuple(p for p in asked if index.over_capacity[p])
        out.append(
            RawPath(path.nodes, path.hops, path.cost, target.via_of(path.contact), over, shared)
        )
    # Paths through over-capacity helpers are a last resort: they come after the others.
    out.sort(
        key=lambda p: (
            bool(p.over_capacity),
            p.cost,
            len(p.hops),
            index.rank[list(p.nodes)].tolist(),
        )
    )
    return out


# --------------------------------------------------------------------------- no path


def _why_not(query: _Query, target: TargetSet) -> tuple[str, dict[str, Any]]:
    index = query.index
    people = target.people[target.people != query.c]
    facts: dict[str, Any] = {
        "max_intermediaries": query.policy.max_intermediaries,
        "target_people": len(people),
        "former_employees": target.former,
    }
    if len(people) == 0:
        return NO_TARGET_PEOPLE, facts
    if query.isolated:
        return CANDIDATE_ISOLATED, facts
    contacts = _contacts(query, target, with_over=True)
    facts["consenting_contacts"] = len(contacts)
    if len(contacts) == 0:
        return NO_CONSENTING_CONTACT, facts
    # Would anyone link them if consent were not needed? Only to tell which reason.
    anyone = _Allowed(index.is_person, [query.c])
    if query.best(people, anyone, np.empty(0, dtype=np.int64)) is not None:
        return NO_CONSENTING_INTERMEDIARY, facts
    return TOO_FAR, facts


def _alternatives(
    index: PathIndex,
    candidate: int,
    target: TargetSet,
    policy: PathPolicy,
    day: int,
    limit: int = 3,
) -> tuple[RawAlternative, ...]:
    """The nearest reachable employers like the target: same sector nearby."""
    employers = _similar_employers(index, target, day)
    employers = employers[~np.isin(employers, target.employers)]
    query = _Query(index, candidate, policy, day)
    out: list[RawAlternative] = []
    while len(out) < limit and len(employers):
        alt = employers_target(index, employers, day)
        paths = _k_paths(query, alt, 1)
        if not paths:
            break
        path = paths[0]
        out.append(RawAlternative(path.contact_via, path))
        employers = employers[employers != path.contact_via]
    return tuple(out)


def _similar_employers(index: PathIndex, target: TargetSet, day: int) -> np.ndarray:
    if target.kind == "person":
        return index.current_employers(target.node, day)
    if target.kind == "set":
        bassins = index.bassins_of_departement(target.bassin)
        parts = [index.employers_in(target.sector, b) for b in bassins.tolist()]
        return np.unique(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)
    parts = []
    for e in target.employers.tolist():
        bassin = int(index.bassin_of[e])
        if bassin < 0:
            continue
        for s in index.sectors_of(e).tolist():
            parts.append(index.employers_in(s, bassin))
    if not parts:
        return np.empty(0, dtype=np.int64)
    found = np.unique(np.concatenate(parts))
    return found[index.view.labels[found] == LABEL_CODE[Label.EMPLOYER]]
