"""The HTTP API as an app: ``create_app(settings=None, store=None, tokens=None, mounts=())``.

Nothing happens at import. The store is opened in the lifespan from the settings (or
injected, for tests), the token database beside it (``<data_dir>/auth.sqlite3``), and
the path index is warmed in a worker thread so the first query does not pay for it.

Decisions:

* The API knows no other entry point. What is served beside it in the same process
  (the dashboard) is handed in as ``mounts``: each is called with the app and what it
  shares (:class:`Shared`: the same store and token database, opened in the lifespan).
  The process itself is wired in one place, :mod:`cli.wiring`, whose ``server_app`` is
  the uvicorn factory ``passerelle serve`` runs in every worker.
* Every response carries the security headers of :mod:`api.headers` (no framing, no
  MIME sniffing, no referrer), the mounted dashboard's pages too, and is gzip-compressed
  for a client that accepts it (Starlette's ``GZipMiddleware``).
* The docs (Swagger UI at ``/docs``, ReDoc at ``/redoc``) load nothing from another host
  (:mod:`api.docs`).

>>> from api.settings import ApiSettings
>>> app = create_app(ApiSettings(data_dir="/nonexistent/never-opened"))
>>> [p for p in app.openapi()["paths"] if p.startswith("/api/v1/paths")]
['/api/v1/paths']
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import anyio
import anyio.to_thread
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.middleware.gzip import GZipMiddleware

from api import docs, problems
from api.audit import AuditTrail, audit_lifespan
from api.headers import SecurityHeaders
from api.limits import BodyLimit
from api.logging import AccessLog
from api.priority import Turns, UrgentFirst
from api.problems import Problem
from api.ratelimit import RateLimiter
from api.routes import V1, health
from api.runtime import StoreHolder, settle_heap
from api.settings import API_PREFIX, ApiSettings, get_settings
from graph.access.tokens import TokenStore
from graph.introductions import close_service, start_scheduler
from graph.store import GraphStore
from graph.view import day_number

#: gzip level: 6 shrinks Plotly's 4.8 MB bundle to 1.47 MB as 9 does, in less time
COMPRESS_LEVEL = 6
log = logging.getLogger("passerelle.api")

DESCRIPTION = """
Introduction paths and network data of Passerelle, for portals, référents and the
national cell.

**Authentication**: every `/api/v1` operation needs `Authorization: Bearer <token>`; an
administrator creates tokens with `passerelle token create --role ROLE`. Roles:
`referent` (their groupements' members and candidates), `national` (paths, organisations,
employers, offers; no member records), `portal` (paths, employers and offers; rate
limited per token) and `admin` (everything).

**Errors** are problem details (RFC 9457, `application/problem+json`) whose `errors`
list names each offending field. A person outside a référent's groupements is answered
exactly like one that does not exist (404).

**Lists** are paged with `limit` (1-500, default 50) and `offset`, ordered by id, and
give the `total`.
"""


@dataclass(frozen=True)
class Shared:
    """What the API app shares with an app mounted into it: the same settings, store and
    token database (providers, valid once the app has started), and what to call after
    a warm-up (None, or :func:`api.runtime.settle_heap` for a server process)."""

    settings: ApiSettings
    store: Callable[[], GraphStore]
    tokens: Callable[[], TokenStore]
    after_warm: Callable[[], None] | None


#: serves something beside the API in the same app (e.g. the dashboard under /dashboard)
Mount = Callable[[FastAPI, Shared], object]


def create_app(
    settings: ApiSettings | None = None,
    store: GraphStore | None = None,
    tokens: TokenStore | None = None,
    *,
    mounts: Sequence[Mount] = (),
    settle: bool = False,
) -> FastAPI:
    """The API application, with each of ``mounts`` served beside it.

    ``store`` and ``tokens`` are opened from ``settings`` unless given. ``settle``: after
    each warm-up, exempt what it built from garbage collection
    (:func:`api.runtime.settle_heap`), for a server process (:func:`cli.wiring.server_app`).
    """
    after_warm = settle_heap if settle else None
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        holder = StoreHolder(settings, store)
        own_tokens = tokens is None
        app.state.settings = settings
        app.state.store_holder = holder
        app.state.tokens = tokens or TokenStore(settings.auth_db_path)
        app.state.ratelimiter = RateLimiter(settings.api_portal_rate, settings.api_portal_burst)
        app.state.path_limiter = anyio.CapacityLimiter(settings.api_path_threads)
        app.state.turns = Turns()  # urgent calls first (api.priority)
        if settings.api_warm:
            await anyio.to_thread.run_sync(_warm, holder)
            if after_warm is not None:
                after_warm()
        # reminders, expiry and e-mail of introductions: one leader among the workers
        scheduler = start_scheduler(settings.data_dir, holder.get)
        try:
            async with audit_lifespan(app, settings):  # the audit log (api.audit)
                yield
        finally:
            if scheduler is not None:
                await anyio.to_thread.run_sync(scheduler.stop)
            if holder.current is not None:
                close_service(settings.data_dir, holder.current)
            holder.close()
            if own_tokens:
                app.state.tokens.close()

    app = FastAPI(
        title="Passerelle API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served from the app's own files instead: api.docs
        redoc_url=None,
        openapi_url="/openapi.json" if settings.api_docs else None,
    )
    if settings.api_docs:
        docs.install(app)
    problems.install(app)
    app.include_router(health.router)
    for router in V1:
        app.include_router(router, prefix=API_PREFIX)
    shared = Shared(
        settings,
        store=lambda: app.state.store_holder.get(),
        tokens=lambda: app.state.tokens,
        after_warm=after_warm,
    )
    for mount in mounts:
        mount(app, shared)
    # Added last = outermost: the urgent calls' count wraps the access log, it the
    # compression, which wraps the headers, they the body limit, which wraps the audit.
    app.add_middleware(AuditTrail)
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.api_max_body_bytes,
        upload_prefix=f"{API_PREFIX}/imports",
        upload_max_bytes=settings.api_max_upload_bytes,
    )
    app.add_middleware(SecurityHeaders)
    # gzip for every answer of 500 bytes or more to a client that accepts it: the API's
    # JSON, its docs and the mounted dashboard's pages and scripts alike
    app.add_middleware(GZipMiddleware, minimum_size=500, compresslevel=COMPRESS_LEVEL)
    app.add_middleware(AccessLog)
    app.add_middleware(UrgentFirst)  # outermost: counted from the request's first byte
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _warm(holder: StoreHolder) -> None:
    """Open the store and build the path index now rather than on the first query."""
    try:
        from graph.paths import PathPolicy, path_index

        # The index, and the tie costs of the default policy for today: without them the
        # first concurrent queries would each compute the same costs.
        path_index(holder.get()).costs(PathPolicy().costs, day_number(date.today()))
    except Exception as exc:  # a cold start is slower, not broken: never fail startup
        log.warning("warm-up skipped", extra={"error_type": type(exc).__name__})


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(problem.pop("$defs", {}))
        components["Problem"] = problem
        app.openapi_schema = schema
    return app.openapi_schema
