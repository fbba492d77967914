"""People's accounts (graph.access.users): passwords, one-time links, sessions, no
enumeration."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from graph.access.roles import Role
from graph.access.tokens import TokenStore, digest
from graph.access.users import LINK_MINUTES, LINKS_PER_WINDOW, UserStore
from graph.errors import Conflict, InvalidInput

PASSWORD = "cheval-agrafe-batterie"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def tokens(tmp_path: Path):
    t = TokenStore(tmp_path / "auth.sqlite3")
    yield t
    t.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def users(tokens: TokenStore, clock: Clock) -> UserStore:
    return UserStore(tokens, clock)


def test_create_normalizes_and_keeps_e_mails_unique(users: UserStore) -> None:
    anne = users.create("  Anne.Martin@Example.ORG", "Anne Martin", "referent", ["grp-a"])
    assert anne.email == "anne.martin@example.org" and anne.role is Role.REFERENT
    assert anne.groupements == ("grp-a",) and anne.active and not anne.has_password
    assert anne.id.startswith("usr-") and anne.principal().groupements == {"grp-a"}
    with pytest.raises(Conflict):
        users.create("ANNE.MARTIN@example.org", "Autre", "national")
    assert [u.id for u in users.list()] == [anne.id]


@pytest.mark.parametrize(
    ("email", "role", "groupements", "field"),
    [
        ("pas-une-adresse", "national", [], "email"),
        ("a@example.org", "portal", [], "role"),
        ("a@example.org", "referent", [], "groupement"),
        ("a@example.org", "national", ["grp-a"], "groupement"),
    ],
)
def test_create_refuses_bad_accounts(users, email, role, groupements, field) -> None:
    with pytest.raises(InvalidInput) as err:
        users.create(email, "Nom", role, groupements)
    assert err.value.field == field


def test_password_is_hashed_with_argon2_and_checked(users: UserStore, tokens) -> None:
    anne = users.create("anne@example.org", "Anne", "national")
    assert users.authenticate_password("anne@example.org", PASSWORD) is None  # none set
    users.set_password(anne.id, PASSWORD)
    (stored,) = tokens.execute("SELECT password FROM users").fetchone()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert users.authenticate_password(" ANNE@example.org ", PASSWORD).id == anne.id
    assert users.authenticate_password("anne@example.org", PASSWORD + "x") is None
    with pytest.raises(InvalidInput):
        users.set_password(anne.id, "court")


def test_no_enumeration_unknown_wrong_and_revoked_answer_alike(users: UserStore) -> None:
    anne = users.create("anne@example.org", "Anne", "national")
    users.set_password(anne.id, PASSWORD)
    answers = [
        users.authenticate_password("nobody@example.org", PASSWORD),
        users.authenticate_password("anne@example.org", "mauvais-mot-de-passe"),
        users.authenticate_password("pas une adresse", PASSWORD),
    ]
    users.revoke(anne.id)
    answers.append(users.authenticate_password("anne@example.org", PASSWORD))
    assert answers == [None, None, None, None]
    assert users.issue_link("nobody@example.org") is None
    assert users.issue_link("anne@example.org") is None  # revoked


def test_link_is_single_use_and_stored_as_a_digest(users: UserStore, tokens) -> None:
    anne = users.create("anne@example.org", "Anne", "admin")
    user, secret = users.issue_link("Anne@Example.org")
    assert user.id == anne.id and len(secret) >= 40
    rows = tokens.execute("SELECT * FROM login_links").fetchall()
    assert secret not in str(rows) and digest(secret) in str(rows)
    assert users.consume_link(secret).id == anne.id
    assert users.consume_link(secret) is None  # used
    assert users.consume_link("made-up-secret") is None


def test_link_expires_after_15_minutes(users: UserStore, clock: Clock) -> None:
    users.create("anne@example.org", "Anne", "national")
    _, late = users.issue_link("anne@example.org")
    _, in_time = users.issue_link("anne@example.org")
    clock.now += timedelta(minutes=LINK_MINUTES - 1)
    assert users.consume_link(in_time) is not None
    clock.now += timedelta(minutes=2)
    assert users.consume_link(late) is None


def test_links_are_rate_limited_per_account(users: UserStore, clock: Clock) -> None:
    users.create("anne@example.org", "Anne", "national")
    issued = [users.issue_link("anne@example.org") for _ in range(LINKS_PER_WINDOW + 2)]
    assert sum(i is not None for i in issued) == LINKS_PER_WINDOW
    clock.now += timedelta(minutes=LINK_MINUTES + 1)
    assert users.issue_link("anne@example.org") is not None


def test_revoking_ends_sessions_and_unused_links(users: UserStore, tokens) -> None:
    anne = users.create("anne@example.org", "Anne", "national")
    _, secret = users.issue_link("anne@example.org")
    session = users.open_session(anne, hours=8)
    assert users.session_user(session).id == anne.id
    assert tokens.session_token(session) is None  # a person's session is no token's
    users.revoke(anne.id)
    assert users.session_user(session) is None
    assert users.consume_link(secret) is None
    with pytest.raises(Conflict):
        users.set_password(anne.id, PASSWORD)


def test_a_revoked_e_mail_may_be_given_an_account_again(users: UserStore) -> None:
    anne = users.create("anne@example.org", "Anne", "national")
    users.set_password(anne.id, PASSWORD)
    session = users.open_session(anne, hours=8)
    users.revoke(anne.id)
    again = users.create("anne@example.org", "Anne Martin", "referent", ["grp-a"])
    assert again.id == anne.id and again.active and not again.has_password
    assert again.role is Role.REFERENT and again.name == "Anne Martin"
    assert users.session_user(session) is None  # the old session stays closed
    assert users.authenticate_password("anne@example.org", PASSWORD) is None


def test_an_older_auth_database_gains_the_tables(tmp_path: Path) -> None:
    path = tmp_path / "auth.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE tokens (id TEXT PRIMARY KEY, digest TEXT NOT NULL UNIQUE, role TEXT NOT"
        " NULL, groupements TEXT NOT NULL, name TEXT, created_at TEXT NOT NULL, revoked_at TEXT)"
    )
    conn.commit()
    conn.close()
    tokens = TokenStore(path)
    try:
        assert UserStore(tokens).create("a@example.org", "A", "admin").active
    finally:
        tokens.close()


def test_password_guessing_is_throttled_per_e_mail(users: UserStore, clock: Clock) -> None:
    from graph.access.users import FAILURES_PER_WINDOW

    anne = users.create("anne@example.org", "Anne", "national")
    users.set_password(anne.id, PASSWORD)
    for _ in range(FAILURES_PER_WINDOW):
        assert users.authenticate_password("anne@example.org", "mauvais-mot-de-passe") is None
    assert users.authenticate_password("anne@example.org", PASSWORD) is None  # throttled
    assert users.issue_link("anne@example.org") is not None  # a link still works
    clock.now += timedelta(minutes=LINK_MINUTES + 1)
    assert users.authenticate_password("anne@example.org", PASSWORD).id == anne.id
