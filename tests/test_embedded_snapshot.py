"""Snapshots (graph.embedded.snapshot): full loads written once, mapped by every process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from graph.embedded import DB_FILE, EmbeddedStore
from graph.embedded import snapshot as snapshot_module
from graph.model import RelType
from graph.paths.index import PathIndex
from graph.store import Batch
from tests.write_sequences import (
    STEPS,
    apply,
    base,
    person,
    same_content,
    same_index,
    view_content,
)


def _store(path: Path, **kwargs: Any) -> EmbeddedStore:
    """A store that snapshots whatever its size."""
    return EmbeddedStore(path, snapshot_min_rows=0, **kwargs)


def _from_tables(path: Path) -> EmbeddedStore:
    return EmbeddedStore(path, snapshots=False)


def _seeded(path: Path) -> None:
    with _store(path) as store:
        base(store)


def _same_dtypes(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert a["labels"].dtype == b["labels"].dtype
    for key, col in a["columns"].items():
        assert col.dtype == b["columns"][key].dtype, key
    for t, rel in a["rels"].items():
        for key, arr in rel.items():
            assert arr.dtype == b["rels"][t][key].dtype, f"{t}.{key}"


def test_a_second_process_maps_the_snapshot_and_sees_the_same_view(tmp_path: Path) -> None:
    _seeded(tmp_path)
    first = _store(tmp_path)  # the seeding store's memory followed its writes: this one loads
    assert first.snapshots is not None and first.snapshots.stats.written == 1
    second = _store(tmp_path)
    assert second.snapshots is not None
    assert (second.snapshots.stats.mapped, second.snapshots.stats.written) == (1, 0)
    with _from_tables(tmp_path) as reference:
        expected = view_content(reference.view())
    for store in (first, second):
        got = view_content(store.view())
        same_content(got, expected)
        _same_dtypes(got, expected)
        store.close()


def test_mapped_arrays_are_read_only(tmp_path: Path) -> None:
    _seeded(tmp_path)
    _store(tmp_path).close()
    with _store(tmp_path) as store:
        view = store.view()
        knows = view.rel(RelType.KNOWS)
        for arr in (knows.src, knows.out_ptr, knows.columns["strength"], view.labels):
            assert not arr.flags.writeable
            with pytest.raises(ValueError, match="read-only"):
                arr[0] = arr[0]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=STEPS)
def test_writes_after_a_snapshot_load_equal_a_load_from_the_tables(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[list[Any], bool]]
) -> None:
    path = tmp_path_factory.mktemp("store")
    _seeded(path)
    _store(path).close()  # writes the snapshot
    store = _store(path)
    assert store.snapshots is not None and store.snapshots.stats.mapped == 1
    index = PathIndex(store.view())
    for ops, read in steps:
        apply(store, ops)  # through the mapped memory: every touched array is copied
        if read:
            view = store.view()
            index = index.updated(view) or PathIndex(view)
    view = store.view()
    index = index.updated(view) or PathIndex(view)
    with _from_tables(path) as reference:
        fresh = reference.view()
        same_content(view_content(view), view_content(fresh), fresh.n_slots)
        # A deleted last node keeps its free number here, not in a fresh load: the
        # index is compared with a full build over this store's own view.
        same_index(index, PathIndex(view))
    # Another process opening now starts from the snapshot and replays the log.
    with _store(path) as other:
        assert other.snapshots is not None and other.snapshots.stats.mapped == 1
        same_content(view_content(other.view()), view_content(fresh), fresh.n_slots)
    store.close()


def test_an_error_while_writing_leaves_no_snapshot(tmp_path: Path) -> None:
    _seeded(tmp_path)
    with _from_tables(tmp_path) as store:
        mem = store._mem
        snaps = snapshot_module.Snapshots(tmp_path, _store_id(tmp_path))
        with pytest.raises(OSError, match="simulated"):
            snaps.write(mem, fail_after=5)
        assert snaps.versions() == []
        assert not [p for p in (tmp_path / "snapshots").iterdir() if p.name.startswith(".tmp-")]


_CRASH = """
import os, sys
from graph.embedded import snapshot
calls = 0
real = snapshot._fsync
def dying(path):
    global calls
    calls += 1
    if calls == 4:
        os._exit(9)  # killed mid-write: no cleanup runs
    real(path)
