"""People's accounts: a référent, the national cell or an admin logs in as themself.

Apart from the API tokens (:mod:`graph.access.tokens`, for portals and scripts), an
account is a person: an e-mail (unique, lower case), a display name, a role (``referent``
with its groupements, ``national`` or ``admin``; never ``portal``), an optional password
(Argon2id, :mod:`graph.access.passwords`) and whether it is revoked. Accounts live in the
token database (``auth.sqlite3``, tables ``users`` and ``login_links``) and sign in by

* **password**: :meth:`UserStore.authenticate_password`;
* **one-time link**: :meth:`UserStore.issue_link` draws a random secret (256 bits) and
  stores only its SHA-256 digest; :meth:`UserStore.consume_link` accepts it once, within
  :data:`LINK_MINUTES`, for an active account. At most :data:`LINKS_PER_WINDOW` links per
  account in that window (a flood of requests sends no flood of e-mails).

After :data:`FAILURES_PER_WINDOW` wrong passwords for one e-mail within
:data:`LINK_MINUTES`, every password for it is refused until the window has passed
(guessing is throttled; a login link still works).

A logged-in person has a server-side session in the same ``sessions`` table as a token's
(:meth:`graph.access.tokens.TokenStore.open_session` with the account's id): revoking
the account ends its sessions at the next click.

Decisions:

* **No account enumeration**: an unknown e-mail, a revoked account, an account without
  a password and a wrong password all answer None (the password is checked against a
  dummy hash when there is nothing to check, so the time is the same); a link request
  for an unknown e-mail or over the limit answers None like a sent one would to the
  person asking (the entry points say "si ce compte existe, un lien a été envoyé").
* Who manages accounts: the admin only (:func:`may_manage_users`).

>>> import tempfile, pathlib
>>> from graph.access.tokens import TokenStore
>>> with tempfile.TemporaryDirectory() as tmp:
...     tokens = TokenStore(pathlib.Path(tmp) / "auth.sqlite3")
...     users = UserStore(tokens)
...     anne = users.create(" Anne.Martin@Example.org ", "Anne Martin", "national")
...     _ = users.set_password(anne.id, "cheval-agrafe-batterie")
...     ok = users.authenticate_password("anne.martin@example.org", "cheval-agrafe-batterie")
...     bad = users.authenticate_password("anne.martin@example.org", "mauvais-mot-de-passe")
...     tokens.close()
>>> anne.email, ok.id == anne.id, bad
('anne.martin@example.org', True, None)
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from graph.access import passwords
from graph.access.roles import Principal, Role
from graph.access.tokens import TokenStore, check_grant, digest
from graph.errors import Conflict, InvalidInput, NotFound

USER_PREFIX = "usr-"
#: how long a one-time login link is valid
LINK_MINUTES = 15
#: links one account may be sent per LINK_MINUTES
LINKS_PER_WINDOW = 3
#: failed password attempts per e-mail and LINK_MINUTES before it answers no to all
FAILURES_PER_WINDOW = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_COLUMNS = "id, email, name, role, groupements, password, created_at, revoked_at"
#: roles a person's account may have (a portal is a machine: it gets a token)
PERSON_ROLES = (Role.REFERENT, Role.NATIONAL, Role.ADMIN)


def may_manage_users(principal: Principal) -> bool:
    """Who creates, revokes and sends links to accounts: the admin only.

    >>> admin, national = Principal("t", Role.ADMIN), Principal("t", Role.NATIONAL)
    >>> may_manage_users(admin), may_manage_users(national)
    (True, False)
    """
    return principal.role is Role.ADMIN


def normalize_email(email: str) -> str:
    """The stored form of an e-mail address: trimmed, lower case; InvalidInput if it is
    not one.

    >>> normalize_email("  Anne@Example.ORG ")
    'anne@example.org'
    """
    value = (email or "").strip().lower()
    if len(value) > 254 or not _EMAIL.match(value):
        raise InvalidInput("email", "not an e-mail address")
    return value


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class UserInfo:
    """What the entry points see of an account: never the password hash."""

    id: str
    email: str
    name: str
    role: Role
    groupements: tuple[str, ...]
    has_password: bool
    created_at: str
    revoked_at: str | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def principal(self) -> Principal:
        """The caller this account describes (its id stands where a token's would)."""
        return Principal(self.id, self.role, frozenset(self.groupements))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "email": self.email,
            "name": self.name,
            "role": self.role.value,
            "groupements": list(self.groupements),
            "has_password": self.has_password,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
        }


