"""Logging in to the dashboard, and who is looking on every request.

People log in with their own account (:mod:`graph.access.users`): e-mail and password
(``auth/login``), or a one-time link sent by e-mail (asked at ``auth/lien``; the link
opens the page ``connexion/lien/<secret>``, whose button posts it to
``auth/lien/connexion``: a GET never uses a link, so a mail scanner fetching it does
not spend it). An API token (:mod:`graph.access.tokens`) still opens the dashboard, as a
secondary option of the login page ("jeton d'accès (scripts et portails)"): scripts, the
browser tests and a deployment without accounts yet rely on it. Either way the server
answers with a signed session cookie (:mod:`itsdangerous`, key from
``PASSERELLE_DASHBOARD_SECRET`` or generated once in ``<data_dir>/dashboard.secret``).
The cookie holds a random session id, never the token's secret or the password; the
session is kept server-side in the token database
(:meth:`graph.access.tokens.TokenStore.open_session`). Every request (page or callback)
checks the signature and age of the cookie *and* that the session is live and its token
(or account) still active, taking the role and groupements from there: a revoked token
or account logs its sessions out on their next click (a token also stops the API's
next request), and logging out ends the session server-side, so a copy of the old
cookie opens nothing.

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
* Failures say the same thing for an unknown, revoked or malformed token, and for an
  unknown e-mail, a revoked account or a wrong password; asking for a link always
  answers "si ce compte existe, un lien a été envoyé".
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
from graph.access.users import USER_PREFIX, UserInfo
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


def allowed(info: TokenInfo | UserInfo) -> bool:
    """Whether a token or an account may open the dashboard (its role reads coverage)."""
    return may_open_dashboard(info.role)


def session_value(runtime: Runtime, info: TokenInfo | UserInfo) -> str:
    """A new server-side session for a token or an account, as the signed cookie value."""
    sid = runtime.tokens().open_session(info.id, runtime.options.session_hours)
    return _serializer(runtime).dumps({"t": info.id, "s": sid})


def _session(runtime: Runtime) -> tuple[str, str] | None:
    """(token or account id, session id) of a well-signed, unexpired session cookie."""
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
    info: TokenInfo | UserInfo | None
    try:
        if token_id.startswith(USER_PREFIX):
            info = runtime.users().session_user(sid)
        else:
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
        or parts.path.startswith(runtime.href("connexion/"))
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

    login_page = runtime.href("connexion")

    def refused(code: str) -> flask.Response:
        return flask.redirect(f"{login_page}?erreur={code}", code=303)

    def login() -> flask.Response:
        """E-mail and password (``email``, ``mot_de_passe``), or an API token (``jeton``)."""
        if not same_origin():
            return refused("origine")
        form = flask.request.form
        info: TokenInfo | UserInfo | None
        try:
            if "email" in form:
                info = runtime.users().authenticate_password(
                    form.get("email") or "", form.get("mot_de_passe") or ""
                )
                if info is None:
                    return refused("identifiants")
            else:
                secret = (form.get("jeton") or "").strip()
                info = runtime.tokens().authenticate(secret) if secret else None
        except StoreUnavailable:
            return refused("indisponible")
        if info is None:
            return refused("jeton")
        if not allowed(info):
            return refused("role")
        return start_session(info)

    def link_request() -> flask.Response:
        """Send a login link to ``email`` if it has an account; the same answer either way."""
        if not same_origin():
            return refused("origine")
        try:
            runtime.accounts().request_link(flask.request.form.get("email") or "")
        except StoreUnavailable:
            return refused("indisponible")
        return flask.redirect(f"{login_page}?envoye=1", code=303)

    def link_login() -> flask.Response:
        """Log in with a one-time link's secret (``lien``), posted by its page's button."""
        if not same_origin():
            return refused("origine")
        try:
            info = runtime.users().consume_link((flask.request.form.get("lien") or "").strip())
        except StoreUnavailable:
            return refused("indisponible")
        if info is None:
            return refused("lien")
        return start_session(info)

    def start_session(info: TokenInfo | UserInfo) -> flask.Response:
        target = safe_next(runtime, flask.request.form.get("suivant"))
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
    server.add_url_rule(
        f"{routes_prefix}auth/lien", "passerelle_link_request", link_request, methods=["POST"]
    )
    server.add_url_rule(
        f"{routes_prefix}auth/lien/connexion", "passerelle_link_login", link_login,
        methods=["POST"],
    )  # fmt: skip

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