snapshot._fsync = dying
from graph.embedded import EmbeddedStore
EmbeddedStore(sys.argv[1], snapshot_min_rows=0)
"""


def test_a_process_killed_while_writing_leaves_no_usable_snapshot(tmp_path: Path) -> None:
    _seeded(tmp_path)
    done = subprocess.run([sys.executable, "-c", _CRASH, str(tmp_path)], check=False)
    assert done.returncode == 9
    root = tmp_path / snapshot_module.DIR
    assert [p.name for p in root.iterdir() if p.name.startswith(".tmp-")]  # the half write
    with _store(tmp_path) as store:
        assert store.snapshots is not None
        assert (store.snapshots.stats.mapped, store.snapshots.stats.written) == (1, 1)
        with _from_tables(tmp_path) as reference:
            same_content(view_content(store.view()), view_content(reference.view()))


def test_a_snapshot_missing_a_file_is_not_used(tmp_path: Path) -> None:
    _seeded(tmp_path)
    with _store(tmp_path) as store:
        version = store.version
    where = tmp_path / snapshot_module.DIR / f"v{version}"
    next(where.glob("rel.KNOWS.src.npy")).unlink()
    with _store(tmp_path) as store:
        assert store.snapshots is not None
        # The incomplete snapshot is not mapped: loaded from the tables and replaced.
        assert (store.snapshots.stats.written, store.snapshots.stats.mapped) == (1, 1)
        with _from_tables(tmp_path) as reference:
            same_content(view_content(store.view()), view_content(reference.view()))


def test_a_batch_the_log_cannot_say_gives_a_new_snapshot(tmp_path: Path) -> None:
    _seeded(tmp_path)
    with _store(tmp_path) as store:
        old = store.version
        # Past LOG_MAX_ROWS: logged without payload, the other processes reload.
        people = [person(f"x{i}", "candidate", False, None, 0) for i in range(10_001)]
        store.write(Batch(nodes=people))
        new = store.version
    with _store(tmp_path) as store:
        assert store.snapshots is not None and store.snapshots.stats.written == 1
        assert store.snapshots.versions() == [old, new]
        store.snapshots.prune(now=time.time() + snapshot_module.GRACE_S)
        assert store.snapshots.versions() == [new]
        assert len(store.view().index) > 10_000


def test_a_database_recreated_in_place_does_not_take_the_old_snapshot(tmp_path: Path) -> None:
    _seeded(tmp_path)
    _store(tmp_path).close()
    for name in os.listdir(tmp_path):
        if name.startswith(DB_FILE):
            (tmp_path / name).unlink()
    with _store(tmp_path) as store:
        assert store.snapshots is not None and store.snapshots.stats.mapped == 0
        store.write(Batch(nodes=[person("solo", "candidate", False, None, 0)]))
        assert list(store.view().index) == ["solo"]


def test_workers_started_together_load_once(tmp_path: Path) -> None:
    _seeded(tmp_path)
    code = (
        "import sys; from graph.embedded import EmbeddedStore;"
        "s = EmbeddedStore(sys.argv[1], snapshot_min_rows=0);"
        "print(s.snapshots.stats.written, s.snapshots.stats.mapped)"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE)
        for _ in range(3)
    ]
    outs = sorted(p.communicate()[0].decode().split() for p in procs)
    assert all(p.returncode == 0 for p in procs)
    # One wrote (and then mapped its own files), the others mapped what it wrote.
    assert outs == [["0", "1"], ["0", "1"], ["1", "1"]]


def test_small_stores_are_not_snapshotted(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as store:
        store.write(Batch(nodes=[person("a", "candidate", False, None, 0)]))
    with EmbeddedStore(tmp_path) as store:
        assert store.snapshots is not None
        assert store.snapshots.versions() == [] and store.snapshots.stats.written == 0
        assert isinstance(store.view().index.get("a"), int)


def _store_id(path: Path) -> str:
    with _from_tables(path) as store:
        return str(store._meta.execute(snapshot_module.GET_STORE_ID).fetchone()[0])


def test_ids_round_trip_through_the_text_array(tmp_path: Path) -> None:
    _seeded(tmp_path)
    _store(tmp_path).close()
    with _store(tmp_path) as store, _from_tables(tmp_path) as reference:
        assert list(store.view().ids) == list(reference.view().ids)
        assert np.array_equal(store.view().labels, reference.view().labels)


def test_a_growable_over_a_read_only_array_copies_before_writing() -> None:
    from graph.embedded.memory import Growable

    mapped = np.array([1, 2, 3], dtype=np.int8)
    mapped.flags.writeable = False
    grown = Growable.over(mapped, np.array([-1], dtype=np.int8))
    grown.shared = 0  # even with no view holding it, a read-only array is never written
    assert grown.write(np.array([1]), np.array([9], dtype=np.int8)).tolist() == [1]
    assert mapped.tolist() == [1, 2, 3] and grown.data.tolist() == [1, 9, 3]
    grown.ensure(5)
    assert grown.data.tolist()[:3] == [1, 9, 3] and len(grown.data) >= 5
