"""api.routes.coverage.cache: answers kept per store version, bounded by versions and rows."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path
from typing import Any

import pytest

from api.routes.coverage import cache
from graph.coverage import service as S
from graph.embedded import EmbeddedStore
from graph.model import InGroupement, Person, Sector
from graph.store import Batch
from tests.api.conftest import World


class Answer:
    """A kept answer whose release can be observed through a weak reference."""

    def __init__(self, label: str) -> None:
        self.label = label


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with EmbeddedStore(tmp_path) as s:
        s.upsert_nodes([Sector(id="s-0", code="s0", name="S")])
        yield s


def _write(store: EmbeddedStore, i: int) -> None:
    store.upsert_nodes([Sector(id=f"s-{i}", code=f"s{i}", name="S")])


def _computed(version: int, value: Any) -> cache.Compute:
    return lambda: (version, value, 1)


def test_the_cache_is_bounded_by_rows(store: EmbeddedStore, monkeypatch) -> None:
    monkeypatch.setattr(cache, "_ANSWERS", cache.answers(rows=10))
    v = store.version
    cache.put(store, (v, "a"), "A", 4)
    cache.put(store, (v, "b"), "B", 4)
    assert cache.lookup(store, ("a",)) == ((v, "a"), "A")  # now the most recently used
    cache.put(store, (v, "c"), "C", 4)
    assert cache.lookup(store, ("b",))[1] is None
    assert [cache.lookup(store, (k,))[1] for k in "ac"] == ["A", "C"]
    cache.put(store, (v, "huge"), "H", 50)  # kept alone, even over the budget
    assert [cache.lookup(store, (k,))[1] for k in ("a", "c", "huge")] == [None, None, "H"]


def test_an_answer_is_looked_up_at_the_current_version_only(store: EmbeddedStore) -> None:
    key, hit = cache.lookup(store, ("national",))
    assert hit is None and key == (store.version, "national")
    assert cache.fill(store, key, ("national",), lambda: (store.version, "before", 1)) == "before"
    assert cache.lookup(store, ("national",))[1] == "before"
    _write(store, 1)
    assert cache.lookup(store, ("national",)) == ((store.version, "national"), None)


def test_an_answer_computed_after_a_write_is_kept_under_its_own_version(
    store: EmbeddedStore,
) -> None:
    key, _ = cache.lookup(store, ("national",))
    _write(store, 1)  # lands between the lookup and the computation

    def compute() -> tuple[int, str, int]:
        return store.view().version, "newer", 1

    assert cache.fill(store, key, ("national",), compute) == "newer"
    assert cache.lookup(store, ("national",))[1] == "newer"  # kept under the new version


def test_answers_of_old_versions_are_released(store: EmbeddedStore) -> None:
    first = Answer("first")
    gone = weakref.ref(first)
    cache.keep(store, ("national",), _computed(store.version, first))
    del first
    for i in (1, 2):  # two writes: the first version is then the third newest
        _write(store, i)
        cache.keep(store, ("national",), _computed(store.version, Answer("later")))
    gc.collect()
    assert gone() is None, "the answer of the first version is still alive"
    assert cache._ANSWERS.kept_versions(store) == [store.version - 1, store.version]


def test_a_forgotten_store_releases_its_answers(tmp_path: Path) -> None:
    s = EmbeddedStore(tmp_path)
    answer = Answer("national")
    kept = weakref.ref(answer)
    cache.keep(s, ("national",), _computed(s.version, answer))
    owner = weakref.ref(s)
    s.close()
    del s, answer
    gc.collect()
    assert owner() is None and kept() is None


def test_after_each_write_the_routes_answer_the_new_version(
    fresh_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the routes: every answer is of the version after the write, or labelled
    with an older one until the background rebuild is done; the cache holds the newest two
    versions only, however many writes came."""
    monkeypatch.setattr(S, "REBUILD_GAP_S", 0.0)  # a rebuild per write: not rationed here
    monkeypatch.setattr(S, "REBUILD_RATIO", 0.0)
    w = fresh_world
    own, h = w.headers("referent"), w.headers("admin")  # exact counts: grp-a's référent
    before = w.client.get("/api/v1/coverage/groupements/grp-a", headers=own).json()
    for i in range(4):
        w.store.write(
            Batch(
                nodes=[Person(id=f"late-{i}", first_name="A", last_name="B", status="candidate")],
                rels=[InGroupement(src=f"late-{i}", dst="grp-a")],
            )
        )
        for url, headers in (("/api/v1/coverage/groupements/grp-a", own), ("/api/v1/coverage", h)):
            # a new member is not a change the state follows: the report is the newest
            # complete one, labelled, until the background rebuild is done (issue 16)
            first = w.client.get(url, headers=headers).json()
            assert first["current"] or first["version"] < w.store.version
        S.wait_for_rebuilds(30)
        after = w.client.get("/api/v1/coverage/groupements/grp-a", headers=own).json()
        national = w.client.get("/api/v1/coverage", headers=h).json()
        assert national["current"] and after["current"]
        assert after["version"] == national["version"] == w.store.version
        assert after["total"]["candidates"] == before["total"]["candidates"] + i + 1
        kept = cache._ANSWERS.kept_versions(w.store)
        assert w.store.version in kept and set(kept) <= {w.store.version - 1, w.store.version}
