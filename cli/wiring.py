"""The composition root: one function wires the server process.

``create_server`` builds the HTTP API (:func:`api.app.create_app`) over one store and
one token database, and mounts the dashboard (:func:`dashboard.app.mount`) into it under
``/dashboard/`` with the same store and tokens; ``/`` leads there. :func:`server_app` is
the uvicorn factory ``passerelle serve`` runs in every worker process
(``cli.wiring:server_app``).

Decisions:

* The API and the dashboard are entry points that never import each other; only this
  module knows both (the import contracts in ``pyproject.toml`` check it). Tests and
  benchmarks that want the served app build it here too.
* Nothing happens at import: the store and the token database are opened in the app's
  lifespan, from the settings unless given.

>>> from api.settings import ApiSettings
>>> app = create_server(ApiSettings(data_dir="/nonexistent/never-opened", api_warm=False))
>>> from starlette.routing import Mount
>>> [r.path for r in app.routes if isinstance(r, Mount)]
['/docs-static/...', '/dashboard']
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.responses import RedirectResponse

from api.app import Shared, create_app
from api.settings import ApiSettings
from dashboard.app import PREFIX, mount
from dashboard.settings import DashboardSettings
from graph import native_heap
from graph.access.tokens import TokenStore
from graph.store import GraphStore


def create_server(
    settings: ApiSettings | None = None,
    store: GraphStore | None = None,
    tokens: TokenStore | None = None,
    *,
    dashboard: DashboardSettings | None = None,
    warm_dashboard: bool | None = None,
    settle: bool = False,
) -> FastAPI:
    """The API with the dashboard under ``/dashboard/``, sharing its store and tokens.

    ``store`` and ``tokens`` are opened from ``settings`` unless given; ``dashboard``
    overrides the dashboard's own settings (tests fix its date this way);
    ``warm_dashboard`` (default: ``settings.api_warm``) computes the home page's coverage
    once the app has started; ``settle`` as :func:`api.app.create_app`.
    """

    def mount_dashboard(app: FastAPI, shared: Shared) -> None:
        mount(
            app,
            shared.settings,
            store=shared.store,
            tokens=shared.tokens,
            options=dashboard,
            # the API's audit queue (opened in its lifespan): one log for both
            audit_trail=lambda: getattr(app.state, "audit_queue", None),
            warm_on_start=shared.settings.api_warm if warm_dashboard is None else warm_dashboard,
            after_warm=shared.after_warm,
        )

        async def home() -> RedirectResponse:
            return RedirectResponse(PREFIX + "/", status_code=307)

        app.add_api_route("/", home, methods=["GET"], include_in_schema=False)

    return create_app(settings, store, tokens, mounts=[mount_dashboard], settle=settle)


def server_app() -> FastAPI:
    """The app of a ``passerelle serve`` worker (a uvicorn factory): settings from the
    environment, long-lived start-up objects settled out of the collector's way, big
    arrays kept out of the C heap (:mod:`graph.native_heap`)."""
    native_heap.fix_thresholds()
    native_heap.start_trimming()
    return create_server(settle=True)
