"""The embedded store's memory (graph.embedded.memory): deltas merged as the database holds them."""

from __future__ import annotations

import gc
import sqlite3
import tempfile
import weakref
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings

from graph.embedded import EmbeddedStore
from graph.embedded.memory import build_view, load, merge
from graph.embedded.sql import GET_VERSION
from graph.model import Knows, Label, Person, RelType
from graph.view import (
    GraphView,
    column_key,
    empty_column,
    rel_view_specs,
)
from tests.write_sequences import (
    STATUSES,
    STEPS,
    apply,
    base,
    check_changes,
    person,
    same_content,
    view_content,
)


def _upsert(src: list[int], dst: list[int], strength: list[float]) -> tuple[str, object]:
    cols = {s.name: empty_column(s, len(src)) for s in rel_view_specs(RelType.KNOWS)}
    cols["strength"] = np.array(strength, dtype=np.float64)
    return ("upsert", (np.array(src, np.int64), np.array(dst, np.int64), cols))


def test_merge_keeps_the_last_write_and_applies_deletes_in_order() -> None:
    pending = [
        _upsert([0, 1, 0], [1, 2, 1], [0.1, 0.2, 0.3]),  # (0, 1) twice: the last one wins
        ("delete_keys", (np.array([1]), np.array([2]))),
        _upsert([1, 3], [2, 4], [0.5, 0.6]),  # (1, 2) again after its delete
        ("delete_nodes", np.array([4])),
    ]
    index = merge(RelType.KNOWS, None, pending, 5)
    assert list(zip(index.src.tolist(), index.dst.tolist(), strict=True)) == [(0, 1), (1, 2)]
    assert index.columns["strength"].tolist() == [0.3, 0.5]
    assert index.out_ptr.tolist() == [0, 1, 2, 2, 2, 2]


def test_merge_onto_a_base_replaces_and_keeps_sorted() -> None:
    base = merge(RelType.KNOWS, None, [_upsert([0, 2], [3, 3], [0.1, 0.2])], 4)
    index = merge(RelType.KNOWS, base, [_upsert([1, 0], [3, 3], [0.7, 0.8])], 4)
    pairs = list(zip(index.src.tolist(), index.dst.tolist(), strict=True))
    assert pairs == [(0, 3), (1, 3), (2, 3)]
    assert index.columns["strength"].tolist() == [0.8, 0.7, 0.2]


def _same(a: GraphView, b: GraphView) -> None:
    """Same graph; ``a`` may have free slots at the end (a deleted node's number stays
    free in memory, and is gone from a view loaded afresh)."""
    n = b.n_slots
    assert a.version == b.version and a.index == b.index
    assert tuple(a.ids[:n]) == tuple(b.ids) and set(a.ids[n:]) <= {None}
    assert (a.labels[n:] == -1).all()
    np.testing.assert_array_equal(a.labels[:n], b.labels)
    for key in a.node_columns:
        np.testing.assert_array_equal(a.node_columns[key][:n], b.node_columns[key])
    for t in RelType:
        x, y = a.rel(t), b.rel(t)
        np.testing.assert_array_equal(x.src, y.src)
        np.testing.assert_array_equal(x.dst, y.dst)
        np.testing.assert_array_equal(x.out_ptr[: n + 1], y.out_ptr)
        for name in x.columns:
            np.testing.assert_array_equal(x.columns[name], y.columns[name])


