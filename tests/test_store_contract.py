"""The store contract (tests/contract.py) run on every available GraphStore adapter.

Today that is the embedded store; the Neo4j adapter joins by adding an entry to
``ADAPTERS`` (skipped when no server is configured).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from graph.embedded import EmbeddedStore
from graph.store import GraphStore
from tests.contract import StoreContract, StoreFactory

#: adapter name -> function opening that adapter's store on a location under ``tmp_path``
ADAPTERS: dict[str, Callable[[Path], GraphStore]] = {
    "embedded": lambda tmp_path: EmbeddedStore(tmp_path / "store"),
}


@pytest.fixture(params=sorted(ADAPTERS))
def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """Opens a store of the adapter on this test's location; closes all of them after."""
    opened: list[GraphStore] = []

    def open_store() -> GraphStore:
        store = ADAPTERS[request.param](tmp_path)
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        store.close()


class TestStoreContract(StoreContract):
    """Every contract test, for every adapter of ``ADAPTERS``."""
