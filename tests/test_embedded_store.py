"""Durability of the embedded store: kill -9, two stores on one directory, WAL, rollback.

Embedded-specific (the store contract in tests/store_contract.py covers the port's behaviour).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from graph.embedded import DB_FILE, EmbeddedStore
from graph.errors import StoreUnavailable
from graph.frames import RelFrame
from graph.model import Knows, Mentors, Person, RelType
from graph.store import Batch
from tests.store_contract import content, sample_batch, view_content

REPO = Path(__file__).resolve().parents[1]

# --------------------------------------------------------------------------- kill -9

#: people per batch, and KNOWS ties from each person to the next TIES people of its batch
PEOPLE, TIES = 400, 10
MAX_BATCHES = 500


def person_id(batch: int, j: int) -> str:
    return f"b{batch:03d}-p{j:03d}"


def crash_batch(i: int) -> Batch:
    """Batch ``i`` of the crash test: PEOPLE people, a KNOWS frame, ties to batch i-1."""
    nodes = [
        Person(id=person_id(i, j), first_name="Jean", last_name=f"N{j}") for j in range(PEOPLE)
    ]
    src = [person_id(i, j) for j in range(PEOPLE) for _ in range(TIES)]
    dst = [person_id(i, (j + k) % PEOPLE) for j in range(PEOPLE) for k in range(1, TIES + 1)]
    n = len(src)
    frame = RelFrame(RelType.KNOWS, src, dst, {"strength": np.full(n, 0.5), "source": ["unit"] * n})
    rels = []
    if i > 0:
        rels = [
            Knows(src=person_id(i, 0), dst=person_id(i - 1, 0), strength=0.9, source="event"),
            Mentors(src=person_id(i, 1), dst=person_id(i - 1, 1)),
        ]
    return Batch(nodes=nodes, rels=rels, frames=[frame])


def crash_batch_edges(i: int) -> set[tuple[str, str, str]]:
    """(type, src, dst) of every tie batch ``i`` writes, in canonical order."""
    edges = set()
    for j in range(PEOPLE):
        for k in range(1, TIES + 1):
            a, b = person_id(i, j), person_id(i, (j + k) % PEOPLE)
            edges.add(("KNOWS", min(a, b), max(a, b)))
    if i > 0:
        a, b = person_id(i, 0), person_id(i - 1, 0)
        edges.add(("KNOWS", min(a, b), max(a, b)))
        edges.add(("MENTORS", person_id(i, 1), person_id(i - 1, 1)))
    return edges


def child_main(data_dir: str) -> None:
    """The child process: write batches in a loop, saying when each write starts and ends.

    Prints "start <batch>" just before write() and "ack <batch> <version>" once it returned.
    """
    store = EmbeddedStore(data_dir)
    for i in range(MAX_BATCHES):
        batch = crash_batch(i)
        print(f"start {i}", flush=True)
        result = store.write(batch)
        print(f"ack {i} {result.version}", flush=True)


def _acks(lines: str) -> list[tuple[int, int]]:
    """(batch, version) of the "ack" lines."""
    words = (line.split() for line in lines.splitlines())
    return [(int(w[1]), int(w[2])) for w in words if w and w[0] == "ack"]


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("acks_before_kill", "delay_s"),
    [(1, 0.0), (3, 0.02), (5, 0.035)],
    ids=["at-start", "mid-write", "near-commit"],
)
def test_kill_9_mid_write_keeps_every_acknowledged_batch(
    tmp_path: Path, acks_before_kill: int, delay_s: float
) -> None:
    """After SIGKILL mid-write: acked batches are whole, the next is all-or-nothing, and
    the change log agrees with the tables.

    A child process writes batches of 400 people and 4,000 ties (a write takes tens of
    milliseconds) and prints when each write starts and when it is acknowledged. After
    some acknowledgements the parent waits for the next write to start, lets it run for
    ``delay_s`` and sends SIGKILL; then it reopens the store and checks every batch's
    people and ties, the log's entries, and that a store opened before the crash catches
    up from the log to the same view.
    """
    data_dir = tmp_path / "store"
    observer = EmbeddedStore(data_dir)  # another worker, following the writer from the log
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    code = f"from tests.test_embedded_store import child_main; child_main({str(data_dir)!r})"
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    acked: list[tuple[int, int]] = []
    try:
        assert proc.stdout is not None
        while True:
            line = proc.stdout.readline()
            if not line:
                pytest.fail(
                    f"the writer stopped early: {proc.stderr.read() if proc.stderr else ''}"
                )
            acked.extend(_acks(line))
            if line.startswith("start") and len(acked) >= acks_before_kill:
                break
        time.sleep(delay_s)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        acked.extend(_acks(proc.stdout.read()))  # acked before the kill, not yet read
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the child finished before it was killed"
    last_acked, last_version = acked[-1]
    assert [i for i, _ in acked] == list(range(last_acked + 1))

    with EmbeddedStore(data_dir) as store:
        view = store.view()  # rebuilds from the recovered database
        ids = view.ids
        edges = {
            (t.value, ids[s], ids[d])
            for t in (RelType.KNOWS, RelType.MENTORS)
            for s, d in zip(view.rel(t).src.tolist(), view.rel(t).dst.tolist(), strict=True)
        }
        whole = []
        for i in range(last_acked + 3):
            present = sum(person_id(i, j) in view.index for j in range(PEOPLE))
            if i <= last_acked:
                assert present == PEOPLE, f"acknowledged batch {i} lost people"
            assert present in (0, PEOPLE), f"batch {i} is half written ({present} people)"
            if present:
                assert crash_batch_edges(i) <= edges, f"batch {i} lost ties"
                whole.append(i)
        # Batches are written in order: only the one in flight may be there unacknowledged.
        assert whole == list(range(len(whole)))
        assert len(whole) in (last_acked + 1, last_acked + 2)
        assert store.version == last_version + (len(whole) - last_acked - 1)
        assert view.version == store.version
        assert view.node_counts[view.label_of(0)] == PEOPLE * len(whole)
        expected_edges = set().union(*(crash_batch_edges(i) for i in whole))
        assert edges == expected_edges
        # The log holds every committed write and nothing else: the worker that watched
        # catches up from it (no full read) to the recovered store's very view.
        log = sqlite3.connect(data_dir / DB_FILE)
        try:
            entries = log.execute("SELECT version, payload IS NULL FROM changes ORDER BY 1")
            assert entries.fetchall() == [(v, 0) for v in range(1, store.version + 1)]
        finally:
            log.close()
        assert view_content(observer.view()) == view_content(view)
        assert observer.sync_stats.reloads == 1
        observer.close()
        # And the recovered store takes writes again.
        store.write(crash_batch(len(whole)))
        assert person_id(len(whole), 0) in store.view().index
    check = sqlite3.connect(data_dir / DB_FILE)
    try:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        check.close()


# --------------------------------------------------------------------------- two stores


@pytest.fixture
def two_stores(tmp_path: Path) -> Iterator[tuple[EmbeddedStore, EmbeddedStore]]:
    """Two EmbeddedStore objects on one directory, as two API workers would have."""
    a = EmbeddedStore(tmp_path / "store")
    b = EmbeddedStore(tmp_path / "store")
    yield a, b
    a.close()
    b.close()


def _person(pid: str, **props: object) -> Person:
    return Person(id=pid, first_name="Anne", last_name="Martin", **props)  # type: ignore[arg-type]


def test_a_write_by_one_store_is_seen_by_the_other(
    two_stores: tuple[EmbeddedStore, EmbeddedStore],
) -> None:
    """A write through one store object shows in the other's get(), view() and version."""
    a, b = two_stores
    assert b.view().version == 0
    a.write(sample_batch())
    assert b.get("p-01") == a.get("p-01")
    assert b.version == a.version
    assert view_content(b.view()) == view_content(a.view())
    # and back the other way, including a delete
    b.upsert_nodes([_person("p-new", status="helper")])
    b.delete_person("p-06")
    assert a.get("p-new") is not None and a.get("p-06") is None
    assert a.version == b.version
    assert "p-new" in a.view().index and "p-06" not in a.view().index
    assert content(a) == content(b)


