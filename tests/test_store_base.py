"""What every store adapter shares (graph.store_base), and paging through find (graph.store)."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.embedded import EmbeddedStore
from graph.errors import InvalidInput, StoreUnavailable
from graph.model import REL_MODELS, Label, Person, RelType, Sector
from graph.store import find_all
from graph.store_base import MAX_FIND_LIMIT, canonical_ends, check_direction, check_page


@pytest.mark.parametrize("rel_type", list(RelType))
def test_canonical_ends_order_only_undirected_types(rel_type: RelType) -> None:
    undirected = REL_MODELS[rel_type].UNDIRECTED
    assert canonical_ends(rel_type, "b", "a") == (("a", "b") if undirected else ("b", "a"))
    assert canonical_ends(rel_type, "a", "b") == ("a", "b")


def test_direction_is_out_in_or_both() -> None:
    for direction in ("out", "in", "both"):
        assert check_direction(direction) == direction
    for bad in ("up", None, "OUT"):
        with pytest.raises(InvalidInput) as info:
            check_direction(bad)
        assert info.value.field == "direction"


def test_paging_bounds() -> None:
    check_page(1, 0)
    check_page(MAX_FIND_LIMIT, 10**9)
    for limit, offset, field in (
        (0, 0, "limit"),
        (MAX_FIND_LIMIT + 1, 0, "limit"),
        (1, -1, "offset"),
    ):
        with pytest.raises(InvalidInput) as info:
            check_page(limit, offset)
        assert info.value.field == field


@pytest.fixture
def store(tmp_path: Path):
    with EmbeddedStore(tmp_path / "s") as s:
        s.upsert_nodes([Sector(id=f"s{i}", code=f"c{i}", name="n") for i in range(5)])
        s.upsert_nodes([Person(id="p", first_name="A", last_name="B")])
        yield s


def test_find_checks_names_before_paging_and_limit_before_offset(store: EmbeddedStore) -> None:
    with pytest.raises(InvalidInput) as info:
        store.find(Label.PERSON, {"first_name": "A", "nickname": "x"}, limit=0, offset=-1)
    assert info.value.field == "nickname"
    with pytest.raises(InvalidInput) as info:
        store.find(Label.PERSON, limit=0, offset=-1)
    assert info.value.field == "limit"


def test_argument_checks_come_before_the_database(store: EmbeddedStore) -> None:
    """A bad direction is the caller's error even when the store cannot be read."""
    store.close()
    with pytest.raises(InvalidInput):
        store.relationships("p", direction="sideways")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        store.find(Label.PERSON, limit=0)
    with pytest.raises(StoreUnavailable):
        store.relationships("p")


def test_find_all_reads_every_page(store: EmbeddedStore) -> None:
    assert [s.id for s in find_all(store, Label.SECTOR, page=2)] == [f"s{i}" for i in range(5)]
    assert [s.id for s in find_all(store, Label.SECTOR, page=5)] == [f"s{i}" for i in range(5)]
    assert [s.id for s in find_all(store, Label.SECTOR, {"code": "c3"}, page=1)] == ["s3"]
    assert list(find_all(store, Label.EMPLOYER)) == []


def test_the_upserts_and_delete_person_go_through_write_and_delete_node(
    store: EmbeddedStore,
) -> None:
    before = store.version
    result = store.upsert_nodes([Person(id="q", first_name="C", last_name="D")])
    assert (result.nodes, result.version) == (1, before + 1)
    assert store.delete_person("q").node_id == "q"
    assert store.get("q") is None