def _info(row: Sequence[Any]) -> UserInfo:
    uid, email, name, role, groupements, password, created_at, revoked_at = row
    return UserInfo(
        uid,
        email,
        name,
        Role(role),
        tuple(json.loads(groupements)),
        password is not None,
        created_at,
        revoked_at,
    )


class UserStore:
    """Accounts, login links and people's sessions in the token database.

    Cheap to build (no I/O): the tables are created when the :class:`TokenStore` opens.
    ``clock`` decides link expiry (tests move it).
    """

    def __init__(self, tokens: TokenStore, clock: Callable[[], datetime] = _utcnow) -> None:
        self.tokens = tokens
        self.clock = clock

    def _row(self, where: str, params: Sequence[Any]) -> UserInfo | None:
        row = self.tokens.execute(f"SELECT {_COLUMNS} FROM users WHERE {where}", params).fetchone()
        return None if row is None else _info(row)

    # ------------------------------------------------------------------ management

    def create(
        self, email: str, name: str, role: Role | str, groupements: Sequence[str] = ()
    ) -> UserInfo:
        """A new active account, without a password; :class:`Conflict` if the e-mail
        has an active one. A revoked account of the same e-mail is opened again (same
        id, so its audit history goes on) with the new name, role and scope, and no
        password."""
        address = normalize_email(email)
        name = (name or "").strip()
        if not 1 <= len(name) <= 200:
            raise InvalidInput("name", "must be 1 to 200 characters")
        role, scope = check_grant(role, groupements)
        if role not in PERSON_ROLES:
            raise InvalidInput("role", "a person's account is referent, national or admin")
        existing = self._row("email = ?", (address,))
        if existing is not None and existing.active:
            raise Conflict("email", "an account with this e-mail already exists")
        if existing is not None:
            self.tokens.execute(
                "UPDATE users SET name = ?, role = ?, groupements = ?, password = NULL,"
                " created_at = ?, revoked_at = NULL WHERE id = ? AND revoked_at IS NOT NULL",
                (name, role.value, json.dumps(scope), _iso(self.clock()), existing.id),
            )
            return self.get(existing.id)
        uid = USER_PREFIX + secrets.token_hex(6)
        try:
            self.tokens.execute(
                f"INSERT INTO users ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, NULL, ?, NULL)",
                (uid, address, name, role.value, json.dumps(scope), _iso(self.clock())),
            )
        except Conflict:
            raise Conflict("email", "an account with this e-mail already exists") from None
        return self.get(uid)

    def get(self, user_id: str) -> UserInfo:
        found = self._row("id = ?", (user_id,))
        if found is None:
            raise NotFound("user", user_id)
        return found

    def by_email(self, email: str) -> UserInfo | None:
        """The account of this e-mail (active or not), None when there is none."""
        try:
            address = normalize_email(email)
        except InvalidInput:
            return None
        return self._row("email = ?", (address,))

    def list(self, *, include_revoked: bool = True) -> list[UserInfo]:
        where = "1=1" if include_revoked else "revoked_at IS NULL"
        rows = self.tokens.execute(
            f"SELECT {_COLUMNS} FROM users WHERE {where} ORDER BY email"
        ).fetchall()
        return [_info(r) for r in rows]

    def revoke(self, user_id: str) -> UserInfo:
        """Revoke an account (idempotent): its sessions and unused links end now."""
        self.get(user_id)
        self.tokens.execute(
            "UPDATE users SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            (_iso(self.clock()), user_id),
        )
        self.tokens.execute("DELETE FROM sessions WHERE token_id = ?", (user_id,))
        self.tokens.execute(
            "DELETE FROM login_links WHERE user_id = ? AND used_at IS NULL", (user_id,)
        )
        return self.get(user_id)

    def set_password(self, user_id: str, password: str) -> UserInfo:
        """Set (or replace) the password of an active account."""
        user = self.get(user_id)
        if not user.active:
            raise Conflict("user", "this account is revoked")
        self.tokens.execute(
            "UPDATE users SET password = ? WHERE id = ?",
            (passwords.hash_password(password), user_id),
        )
        return self.get(user_id)

    # ------------------------------------------------------------------ logging in

    def authenticate_password(self, email: str, password: str) -> UserInfo | None:
        """The active account of this e-mail if the password is right; None otherwise,
        whatever the reason (see the module's decisions)."""
        try:
            address = normalize_email(email)
        except InvalidInput:
            address = ""
        row = self.tokens.execute(
            f"SELECT {_COLUMNS} FROM users WHERE email = ? AND revoked_at IS NULL", (address,)
        ).fetchone()
        stored = None if row is None else row[5]
        now = self.clock()
        window = _iso(now - timedelta(minutes=LINK_MINUTES))
        (failures,) = self.tokens.execute(
            "SELECT count(*) FROM login_failures WHERE email = ? AND at > ?", (address, window)
        ).fetchone()
        throttled = failures >= FAILURES_PER_WINDOW
        if not passwords.verify(None if throttled else stored, password) or row is None:
            self.tokens.execute("DELETE FROM login_failures WHERE at <= ?", (window,))
            self.tokens.execute(
                "INSERT INTO login_failures (email, at) VALUES (?, ?)", (address, _iso(now))
            )
            return None
        if stored is not None and passwords.needs_rehash(stored):
            self.tokens.execute(
                "UPDATE users SET password = ? WHERE id = ?",
                (passwords.hash_password(password), row[0]),
            )
        return _info(row)

    def issue_link(self, email: str) -> tuple[UserInfo, str] | None:
        """A new one-time link secret for the active account of ``email`` (the only copy:
        only its digest is stored); None for no such account or over the limit."""
        user = self.by_email(email)
        if user is None or not user.active:
            return None
        now = self.clock()
        window = now - timedelta(minutes=LINK_MINUTES)
        (recent,) = self.tokens.execute(
            "SELECT count(*) FROM login_links WHERE user_id = ? AND created_at > ?",
            (user.id, _iso(window)),
        ).fetchone()
        if recent >= LINKS_PER_WINDOW:
            return None
        self.tokens.execute("DELETE FROM login_links WHERE expires_at <= ?", (_iso(window),))
        secret = secrets.token_urlsafe(32)
        self.tokens.execute(
            "INSERT INTO login_links (digest, user_id, created_at, expires_at, used_at)"
            " VALUES (?, ?, ?, ?, NULL)",
            (digest(secret), user.id, _iso(now), _iso(now + timedelta(minutes=LINK_MINUTES))),
        )
        return user, secret

    def consume_link(self, secret: str) -> UserInfo | None:
        """The active account a valid link opens, marking it used (once: a second use,
        an expired link or a revoked account answers None)."""
        if not secret or len(secret) > 200:
            return None
        now = _iso(self.clock())
        cursor = self.tokens.execute(
            "UPDATE login_links SET used_at = ? WHERE digest = ? AND used_at IS NULL"
            " AND expires_at > ? RETURNING user_id",
            (now, digest(secret), now),
        )
        row = cursor.fetchone()
        cursor.fetchall()  # end the statement: the update is then committed
        if row is None:
            return None
        return self._row("id = ? AND revoked_at IS NULL", (row[0],))

    # ------------------------------------------------------------------ sessions

    def open_session(self, user: UserInfo, hours: float) -> str:
        """A dashboard session for ``user`` (see :meth:`TokenStore.open_session`)."""
        return self.tokens.open_session(user.id, hours)

    def session_user(self, session_id: str) -> UserInfo | None:
        """The active account a live session acts for, or None."""
        if not session_id or len(session_id) > 200:
            return None
        row = self.tokens.execute(
            "SELECT u.id, u.email, u.name, u.role, u.groupements, u.password, u.created_at,"
            " u.revoked_at FROM sessions s JOIN users u ON u.id = s.token_id"
            " WHERE s.digest = ? AND s.expires_at > ? AND u.revoked_at IS NULL",
            (digest(session_id), _iso(_utcnow())),
        ).fetchone()
        return None if row is None else _info(row)
