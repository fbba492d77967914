"""The Dash app: ``create_dash(...)`` builds it, ``mount(...)`` serves it inside the API.

Routing is an explicit table (:data:`ROUTES`) read by one callback on the URL, not
``use_pages``: pages registered with ``dash.register_page`` live in a process-wide
registry, which does not fit an app built by a factory (tests build several, with
different stores). Each page is a ``layout(ctx, **url arguments)`` function; the router
checks who is looking first, and sends anyone without a valid session to the login page.

Nothing is opened or read when the app is built: the store and the token database are
providers called per request, and the map geometry is read on first use.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import flask
from dash import Dash, Input, Output, dcc, html

from dashboard import audit, auth, caching
from dashboard import data as D
from dashboard.components import not_found, top_bar
from dashboard.pages import (
    groupement,
    guide,
    imports,
    introductions,
    login,
    members,
    national,
    paths,
    users,
)
from dashboard.runtime import EXTENSION, PageContext, Runtime, current_runtime
from dashboard.settings import DashboardSettings
from graph.access.tokens import TokenStore
from graph.settings import Settings
from graph.store import GraphStore

log = logging.getLogger("passerelle.dashboard")
ASSETS = Path(__file__).parent / "assets"
PREFIX = "/dashboard"
#: the id of every page's <main>, the skip link's target
MAIN_ID = "contenu"
#: Dash's page, in French, with a skip link to the content before anything else
INDEX_STRING = f"""<!DOCTYPE html>
<html lang="fr">
    <head>
        {{%metas%}}
        <title>{{%title%}}</title>
        {{%favicon%}}
        {{%css%}}
    </head>
    <body>
        <a class="skip-link" href="#{MAIN_ID}">Aller au contenu</a>
        {{%app_entry%}}
        {{%config%}}
        {{%scripts%}}
        {{%renderer%}}
    </body>
