"""Bearer tokens: a small SQLite file of its own (``auth.sqlite3``), separate from the graph.

A token is a random 256-bit secret, shown once when it is created and never stored: the
database keeps its SHA-256 digest with the role, the groupements it is scoped to, a name,
and when it was created and revoked. ``passerelle token create|list|revoke`` manage it;
the API checks it on every request, the dashboard at login and on every click.

Dashboard sessions live in the same file (``sessions``): a random id per login, stored as
its digest with the token it acts for and when it expires; logging out deletes it, so
the old cookie opens nothing any more, in every worker (:meth:`TokenStore.end_session`).
People's accounts (``users``, ``login_links``: :mod:`graph.access.users`) live here too;
a person's session is a row of ``sessions`` whose ``token_id`` holds the account's id
(``usr-…``), so sessions of both kinds end the same way.

Decisions:

* The token database is credential storage shared by three entry points (API,
  dashboard, CLI), so it lives in the core beside the roles it grants
  (:mod:`graph.access.roles`), not in any one of them.
* Why SHA-256 and not a slow password KDF (bcrypt, scrypt, argon2): a KDF exists to make
  guessing *low-entropy* secrets expensive. A token drawn from
  ``secrets.token_urlsafe(32)`` has 256 bits of entropy; nobody can enumerate that space,
  so one fast hash is as safe as a slow one and keeps every request's lookup at
  microseconds. For the same reason the lookup by digest is not a timing oracle: learning
  a digest prefix does not help to find a secret that hashes to it.

>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as tmp:
...     tokens = TokenStore(pathlib.Path(tmp) / "auth.sqlite3")
...     created = tokens.create(Role.REFERENT, ["grp-anocr-33"], name="référent 33")
...     found = tokens.authenticate(created.secret)
...     _ = tokens.revoke(created.info.id)
...     gone = tokens.authenticate(created.secret)
...     tokens.close()
>>> found.role, found.groupements, gone
(<Role.REFERENT: 'referent'>, ('grp-anocr-33',), None)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from graph.access.roles import Principal, Role
from graph.errors import Conflict, InvalidInput, NotFound, StoreUnavailable
from graph.model import is_valid_id

#: every secret starts with this, so a leaked one is easy to recognise (e.g. by scanners)
TOKEN_PREFIX = "psl_"
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS tokens ("
    " id TEXT PRIMARY KEY, digest TEXT NOT NULL UNIQUE, role TEXT NOT NULL,"
    " groupements TEXT NOT NULL, name TEXT, created_at TEXT NOT NULL, revoked_at TEXT)"
)
#: dashboard sessions: the digest of the session id, the token it acts for, when it ends
_SESSIONS = (
    "CREATE TABLE IF NOT EXISTS sessions ("
    " digest TEXT PRIMARY KEY, token_id TEXT NOT NULL, created_at TEXT NOT NULL,"
    " expires_at TEXT NOT NULL)"
)
#: people's accounts (graph.access.users): e-mail (lower case), role, scope, password hash
_USERS = (
    "CREATE TABLE IF NOT EXISTS users ("
    " id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL, role TEXT NOT NULL,"
    " groupements TEXT NOT NULL, password TEXT, created_at TEXT NOT NULL, revoked_at TEXT)"
)
#: one-time login links: the digest of the secret, whose account, until when, when used
_LOGIN_LINKS = (
    "CREATE TABLE IF NOT EXISTS login_links ("
    " digest TEXT PRIMARY KEY, user_id TEXT NOT NULL, created_at TEXT NOT NULL,"
    " expires_at TEXT NOT NULL, used_at TEXT)"
)
_LOGIN_LINKS_INDEX = (
    "CREATE INDEX IF NOT EXISTS login_links_user ON login_links (user_id, created_at)"
)
#: failed password attempts per e-mail (throttling; forgotten after a while)
_LOGIN_FAILURES = (
    "CREATE TABLE IF NOT EXISTS login_failures (email TEXT NOT NULL, at TEXT NOT NULL)"
)
_LOGIN_FAILURES_INDEX = (
    "CREATE INDEX IF NOT EXISTS login_failures_email ON login_failures (email, at)"
)


@dataclass(frozen=True)
class TokenInfo:
    """What is stored about a token: never the secret."""

    id: str
    role: Role
    groupements: tuple[str, ...]
    name: str | None
    created_at: str
    revoked_at: str | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def principal(self) -> Principal:
        """The caller this token describes (its role and groupement scope)."""
        return Principal(self.id, self.role, frozenset(self.groupements))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "role": self.role.value,
            "groupements": list(self.groupements),
            "name": self.name,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
        }


@dataclass(frozen=True)
class CreatedToken:
    info: TokenInfo
    #: the bearer secret: shown once, stored only as a digest
    secret: str


def digest(secret: str) -> str:
    """The stored form of a secret (hex SHA-256)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def check_grant(role: Role | str, groupements: Sequence[str]) -> tuple[Role, tuple[str, ...]]:
    """Validate a role and its groupement scope; errors name the field.

    >>> check_grant("portal", ["grp-1"])
    Traceback (most recent call last):
    ...
    graph.errors.InvalidInput: groupement: only a referent token is scoped to groupements
    """
    try:
        role = Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InvalidInput("role", f"must be one of {allowed} (got {role!r})", role) from None
    scope = tuple(dict.fromkeys(groupements))
    for gid in scope:
        if not is_valid_id(gid):
            raise InvalidInput("groupement", f"not a valid id: {gid!r}", gid)
    if role is Role.REFERENT and not scope:
        raise InvalidInput("groupement", "a referent token needs at least one groupement")
    if role is not Role.REFERENT and scope:
        raise InvalidInput("groupement", "only a referent token is scoped to groupements")
    return role, scope


