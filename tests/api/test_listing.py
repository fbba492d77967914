"""api.listing: pages ordered by id; the id ranks kept per store version, bounded."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import numpy as np

from api import listing
from api.deps import PageParams
from api.listing import id_rank, page_of
from graph.embedded import EmbeddedStore
from graph.model import Sector
from tests.api.conftest import World


def _sector(sid: str) -> Sector:
    return Sector(id=sid, code=sid, name=sid.upper())


def _page(store: EmbeddedStore, limit: int = 10) -> list[str]:
    view = store.view()
    nids = np.array([view.index[i] for i in view.ids if i is not None], dtype=np.int64)
    records, total = page_of(store, view, nids, PageParams(limit, 0))
    assert total == len(nids)
    return [r.id for r in records]


def test_a_page_is_ordered_by_id_whatever_order_nodes_came_in(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as store:
        store.upsert_nodes([_sector(s) for s in ("s-c", "s-a", "s-b")])
        assert _page(store, 2) == ["s-a", "s-b"]


def test_a_write_is_seen_by_the_next_page(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as store:
        store.upsert_nodes([_sector(s) for s in ("s-c", "s-b")])
        assert _page(store) == ["s-b", "s-c"]
        store.upsert_nodes([_sector("s-a")])  # ranks of the old version must not be used
        assert _page(store) == ["s-a", "s-b", "s-c"]


def test_ranks_are_kept_for_the_newest_two_versions_only(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as store:
        store.upsert_nodes([_sector("s-0")])
        first = weakref.ref(id_rank(store, store.view()))
        for i in (1, 2):  # two writes: the first version is then the third newest
            store.upsert_nodes([_sector(f"s-{i}")])
            _page(store)
        gc.collect()
        assert first() is None, "the ranks of the first version are still alive"
        assert listing._RANKS.kept_versions(store) == [store.version - 1, store.version]


def test_a_forgotten_store_releases_its_ranks(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path)
    store.upsert_nodes([_sector("s-a")])
    rank = weakref.ref(id_rank(store, store.view()))
    owner = weakref.ref(store)
    store.close()
    del store
    gc.collect()
    assert owner() is None and rank() is None


def test_a_member_created_through_the_api_is_listed_at_once(fresh_world: World) -> None:
    w = fresh_world
    h = w.headers("admin")
    before = w.client.get("/api/v1/members?limit=1", headers=h).json()
    created = w.client.post(
        "/api/v1/members", headers=h, json={"id": "a-first", "first_name": "A", "last_name": "B"}
    )
    assert created.status_code == 201, created.text
    after = w.client.get("/api/v1/members?limit=1", headers=h).json()
    assert after["total"] == before["total"] + 1
    assert [m["id"] for m in after["items"]] == ["a-first"]
