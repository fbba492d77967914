"""``/api/v1/groupements``: head counts of the current version, kept for two versions only."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from api.routes import groupements
from graph.embedded import EmbeddedStore
from graph.model import InGroupement, Person
from graph.store import Batch
from tests.api.conftest import World, build_world


def _join(store: EmbeddedStore, pid: str) -> None:
    store.write(
        Batch(
            nodes=[Person(id=pid, first_name="A", last_name="B", status="candidate")],
            rels=[InGroupement(src=pid, dst="grp-a")],
        )
    )


def test_counts_after_each_write_are_those_of_the_new_version(fresh_world: World) -> None:
    w = fresh_world
    h = w.headers("referent")  # grp-a's own view: exact head counts
    before = w.client.get("/api/v1/groupements/grp-a", headers=h).json()["counts"]
    for i in range(4):
        _join(w.store, f"late-{i}")
        listed = w.client.get("/api/v1/groupements", headers=h).json()["items"]
        counts = next(g for g in listed if g["id"] == "grp-a")["counts"]
        assert counts["members"] == before["members"] + i + 1
        assert counts["candidates"] == before["candidates"] + i + 1
        assert groupements._COUNTS.kept_versions(w.store)[-1] == w.store.version
        assert len(groupements._COUNTS.kept_versions(w.store)) <= 2


def test_counts_of_old_versions_and_forgotten_stores_are_released(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path)
    build_world(store)
    first = weakref.ref(groupements._counts(store, store.view())["grp-a"])
    for i in (1, 2):  # two writes: the first version is then the third newest
        _join(store, f"late-{i}")
        latest = groupements._counts(store, store.view())["grp-a"]
    assert latest.members == 5
    assert groupements._COUNTS.kept_versions(store) == [store.version - 1, store.version]
    gc.collect()
    assert first() is None, "the counts of the first version are still alive"
    kept, owner = weakref.ref(latest), weakref.ref(store)
    store.close()
    del store, latest
    gc.collect()
    assert owner() is None and kept() is None
