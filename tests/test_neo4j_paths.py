"""Referral paths evaluated in Neo4j agree with the embedded engine.

Two levels:

* Without a server: the path query's plan (:class:`graph.neo4j.paths.Collector`: which
  balls, which depths, which relationships, the second read when there is no path) runs
  over :class:`ViewFetch`, which answers each of the query's reads from an embedded store
  exactly as its Cypher statement is specified. On a seeded national network the answers
  must equal :func:`graph.paths.find_paths` on the whole graph, for every kind of target
  and policy, while reading only a part of the graph. This checks the decomposition; it
  says nothing about the Cypher.
* With a server (``NEO4J_URI``): the same seed in Neo4j and in an embedded store;
  :func:`~graph.neo4j.paths.find_paths_in_db` (Cypher) must give what the embedded
  engine gives, and so must :func:`graph.paths.find_paths` over the Neo4j store's view.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pytest

from graph.embedded import EmbeddedStore
from graph.model import Label, PersonStatus, RelType
from graph.neo4j.paths import (
    HELPER_STATUSES,
    NODE_FIELDS,
    TIES,
    Edge,
    collect_and_answer,
)
from graph.paths import PathPolicy, Target, find_paths
from graph.view import (
    LABEL_CODE,
    GraphView,
    column_key,
    decode_value,
    node_view_specs,
    rel_view_specs,
)
from seed.demo import generate
from tests.neo4j_server import needs_server

AS_OF = date(2025, 6, 1)
PEOPLE = 2_000
SEED = 7


# --------------------------------------------------------------------------- the reads, offline


class ViewFetch:
    """Each read of :class:`graph.neo4j.paths.Fetch`, answered from an embedded store.

    Written from the specification of the Cypher statements in
    :mod:`graph.neo4j.cypher` (``SUB_NODES``, ``SUB_OUT``/``SUB_IN``, ``SUB_TIES``,
    ``TIE_NEIGHBOURS``, ``BALL``, ``TERRITORY_HELPERS``), so that the plan can be tested
    without a server. Counts what it returns, to check that the plan reads little.
    """

    def __init__(self, store: EmbeddedStore) -> None:
        self.store = store
        self.view: GraphView = store.view()
        v = self.view
        self.person = v.labels == LABEL_CODE[Label.PERSON]
        self.consent = self.person & (v.column(Label.PERSON, "consent_introducer") == 1)
        self.nodes_read: set[str] = set()

    def _nid(self, node_id: str) -> int | None:
        return self.view.index.get(node_id)

    def _allowed(self, nid: int, anyone: bool) -> bool:
        return bool(self.person[nid] and (anyone or self.consent[nid]))

    def _tie_neighbours(self, nid: int) -> Iterator[int]:
        for t in TIES:
            rel = self.view.rel(t)
            yield from rel.targets(nid).tolist()
            yield from rel.sources(nid).tolist()

    def nodes(self, ids: Collection[str]) -> dict[str, tuple[Label, list[Any]]]:
        out: dict[str, tuple[Label, list[Any]]] = {}
        specs = {label: self._node_specs(label) for label in Label}  # NODE_FIELDS order
        for node_id in ids:
            nid = self._nid(node_id)
            if nid is None:
                continue
            label = self.view.label_of(nid)
            values = [
                decode_value(spec, self.view.node_columns[column_key(label, spec.name)][nid])
                for spec in specs[label]
            ]
            if label is Label.GROUPEMENT:
                values.append(self.store.get(node_id).association_id)  # type: ignore[union-attr]
            out[node_id] = (label, values)
        self.nodes_read |= set(out)
        return out

    @staticmethod
    def _node_specs(label: Label) -> list[Any]:
        by_name = {s.name: s for owner, s in node_view_specs().values() if owner == label}
        return [by_name[name] for name in NODE_FIELDS[label] if name in by_name]

    def _edge(self, rel_type: RelType, pos: int) -> Edge:
        rel = self.view.rel(rel_type)
        ids = self.view.ids
        values = [decode_value(s, rel.columns[s.name][pos]) for s in rel_view_specs(rel_type)]
        return ids[rel.src[pos]], ids[rel.dst[pos]], values  # type: ignore[return-value]

    def edges(self, rel_type: RelType, ids: Collection[str], direction: str) -> list[Edge]:
        rel = self.view.rel(rel_type)
        out = []
        for node_id in sorted(ids):
            nid = self._nid(node_id)
            if nid is None:
                continue
            positions = rel.out_positions(nid) if direction == "out" else rel.in_positions(nid)
            out.extend(self._edge(rel_type, int(p)) for p in positions)
        return out

    def ties(self, ids: Collection[str]) -> dict[RelType, list[Edge]]:
        among = set(ids)
        return {
            t: [e for e in self.edges(t, among, "out") if e[1] in among and self._is_person(e)]
            for t in TIES
        }

    def _is_person(self, edge: Edge) -> bool:
        return all(self.person[self.view.index[i]] for i in edge[:2])

    def tie_neighbours(self, ids: Collection[str], anyone: bool) -> set[str]:
        out = set()
        for node_id in ids:
            nid = self._nid(node_id)
            if nid is None or not self.person[nid]:
                continue
            out.update(
                self.view.ids[n]
                for n in self._tie_neighbours(nid)
                if self._allowed(n, anyone)  # type: ignore[misc]
            )
        return out  # type: ignore[return-value]

    def ball(self, seeds: Collection[str], depth: int, anyone: bool) -> set[str]:
        start = [self._nid(s) for s in seeds]
        frontier = {n for n in start if n is not None and self._allowed(n, anyone)}
        seen = set(frontier)
        for _ in range(depth):
            frontier = {
                m
                for n in frontier
                for m in self._tie_neighbours(n)
                if m not in seen and self._allowed(m, anyone)
            }
            seen |= frontier
        return {self.view.ids[n] for n in seen}  # type: ignore[misc]

    def territory_helpers(self, groupements: Collection[str]) -> set[str]:
        v = self.view
        covers, lives, attached = (
            v.rel(RelType.COVERS),
            v.rel(RelType.LIVES_IN),
            v.rel(RelType.IN_GROUPEMENT),
        )
        status = v.column(Label.PERSON, "status")
        helper_codes = [list(PersonStatus).index(PersonStatus(s)) for s in HELPER_STATUSES]
        people: set[int] = set()
        for g in groupements:
            nid = self._nid(g)
            if nid is None:
                continue
            for d in covers.targets(nid).tolist():
                people.update(lives.sources(d).tolist())
                for other in covers.sources(d).tolist():
                    people.update(attached.sources(other).tolist())
        return {v.ids[p] for p in people if self.person[p] and status[p] in helper_codes}  # type: ignore[misc]


# --------------------------------------------------------------------------- the seeded network


@dataclass(frozen=True)
class Query:
    candidate: str
    target: Target
    policy: PathPolicy

    def __str__(self) -> str:
        t = self.target
        what = t.id or f"{t.sector}@{t.bassin}"
        p = self.policy
        return (
            f"{self.candidate}->{t.kind}:{what} k={p.k} m={p.max_intermediaries}"
            f" bridge={p.referent_bridge} avoid={p.avoid_over_capacity}"
        )


def seed_store(store: Any) -> None:
    with store.bulk():
        for batch in generate(PEOPLE, SEED):
            store.write(batch)


def sample_queries(store: EmbeddedStore, n: int = 60) -> list[Query]:
    """Queries of every kind of target and policy, drawn with a fixed seed."""
    rng = random.Random(11)
    view = store.view()
    ids = view.ids
    people = [ids[i] for i in view.nodes_with_label(Label.PERSON)]
    status = view.column(Label.PERSON, "status")
    candidates = [
        ids[i]
        for i in view.nodes_with_label(Label.PERSON)
        if status[i] in (0, 2)  # candidate, both
    ]
    works = view.rel(RelType.WORKS_AT)
    employers = sorted({ids[d] for d in works.dst.tolist()})
    offers = [ids[i] for i in view.nodes_with_label(Label.JOB_OFFER)]
    sectors = [r.code for r in store.find(Label.SECTOR, limit=1000)]
    bassins = [r.code for r in store.find(Label.BASSIN_EMPLOI, limit=1000)]
    targets_rel = view.rel(RelType.TARGETS)
    # candidates with a referent: the bridge rules get exercised
    grouped = {ids[s] for s in view.rel(RelType.IN_GROUPEMENT).src.tolist()}
    policies = [
        PathPolicy(),
        PathPolicy(max_intermediaries=1),
        PathPolicy(max_intermediaries=2, k=5),
        PathPolicy(max_intermediaries=4, k=2),
        PathPolicy(max_intermediaries=5, k=1),
        PathPolicy(referent_bridge=False),
        PathPolicy(avoid_over_capacity=False, contact_must_consent=False),
    ]
    out = []
    for i in range(n):
        candidate = rng.choice(candidates if i % 3 else sorted(grouped & set(candidates)))
        kind = ("employer", "set", "offer", "person", "employer", "set")[i % 6]
        if kind == "employer":
            target = Target.employer(rng.choice(employers))
        elif kind == "offer":
            target = Target.offer(rng.choice(offers))
        elif kind == "person":
            target = Target.person(rng.choice([p for p in people if p != candidate]))
        else:
            nid = view.index[candidate]
            aims = [ids[t] for t in targets_rel.targets(nid).tolist()]
            sector = rng.choice(sectors)
            bassin = rng.choice(bassins)
            for aim in aims:
                record = store.get(aim)
                if record is not None and record.label is Label.SECTOR:
                    sector = record.code  # type: ignore[attr-defined]
                elif record is not None and record.label is Label.BASSIN_EMPLOI:
                    bassin = record.code  # type: ignore[attr-defined]
            target = Target.sector_in_bassin(sector, bassin)
        out.append(Query(candidate, target, policies[i % len(policies)]))
    return out


def bridge_queries(store: EmbeddedStore, n: int = 12) -> list[Query]:
    """Queries whose target is two ties beyond a référent bridge (candidate → référent →
    bridged helper → someone → contact): with 3 intermediaries at most, the helper is far
    from both ends, so only the forward ball's bridge seeds reach them."""
    from graph.paths import path_index
    from graph.view import day_number

    rng = random.Random(5)
    view = store.view()
    index = path_index(store, view)
    day = day_number(AS_OF)
    ids = view.ids
    works = view.rel(RelType.WORKS_AT)

    def ties(u: int) -> list[int]:
        return index.nbr[index.ptr[u] : index.ptr[u + 1]].tolist()

    out: list[Query] = []
    people = view.nodes_with_label(Label.PERSON).tolist()
    rng.shuffle(people)
    for c in people:
        bridged = [
            g
            for g in index.groupements_of(c).tolist()
            if any(index.consent[r] and r != c for r in index.referents_of(g).tolist())
        ]
        helpers = [h for g in bridged for h in index.bridges(g, day).helpers.tolist()]
        rng.shuffle(helpers)
        for h in helpers[:20]:
            x = next((x for x in ties(h) if index.consent[x] and x != c), None)
            if h == c or not index.consent[h] or x is None:
                continue
            far = [y for y in ties(x) if y not in (c, h) and y not in ties(h)]
            far = [y for y in far if len(works.targets(y))]
            if far:
                employer = ids[works.targets(far[0])[0]]
                out.append(Query(ids[c], Target.employer(employer), PathPolicy()))  # type: ignore[arg-type]
                break
        if len(out) >= n:
            break
    return out


