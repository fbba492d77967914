"""Coverage after real writes (graph.coverage.follow and the service's policy).

* Random add-only write sequences on the embedded store: after each write the national
  report is followed from the kept state (not rebuilt), is current, and equals a full
  recompute on a store where the same writes were made (figures and ranked gaps).
* A removal: the answer is the newest complete state, labelled not current; one
  background rebuild (single flight) makes it current and equal to a full recompute.
* States of old versions are released.
"""

from __future__ import annotations

import tempfile
import threading
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.coverage import service as S
from graph.embedded import EmbeddedStore
from graph.model import Knows, Label, ReferentOf, RelType, WorksAt
from graph.store import Batch
from tests.coverage_net import (
    AS_OF,
    RANDOM_EMPLOYERS,
    RANDOM_GROUPEMENTS,
    random_network,
    write_random,
)
from tests.neo4j_server import needs_server

NATIONAL = S.Scope.national()


def draw_write(draw, people: list[str]) -> tuple[str, tuple]:
    person = st.sampled_from(people)
    kind = draw(st.sampled_from(["tie", "consent", "job", "referent", "capacity", "name"]))
    if kind == "tie":
        return kind, tuple(draw(st.lists(person, min_size=2, max_size=2, unique=True)))
    if kind == "job":
        return kind, (draw(person), draw(st.sampled_from(sorted(RANDOM_EMPLOYERS))))
    if kind == "referent":
        return kind, (draw(person), draw(st.sampled_from(RANDOM_GROUPEMENTS)))
    if kind == "capacity":
        return kind, (draw(person), draw(st.sampled_from([None, 1, 2])), draw(st.integers(0, 2)))
    return kind, (draw(person),)


@st.composite
def sequences(draw):
    net = random_network(draw, st)
    writes = draw(st.lists(st.builds(lambda: None), min_size=1, max_size=4))
    return net, [draw_write(draw, net["people"]) for _ in writes]


def write(store: EmbeddedStore, kind: str, args: tuple) -> None:
    if kind == "tie":
        store.write(Batch(rels=[Knows(src=args[0], dst=args[1], strength=0.5, source="declared")]))
    elif kind == "consent":
        store.update_node(Label.PERSON, args[0], {"consent_introducer": True})
    elif kind == "job":
        store.write(Batch(rels=[WorksAt(src=args[0], dst=args[1], since=date(2015, 1, 1))]))
    elif kind == "referent":
        store.write(Batch(rels=[ReferentOf(src=args[0], dst=args[1])]))
    elif kind == "capacity":
        store.update_node(Label.PERSON, args[0], {"capacity": args[1], "monthly_load": args[2]})
    else:
        store.update_node(Label.PERSON, args[0], {"last_name": f"Renamed {args[0]}"})


def figures(report) -> tuple:
    """Everything a report says but when and at which version it was computed."""
    return replace(report, version=0, computed_at=None, current=True)


def origin(store: EmbeddedStore) -> str:
    entry = S._STATES.peek(store, store.view().version, (AS_OF,))
    assert entry is not None
    return entry.origin


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequences())
def test_add_only_writes_are_followed_exactly(case):
    net, writes = case
    with (
        tempfile.TemporaryDirectory() as tmp,
        EmbeddedStore(Path(tmp) / "a") as a,
        EmbeddedStore(Path(tmp) / "b") as b,
    ):
        write_random(a, net)
        write_random(b, net)
        S.coverage(a, NATIONAL, AS_OF)
        S.gaps(a, NATIONAL, AS_OF)  # rows and gaps kept, some carried over
        for kind, args in writes:
            write(a, kind, args)
            write(b, kind, args)
            got = S.coverage(a, NATIONAL, AS_OF)
            assert got.current and got.version == a.view().version
            assert origin(a) == "followed", (kind, args)
            S.clear_cache(b)
            assert figures(got) == figures(S.coverage(b, NATIONAL, AS_OF)), (net, writes)
            got_gaps, want_gaps = S.gaps(a, NATIONAL, AS_OF).gaps, S.gaps(b, NATIONAL, AS_OF).gaps
            assert got_gaps == want_gaps, (net, writes, kind, args)
            for g in RANDOM_GROUPEMENTS:
                scope = S.Scope.groupement(g)
                assert figures(S.coverage(a, scope, AS_OF)) == figures(S.coverage(b, scope, AS_OF))


@pytest.fixture
def net_store(tmp_path):
    net = {
        "people": ["p0", "p1", "p2", "p3"],
        "spec": {
            p: {
                "status": status,
                "consent": True,
                "over": False,
                "job": job,
                "targets": ["B1"] if status == "candidate" else [],
                "groupement": "G",
                "lives": "dep-33",
                "member": None,
            }
            for p, status, job in [
                ("p0", "candidate", None),
                ("p1", "helper", None),
                ("p2", "helper", "E1"),
                ("p3", "helper", None),
            ]
        },
        "ties": [("p0", "p1"), ("p1", "p2")],
        "mentors": [],
        "referents": {"G": "p3", "G2": None, "D": None},
        "convention": False,
        "charters": [],
        "reporter": None,
    }
    with EmbeddedStore(tmp_path / "s") as store:
        write_random(store, net)
        yield store


