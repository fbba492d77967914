"""Two OS processes on one store, as two API workers: writes take turns and succeed, a
create of one id succeeds once, and each process sees the other's writes from the log.

Real processes (``multiprocessing`` with ``spawn``: nothing shared but the store), on
every adapter of :data:`tests.test_store_contract.ADAPTERS` that can run here.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph.errors import AlreadyExists
from graph.model import Knows, Label, Person, RelType
from graph.store import Batch, GraphStore
from tests.store_contract import view_content
from tests.test_store_contract import adapter_params

ROUNDS = 25
_SPAWN = multiprocessing.get_context("spawn")


def open_store(adapter: str, location: str, **options: Any) -> GraphStore:
    """The store of ``adapter`` on ``location`` (a directory; unused by Neo4j)."""
    if adapter == "embedded":
        from graph.embedded import EmbeddedStore

        return EmbeddedStore(location, **options)
    from graph.neo4j import Neo4jStore
    from tests.neo4j_server import settings

    return Neo4jStore(settings().neo4j_uri, connect_timeout_s=10.0, **options)


def person(pid: str, last_name: str = "Martin") -> Person:
    return Person(id=pid, first_name="Anne", last_name=last_name)


# --------------------------------------------------------------------------- child processes


def racer(adapter: str, location: str, who: str, barrier: Any, out: Any) -> None:
    """ROUNDS rounds, each started with the other process at a barrier: create the round's
    shared id (one of the two must fail), then an id of its own tied to it."""
    try:
        store = open_store(adapter, location)
        results: list[tuple[str, int, str]] = []
        for r in range(ROUNDS):
            same, mine = f"p-same-{r:03d}", f"p-{who}-{r:03d}"
            barrier.wait(timeout=120)
            try:
                store.write(Batch(nodes=[person(same, who)], create_only=[same]))
                results.append(("same", r, "ok"))
            except AlreadyExists:
                results.append(("same", r, "conflict"))
            except Exception as exc:
                results.append(("same", r, f"{type(exc).__name__}: {exc}"))
            barrier.wait(timeout=120)
            tie = Knows(src=mine, dst=same, strength=0.5, source="unit")
            try:
                store.write(Batch(nodes=[person(mine)], rels=[tie], create_only=[mine]))
                results.append(("mine", r, "ok"))
            except Exception as exc:
                results.append(("mine", r, f"{type(exc).__name__}: {exc}"))
        barrier.wait(timeout=120)  # both done writing: both views are of the last version
        view = store.view()
        out.put((who, results, view_content(view), store.sync_stats.reloads))  # type: ignore[attr-defined]
        store.close()
    except BaseException:
        out.put((who, traceback.format_exc(), None, None))


def writer(adapter: str, location: str, steps: list[tuple[str, Any]], options: dict) -> None:
    """Apply ``steps`` through a store of its own, then exit: every write acknowledged."""
    store = open_store(adapter, location, **options)
    for kind, arg in steps:
        if kind == "create":
            store.write(Batch(nodes=[person(arg)], create_only=[arg]))
        elif kind == "tie":
            store.write(Batch(rels=[Knows(src=arg[0], dst=arg[1], strength=0.7, source="event")]))
        elif kind == "update":
            store.update_node(Label.PERSON, arg[0], arg[1])
        elif kind == "delete":
            store.delete_person(arg)
        elif kind == "untie":
            store.delete_relationship(RelType.KNOWS, arg[0], arg[1])
    store.close()


def run_writer(
    adapter: str, location: str, steps: list[tuple[str, Any]], **options: Any
) -> None:
    proc = _SPAWN.Process(target=writer, args=(adapter, location, steps, options))
    proc.start()
    proc.join(timeout=120)
    assert proc.exitcode == 0, f"the writer process failed ({proc.exitcode})"


# --------------------------------------------------------------------------- tests


@pytest.fixture(params=adapter_params(("embedded", "neo4j")))
def adapter(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "neo4j":
        from tests.neo4j_server import wipe

        wipe()
    yield request.param


@pytest.mark.timeout(300)
def test_two_processes_writing_at_once(adapter: str, tmp_path: Path) -> None:
    """Two processes write at the same moment, ROUNDS times: on the same new id exactly
    one succeeds and the other gets AlreadyExists (the record is the winner's, never
    overwritten); on different ids both succeed; never StoreUnavailable. Both end with
    the same view as a freshly opened store."""
    location = str(tmp_path / "store")
    open_store(adapter, location).close()  # created once, before the race
    barrier, out = _SPAWN.Barrier(2), _SPAWN.Queue()
    procs = [
        _SPAWN.Process(target=racer, args=(adapter, location, who, barrier, out))
        for who in ("a", "b")
    ]
    for proc in procs:
        proc.start()
    reports = {}
    for _ in procs:
        who, results, view, reloads = out.get(timeout=280)
        assert view is not None, results  # a traceback
        reports[who] = (results, view, reloads)
    for proc in procs:
        proc.join(timeout=30)
    errors = [r for who in reports for r in reports[who][0] if r[2] not in ("ok", "conflict")]
    assert errors == []
    store = open_store(adapter, location)
    try:
        for r in range(ROUNDS):
            same = sorted(
                (outcome, who)
                for who in reports
                for kind, n, outcome in reports[who][0]
                if kind == "same" and n == r
            )
            assert [o for o, _ in same] == ["conflict", "ok"], (r, same)
            winner = same[1][1]
            stored = store.get(f"p-same-{r:03d}")
            assert isinstance(stored, Person) and stored.last_name == winner, r
            for who in reports:
                assert ("mine", r, "ok") in reports[who][0]
                assert store.get_relationship(RelType.KNOWS, f"p-{who}-{r:03d}", f"p-same-{r:03d}")
        fresh = view_content(store.view())
        assert fresh["node_counts"] == {Label.PERSON: 3 * ROUNDS}
        for who in reports:
            assert reports[who][1] == fresh, who
    finally:
        store.close()


@pytest.mark.timeout(300)
def test_a_write_in_one_process_is_in_the_next_read_of_another(
    adapter: str, tmp_path: Path
) -> None:
    """After another process's write is acknowledged, this process's next view has it,
    got there from the change log (no full read), and equals a fresh store's view."""
    location = str(tmp_path / "store")
    here = open_store(adapter, location)
    try:
        run_writer(adapter, location, [("create", "p-1"), ("create", "p-2"), ("create", "p-3")])
        here.view()
        stats = here.sync_stats  # type: ignore[attr-defined]
        reloads, applied = stats.reloads, stats.applied
        rounds: list[list[tuple[str, Any]]] = [
            [("create", "p-4"), ("tie", ("p-1", "p-4"))],
            [("update", ("p-2", {"capacity": 6, "status": "helper"}))],
            [("untie", ("p-1", "p-4")), ("tie", ("p-2", "p-3"))],
            [("delete", "p-3")],
        ]
        for steps in rounds:
            before = here.version
            run_writer(adapter, location, steps)
            view = here.view()
            assert view.version == before + len(steps)
            reference = open_store(adapter, location)
            try:
                assert view_content(view) == view_content(reference.view())
            finally:
                reference.close()
        g = here.view().to_networkx()
        assert g.nodes["p-2"]["capacity"] == 6 and "p-3" not in g
        assert not g.has_edge("p-1", "p-4", "KNOWS")
        assert stats.reloads == reloads
        assert stats.applied == applied + 6
    finally:
        here.close()


@pytest.mark.timeout(300)
def test_a_trimmed_log_makes_the_other_process_read_everything(
    adapter: str, tmp_path: Path
) -> None:
    """A writer that keeps only the last entry: this process, two versions behind, reads
    the whole graph once and is right."""
    location = str(tmp_path / "store")
    here = open_store(adapter, location)
    try:
        run_writer(adapter, location, [("create", "p-1")])
        here.view()
        reloads = here.sync_stats.reloads  # type: ignore[attr-defined]
        steps = [("create", "p-2"), ("create", "p-3")]
        run_writer(adapter, location, steps, keep_versions=1, keep_seconds=0.0)
        view = here.view()
        assert here.sync_stats.reloads == reloads + 1  # type: ignore[attr-defined]
        assert {"p-1", "p-2", "p-3"} <= set(view.index)
        reference = open_store(adapter, location)
        try:
            assert view_content(view) == view_content(reference.view())
        finally:
            reference.close()
    finally:
        here.close()
