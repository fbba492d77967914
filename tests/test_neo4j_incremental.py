"""On Neo4j, views and the search index follow writes at the cost of the change.

The Neo4j store keeps its view in a :class:`~graph.memory.Memory` stepped from the change
log (its own writes and other processes'); these tests check, after random write
sequences, that each derived view equals the whole graph streamed afresh, says what
changed, leaves older views as they were, and that the index derived from the previous
one equals a full build (the embedded store's equivalents are in
``tests/test_embedded_memory.py`` and ``tests/test_paths_index.py``). Node numbers differ
between a derived view (creation order) and a streamed one (id order), so views are
compared by id (:func:`tests.store_contract.view_content`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.model import Knows, Person, RelType, WorksAt
from graph.paths import PathPolicy, Target, find_paths
from graph.paths.index import PathIndex
from graph.paths.service import _groupement_associations, path_index
from graph.view import GraphView, RelIndex
from tests.neo4j_server import needs_server
from tests.store_contract import view_content as by_id
from tests.write_sequences import (
    AS_OF,
    EMPLOYERS,
    PEOPLE,
    STEPS,
    apply,
    base,
    check_changes,
    person,
    same_content,
    same_index,
)
from tests.write_sequences import view_content as by_number

pytestmark = needs_server


def _fresh_store() -> Any:
    from tests.neo4j_server import open_store, wipe

    wipe()
    return open_store()


def _streamed(store: Any) -> GraphView:
    """The whole graph streamed afresh, as a process starting now reads it."""
    from graph.neo4j.loader import stream_view
    from graph.neo4j.store import version_in

    return store.read(lambda tx: stream_view(tx, version_in(tx)))


def _whole_csr(view: GraphView) -> None:
    """Each relationship type's offsets are those its edges give (nothing stale)."""
    for t, rel in view.rels.items():
        built = RelIndex.build(t, rel.src, rel.dst, rel.columns, view.n_slots)
        for name in ("out_ptr", "in_ptr", "in_perm"):
            np.testing.assert_array_equal(getattr(rel, name), getattr(built, name), err_msg=name)


@settings(max_examples=20, deadline=None)
@given(steps=STEPS, data=st.data())
def test_neo4j_views_and_indexes_derived_write_after_write_equal_a_full_read(steps, data) -> None:
    """After random writes, each view is derived from the log (never streamed again),
    equals the graph streamed afresh, says what changed, and every earlier view answers
    as it did; the index derived from the previous one equals a full build."""
    store = _fresh_store()
    try:
        base(store)
        first = store.view()
        kept = [(first, by_number(first))]
        index = PathIndex(first, _groupement_associations(store))
        for ops, read in steps:
            apply(store, ops)
            if not read:
                continue
            view = store.view()
            # derived from the log (a step may write nothing: then it is the same view)
            assert view.changes_since(first.version) is not None
            assert by_id(view) == by_id(_streamed(store))
            _whole_csr(view)
            for old, snapshot in kept:
                same_content(by_number(old), snapshot)  # snapshot isolation
                if old.version < view.version:
                    check_changes(old, view)
            kept.append((view, by_number(view)))
            if data.draw(st.booleans(), label="derive the index at this view"):
                derived = index.updated(view, associations=lambda: _groupement_associations(store))
                assert derived is not None
                same_index(derived, PathIndex(view, _groupement_associations(store)))
                index = derived
        assert store.sync_stats.reloads == 1  # the first view only
    finally:
        store.close()


@settings(max_examples=8, deadline=None)
@given(steps=STEPS)
def test_neo4j_answers_after_writes_equal_those_of_a_store_opened_afresh(steps) -> None:
    """The service's derived index answers like a store that streams the graph anew."""
    from tests.neo4j_server import open_store

    store = _fresh_store()
    try:
        base(store)
        policy = PathPolicy(max_intermediaries=3, k=3)
        find_paths(store, "p1", Target.employer("e1"), policy, AS_OF)
        for ops, _ in steps:
            apply(store, ops)
            fresh = open_store()
            try:
                people = [p for p in PEOPLE if store.get(p) is not None]
                for candidate in people[:2]:
                    targets = [Target.employer(e) for e in EMPLOYERS]
                    targets += [Target.person(p) for p in people if p != candidate][:1]
                    for target in targets:
                        got = find_paths(store, candidate, target, policy, AS_OF)
                        want = find_paths(fresh, candidate, target, policy, AS_OF)
                        assert got == want, (candidate, target)
            finally:
                fresh.close()
    finally:
        store.close()


def test_neo4j_member_updates_and_ties_do_not_build_the_index(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A member update, a new tie, a new employment and a deleted tie, written by this
    process or by another (read from the log), give indexes derived from the previous
    one: no full build after the first, and the same arrays as a full build."""
    from tests.neo4j_server import open_store

    store = _fresh_store()
    other = open_store()  # another process writing to the same database
    try:
        base(store)
        first = path_index(store)
        built: list[int] = []
        full_init = PathIndex.__init__

        def counting(self: PathIndex, *args: object, **kwargs: object) -> None:
            built.append(1)
            full_init(self, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(PathIndex, "__init__", counting)
        store.upsert_nodes([person("p2", "helper", False, None, 0)])  # consent withdrawn
        second = path_index(store)
        assert second.version > first.version and not built
        assert second.nbr is first.nbr  # the ties did not change: shared
        assert not second.consent[store.view().index["p2"]]
        other.upsert_relationships([Knows(src="p1", dst="p4", strength=0.9, source="event")])
        third = path_index(store)
        other.upsert_nodes([Person(id="p9", first_name="N", last_name="p9")])
        other.upsert_relationships([WorksAt(src="p9", dst="e2", since=date(2020, 1, 1))])
        store.delete_relationship(RelType.KNOWS, "p0", "p1")
        fourth = path_index(store)
        assert not built and fourth.version > third.version > second.version
        assert store.sync_stats.reloads == 1
        monkeypatch.setattr(PathIndex, "__init__", full_init)
        same_index(fourth, PathIndex(store.view(), _groupement_associations(store)))
    finally:
        other.close()
        store.close()
