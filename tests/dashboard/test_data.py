"""dashboard.data: what the pages gather, kept per store version (bounded), never stale."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from dashboard import data as D
from graph.coverage import service as S
from graph.embedded import EmbeddedStore
from graph.model import Covers, Groupement, InGroupement, Person
from graph.store import Batch
from tests.api.conftest import build_world

AS_OF = date(2025, 6, 1)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    with EmbeddedStore(tmp_path) as s:
        build_world(s)
        yield s


def _join(store: EmbeddedStore, pid: str) -> None:
    store.write(
        Batch(
            nodes=[Person(id=pid, first_name="A", last_name="B", status="candidate")],
            rels=[InGroupement(src=pid, dst="grp-a")],
        )
    )


def test_the_pages_see_a_write_at_once(store: EmbeddedStore) -> None:
    before = D.national_data(store, AS_OF)
    assert "late" not in {p.id for p in D.members(store, "grp-a")}
    _join(store, "late")
    store.write(
        Batch(
            nodes=[Groupement(id="grp-c", name="Groupement C", association_id="asso-a")],
            rels=[Covers(src="grp-c", dst="dep-33")],
        )
    )
    after = D.national_data(store, AS_OF)
    # new members are not a change coverage follows: until the background rebuild is
    # done, the figures are the newest complete ones, labelled (issue 16)
    assert after.report.current or D.freshness(after.report)
    S.wait_for_rebuilds(30)
    after = D.national_data(store, AS_OF)
    assert after.version == store.version > before.version
    assert after.report.total is not None and before.report.total is not None
    assert after.report.total.candidates == before.report.total.candidates + 1
    assert "late" in {p.id for p in D.members(store, "grp-a")}
    assert D.groupement_info(store, "grp-c").departements == ("33",)


def test_only_the_newest_two_versions_are_kept(store: EmbeddedStore) -> None:
    first = weakref.ref(D.national_data(store, AS_OF))
    for i in (1, 2):  # two writes: the first version is then the third newest
        _join(store, f"late-{i}")
        D.national_data(store, AS_OF)
        S.wait_for_rebuilds(30)
        D.national_data(store, AS_OF)
    gc.collect()
    assert first() is None, "the national data of the first version is still alive"
    assert D._MEMO.kept_versions(store) == [store.version - 1, store.version]


def test_at_most_memo_size_values_are_kept_per_store(store: EmbeddedStore) -> None:
    for i in range(D.MEMO_SIZE + 10):
        D.memo(store, ("test", i), lambda i=i: i)
    kept = [D._MEMO.peek(store, store.version, ("test", i)) for i in range(D.MEMO_SIZE + 10)]
    assert kept == [None] * 10 + list(range(10, D.MEMO_SIZE + 10))


def test_a_forgotten_store_releases_what_the_pages_gathered(tmp_path: Path) -> None:
    s = EmbeddedStore(tmp_path)
    build_world(s)
    data = weakref.ref(D.national_data(s, AS_OF))
    owner = weakref.ref(s)
    s.close()
    del s
    gc.collect()
    assert owner() is None and data() is None


def test_older_national_data_is_served_but_not_kept(tmp_path) -> None:
    """While the coverage state is rebuilt after a removal, the national data is that of
    the newest complete state, labelled, and not kept: the next call after the rebuild
    is current (issue 16)."""
    from graph.model import RelType
    from tests.coverage_net import AS_OF, build

    with EmbeddedStore(tmp_path / "s") as store:
        build(store)
        first = D.national_data(store, AS_OF)
        assert first.report.current and D.freshness(first.report) is None
        assert store.delete_relationship(RelType.KNOWS, "c1", "h1")
        older = D.national_data(store, AS_OF)
        if not older.report.current:  # the rebuild may be done already
            assert older.version == first.version
            assert D.freshness(older.report).startswith("Chiffres calculés à ")
        S.wait_for_rebuilds(30)
        now = D.national_data(store, AS_OF)
        assert now.report.current and now.version == store.version
