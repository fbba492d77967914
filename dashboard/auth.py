"""Logging in to the dashboard with an API token, and who is looking on every request.

The dashboard uses the same tokens and roles as the API (:mod:`graph.access.tokens`,
:mod:`graph.access.roles`): a person pastes their token once on the login page; the
server checks it against the same token database and answers with a signed session
cookie (:mod:`itsdangerous`, key from ``PASSERELLE_DASHBOARD_SECRET`` or generated once
in ``<data_dir>/dashboard.secret``). The cookie holds a random session id, never the
token's secret; the session is kept server-side in the token database
(:meth:`graph.access.tokens.TokenStore.open_session`). Every request (page or callback)
checks the signature and age of the cookie *and* that the session is live and its token
still active, taking the role and groupements from there: a revoked token logs its
sessions out on their next click, as it stops the API's next request, and logging out
ends the session server-side, so a copy of the old cookie opens nothing.

Decisions:

* Roles allowed: those that may read coverage (``admin``, ``national``, ``referent``:
  :func:`graph.access.roles.may_open_dashboard`); a ``portal`` token is a machine's and
  is refused with a message.
* Cookie: ``HttpOnly``, ``SameSite=Lax``, scoped to the dashboard's path; ``Secure`` with
  ``PASSERELLE_DASHBOARD_SECURE_COOKIE=true``. Callbacks are also protected by a
  double-submit CSRF token (Dash sends the ``_csrf_token`` cookie back in ``X-CSRFToken``).
* Login and logout are POST only, and need an ``Origin`` header naming this host: a
  form posted from another site, or by a client that does not say where it comes from,
  is refused (login) or ignored (logout). Browsers send ``Origin`` with every POST.
* Every response carries the security headers of :mod:`graph.access.web` (no framing
  by another site, no MIME sniffing, no referrer); the API adds the same when the
  dashboard is mounted in it.
* Failures say the same thing for an unknown, revoked or malformed token.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import flask
from itsdangerous import BadSignature, URLSafeTimedSerializer

from dashboard import audit
from dashboard.runtime import PageContext, Runtime, current_runtime
from graph.access.roles import Principal, may_open_dashboard
from graph.access.tokens import TokenInfo
from graph.access.web import SECURITY_HEADERS
from graph.errors import ConfigError, StoreUnavailable

SESSION_COOKIE = "passerelle_session"
CSRF_COOKIE = "_csrf_token"
CSRF_HEADER = "X-CSRFToken"
_SALT = "passerelle.dashboard.session"
SECRET_FILE = "dashboard.secret"


def load_secret(runtime: Runtime) -> str:
    """The signing key: from the settings, else the data dir's file (created once)."""
    if runtime.options.secret is not None:
        return runtime.options.secret.get_secret_value()
    return secret_file(Path(runtime.settings.data_dir) / SECRET_FILE)