def comparable(result: Any) -> dict[str, Any]:
    """A result without its store version (two stores count versions differently)."""
    data = result.to_dict()
    data.pop("version")
    return data


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(tmp_path_factory.mktemp("seeded") / "store")
    seed_store(store)
    yield store
    store.close()


# --------------------------------------------------------------------------- offline


def test_plan_gives_the_engine_answer_on_a_seeded_network(seeded: EmbeddedStore) -> None:
    """Over ViewFetch, the in-database plan answers exactly as the engine on the whole graph."""
    version = seeded.version
    found = no_path = 0
    read_shares = []
    for query in sample_queries(seeded) + bridge_queries(seeded):
        expected = find_paths(seeded, query.candidate, query.target, query.policy, AS_OF)
        fetch = ViewFetch(seeded)
        got = collect_and_answer(
            seeded, fetch, version, query.candidate, query.target, query.policy, AS_OF
        )
        assert comparable(got) == comparable(expected), str(query)
        found += expected.found
        no_path += not expected.found
        read_shares.append(len(fetch.nodes_read) / len(fetch.view.ids))
    # The sample exercises both outcomes, and the plan reads a part of the graph only.
    assert found >= 20 and no_path >= 5, (found, no_path)
    assert float(np.median(read_shares)) < 0.5, read_shares


