"""Referral paths evaluated in the database, for graphs too large to copy into memory.

:func:`find_paths_in_db` answers the same question as :func:`graph.paths.find_paths`, with
the same :class:`~graph.paths.results.PathResult` (same paths, costs, explanations and
no-path reasons on the same graph), without reading the whole graph: Neo4j evaluates the
traversals, Python only sees the part of the graph a path can use.

How, and why it gives the same answer:

1. **In the database**, bounded variable-length patterns over ``KNOWS|MENTORS`` with the
   consent filter on every node they pass through (:data:`graph.neo4j.cypher.BALL`):

   * the *forward ball*: people within ``a`` hops of the candidate through people who
     consented (seeded by the candidate's ties, the référents of their groupements, and at
     hop 2 the helpers of those groupements' territory, for référent bridges);
   * the *backward ball*: people within ``b`` hops of the contacts (current employees of
     the target, whose ``WORKS_AT`` has no ``until`` or one after the query date; the
     offer's reporters; the person asked for), through people who consented;

   with ``a + b = max_hops - 1``. Every node of every valid path of at most ``max_hops``
   hops lies in one of the two balls (a node at position *i* of a path of length *l* is
   within *i* hops of the candidate and *l - i* of the contact, and either *i* ≤ *a* or
   *l - i* ≤ *b*), and every tie of such a path joins two of their nodes.
2. **Back in Python**, the subgraph induced on those people (their ties, plus the few
   relationships the rules read: the target's employers and sites, the candidate's
   groupements, référents, territories and agreements, the people's attachments) becomes
   a small :class:`~graph.view.GraphView`, and the unchanged engine runs on it:
   :func:`graph.paths.engine.find` for the costs (:func:`graph.paths.policy.hop_cost`),
   the k diverse paths and the capacity rules, :class:`~graph.paths.explain.Explainer`
   for the French. The engine can only find valid paths of the whole graph there, and
   all of them are there, so it finds what it would find on the whole graph.
3. **When there is no path**, the reasons and the alternatives need a little more: the
   balls through anyone (to tell "nobody consented" from "too far") and the contacts at
   similar employers (same sector nearby); a second read adds them, and what the next
   steps read (:mod:`graph.paths.next_steps`: the target's sectors and bassin, the
   candidate's groupements' members and their sectors, the bassin's référents), and the
   engine runs again, with alternatives and next steps.

Everything is read in read transactions that check the store version at both ends, so
the answer is for one version (retried when a write lands in between).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any, Protocol

import neo4j

from graph.errors import StoreUnavailable
from graph.model import Label, PersonStatus, RelType
from graph.neo4j import cypher
from graph.neo4j.loader import Columns, assemble, native, node_fields, rel_fields
from graph.neo4j.store import Neo4jStore, version_in
from graph.paths import engine
from graph.paths.explain import Explainer
from graph.paths.index import PathIndex
from graph.paths.next_steps import next_steps
from graph.paths.policy import PathPolicy
from graph.paths.query import Target, check_query, node_of, target_set
from graph.paths.results import PathResult
from graph.paths.service import StoreRecords
from graph.store import GraphStore
from graph.view import GraphView, day_number

#: properties read per label: the view's, plus a groupement's association
NODE_FIELDS: dict[Label, list[str]] = {
    label: node_fields(label) + (["association_id"] if label is Label.GROUPEMENT else [])
    for label in Label
}
TIES = (RelType.KNOWS, RelType.MENTORS)
HELPER_STATUSES = [PersonStatus.HELPER.value, PersonStatus.BOTH.value]
_CHUNK = 20_000
_ATTEMPTS = 3

#: a relationship as fetched: (src id, dst id, view property values in rel_fields order)
Edge = tuple[str, str, list[Any]]


class Fetch(Protocol):
    """The reads a path query makes, each one statement of :mod:`graph.neo4j.cypher`."""

    def nodes(self, ids: Collection[str]) -> dict[str, tuple[Label, list[Any]]]:
        """Label and :data:`NODE_FIELDS` values of each id that exists."""
        ...

    def edges(self, rel_type: RelType, ids: Collection[str], direction: str) -> list[Edge]:
        """Relationships of ``rel_type`` leaving (``out``) or reaching (``in``) ``ids``."""
        ...

    def ties(self, ids: Collection[str]) -> dict[RelType, list[Edge]]:
        """``KNOWS`` and ``MENTORS`` ties with both ends among ``ids``."""
        ...

    def tie_neighbours(self, ids: Collection[str], anyone: bool) -> set[str]:
        """People tied to ``ids`` who may be passed through."""
        ...

    def ball(self, seeds: Collection[str], depth: int, anyone: bool) -> set[str]:
        """People within ``depth`` ties of the seeds, all on the way allowed (seeds too)."""
        ...

    def territory_helpers(self, groupements: Collection[str]) -> set[str]:
        """Helpers living in, or attached to a groupement covering, a groupement's territory."""
        ...


