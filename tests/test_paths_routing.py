"""A store that asks for in-database path evaluation gets it from the path service."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

import graph.neo4j.paths as neo4j_paths
from graph.embedded import EmbeddedStore
from graph.model import Knows, Person
from graph.paths.service import Target, find_paths
from graph.settings import Settings


def _store(tmp_path: Path) -> EmbeddedStore:
    store = EmbeddedStore(tmp_path)
    store.upsert_nodes(
        [
            Person(id="c", first_name="Paul", last_name="Martin"),
            Person(id="p", first_name="Anne", last_name="Leroy", consent_introducer=True),
        ]
    )
    store.upsert_relationships([Knows(src="c", dst="p", strength=0.9, source="unit")])
    return store


def test_flagged_store_is_answered_by_the_database_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(
        neo4j_paths, "find_paths_in_db", lambda *args: calls.append(args) or "from-db"
    )
    with _store(tmp_path) as store:
        store.paths_in_database = True  # type: ignore[attr-defined]
        assert find_paths(store, "c", Target.person("p"), as_of=date(2025, 1, 1)) == "from-db"
        assert calls and calls[0][1] == "c"


def test_unflagged_store_uses_the_in_memory_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(neo4j_paths, "find_paths_in_db", lambda *args: pytest.fail("routed"))
    with _store(tmp_path) as store:
        result = find_paths(store, "c", Target.person("p"), as_of=date(2025, 1, 1))
    assert result.paths and result.paths[0].reasons


def test_setting_defaults_to_in_memory() -> None:
    assert Settings().neo4j_paths_in_database is False