def test_delete_right_after_another_writer_keeps_memory_in_step(
    two_stores: tuple[EmbeddedStore, EmbeddedStore],
) -> None:
    """A write by another worker just before a delete is not lost, nor reloaded in full.

    Regression: delete_node and delete_relationship took the bumped version as their
    memory's version without noticing the other write, so this store's views missed it
    for good. Now a delete catches up with the log inside its own transaction.
    """
    a, b = two_stores
    a.write(sample_batch())
    b.view()
    reloads = b.sync_stats.reloads
    a.upsert_nodes([_person("p-race-1")])
    b.delete_person("p-06")
    a.upsert_nodes([_person("p-race-2")])
    b.delete_relationship(RelType.KNOWS, "p-01", "p-02")
    view = b.view()
    assert view.version == a.version == b.version
    races = sorted(i for i in view.index if i.startswith("p-race-"))
    assert races == ["p-race-1", "p-race-2"]
    assert "p-06" not in view.index
    assert not view.to_networkx().has_edge("p-01", "p-02", "KNOWS")
    assert view_content(view) == view_content(a.view())
    assert b.sync_stats.reloads == reloads  # caught up from the log


def test_a_log_entry_that_does_not_fit_means_a_full_reload(
    two_stores: tuple[EmbeddedStore, EmbeddedStore],
) -> None:
    """An entry naming a node under another number than the reader's (a surprise): the
    reader does not apply half of it, it reloads in full and is right."""
    a, b = two_stores
    a.write(sample_batch())
    b.view()
    a.upsert_nodes([_person("p-01", status="helper")])
    with sqlite3.connect(a.path) as conn:
        version, payload = conn.execute(
            "SELECT version, payload FROM changes ORDER BY version DESC LIMIT 1"
        ).fetchone()
        change = json.loads(payload)
        change["write"]["nodes"][0][0] = a.view().index["p-02"]  # p-01 under p-02's number
        conn.execute(
            "UPDATE changes SET payload = ? WHERE version = ?", (json.dumps(change), version)
        )
    conn.close()
    reloads = b.sync_stats.reloads
    assert view_content(b.view()) == view_content(a.view())
    assert b.sync_stats.reloads == reloads + 1