class Neo4jFetch:
    """:class:`Fetch` in one Neo4j read transaction."""

    def __init__(self, tx: neo4j.ManagedTransaction) -> None:
        self.tx = tx

    def nodes(self, ids: Collection[str]) -> dict[str, tuple[Label, list[Any]]]:
        fields = {label.value: names for label, names in NODE_FIELDS.items()}
        out: dict[str, tuple[Label, list[Any]]] = {}
        for chunk in _chunks(ids):
            for r in self.tx.run(cypher.SUB_NODES, ids=chunk, fields=fields):
                if r["label"] in _LABEL_VALUES:
                    out[r["id"]] = (Label(r["label"]), [native(v) for v in r["values"]])
        return out

    def edges(self, rel_type: RelType, ids: Collection[str], direction: str) -> list[Edge]:
        query = (cypher.SUB_OUT if direction == "out" else cypher.SUB_IN)[rel_type]
        fields = rel_fields(rel_type)
        return [
            (r["src"], r["dst"], [native(v) for v in r["values"]])
            for chunk in _chunks(ids)
            for r in self.tx.run(query, ids=chunk, fields=fields)
        ]

    def ties(self, ids: Collection[str]) -> dict[RelType, list[Edge]]:
        among = sorted(ids)
        return {
            t: [
                (r["src"], r["dst"], [native(v) for v in r["values"]])
                for chunk in _chunks(among)
                for r in self.tx.run(
                    cypher.SUB_TIES[t], ids=chunk, among=among, fields=rel_fields(t)
                )
            ]
            for t in TIES
        }

    def tie_neighbours(self, ids: Collection[str], anyone: bool) -> set[str]:
        return {
            r["id"]
            for chunk in _chunks(ids)
            for r in self.tx.run(cypher.TIE_NEIGHBOURS, ids=chunk, anyone=anyone)
        }

    def ball(self, seeds: Collection[str], depth: int, anyone: bool) -> set[str]:
        return {
            r["id"]
            for chunk in _chunks(seeds)
            for r in self.tx.run(cypher.BALL[depth], ids=chunk, anyone=anyone)
        }

    def territory_helpers(self, groupements: Collection[str]) -> set[str]:
        return {
            r["id"]
            for r in self.tx.run(
                cypher.TERRITORY_HELPERS, groupements=sorted(groupements), statuses=HELPER_STATUSES
            )
        }


_LABEL_VALUES = frozenset(label.value for label in Label)


def _chunks(ids: Collection[str]) -> Iterable[list[str]]:
    items = sorted(ids)
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


# --------------------------------------------------------------------------- the subgraph


