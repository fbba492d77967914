"""The search index (graph.paths.index) derived write after write equals a full build.

``PathIndex.updated`` follows what changed since the index's own view
(:attr:`graph.view.GraphView.changes`); these tests check, after random write sequences on
the embedded store, that it gives the very arrays, costs and bridges of ``PathIndex(view)``,
that the index it came from still answers as before, that the service derives the index
instead of building it, and that memory stays flat over many writes.
"""

from __future__ import annotations

import gc
import tempfile
import weakref
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.embedded import EmbeddedStore
from graph.model import Groupement, Knows, Label, WorksAt
from graph.paths import PathPolicy, Target, find_paths
from graph.paths import index as index_module
from graph.paths.index import PathIndex
from graph.paths.policy import HopCosts
from graph.paths.service import _groupement_associations, path_index
from graph.store import find_all
from graph.view import day_number
from seed.demo.generator import generate
from tests.write_sequences import (
    AS_OF,
    EMPLOYERS,
    GROUPEMENTS,
    PEOPLE,
    STATUSES,
    STEPS,
    apply,
    base,
    index_content,
    person,
    same_index,
)

DAY = day_number(AS_OF)
OTHER_DAY = day_number(date(2030, 1, 1))


def _associations(store: EmbeddedStore) -> dict[str, str]:
    return {
        g.id: g.association_id
        for g in find_all(store, Label.GROUPEMENT)
        if isinstance(g, Groupement)
    }


def _warm(index: PathIndex) -> None:
    """Fill the caches an index carries over: two costs, every groupement's bridges."""
    index.costs(HopCosts(), DAY)
    index.costs(PathPolicy(max_intermediaries=2).costs, OTHER_DAY)
    for g in GROUPEMENTS:
        if g in index.view.index:
            index.bridges(index.view.index[g], DAY)