def test_plan_reaches_contacts_two_ties_beyond_a_bridge(tmp_path: Any) -> None:
    """The only path: candidate → référent → (convention) helper → x → contact.

    With 3 intermediaries at most, the helper is 2 hops from both ends: neither ball's
    tie expansion reaches them, only the bridge seeds of the forward ball do.
    """
    from graph.model import (
        Association,
        Covers,
        Departement,
        Employer,
        Groupement,
        InGroupement,
        Knows,
        LivesIn,
        MemberOf,
        PartnerOf,
        Person,
        ReferentOf,
        WorksAt,
    )
    from graph.store import Batch

    def person(pid: str, **kw: Any) -> Person:
        kw.setdefault("consent_introducer", True)
        return Person(id=pid, first_name="P", last_name=pid.upper(), civility="M.", **kw)

    with EmbeddedStore(tmp_path / "store") as store:
        store.write(
            Batch(
                nodes=[
                    Departement(id="d-33", code="33", name="Gironde"),
                    Association(id="a-own", name="Own", short_name="OWN", kind="partner"),
                    Association(id="a-partner", name="Partner", short_name="PT", kind="partner"),
                    Groupement(id="g-33", name="G 33", association_id="a-own"),
                    Employer(id="e-1", name="Employeur"),
                    person("c", status="candidate", consent_introducer=False),
                    person("r", status="helper"),
                    person("h", status="helper"),
                    person("x"),
                    person("y"),
                ],
                rels=[
                    Covers(src="g-33", dst="d-33"),
                    PartnerOf(
                        src="a-own", dst="a-partner", signed=date(2020, 1, 1), level="national"
                    ),
                    InGroupement(src="c", dst="g-33"),
                    ReferentOf(src="r", dst="g-33"),
                    MemberOf(src="h", dst="a-partner"),
                    LivesIn(src="h", dst="d-33"),
                    Knows(src="h", dst="x", strength=0.9, source="unit"),
                    Knows(src="x", dst="y", strength=0.9, source="unit"),
                    WorksAt(src="y", dst="e-1"),
                ],
            )
        )
        target = Target.employer("e-1")
        expected = find_paths(store, "c", target, None, AS_OF)
        assert [h.kind for h in expected.paths[0].hops] == ["referent", "bridge", "knows", "knows"]
        got = collect_and_answer(store, ViewFetch(store), store.version, "c", target, None, AS_OF)
        assert comparable(got) == comparable(expected)


