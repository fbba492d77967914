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


def test_coverage_figures_at_hand_are_computed_on_the_loop(tmp_path: Path) -> None:
    """A coverage answer that is a lookup in computed figures (``ready``) is made on the
    loop; any other computation goes to a thread. Either way it is kept for the version."""
    from api.routes.coverage import serving

    with EmbeddedStore(tmp_path) as store:
        build_world(store)
        store.view()

        def serve(what: tuple, ready) -> tuple[str, list[str]]:
            calls: list[str] = []

            async def main() -> str:
                loop_thread = threading.get_ident()

                def compute() -> tuple[int, str, int]:
                    calls.append("loop" if threading.get_ident() == loop_thread else "thread")
                    return store.view().version, "answer", 1

                return await serving.serve(_request(), store, what, compute, ready)

            return anyio.run(main), calls

        assert serve(("t", 1), lambda s, v: True) == ("answer", ["loop"])
        assert serve(("t", 1), lambda s, v: True) == ("answer", [])  # kept
        assert serve(("t", 2), lambda s, v: False) == ("answer", ["thread"])
        assert serve(("t", 3), None) == ("answer", ["thread"])
        assert serve(("t", 3), None) == ("answer", [])


def test_a_server_settles_its_heap_after_each_warm_up(tmp_path: Path, monkeypatch) -> None:
    """``passerelle serve``'s app (``settle=True``) settles the heap once the API's warm-up
    and once the dashboard's are done; an app made for tests or embedding does not."""
    from fastapi.testclient import TestClient

    import api.app as app_module
    from api.settings import ApiSettings
    from cli.wiring import create_server
    from graph.access.tokens import TokenStore

    calls: list[str] = []
    done = threading.Event()

    def record() -> None:
        calls.append(threading.current_thread().name)
        if len(calls) == 2:
            done.set()

    monkeypatch.setattr(app_module, "settle_heap", record)
    settings = ApiSettings(data_dir=tmp_path, api_warm=True)
    tokens = TokenStore(settings.auth_db_path)
    with EmbeddedStore(tmp_path) as store:
        build_world(store)
        for settle in (False, True):
            app = create_server(settings, store=store, tokens=tokens, settle=settle)
            with TestClient(app):
                for thread in threading.enumerate():
                    if thread.name == "dashboard-warm":
                        thread.join(30)
            if not settle:
                assert calls == []
    tokens.close()
    assert done.is_set() and len(calls) == 2
    assert "dashboard-warm" in calls  # one from the dashboard's warm-up thread


def test_settle_heap_freezes_what_is_alive() -> None:
    import gc

    from api.runtime import settle_heap

    assert gc.get_freeze_count() == 0
    try:
        settle_heap()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