def test_a_removal_is_answered_labelled_then_current_after_one_rebuild(net_store, monkeypatch):
    store = net_store
    before = S.coverage(store, NATIONAL, AS_OF)
    assert before.current and before.total.candidates_with_path == 1
    built = []
    gate = threading.Event()
    new_entry = S._new_entry

    def slow_entry(*args, **kw):
        built.append(threading.current_thread().name)
        gate.wait(10)
        return new_entry(*args, **kw)

    monkeypatch.setattr(S, "_new_entry", slow_entry)
    store.delete_relationship(RelType.KNOWS, "p1", "p2")  # p0 loses their path
    answers = []
    threads = [
        threading.Thread(target=lambda: answers.append(S.coverage(store, NATIONAL, AS_OF)))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(answers) == 8
    for stale in answers:
        assert not stale.current
        assert stale.version == before.version and stale.computed_at == before.computed_at
        assert figures(stale) == figures(before)
    for _ in range(100):
        if built:
            break
        time.sleep(0.05)
    assert len(built) == 1  # one background rebuild for eight requests
    gate.set()
    S.wait_for_rebuilds(10)
    after = S.coverage(store, NATIONAL, AS_OF)
    assert after.current and after.version == store.view().version
    assert after.total.candidates_with_path == 0
    assert after.computed_at is not None and after.computed_at >= before.computed_at
    assert len(built) == 1
    S.clear_cache(store)
    assert figures(S.coverage(store, NATIONAL, AS_OF)) == figures(after)


def test_exact_waits_for_the_current_version(net_store):
    store = net_store
    S.coverage(store, NATIONAL, AS_OF)
    store.update_node(Label.PERSON, "p1", {"consent_introducer": False})
    got = S.coverage(store, NATIONAL, AS_OF, exact=True)
    assert got.current and got.version == store.view().version
    assert got.total.candidates_with_path == 0
    S.wait_for_rebuilds(10)


def test_a_groupement_report_after_a_removal_is_labelled_or_exact_on_demand(net_store):
    store = net_store
    before = S.coverage(store, NATIONAL, AS_OF)
    store.delete_relationship(RelType.KNOWS, "p0", "p1")
    labelled = S.coverage(store, S.Scope.groupement("G"), AS_OF)
    assert not labelled.current and labelled.version == before.version
    assert labelled.total.candidates_with_path == 1  # the figures of that version
    exact = S.coverage(store, S.Scope.groupement("G"), AS_OF, exact=True)
    assert exact.current and exact.total.candidates_with_path == 0
    S.wait_for_rebuilds(10)


def test_rebuilds_are_rationed_under_a_stream_of_writes(net_store, monkeypatch):
    store = net_store
    S.coverage(store, NATIONAL, AS_OF)
    store.delete_relationship(RelType.KNOWS, "p0", "p1")
    assert not S.coverage(store, NATIONAL, AS_OF).current  # starts the first rebuild
    S.wait_for_rebuilds(10)
    assert S.coverage(store, NATIONAL, AS_OF).current
    monkeypatch.setattr(S, "REBUILD_GAP_S", 3600.0)
    store.write(Batch(rels=[Knows(src="p0", dst="p3", strength=0.5, source="unit")]))
    first = S.coverage(store, NATIONAL, AS_OF)  # within the gap: not even followed
    time.sleep(0.3)
    again = S.coverage(store, NATIONAL, AS_OF)  # the background one waits for its turn
    assert not first.current and not again.current and again.version == first.version
    monkeypatch.setattr(S, "REBUILD_GAP_S", 0.0)  # its turn comes: it derives the newest
    S.wait_for_rebuilds(10)
    assert S.coverage(store, NATIONAL, AS_OF).current


def test_states_of_old_versions_are_released(net_store):
    store = net_store
    for i in range(6):
        store.write(Batch(rels=[Knows(src="p0", dst=f"p{i % 3 + 1}", strength=0.5, source="unit")]))
        store.update_node(Label.PERSON, "p3", {"last_name": f"N{i}"})
        assert S.coverage(store, NATIONAL, AS_OF).current
    kept = S._STATES.kept_versions(store)
    assert len(kept) <= 2 and max(kept) == store.view().version
    store.delete_relationship(RelType.KNOWS, "p0", "p1")
    S.coverage(store, NATIONAL, AS_OF)
    S.wait_for_rebuilds(10)
    assert S.coverage(store, NATIONAL, AS_OF).current
    assert max(S._STATES.kept_versions(store)) == store.view().version
    assert len(S._STATES.kept_versions(store)) <= 2


@needs_server
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequences())
def test_add_only_writes_are_followed_exactly_on_neo4j(case):
    """The same on a Neo4j store (its view follows the change log), against an embedded
    store given the same writes and computed afresh."""
    from tests.neo4j_server import open_store, wipe

    net, writes = case
    wipe()
    a = open_store()
    try:
        with tempfile.TemporaryDirectory() as tmp, EmbeddedStore(Path(tmp) / "b") as b:
            write_random(a, net)
            write_random(b, net)
            S.coverage(a, NATIONAL, AS_OF)
            S.gaps(a, NATIONAL, AS_OF)
            for kind, args in writes:
                write(a, kind, args)
                write(b, kind, args)
                got = S.coverage(a, NATIONAL, AS_OF)
                assert got.current and got.version == a.view().version
                assert origin(a) == "followed", (kind, args)
                S.clear_cache(b)
                assert figures(got) == figures(S.coverage(b, NATIONAL, AS_OF)), (net, writes)
                assert S.gaps(a, NATIONAL, AS_OF).gaps == S.gaps(b, NATIONAL, AS_OF).gaps
    finally:
        S.clear_cache(a)
        a.close()