def test_a_view_from_deltas_equals_the_view_loaded_from_disk(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as store:
        people = [Person(id=f"p{i}", first_name="A", last_name="B") for i in range(6)]
        store.upsert_nodes(people)
        store.upsert_relationships(
            [Knows(src=f"p{i}", dst=f"p{i + 1}", strength=0.5, source="unit") for i in range(5)]
        )
        store.upsert_relationships([Knows(src="p1", dst="p0", strength=0.9, source="event")])
        store.delete_relationship(RelType.KNOWS, "p3", "p2")
        store.delete_person("p5")
        from_deltas = store.view()
        conn = sqlite3.connect(store.path, isolation_level=None)
        try:
            from_disk = build_view(load(conn, GET_VERSION))
        finally:
            conn.close()
    _same(from_deltas, from_disk)


# --------------------------------------------------------------------------- derived views


def _loaded(store: EmbeddedStore) -> GraphView:
    """The view of a full load from disk (what a fresh process sees)."""
    conn = sqlite3.connect(store.path, isolation_level=None)
    try:
        return build_view(load(conn, GET_VERSION))
    finally:
        conn.close()


@settings(max_examples=60, deadline=None)
@given(steps=STEPS)
def test_views_derived_write_after_write_equal_a_full_load(steps) -> None:
    """After random writes (members updated and created, ties added, updated and deleted,
    employments, homes, memberships, deletes), the view derived from the previous one
    equals the view of a full load, says what changed, and every earlier view still
    answers exactly as it did (snapshot isolation)."""
    with tempfile.TemporaryDirectory() as tmp, EmbeddedStore(tmp) as store:
        base(store)
        first = store.view()
        kept = [(first, view_content(first))]
        for ops, read in steps:
            apply(store, ops)
            if not read:
                continue
            view = store.view()
            fresh = _loaded(store)
            same_content(view_content(view), view_content(fresh), fresh.n_slots)
            for old, snapshot in kept:
                same_content(view_content(old), snapshot)
                if old.version < view.version:
                    check_changes(old, view)
            kept.append((view, view_content(view)))


def test_a_derived_view_shares_what_a_write_did_not_touch(tmp_path: Path) -> None:
    """A member update copies only the columns whose values changed; ids, numbers and
    every relationship type are shared with the previous view."""
    with EmbeddedStore(tmp_path) as store:
        base(store)
        before = store.view()
        store.upsert_nodes([person("p2", "helper", False, None, 0)])  # consent withdrawn
        after = store.view()
    consent = column_key(Label.PERSON, "consent_introducer")
    assert after.changes is not None and after.changes.columns.keys() == {consent}
    for key, col in after.node_columns.items():
        assert np.shares_memory(col, before.node_columns[key]) == (key != consent), key
    assert np.shares_memory(after.labels, before.labels)
    for t in RelType:
        assert after.rel(t) is before.rel(t)
    assert after.ids[2] == before.ids[2] and after.index["p2"] == before.index["p2"]
    with pytest.raises(ValueError):
        after.node_columns[consent][0] = 1  # views are read-only


def test_an_older_view_keeps_a_deleted_and_recreated_id(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as store:
        base(store)
        before = store.view()
        nid = before.index["p3"]
        store.delete_node("p3")
        gone = store.view()
        store.upsert_nodes([person("p3", "candidate", False, None, 0)])
        again = store.view()
    assert before.index["p3"] == nid and before.ids[nid] == "p3"
    assert "p3" not in gone.index and gone.ids[nid] is None
    assert again.index["p3"] == again.n_slots - 1 != nid and again.ids[nid] is None
    assert again.changes_since(before.version) is not None


def test_views_and_their_arrays_are_released_after_many_writes(tmp_path: Path) -> None:
    """200 writes, each read: only the newest views stay alive (the memory of a store
    never holds more than its current view and the shared arrays)."""
    with EmbeddedStore(tmp_path) as store:
        base(store)
        alive: list[weakref.ref[GraphView]] = []
        for i in range(200):
            store.upsert_nodes([person("p1", STATUSES[i % 4], i % 2 == 0, i % 3, i % 5)])
            store.upsert_relationships(
                [Knows(src="p1", dst=f"p{2 + i % 4}", strength=0.5, source="unit")]
            )
            alive.append(weakref.ref(store.view()))
        gc.collect()
        assert sum(r() is not None for r in alive) == 1
        assert len(store._mem.log._by_version) <= store._mem.log.size