def secret_file(path: Path) -> str:
    """Read the key in ``path``, creating it (mode 0600, atomically) when absent.

    Several workers may start at once: ``O_EXCL`` lets one write it and the others read
    it, so they all sign with the same key.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
        for _ in range(50):
            key = path.read_text().strip()
            if key:
                return key
            import time

            time.sleep(0.02)  # another worker is writing it
    except OSError as exc:
        raise ConfigError(f"dashboard secret {path}: {exc}") from None
    raise ConfigError(f"dashboard secret {path} is empty")


def _serializer(runtime: Runtime) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(load_secret(runtime), salt=_SALT)


def allowed(info: TokenInfo) -> bool:
    """Whether a token may open the dashboard (its role may read coverage)."""
    return may_open_dashboard(info.role)


def session_value(runtime: Runtime, info: TokenInfo) -> str:
    """A new server-side session for ``info``, as the signed cookie value."""
    sid = runtime.tokens().open_session(info.id, runtime.options.session_hours)
    return _serializer(runtime).dumps({"t": info.id, "s": sid})


def _session(runtime: Runtime) -> tuple[str, str] | None:
    """(token id, session id) of a well-signed, unexpired session cookie, else None."""
    raw = flask.request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        data = _serializer(runtime).loads(raw, max_age=runtime.options.session_hours * 3600)
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    token_id, sid = data.get("t"), data.get("s")
    if not isinstance(token_id, str) or not isinstance(sid, str):
        return None  # a cookie of before server-side sessions: log in again
    return token_id, sid


def principal_from_request(runtime: Runtime) -> Principal | None:
    """Who is looking, from the session cookie and the token database; None if nobody."""
    found = _session(runtime)
    if found is None:
        return None
    token_id, sid = found
    try:
        info = runtime.tokens().session_token(sid)
    except StoreUnavailable:
        return None
    if info is None or info.id != token_id or not allowed(info):
        return None
    audit.note_viewer(info.id, info.role.value)
    return info.principal()


def safe_next(runtime: Runtime, target: str | None) -> str:
    """Where to go after logging in: a path inside the dashboard, never another site.

    >>> rt = Runtime(None, None, None, None, "/dashboard/")  # type: ignore[arg-type]
    >>> safe_next(rt, "/dashboard/chemins?candidat=p-1"), safe_next(rt, "https://evil.example/")
    ('/dashboard/chemins?candidat=p-1', '/dashboard/')
    >>> safe_next(rt, "//evil.example/dashboard/"), safe_next(rt, "/dashboard/connexion")
    ('/dashboard/', '/dashboard/')
    """
    if not target:
        return runtime.prefix
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith(runtime.prefix)
        or target.startswith("//")
        or "\\" in target
        or parts.path.rstrip("/") == runtime.href("connexion")
    ):
        return runtime.prefix
    return target


def same_origin() -> bool:
    """Whether the request's ``Origin`` header names this host (required: a POST without
    it is refused)."""
    origin = flask.request.headers.get("Origin")
    if not origin or origin == "null":
        return False
    return urlsplit(origin).netloc == flask.request.host


def install(server: flask.Flask, runtime: Runtime, routes_prefix: str) -> None:
    """Add the login and logout routes and the CSRF check to the Dash app's Flask server."""

    def login() -> flask.Response:
        target = safe_next(runtime, flask.request.form.get("suivant"))
        login_page = runtime.href("connexion")
        if not same_origin():
            return flask.redirect(f"{login_page}?erreur=origine", code=303)
        secret = (flask.request.form.get("jeton") or "").strip()
        try:
            info = runtime.tokens().authenticate(secret) if secret else None
        except StoreUnavailable:
            return flask.redirect(f"{login_page}?erreur=indisponible", code=303)
        if info is None:
            return flask.redirect(f"{login_page}?erreur=jeton", code=303)
        if not allowed(info):
            return flask.redirect(f"{login_page}?erreur=role", code=303)
        response = flask.redirect(target, code=303)
        max_age = runtime.options.session_hours * 3600
        cookie = {
            "max_age": max_age,
            "path": runtime.prefix,
            "secure": runtime.options.secure_cookie,
            "samesite": "Lax",
        }
        response.set_cookie(SESSION_COOKIE, session_value(runtime, info), httponly=True, **cookie)
        # Read by Dash's renderer and sent back in X-CSRFToken with every callback.
        response.set_cookie(CSRF_COOKIE, secrets.token_urlsafe(24), httponly=False, **cookie)
        return response

    def logout() -> flask.Response:
        response = flask.redirect(runtime.href("connexion"), code=303)
        if not same_origin():
            return response  # a cross-site form cannot log anyone out
        found = _session(runtime)
        if found is not None:
            with contextlib.suppress(StoreUnavailable):
                runtime.tokens().end_session(found[1])
        for name in (SESSION_COOKIE, CSRF_COOKIE):
            response.delete_cookie(name, path=runtime.prefix)
        return response

    server.add_url_rule(f"{routes_prefix}auth/login", "passerelle_login", login, methods=["POST"])
    server.add_url_rule(
        f"{routes_prefix}auth/logout", "passerelle_logout", logout, methods=["POST"]
    )

    @server.after_request
    def security_headers(response: flask.Response) -> flask.Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @server.before_request
    def csrf() -> flask.Response | None:
        if flask.request.method != "POST" or not flask.request.path.endswith(
            "_dash-update-component"
        ):
            return None
        cookie = flask.request.cookies.get(CSRF_COOKIE, "")
        header = flask.request.headers.get(CSRF_HEADER, "")
        bad = not cookie or not hmac.compare_digest(cookie, header)
        if bad and flask.request.cookies.get(SESSION_COOKIE):
            return flask.Response("CSRF token missing or wrong", status=403)
        return None


def runtime_principal() -> Principal | None:
    """The viewer of the current request (for callbacks)."""
    return principal_from_request(current_runtime())


def current_context() -> PageContext | None:
    """The page context of this request, or None when nobody valid is logged in."""
    runtime = current_runtime()
    principal = principal_from_request(runtime)
    if principal is None:
        return None
    return PageContext(runtime, principal, runtime.as_of())
