"""A store that implements the in-database search port gets path queries from the service."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

from graph.embedded import EmbeddedStore
from graph.model import Knows, Person
from graph.neo4j import Neo4jStore
from graph.paths.ports import InDatabasePathSearch
from graph.paths.service import Target, find_paths
from graph.settings import Settings


class SearchingStore(EmbeddedStore):
    """An embedded store that says it searches paths in its database, and records calls."""

    def __init__(self, data_dir: Path, *, in_database: bool) -> None:
        super().__init__(data_dir)
        self.paths_in_database = in_database
        self.calls: list[tuple[Any, ...]] = []

    def find_paths_in_database(self, *args: Any) -> Any:
        self.calls.append(args)
        return "from-db"


def _fill(store: EmbeddedStore) -> EmbeddedStore:
    store.upsert_nodes(
        [
            Person(id="c", first_name="Paul", last_name="Martin"),
            Person(id="p", first_name="Anne", last_name="Leroy", consent_introducer=True),
        ]
    )
    store.upsert_relationships([Knows(src="c", dst="p", strength=0.9, source="unit")])
    return store


def test_a_store_searching_in_its_database_is_asked(tmp_path: Path) -> None:
    with _fill(SearchingStore(tmp_path, in_database=True)) as store:
        assert isinstance(store, InDatabasePathSearch)
        assert find_paths(store, "c", Target.person("p"), as_of=date(2025, 1, 1)) == "from-db"
        assert store.calls == [("c", Target.person("p"), None, date(2025, 1, 1))]


def test_the_port_switched_off_uses_the_in_memory_engine(tmp_path: Path) -> None:
    with _fill(SearchingStore(tmp_path, in_database=False)) as store:
        result = find_paths(store, "c", Target.person("p"), as_of=date(2025, 1, 1))
        assert not store.calls
    assert result.paths and result.paths[0].reasons


def test_a_store_without_the_port_uses_the_in_memory_engine(tmp_path: Path) -> None:
    with _fill(EmbeddedStore(tmp_path)) as store:
        assert not isinstance(store, InDatabasePathSearch)
        result = find_paths(store, "c", Target.person("p"), as_of=date(2025, 1, 1))
    assert result.paths and result.paths[0].reasons


def test_the_neo4j_adapter_declares_the_port() -> None:
    assert InDatabasePathSearch in Neo4jStore.__mro__
    assert callable(Neo4jStore.find_paths_in_database)


def test_setting_defaults_to_in_memory() -> None:
    assert Settings().neo4j_paths_in_database is False


def test_the_path_service_imports_no_adapter() -> None:
    """The service knows the port only: importing it loads no Neo4j module."""
    code = "import sys, graph.paths.service; print(sorted(m for m in sys.modules if 'neo4j' in m))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
