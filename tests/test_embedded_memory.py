"""The embedded store's memory (graph.embedded.memory): deltas merged as the database holds them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from graph.embedded import EmbeddedStore
from graph.embedded.memory import build_view, load, merge
from graph.embedded.sql import GET_VERSION
from graph.model import Knows, Person, RelType
from graph.view import GraphView, empty_column, rel_view_specs


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