def test_a_write_waits_for_another_process_lock_then_succeeds(tmp_path: Path) -> None:
    """A write while another connection holds the write lock waits for it (busy timeout),
    catches up with what that one wrote, and succeeds; only a lock held beyond the
    timeout is StoreUnavailable (the store really is busy), and nothing is written then."""
    data_dir = tmp_path / "store"
    store = EmbeddedStore(data_dir, busy_timeout_s=5)
    other = EmbeddedStore(data_dir)
    store.write(sample_batch())
    holder = sqlite3.connect(data_dir / DB_FILE, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    done: list[object] = []
    writer = threading.Thread(target=lambda: done.append(store.upsert_nodes([_person("p-w")])))
    writer.start()
    time.sleep(0.3)
    assert not done  # waiting for the lock
    holder.execute("COMMIT")
    other.upsert_nodes([_person("p-other")])  # in turn, after the waiting one or before it
    writer.join(timeout=10)
    assert done and store.get("p-w") is not None
    assert {"p-w", "p-other"} <= set(store.view().index) == set(other.view().index)
    impatient = EmbeddedStore(data_dir, busy_timeout_s=0.2)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreUnavailable, match="busy"):
            impatient.upsert_nodes([_person("p-late")])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert impatient.get("p-late") is None
    impatient.upsert_nodes([_person("p-late")])  # the lock is free again
    assert "p-late" in store.view().index
    for s in (store, other, impatient):
        s.close()


# --------------------------------------------------------------------------- WAL, rollback


def test_database_is_in_wal_mode(tmp_path: Path) -> None:
    """The file is a SQLite database in WAL mode, as any connection sees it."""
    with EmbeddedStore(tmp_path / "store") as store:
        store.write(sample_batch())
    conn = sqlite3.connect(tmp_path / "store" / DB_FILE)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


def test_a_batch_failing_inside_the_transaction_is_rolled_back(tmp_path: Path) -> None:
    """A batch the database refuses half-way leaves nothing; the store reopens intact.

    A trigger makes SQLite abort on the last node of the batch, after the others were
    inserted in the same transaction.
    """
    data_dir = tmp_path / "store"
    store = EmbeddedStore(data_dir)
    store.write(sample_batch())
    with sqlite3.connect(data_dir / DB_FILE) as conn:
        conn.execute(
            "CREATE TRIGGER refuse_boom BEFORE INSERT ON nodes WHEN NEW.id = 'boom'"
            " BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    conn.close()
    before, view, version = content(store), view_content(store.view()), store.version
    batch = Batch(
        nodes=[_person("p-new"), _person("boom")],
        rels=[Knows(src="p-new", dst="p-01", strength=0.5, source="unit")],
    )
    with pytest.raises(StoreUnavailable):
        store.write(batch)
    assert store.version == version
    assert store.get("p-new") is None
    assert content(store) == before
    assert view_content(store.view()) == view
    store.close()

    with EmbeddedStore(data_dir) as reopened:
        assert reopened.version == version
        assert content(reopened) == before
        assert view_content(reopened.view()) == view
        reopened.upsert_nodes([_person("p-new")])
        assert reopened.get("p-new") is not None
    conn = sqlite3.connect(data_dir / DB_FILE)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