@dataclass
class Subgraph:
    """Nodes and relationships fetched so far; becomes a :class:`GraphView`."""

    fetch: Fetch | None = None
    nodes: dict[str, tuple[Label, list[Any]]] = field(default_factory=dict)
    edges: dict[RelType, dict[tuple[str, str], list[Any]]] = field(
        default_factory=lambda: {t: {} for t in RelType}
    )
    _missing: set[str] = field(default_factory=set)

    def reader(self) -> Fetch:
        assert self.fetch is not None, "no read transaction"
        return self.fetch

    def add_nodes(self, ids: Iterable[str]) -> None:
        new = {i for i in ids if i not in self.nodes and i not in self._missing}
        if new:
            found = self.reader().nodes(new)
            self.nodes.update(found)
            self._missing |= new - set(found)

    def add_edges(self, rel_type: RelType, ids: Iterable[str], direction: str) -> list[Edge]:
        ids = {i for i in ids if i in self.nodes}
        if not ids:
            return []
        found = self.reader().edges(rel_type, ids, direction)
        for src, dst, values in found:
            self.edges[rel_type][(src, dst)] = values
        self.add_nodes(i for src, dst, _ in found for i in (src, dst))
        return found

    def label(self, node_id: str | None) -> Label | None:
        found = self.nodes.get(node_id) if isinstance(node_id, str) else None
        return found[0] if found else None

    def value(self, node_id: str, name: str) -> Any:
        label, values = self.nodes[node_id]
        return values[NODE_FIELDS[label].index(name)]

    def view(self, version: int) -> tuple[GraphView, dict[str, str]]:
        """The view of the subgraph, and each groupement's association."""
        cols = Columns()
        associations: dict[str, str] = {}
        for node_id, (label, values) in self.nodes.items():
            cols.add_node(label, node_id, values[: len(node_fields(label))])
            if label is Label.GROUPEMENT and values[-1]:
                associations[node_id] = values[-1]
        for rel_type, edges in self.edges.items():
            for (src, dst), values in edges.items():
                cols.add_rel(rel_type, src, dst, values)
        return assemble(version, cols), associations


def _current(values: list[Any], day: int) -> bool:
    """Whether a fetched ``WORKS_AT`` is current at ``day``, as the engine decides it."""
    dates = dict(zip(rel_fields(RelType.WORKS_AT), values, strict=True))
    since, until = day_number(dates["since"]), day_number(dates["until"])
    return (since == _NO or since <= day) and (until == _NO or until > day)


_NO = day_number(None)


@dataclass(frozen=True)
class Resolved:
    """A target with codes resolved to ids, as the service resolves them."""

    kind: str
    id: str | None = None
    sector: str | None = None
    bassin: str | None = None

    @property
    def anchors(self) -> list[str]:
        return [i for i in (self.id, self.sector, self.bassin) if i]


