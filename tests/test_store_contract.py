"""The store contract (tests/contract.py) run on every GraphStore adapter.

Always on the embedded store; on the Neo4j adapter when ``NEO4J_URI`` is set (skipped
otherwise, with the reason). The Neo4j runs need a **dedicated test database**: the
contract counts nodes and relationships globally, so each test starts from an empty
database (everything in it is deleted, see :mod:`tests.neo4j_server`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from graph.embedded import EmbeddedStore
from graph.store import GraphStore
from tests.contract import StoreContract, StoreFactory
from tests.neo4j_server import SKIP_REASON, SKIPPED


def _neo4j(tmp_path: Path) -> GraphStore:
    """The Neo4j store; the test's first open empties the database (reopens keep it)."""
    from tests.neo4j_server import open_store, wipe

    marker = tmp_path / "neo4j-emptied"
    if not marker.exists():
        wipe()
        marker.touch()
    return open_store()


#: adapter name -> function opening that adapter's store on a location under ``tmp_path``
ADAPTERS: dict[str, Callable[[Path], GraphStore]] = {
    "embedded": lambda tmp_path: EmbeddedStore(tmp_path / "store"),
    "neo4j": _neo4j,
}
#: why an adapter cannot run here (absent: it runs)
UNAVAILABLE: dict[str, str] = {"neo4j": SKIP_REASON} if SKIPPED else {}


@pytest.fixture(
    params=[
        pytest.param(name, marks=pytest.mark.skip(reason=UNAVAILABLE[name]))
        if name in UNAVAILABLE
        else name
        for name in sorted(ADAPTERS)
    ]
)
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
