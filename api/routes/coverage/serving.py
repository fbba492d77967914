"""Where a coverage answer is made: looked up on the event loop, computed in a thread.

Looking an answer up (:mod:`api.routes.coverage.cache`) runs on the event loop when the
store is current, like the catalogue reads, and so does rendering a groupement's figures
that the national state already holds (``ready``, e.g. :func:`graph.coverage.service.at_hand`);
computing anything else (and every what-if) runs in a worker thread,
:data:`COVERAGE_THREADS` (1) at a time per worker, beside the path searches' own limit:
coverage is CPU-bound numpy and Python too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import Request, Response
from pydantic import BaseModel

from api.routes.coverage import cache
from api.routes.coverage.cache import Compute, Key
from api.runtime import fits_on_loop, on_loop_or_thread
from graph.store import GraphStore
from graph.view import GraphView

#: coverage computations one worker runs at once, beside the path searches
COVERAGE_THREADS = 1

Ready = Callable[[GraphStore, GraphView], bool]
T = TypeVar("T")


def _limiter(request: Request) -> anyio.CapacityLimiter:
    """The app's coverage limiter, made on first use (on the event loop: no race)."""
    limiter = getattr(request.app.state, "coverage_limiter", None)
    if limiter is None:
        limiter = request.app.state.coverage_limiter = anyio.CapacityLimiter(COVERAGE_THREADS)
    return limiter


async def run(request: Request, fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a worker thread, at most ``COVERAGE_THREADS`` at once: coverage is
    CPU-bound numpy and Python, and more threads would only fight for the GIL with the
    path searches (which have their own limit, ``api_path_threads``). A computation does
    not wait behind path searches, nor they behind it."""
    return await anyio.to_thread.run_sync(fn, *args, limiter=_limiter(request))


async def serve(
    request: Request,
    store: GraphStore,
    what: Key,
    compute: Compute,
    ready: Ready | None = None,
) -> Any:
    """The answer kept for ``what`` at the store's version, else ``compute``'s.

    The lookup (the store's version: a short read) runs on the event loop when the
    store is current (:func:`api.runtime.on_loop_or_thread`). So does ``compute`` when
    ``ready(store, view)`` says it only reads figures already computed: under load, a
    thread would get the GIL only in the gaps of the busy loop and wait hundreds of
    milliseconds for a sub-millisecond lookup. Any other computation takes a place
    within the coverage limit, in a thread.
    """
    key, hit = await on_loop_or_thread(request, store, cache.lookup, store, what)
    if hit is not None:
        return hit
    if ready is not None and fits_on_loop(store, ready):
        return cache.keep(store, what, compute)
    return await run(request, cache.fill, store, key, what, compute)


async def serve_json(
    request: Request,
    store: GraphStore,
    what: Key,
    compute: Compute,
    model: type[BaseModel],
    body: Callable[[Any], dict[str, Any]] = lambda value: value,
    view: Key = (),
    ready: Ready | None = None,
) -> Response:
    """The answer for ``what`` as ``model`` JSON, rendered once per store version.

    Answers are read far more often than the store changes: validating and encoding the
    same report on every read cost more than looking it up. The JSON is kept under the
    version the lookup saw; ``view`` names what else shapes it (a page size). If a write
    lands while it is computed, it may hold the newer figures, never older ones.
    """
    json_what = ("json", *what, *view)
    key, hit = await on_loop_or_thread(request, store, cache.lookup, store, json_what)
    if hit is None:
        value = await serve(request, store, what, compute, ready)
        answer = model.model_validate(body(value))
        hit = answer.model_dump_json(by_alias=True).encode()
        if getattr(answer, "current", True):  # a labelled older answer is not kept
            cache.put(store, key, hit, 1 + len(hit) // 1024)
    return Response(content=hit, media_type="application/json")