class Collector:
    """Fetches the part of the graph one path query can use (see the module docstring).

    Every step only adds to sets and maps, so a phase run again (the driver retries a
    read transaction that failed on a transient error) leaves the same state.
    """

    def __init__(self, candidate_id: str, target: Resolved, policy: PathPolicy, day: int):
        self.c = candidate_id
        self.target = target
        self.policy = policy
        self.day = day
        self.sub = Subgraph()
        hops = policy.max_hops
        self.forward_depth = hops // 2
        self.backward_depth = (hops - 1) // 2
        self.contacts: set[str] = set()
        self.employers: set[str] = set()
        self.sector_sites: list[Edge] = []
        self.neighbours: set[str] = set()
        self.referents: set[tuple[str, str]] = set()  # (référent, groupement)
        self.people: set[str] = set()
        self._attached: set[str] = set()
        self.bridges = False

    # ------------------------------------------------------------------ phases

    def core(self, fetch: Fetch) -> None:
        """What finding paths needs."""
        sub = self.sub
        sub.fetch = fetch
        sub.add_nodes(i for i in (self.c, *self.target.anchors) if isinstance(i, str) and i)
        if sub.label(self.c) is not Label.PERSON:
            return  # the service's checks raise the right error on the view
        self.contacts = self._target_structure()
        self._candidate_structure()
        people = self._forward(anyone=False) | self._backward(self.contacts, anyone=False)
        self._add_people(people | self.contacts)

    def widen(self, fetch: Fetch) -> None:
        """What explaining the absence of a path, and the alternatives, also need."""
        sub = self.sub
        sub.fetch = fetch
        if sub.label(self.c) is not Label.PERSON:
            return
        others = self._similar_employers() - self.employers
        works = sub.add_edges(RelType.WORKS_AT, others, "in")
        sub.add_edges(RelType.LOCATED_IN, others, "out")
        contacts = {src for src, _, values in works if _current(values, self.day)}
        people = (
            self._forward(anyone=True)
            | self._backward(self.contacts, anyone=True)
            | self._backward(contacts, anyone=False)
        )
        self._add_people(people | contacts)
        self._next_steps_structure()

    # ------------------------------------------------------------------ pieces

    def _next_steps_structure(self) -> None:
        """What :func:`graph.paths.next_steps.next_steps` reads: the target's sectors and
        bassin, the candidate's groupements' members and their current sectors, the
        groupements covering the target's bassin and their référents."""
        sub, t = self.sub, self.target
        if t.kind == "person" and t.id and sub.label(t.id) is Label.PERSON:
            works = sub.add_edges(RelType.WORKS_AT, [t.id], "out")
            employers = {dst for _, dst, values in works if _current(values, self.day)}
        else:
            employers = set(self.employers)
        sub.add_edges(RelType.IN_SECTOR, employers, "out")
        sites = sub.add_edges(RelType.LOCATED_IN, employers, "out")
        bassins = {t.bassin} if t.kind == "set" and t.bassin else {b for _, b, _ in sites}
        depts = {dst for _, dst, _ in sub.add_edges(RelType.PART_OF, bassins, "out")}
        depts = {d for d in depts if sub.label(d) is Label.DEPARTEMENT}
        covering = {src for src, _, _ in sub.add_edges(RelType.COVERS, depts, "in")}
        sub.add_edges(RelType.REFERENT_OF, covering, "in")
        groups = {dst for _, dst, _ in sub.add_edges(RelType.IN_GROUPEMENT, [self.c], "out")}
        members = {src for src, _, _ in sub.add_edges(RelType.IN_GROUPEMENT, groups, "in")}
        works = sub.add_edges(RelType.WORKS_AT, members, "out")
        sub.add_edges(RelType.IN_SECTOR, {dst for _, dst, _ in works}, "out")

    def _target_structure(self) -> set[str]:
        sub, t = self.sub, self.target
        tid = t.id or ""  # an absent id has no label: no branch below takes it
        if t.kind == "person":
            return {tid} if sub.label(tid) is Label.PERSON else set()
        employers: set[str] = set()
        reporters: set[str] = set()
        if t.kind == "employer" and sub.label(tid) is Label.EMPLOYER:
            employers = {tid}
        elif t.kind == "offer" and sub.label(tid) is Label.JOB_OFFER:
            employers = {src for src, _, _ in sub.add_edges(RelType.OFFERS, [tid], "in")}
            reporters = {src for src, _, _ in sub.add_edges(RelType.REPORTED, [tid], "in")}
        elif t.kind == "set" and t.sector and sub.label(t.sector) is Label.SECTOR:
            sites = {src for src, _, _ in sub.add_edges(RelType.IN_SECTOR, [t.sector], "in")}
            self.sector_sites = sub.add_edges(RelType.LOCATED_IN, sites, "out")
            employers = {e for e, b, _ in self.sector_sites if b == t.bassin}
        self.employers = employers
        sub.add_edges(RelType.LOCATED_IN, employers, "out")
        works = sub.add_edges(RelType.WORKS_AT, employers, "in")
        current = {src for src, _, values in works if _current(values, self.day)}
        return {p for p in current | reporters if sub.label(p) is Label.PERSON}

    def _candidate_structure(self) -> None:
        sub, c = self.sub, self.c
        for t in TIES:
            for src, dst, _ in sub.add_edges(t, [c], "out") + sub.add_edges(t, [c], "in"):
                self.neighbours.add(dst if src == c else src)
        groups = {dst for _, dst, _ in sub.add_edges(RelType.IN_GROUPEMENT, [c], "out")}
        groups = {g for g in groups if sub.label(g) is Label.GROUPEMENT}
        for src, dst, _ in sub.add_edges(RelType.REFERENT_OF, groups, "in"):
            if src != c and sub.label(src) is Label.PERSON:
                self.referents.add((src, dst))
        if not (self.policy.referent_bridge and self.referents):
            return
        self.bridges = True
        bridged = {g for _, g in self.referents}
        depts = {dst for _, dst, _ in sub.add_edges(RelType.COVERS, bridged, "out")}
        sub.add_edges(RelType.COVERS, depts, "in")
        associations = {sub.value(g, "association_id") for g in bridged} - {None}
        sub.add_nodes(associations)
        for own in (bridged, associations):
            sub.add_edges(RelType.PARTNER_OF, own, "out")
            sub.add_edges(RelType.PARTNER_OF, own, "in")

    def _allowed(self, person: str, anyone: bool) -> bool:
        return anyone or bool(self.sub.value(person, "consent_introducer"))

    def _forward(self, anyone: bool) -> set[str]:
        fetch, depth = self.sub.reader(), self.forward_depth
        seeds = self.neighbours | {r for r, _ in self.referents}
        found = fetch.ball(seeds, depth - 1, anyone) if seeds else set()
        if depth >= 2 and self.bridges:
            groups = {g for r, g in self.referents if self._allowed(r, anyone)}
            helpers = fetch.territory_helpers(groups) if groups else set()
            if helpers:
                found |= fetch.ball(helpers, depth - 2, anyone)
        return found

    def _backward(self, contacts: set[str], anyone: bool) -> set[str]:
        fetch, depth = self.sub.reader(), self.backward_depth
        if depth < 1 or not contacts:
            return set()
        first = fetch.tie_neighbours(contacts, anyone)
        return fetch.ball(first, depth - 1, anyone) if first else set()

    def _add_people(self, people: set[str]) -> None:
        sub = self.sub
        people = people | self.neighbours | {r for r, _ in self.referents} | {self.c}
        sub.add_nodes(people)
        self.people |= {p for p in people if sub.label(p) is Label.PERSON}
        for rel_type, edges in sub.reader().ties(self.people).items():
            for src, dst, values in edges:
                sub.edges[rel_type][(src, dst)] = values
        if self.bridges:
            # What the référent bridge rules read about each person: home, attachments.
            new = self.people - self._attached
            self._attached |= new
            for rel_type in (RelType.LIVES_IN, RelType.IN_GROUPEMENT, RelType.MEMBER_OF):
                sub.add_edges(rel_type, new, "out")

    def _similar_employers(self) -> set[str]:
        """A superset of the employers the engine suggests as alternatives."""
        sub, t = self.sub, self.target
        if t.kind == "person":
            if not t.id or sub.label(t.id) is not Label.PERSON:
                return set()
            found = {dst for _, dst, _ in sub.add_edges(RelType.WORKS_AT, [t.id], "out")}
            return {e for e in found if sub.label(e) is Label.EMPLOYER}
        if t.kind == "set":
            if not t.bassin or sub.label(t.bassin) is not Label.BASSIN_EMPLOI:
                return set()
            depts = {dst for _, dst, _ in sub.add_edges(RelType.PART_OF, [t.bassin], "out")}
            depts = {d for d in depts if sub.label(d) is Label.DEPARTEMENT}
            bassins = {src for src, _, _ in sub.add_edges(RelType.PART_OF, depts, "in")}
            bassins.add(t.bassin)
            return {e for e, b, _ in self.sector_sites if b in bassins}
        sites = sub.add_edges(RelType.LOCATED_IN, self.employers, "out")
        bassins = {b for _, b, _ in sites}
        sectors = {dst for _, dst, _ in sub.add_edges(RelType.IN_SECTOR, self.employers, "out")}
        others = {src for src, _, _ in sub.add_edges(RelType.IN_SECTOR, sectors, "in")}
        located = sub.add_edges(RelType.LOCATED_IN, others, "out")
        return {e for e, b, _ in located if b in bassins and sub.label(e) is Label.EMPLOYER}