def test_plan_keeps_engine_errors(seeded: EmbeddedStore) -> None:
    """Unknown ids and wrong kinds raise the service's errors, naming the field."""
    from graph.errors import InvalidInput, NotFound

    version = seeded.version
    fetch = ViewFetch(seeded)
    employer = seeded.find(Label.EMPLOYER, limit=1)[0].id
    person = seeded.find(Label.PERSON, limit=1)[0].id
    cases = [
        ("p-nobody", Target.employer(employer), NotFound, "candidate"),
        (employer, Target.employer(employer), InvalidInput, "candidate"),
        (person, Target.employer("e-nowhere"), NotFound, "employer"),
        (person, Target.employer(person), InvalidInput, "employer"),
        (person, Target.person(person), InvalidInput, "person"),
    ]
    for candidate, target, error, field in cases:
        with pytest.raises(error) as info:
            collect_and_answer(seeded, fetch, version, candidate, target, None, AS_OF)
        with pytest.raises(error) as expected:
            find_paths(seeded, candidate, target, None, AS_OF)
        assert info.value.field == expected.value.field == field  # type: ignore[attr-defined]
        assert str(info.value) == str(expected.value)


# --------------------------------------------------------------------------- with a server


@pytest.fixture(scope="module")
def neo4j_seeded() -> Iterator[Any]:
    from tests.neo4j_server import open_store, wipe

    wipe()
    store = open_store()
    seed_store(store)
    yield store
    store.close()


@needs_server
def test_database_paths_match_the_embedded_engine(seeded: EmbeddedStore, neo4j_seeded: Any) -> None:
    """find_paths_in_db on Neo4j == find_paths on the embedded store, same seed."""
    from graph.neo4j.paths import find_paths_in_db

    assert neo4j_seeded.counts() == seeded.counts()
    for query in sample_queries(seeded):
        expected = find_paths(seeded, query.candidate, query.target, query.policy, AS_OF)
        got = find_paths_in_db(neo4j_seeded, query.candidate, query.target, query.policy, AS_OF)
        assert comparable(got) == comparable(expected), str(query)
        assert got.version == neo4j_seeded.version


@needs_server
def test_view_based_paths_on_neo4j_match(seeded: EmbeddedStore, neo4j_seeded: Any) -> None:
    """The engine over the Neo4j store's streamed view answers as over the embedded view."""
    for query in sample_queries(seeded, n=24):
        expected = find_paths(seeded, query.candidate, query.target, query.policy, AS_OF)
        got = find_paths(neo4j_seeded, query.candidate, query.target, query.policy, AS_OF)
        assert comparable(got) == comparable(expected), str(query)


@needs_server
def test_the_service_evaluates_paths_in_the_database_when_asked(
    seeded: EmbeddedStore, neo4j_seeded: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``PASSERELLE_NEO4J_PATHS_IN_DATABASE``: graph.paths.find_paths on such a store never
    reads the whole graph's view, and answers as the engine on the embedded store."""
    from graph.neo4j import Neo4jStore
    from tests.neo4j_server import settings

    store = Neo4jStore.from_settings(
        settings().model_copy(update={"neo4j_paths_in_database": True})
    )
    try:

        def no_view() -> None:
            raise AssertionError("the whole view was read")

        monkeypatch.setattr(store, "view", no_view)
        for query in sample_queries(seeded, n=12):
            expected = find_paths(seeded, query.candidate, query.target, query.policy, AS_OF)
            got = find_paths(store, query.candidate, query.target, query.policy, AS_OF)
            assert comparable(got) == comparable(expected), str(query)
    finally:
        store.close()