class TokenStore:
    """Tokens in ``auth.sqlite3``: WAL mode, one connection per thread.

    Reads never wait for the rare writes (WAL), so :meth:`authenticate` may run on the
    event loop. Several API workers and the CLI may open the same file; a revocation is
    seen by the next request in every process because each request reads the database.
    """

    def __init__(self, path: str | Path, *, busy_timeout_s: float = 5.0) -> None:
        self.path = Path(path)
        self._timeout = busy_timeout_s
        self._local = threading.local()
        self._lock = threading.Lock()
        self._conns: list[sqlite3.Connection] = []
        self._closed = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = self._conn()
            conn.execute(_SCHEMA)
            conn.execute(_SESSIONS)
            # added with people's accounts: an older auth.sqlite3 gains them on open
            conn.execute(_USERS)
            conn.execute(_LOGIN_LINKS)
            conn.execute(_LOGIN_LINKS_INDEX)
            conn.execute(_LOGIN_FAILURES)
            conn.execute(_LOGIN_FAILURES_INDEX)
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailable(f"cannot open the token database {self.path}: {exc}") from None

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise StoreUnavailable("the token database is closed")
            conn = sqlite3.connect(
                self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
        return conn

    def _execute(self, query: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        try:
            return self._conn().execute(query, params)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot use the token database: {exc}") from None

    def execute(self, query: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        """One statement on the auth database (for :mod:`graph.access.users`); a broken
        uniqueness rule is :class:`~graph.errors.Conflict`, any other failure
        :class:`~graph.errors.StoreUnavailable`."""
        try:
            return self._conn().execute(query, params)
        except sqlite3.IntegrityError as exc:
            raise Conflict("id", f"already stored ({exc})") from None
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot use the token database: {exc}") from None

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for conn in self._conns:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._conns.clear()

    # ------------------------------------------------------------------ management

    def create(
        self, role: Role | str, groupements: Sequence[str] = (), name: str | None = None
    ) -> CreatedToken:
        """A new token; the returned ``secret`` is the only copy there will ever be."""
        role, scope = check_grant(role, groupements)
        if name is not None and not 1 <= len(name) <= 200:
            raise InvalidInput("name", "must be 1 to 200 characters", name)
        token_id = f"tok-{secrets.token_hex(6)}"
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)  # 256 random bits
        info = TokenInfo(token_id, role, scope, name, _now(), None)
        self._execute(
            "INSERT INTO tokens (id, digest, role, groupements, name, created_at, revoked_at)"
            " VALUES (?, ?, ?, ?, ?, ?, NULL)",
            (token_id, digest(secret), role.value, json.dumps(scope), name, info.created_at),
        )
        return CreatedToken(info, secret)

    def list(self, *, include_revoked: bool = True) -> list[TokenInfo]:
        query = "SELECT id, role, groupements, name, created_at, revoked_at FROM tokens"
        if not include_revoked:
            query += " WHERE revoked_at IS NULL"
        return [_info(row) for row in self._execute(query + " ORDER BY created_at, id")]

    def revoke(self, token_id: str) -> TokenInfo:
        """Revoke a token by its id (idempotent); :class:`NotFound` for an unknown id."""
        self._execute(
            "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            (_now(), token_id),
        )
        row = self._execute(
            "SELECT id, role, groupements, name, created_at, revoked_at FROM tokens WHERE id = ?",
            (token_id,),
        ).fetchone()
        if row is None:
            raise NotFound("token", token_id)
        return _info(row)

    # ------------------------------------------------------------------ per request

    def authenticate(self, secret: str) -> TokenInfo | None:
        """The active token whose secret this is, or None (unknown, malformed or revoked)."""
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
            return None
        row = self._execute(
            "SELECT id, role, groupements, name, created_at, revoked_at FROM tokens"
            " WHERE digest = ? AND revoked_at IS NULL",
            (digest(secret),),
        ).fetchone()
        return None if row is None else _info(row)

    # ------------------------------------------------------------------ sessions

    def open_session(self, token_id: str, hours: float) -> str:
        """A new dashboard session acting for ``token_id`` for ``hours``; the returned id
        is the only copy (stored as a digest, like a token's secret). Expired sessions
        are forgotten on the way."""
        session_id = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        expires = (now + timedelta(hours=hours)).isoformat(timespec="seconds")
        self._execute("DELETE FROM sessions WHERE expires_at <= ?", (_now(),))
        self._execute(
            "INSERT INTO sessions (digest, token_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
            (digest(session_id), token_id, now.isoformat(timespec="seconds"), expires),
        )
        return session_id

    def session_token(self, session_id: str) -> TokenInfo | None:
        """The active token a live session acts for, or None (unknown, ended, expired
        session, or revoked token)."""
        if not session_id or len(session_id) > 200:
            return None
        row = self._execute(
            "SELECT t.id, t.role, t.groupements, t.name, t.created_at, t.revoked_at"
            " FROM sessions s JOIN tokens t ON t.id = s.token_id"
            " WHERE s.digest = ? AND s.expires_at > ? AND t.revoked_at IS NULL",
            (digest(session_id), _now()),
        ).fetchone()
        return None if row is None else _info(row)

    def end_session(self, session_id: str) -> None:
        """End a session now (logout): its cookie no longer opens anything (idempotent)."""
        self._execute("DELETE FROM sessions WHERE digest = ?", (digest(session_id),))

    def ping(self) -> None:
        """Raise :class:`StoreUnavailable` unless the database answers."""
        self._execute("SELECT 1 FROM tokens LIMIT 1").fetchall()


def _info(row: Sequence[Any]) -> TokenInfo:
    token_id, role, groupements, name, created_at, revoked_at = row
    return TokenInfo(
        token_id, Role(role), tuple(json.loads(groupements)), name, created_at, revoked_at
    )
