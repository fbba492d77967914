"""Where the API runs short calls: on the event loop when the store is current, else in a
thread."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

import anyio

from api.runtime import on_loop_or_thread
from graph.embedded import EmbeddedStore
from graph.model import Person
from graph.paths.service import index_ready, path_index
from tests.api.conftest import build_world


def _request() -> SimpleNamespace:
    return SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace()))


def _where(store, **kw) -> str:
    async def main() -> str:
        loop_thread = threading.get_ident()
        ran_in = await on_loop_or_thread(_request(), store, threading.get_ident, **kw)
        return "loop" if ran_in == loop_thread else "thread"

    return anyio.run(main)


def test_view_if_current_never_waits_nor_reloads(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as store, EmbeddedStore(tmp_path) as other:
        build_world(store)
        view = store.view()
        assert store.view_if_current() is view
        other.upsert_nodes([Person(id="p-new", first_name="A", last_name="B")])
        assert store.view_if_current() is None  # another process wrote: reload first
        assert store.view().version > view.version
        assert store.view_if_current() is not None
        # a write or a reload under way in another thread: do not wait for it
        held, release = threading.Event(), threading.Event()

        def writer() -> None:
            with store._lock:
                held.set()
                release.wait(10)

        thread = threading.Thread(target=writer)
        thread.start()
        held.wait(10)
        try:
            assert store.view_if_current() is None
        finally:
            release.set()
            thread.join()
        assert store.view_if_current() is not None


def test_short_calls_run_on_the_loop_only_when_the_store_is_current(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as store, EmbeddedStore(tmp_path) as other:
        build_world(store)
        store.view()
        assert _where(store) == "loop"
        other.upsert_nodes([Person(id="p-new", first_name="A", last_name="B")])
        assert _where(store) == "thread"  # the reload happens off the loop
        store.view()
        assert _where(store) == "loop"
        # the path search waits for its index to be built, in a thread
        assert not index_ready(store, store.view())
        assert _where(store, ready=index_ready) == "thread"
        path_index(store)
        assert index_ready(store, store.view())
        assert _where(store, ready=index_ready) == "loop"
    # a store without an in-process view (Neo4j) always goes to a thread
    assert _where(SimpleNamespace()) == "thread"