# --------------------------------------------------------------------------- the query


def find_paths_in_db(
    store: Neo4jStore,
    candidate_id: str,
    target: Target,
    policy: PathPolicy | None = None,
    as_of: date | None = None,
) -> PathResult:
    """Up to ``policy.k`` diverse introduction paths, the traversal evaluated in Neo4j.

    Same arguments, checks, errors and result as :func:`graph.paths.find_paths`.
    """
    target, policy, as_of = check_query(target, policy, as_of)
    resolved = resolve_target(store, target)
    for _ in range(_ATTEMPTS):
        collector = Collector(candidate_id, resolved, policy, day_number(as_of))
        version = store.read(partial(_collect, phase=collector.core))
        if version is None:
            continue
        result = answer(store, collector.sub, version, candidate_id, target, policy, as_of)
        if result is not None:
            return result
        again = store.read(partial(_collect, phase=collector.widen))
        if again != version:
            continue
        result = answer(
            store, collector.sub, version, candidate_id, target, policy, as_of, alternatives=True
        )
        assert result is not None
        return result
    raise StoreUnavailable("the graph kept changing during the path query; try again")


def resolve_target(store: GraphStore, target: Target) -> Resolved:
    """Sector and bassin codes as ids, the way the service resolves them."""
    if target.kind != "set":
        return Resolved(target.kind, id=target.id)

    def by_code(code: str, label: Label) -> str:
        found = store.find(label, {"code": code}, limit=1)
        return found[0].id if found else code

    sector, bassin = target.sector_and_bassin()
    return Resolved(
        "set",
        sector=by_code(sector, Label.SECTOR),
        bassin=by_code(bassin, Label.BASSIN_EMPLOI),
    )