def _same_caches(derived: PathIndex, fresh: PathIndex) -> None:
    for (costs, day), entry in list(derived._costs.items()):
        np.testing.assert_array_equal(entry, fresh.costs(costs, day))
    for g in GROUPEMENTS:
        nid = derived.view.index.get(g)
        if nid is None:
            continue
        a, b = derived.bridges(nid, DAY), fresh.bridges(nid, DAY)
        for name in ("helpers", "partner", "via", "anchor"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


@settings(max_examples=60, deadline=None)
@given(steps=STEPS, data=st.data())
def test_an_index_derived_write_after_write_equals_a_full_build(steps, data) -> None:
    """After random writes, ``updated`` gives the arrays, hop costs and bridges of a
    full build over the same view, also when it skips views (changes composed over
    several versions); and the index it came from is left as it was."""
    with tempfile.TemporaryDirectory() as tmp, EmbeddedStore(tmp) as store:
        base(store)
        index = PathIndex(store.view(), _associations(store))
        _warm(index)
        snapshot = index_content(index)
        for ops, read in steps:
            apply(store, ops)
            if not read:
                continue
            view = store.view()
            if not data.draw(st.booleans(), label="derive at this view"):
                continue
            derived = index.updated(view, associations=lambda: _associations(store))
            assert derived is not None
            fresh = PathIndex(view, _associations(store))
            same_index(derived, fresh)
            _same_caches(derived, fresh)
            same_index(index, snapshot)  # the older index answers as it did
            index, snapshot = derived, index_content(derived)
            _warm(index)


@settings(max_examples=30, deadline=None)
@given(steps=STEPS)
def test_answers_after_writes_equal_those_of_a_store_opened_afresh(steps) -> None:
    """The service's derived index answers every query like a store loaded from disk."""
    with tempfile.TemporaryDirectory() as tmp, EmbeddedStore(tmp) as store:
        base(store)
        policy = PathPolicy(max_intermediaries=3, k=3)
        find_paths(store, "p1", Target.employer("e1"), policy, AS_OF)
        for ops, _ in steps:
            apply(store, ops)
            with EmbeddedStore(tmp) as fresh:
                people = [p for p in PEOPLE if store.get(p) is not None]
                for candidate in people[:3]:
                    targets = [Target.employer(e) for e in EMPLOYERS]
                    targets += [Target.person(p) for p in people if p != candidate][:2]
                    for target in targets:
                        got = find_paths(store, candidate, target, policy, AS_OF)
                        want = find_paths(fresh, candidate, target, policy, AS_OF)
                        assert got == want, (candidate, target)


def test_the_service_derives_the_index_of_a_new_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a member update, a new tie and a new employment, the next query's index comes
    from the previous one (no full build), sharing every array the write did not touch."""
    with EmbeddedStore(tmp_path) as store:
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
        for name in ("nbr", "tie", "ptr", "rank", "helper", "over_capacity", "bassin_of"):
            assert getattr(second, name) is getattr(first, name), name
        assert not second.consent[store.view().index["p2"]]
        day = day_number(date.today())
        assert second._costs[(HopCosts(), day)] is first._costs[(HopCosts(), day)]
        store.upsert_relationships([Knows(src="p1", dst="p4", strength=0.9, source="event")])
        third = path_index(store)
        store.upsert_relationships([WorksAt(src="p3", dst="e2")])
        fourth = path_index(store)
        assert not built and fourth.version > third.version > second.version
        assert fourth.nbr is third.nbr and third.nbr is not second.nbr
        monkeypatch.setattr(PathIndex, "__init__", full_init)
        same_index(fourth, PathIndex(store.view(), _groupement_associations(store)))


def test_indexes_are_released_and_memory_stays_flat_over_many_writes(tmp_path: Path) -> None:
    """200 writes of the mix (member updates, new ties, new employments, new members) on a
    2,000-person store, each followed by a path query: at most the two newest indexes stay
    alive, and the process grows by less than 40 MB from the 20th write to the 200th
    (before derived indexes, each version kept its own copies of every array)."""
    with EmbeddedStore(tmp_path) as store:
        with store.bulk():
            for batch in generate(2000, 5):
                store.write(batch)
        view = store.view()
        people = [view.ids[int(n)] for n in view.nodes_with_label(Label.PERSON)[:200]]
        employers = [view.ids[int(n)] for n in view.nodes_with_label(Label.EMPLOYER)[:20]]
        candidate = str(people[0])
        alive: list[weakref.ref[PathIndex]] = []
        rss = []
        for i in range(200):
            p = str(people[1 + i % 199])
            kind = i % 4
            if kind == 0:
                record = store.get(p)
                assert record is not None
                store.upsert_nodes(
                    [
                        record.model_copy(
                            update={"consent_introducer": i % 8 == 0, "capacity": i % 5}
                        )
                    ]
                )
            elif kind == 1:
                q = str(people[1 + (i * 7) % 199])
                if q != p:
                    store.upsert_relationships([Knows(src=p, dst=q, strength=0.7, source="event")])
            elif kind == 2:
                store.upsert_relationships([WorksAt(src=p, dst=str(employers[i % 20]))])
            else:
                store.upsert_nodes([person(f"new-{i}", STATUSES[i % 4], True, None, 0)])
            find_paths(store, candidate, Target.employer(str(employers[0])))
            alive.append(weakref.ref(path_index(store)))
            if i in (19, 199):
                gc.collect()
                rss.append(_rss())
        gc.collect()
        assert sum(r() is not None for r in alive) <= 2
        assert rss[1] - rss[0] < 40 * 2**20, f"grew by {(rss[1] - rss[0]) / 2**20:.1f} MB"


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def test_large_changes_are_declined(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past UPDATE_MAX changed records, ``updated`` declines (the caller builds afresh)."""
    monkeypatch.setattr(index_module, "UPDATE_MAX", 3)
    with EmbeddedStore(tmp_path) as store:
        base(store)
        index = PathIndex(store.view(), _associations(store))
        store.upsert_nodes([person(p, "helper", True, None, 0) for p in PEOPLE[6:10]])
        assert index.updated(store.view()) is None