</html>"""

#: (pattern on the path inside the dashboard, page key)
ROUTES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^$"), "national"),
    (
        re.compile(r"^groupement/(?P<groupement_id>[A-Za-z0-9][A-Za-z0-9_.:-]{0,79})/?$"),
        "groupement",
    ),
    (re.compile(r"^chemins/?$"), "chemins"),
    (re.compile(r"^membres/?$"), "membres"),
    (re.compile(r"^membres/(?P<person_id>[A-Za-z0-9][A-Za-z0-9_.:-]{0,79})/?$"), "membre"),
    (re.compile(r"^import/?$"), "import"),
    (re.compile(r"^connexion/?$"), "connexion"),
    (re.compile(r"^introductions/?$"), "introductions"),
    (re.compile(r"^reponse/(?P<token>[A-Za-z0-9_.-]{10,400})/?$"), "reponse"),
    (re.compile(r"^connexion/lien/(?P<secret>[A-Za-z0-9_-]{10,200})/?$"), "lien"),
    (re.compile(r"^utilisateurs/?$"), "utilisateurs"),
    (re.compile(r"^guide/?$"), "guide"),
)
#: URL arguments each page accepts (anything else is ignored)
QUERY_ARGS = {
    "national": ("departement", "classement"),
    "groupement": (),
    "chemins": (
        "groupement",
        "candidat",
        "cible",
        "employeur",
        "offre",
        "secteur",
        "bassin",
        "k",
        "max",
    ),
    "connexion": ("suivant", "erreur", "envoye"),
    "membres": ("groupement", "q", "statut", "depart_apres", "depart_avant"),
    "membre": (),
    "import": (),
    "introductions": introductions.REQUEST_ARGS,
    "reponse": (),
    "lien": (),
    "utilisateurs": (),
    "guide": (),
}


def match(relative: str) -> tuple[str | None, dict[str, str]]:
    """The page key and path arguments of a path inside the dashboard.

    >>> match("groupement/grp-anocr-33"), match(""), match("nowhere")
    (('groupement', {'groupement_id': 'grp-anocr-33'}), ('national', {}), (None, {}))
    """
    for pattern, key in ROUTES:
        found = pattern.match(relative)
        if found:
            return key, found.groupdict()
    return None, {}


def query_args(key: str, search: str | None) -> dict[str, str]:
    """The URL arguments of page ``key`` (first value of each, unknown ones dropped).

    >>> query_args("chemins", "?candidat=p-1&x=2&k=3")
    {'candidat': 'p-1', 'k': '3'}
    """
    parsed = parse_qs((search or "").lstrip("?"), keep_blank_values=False)
    return {k: v[0] for k, v in parsed.items() if k in QUERY_ARGS.get(key, ())}


def render(
    runtime: Runtime, ctx: PageContext | None, pathname: str | None, search: str | None
) -> html.Div:
    """The whole page for a URL: a plain function of the URL and the viewer."""
    path = pathname or runtime.prefix
    relative = path[len(runtime.prefix) :] if path.startswith(runtime.prefix) else path.lstrip("/")
    relative = relative.rstrip("/") if relative != "/" else ""
    key, args = match(relative)
    audit.note_page(key if key is not None else "inconnue")
    if key == "reponse":  # a personal link: public, the link is the authority
        return page(top_bar(None), introductions.answer_layout(args["token"]))
    if key == "lien":  # a login link: used only by its page's button (a POST)
        return page(top_bar(None), login.link_layout(runtime, args["secret"]))
    if key == "connexion" or ctx is None:
        q = query_args("connexion", search)
        if key != "connexion":
            q["suivant"] = path + (search or "")
        return page(top_bar(None), login.layout(runtime, **q))
    names = {g: i.name for g, i in D.groupement_infos(ctx.store).items()}
    q = query_args(key or "", search)
    if key == "national":
        body = national.layout(ctx, **q)
    elif key == "groupement":
        body = groupement.layout(ctx, args["groupement_id"])
    elif key == "chemins":
        body = paths.layout(ctx, **q)
    elif key == "membres":
        body = members.layout(ctx, **q)
    elif key == "membre":
        body = members.member_layout(ctx, args["person_id"])
    elif key == "import":
        body = imports.layout(ctx)
    elif key == "introductions":
        body = introductions.layout(ctx, **q)
    elif key == "utilisateurs":
        body = users.layout(ctx)
    elif key == "guide":
        body = guide.layout(ctx)
    else:
        body = not_found(ctx, "Page introuvable")
    active = "national" if key in ("national", "groupement") else key or ""
    active = "membres" if key == "membre" else active
    return page(top_bar(ctx, names, active), body)


def page(header: html.Header, body: html.Div) -> html.Div:
    """The top bar, then the page's content as the document's main landmark."""
    return html.Div([header, html.Main(body, id=MAIN_ID, tabIndex="-1", className="main")])


def shell() -> html.Div:
    return html.Div(
        [
            dcc.Location(id="url", refresh="callback-nav"),
            dcc.Loading(
                html.Div(id="page", className="page-root"),
                id="page-loading",
                type="default",
                delay_show=250,
                overlay_style={"visibility": "visible", "opacity": 0.6},
            ),
        ]
    )


def create_dash(
    settings: Settings,
    store: Callable[[], GraphStore],
    tokens: Callable[[], TokenStore],
    *,
    prefix: str = PREFIX + "/",
    routes_prefix: str | None = None,
    options: DashboardSettings | None = None,
    audit_trail: Callable[[], audit.Recorder | None] | None = None,
) -> Dash:
    """The dashboard as a Dash app over ``store()`` and ``tokens()`` (called per request).

    ``audit_trail()`` gives where the audit entries of its callbacks go (the API's queue
    when mounted in it; None: not recorded, as in tests that do not look).

    ``prefix`` is the path the browser sees ("/dashboard/"); ``routes_prefix`` the path
    the Flask server sees: the same when Flask serves the app itself, "/" when it is
    mounted under the prefix (:func:`mount`).

    >>> from graph.settings import Settings
    >>> app = create_dash(Settings(data_dir="/nonexistent"), lambda: None, lambda: None)
    >>> app.config.requests_pathname_prefix
    '/dashboard/'
    """
    if not prefix.startswith("/") or not prefix.endswith("/"):
        raise ValueError(f"prefix must start and end with '/' (got {prefix!r})")
    server = flask.Flask("passerelle_dashboard")
    app = Dash(
        "passerelle_dashboard",
        server=server,
        requests_pathname_prefix=prefix,
        routes_pathname_prefix=routes_prefix or prefix,
        assets_folder=str(ASSETS),
        serve_locally=True,
        eager_loading=True,
        title="Passerelle · tableau de bord",
        update_title=None,
        suppress_callback_exceptions=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
        index_string=INDEX_STRING,
    )
    runtime = Runtime(settings, options or DashboardSettings(), store, tokens, prefix)
    server.extensions[EXTENSION] = runtime
    auth.install(server, runtime, routes_prefix or prefix)
    audit.install(server, audit_trail or (lambda: None), store)
    caching.install(server, (routes_prefix or prefix) + "assets")
    guide.install(server, routes_prefix or prefix)
    app.layout = shell

    @app.callback(Output("page", "children"), Input("url", "pathname"), Input("url", "search"))
    def route(pathname: str | None, search: str | None) -> Any:
        return render(current_runtime(), auth.current_context(), pathname, search)

    national.register(app)
    groupement.register(app)
    paths.register(app)
    members.register(app)
    imports.register(app)
    introductions.register(app)
    users.register(app)
    return app


def warm(store: GraphStore, runtime_as_of: Any) -> None:
    """Compute what the home page needs now rather than for its first visitor."""
    try:
        D.national_data(store, runtime_as_of)
    except Exception as exc:  # a cold first page is slower, not broken
        log.warning("dashboard warm-up skipped", extra={"error_type": type(exc).__name__})


def mount(
    app: Any,
    settings: Settings,
    store: Callable[[], GraphStore],
    tokens: Callable[[], TokenStore],
    *,
    path: str = PREFIX,
    options: DashboardSettings | None = None,
    audit_trail: Callable[[], audit.Recorder | None] | None = None,
    warm_on_start: bool = False,
    after_warm: Callable[[], None] | None = None,
) -> Dash:
    """Serve the dashboard under ``path`` of a FastAPI (Starlette) app, in the same process.

    Dash is a Flask (WSGI) app: it is mounted through :class:`a2wsgi.WSGIMiddleware`,
    which runs it in a thread pool. ``path`` without its slash redirects to ``path/``.
    When ``warm_on_start`` the home page's coverage is
    computed in a background thread once the app has started, then ``after_warm()`` is
    called in that thread.
    """
    from a2wsgi import WSGIMiddleware
    from starlette.responses import RedirectResponse

    options = options or DashboardSettings()
    dash_app = create_dash(
        settings,
        store,
        tokens,
        prefix=path + "/",
        routes_prefix="/",
        options=options,
        audit_trail=audit_trail,
    )
    app.mount(path, WSGIMiddleware(dash_app.server, workers=8), name="dashboard")

    async def to_slash() -> RedirectResponse:
        return RedirectResponse(path + "/", status_code=307)

    app.add_api_route(path, to_slash, methods=["GET"], include_in_schema=False)
    # Starlette matches routes in order: the redirect must come before the mount.
    routes = app.router.routes
    routes.insert(0, routes.pop())
    if warm_on_start:
        _warm_after_start(app, store, options, after_warm)
    return dash_app


def _warm_after_start(
    app: Any,
    store: Callable[[], GraphStore],
    options: DashboardSettings,
    after_warm: Callable[[], None] | None,
) -> None:
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[Any]:
        async with inner(a) as state:

            def run() -> None:
                from datetime import date

                try:
                    s = store()
                except Exception as exc:
                    log.warning(
                        "dashboard warm-up skipped", extra={"error_type": type(exc).__name__}
                    )
                    return
                warm(s, options.as_of or date.today())
                if after_warm is not None:
                    after_warm()

            threading.Thread(target=run, name="dashboard-warm", daemon=True).start()
            yield state

    app.router.lifespan_context = lifespan