def _collect(tx: neo4j.ManagedTransaction, phase: Callable[[Fetch], None]) -> int | None:
    """Run one collection phase in ``tx``; the version, or None if it moved meanwhile."""
    version = version_in(tx)
    phase(Neo4jFetch(tx))
    return version if version_in(tx) == version else None


def answer(
    store: GraphStore,
    sub: Subgraph,
    version: int,
    candidate_id: str,
    target: Target,
    policy: PathPolicy,
    as_of: date,
    *,
    alternatives: bool = False,
) -> PathResult | None:
    """The engine's answer on the subgraph; None when a wider subgraph is needed first.

    Without ``alternatives`` a query with no path returns None: explaining why, and
    suggesting alternatives, reads more of the graph (:meth:`Collector.widen`).
    """
    view, associations = sub.view(version)
    index = PathIndex(view, associations)
    day = day_number(as_of)
    candidate = node_of(view, candidate_id, Label.PERSON, "candidate")
    targets = target_set(store, view, index, target, candidate, day)
    outcome = engine.find(index, candidate, targets, policy, day, alternatives=alternatives)
    if not outcome.paths and not alternatives:
        return None
    explainer = Explainer(index, StoreRecords(store), candidate, targets, as_of)
    paths = tuple(explainer.path(p, rank) for rank, p in enumerate(outcome.paths, start=1))
    alts = tuple(explainer.alternative(a) for a in outcome.alternatives)
    steps = next_steps(explainer, targets, alts, day) if outcome.reason else None
    return PathResult(
        candidate=explainer.person(candidate),
        target=explainer.target_ref(),
        as_of=as_of,
        version=version,
        policy=policy.to_dict(),
        paths=paths,
        no_path=explainer.no_path(outcome.reason, outcome.facts) if outcome.reason else None,
        alternatives=alts,
        notes=explainer.notes(),
        next_steps=steps,
    )


def collect_and_answer(
    store: GraphStore,
    fetch: Fetch,
    version: int,
    candidate_id: str,
    target: Target,
    policy: PathPolicy | None = None,
    as_of: date | None = None,
) -> PathResult:
    """:func:`find_paths_in_db` over any :class:`Fetch` (one version, no retry)."""
    target, policy, as_of = check_query(target, policy, as_of)
    collector = Collector(candidate_id, resolve_target(store, target), policy, day_number(as_of))
    collector.core(fetch)
    result = answer(store, collector.sub, version, candidate_id, target, policy, as_of)
    if result is None:
        collector.widen(fetch)
        result = answer(
            store, collector.sub, version, candidate_id, target, policy, as_of, alternatives=True
        )
    assert result is not None
    return result
