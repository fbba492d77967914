"""What the app holds while it runs: the store (opened lazily, reopened after a failure)."""

from __future__ import annotations

import functools
import gc
import inspect
import threading
import time
import typing
from collections.abc import Callable
from typing import Any, TypeVar

import anyio.to_thread
from starlette.requests import Request

from api.priority import turns_of
from graph.bootstrap import open_store
from graph.errors import StoreUnavailable
from graph.settings import Settings
from graph.store import GraphStore
from graph.view import GraphView

T = TypeVar("T")


class StoreHolder:
    """The app's store: injected, or opened from the settings on first use.

    When opening fails the API answers 503 and tries again at most once per
    ``retry_s``, so a store that comes back is picked up without a restart.
    """

    def __init__(
        self, settings: Settings, store: GraphStore | None = None, retry_s: float = 1.0
    ) -> None:
        self.settings = settings
        self._store = store
        self._owned = store is None
        self._retry_s = retry_s
        self._failed_at: float | None = None
        self._lock = threading.Lock()

    @property
    def current(self) -> GraphStore | None:
        """The store if it is open, without trying to open it."""
        return self._store

    def get(self) -> GraphStore:
        store = self._store
        if store is not None:
            return store
        with self._lock:
            if self._store is None:
                now = time.monotonic()
                if self._failed_at is not None and now - self._failed_at < self._retry_s:
                    raise StoreUnavailable("the store could not be opened")
                try:
                    self._store = open_store(self.settings)
                except StoreUnavailable:
                    self._failed_at = now
                    raise
            return self._store

    def close(self) -> None:
        with self._lock:
            if self._store is not None and self._owned:
                self._store.close()
                self._store = None


def settle_heap() -> None:
    """Collect, then exempt every object alive now from later collections.

    Called once the start-up work is done: the store's view, the search index and the
    dashboard's first report are a few hundred thousand long-lived objects that a full
    collection would otherwise walk again and again, pausing the worker 50-130 ms each
    time (measured under load at 100k people). Frozen objects are still freed when no
    longer referenced; only reference cycles among them would stay (``gc.freeze``).
    """
    gc.collect()
    gc.freeze()


# --------------------------------------------------------------------------- where work runs


async def on_loop_or_thread(
    request: Request,
    store: GraphStore,
    fn: Callable[..., T],
    *args: Any,
    ready: Callable[[GraphStore, GraphView], bool] = lambda store, view: True,
    limiter: anyio.CapacityLimiter | None = None,
    urgent: bool = False,
) -> T:
    """``fn(*args)``, a short CPU-bound call (a few milliseconds), on the event loop when
    that is safe, else in a worker thread (at most ``limiter``'s at once). Unless
    ``urgent``, the urgent calls under way go first (:mod:`api.priority`).

    On the loop, requests are served one after the other in arrival order, with no
    thread hand-off and no fight for the GIL: measured under load, that is both more
    throughput and a much narrower spread of latencies than threads taking turns at the
    GIL. It is safe only when ``fn`` cannot wait or run long: the store's view is current
    (no reload after another process's write, no rebuild) and ``ready(store, view)``
    holds (e.g. the search index is built). Otherwise, and for stores without an
    in-process view (Neo4j: network calls), a worker thread.

    The price, paid only when a worker is saturated: work left to threads (a coverage
    computation not at hand, a write, the dashboard) gets the GIL only in the gaps of a
    loop that is never idle, so it takes several times its CPU time. Two remedies were measured and
    dropped: sending the short calls to threads whenever some thread is busy (the mix
    of both modes had the worst tail of all), and pausing the loop 1 ms before each
    short call while a thread works (idle CPU, no faster computations).
    """
    if not urgent and (turns := turns_of(request.app.state)) is not None:
        await turns.after_urgent()
    if fits_on_loop(store, ready):
        return fn(*args)
    return await anyio.to_thread.run_sync(fn, *args, limiter=limiter)


def fits_on_loop(
    store: GraphStore,
    ready: Callable[[GraphStore, GraphView], bool] = lambda store, view: True,
) -> bool:
    """Whether a short call may run on the event loop now: the store's in-process view is
    current (no reload or rebuild to wait for) and ``ready(store, view)`` holds."""
    check = getattr(store, "view_if_current", None)
    view = check() if check is not None else None
    return view is not None and ready(store, view)


def light(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """A short read endpoint written as a plain function, served through
    :func:`on_loop_or_thread` (FastAPI would always send a plain function to a thread).

    The endpoint takes ``store``; the wrapper adds the request it needs and keeps every
    other parameter, with its annotations resolved, for FastAPI to inject.
    """
    hints = typing.get_type_hints(endpoint, include_extras=True)
    signature = inspect.signature(endpoint)
    params = [
        p.replace(annotation=hints.get(p.name, p.annotation)) for p in signature.parameters.values()
    ]
    params.append(inspect.Parameter("request_", inspect.Parameter.KEYWORD_ONLY, annotation=Request))

    @functools.wraps(endpoint)
    async def wrapper(*, request_: Request, **kwargs: Any) -> Any:
        call = functools.partial(endpoint, **kwargs)
        return await on_loop_or_thread(request_, kwargs["store"], call)

    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=params, return_annotation=hints.get("return", signature.return_annotation)
    )
    return wrapper
