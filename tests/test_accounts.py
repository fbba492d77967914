"""graph.accounts: the admin manages accounts (audited); login links go through the
introductions' outbox, to a real SMTP server (aiosmtpd) or held there without one."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from graph.access.roles import Principal, Role
from graph.access.tokens import TokenStore
from graph.access.users import UserStore
from graph.accounts import LOGIN_KIND, Accounts, link_base
from graph.audit import AuditEntry
from graph.errors import AccessDenied, InvalidInput
from graph.introductions.db import IntroDB
from graph.introductions.mail import Sender, SmtpTransport
from graph.introductions.outbox import Outbox
from tests.introductions.smtp_server import SmtpServer

ADMIN = Principal("usr-admin", Role.ADMIN)
BASE = link_base("http://passerelle.test")


@pytest.fixture
def parts(tmp_path: Path):
    tokens = TokenStore(tmp_path / "auth.sqlite3")
    db = IntroDB.in_dir(tmp_path)
    audit: list[AuditEntry] = []
    accounts = Accounts(UserStore(tokens), Outbox(db), BASE, audit.append, "test")
    yield accounts, audit, db
    db.close()
    tokens.close()


def test_only_the_admin_manages_accounts(parts) -> None:
    accounts, audit, _ = parts
    for who in (Principal("t", Role.NATIONAL), Principal("t", Role.REFERENT, frozenset({"g"}))):
        with pytest.raises(AccessDenied):
            accounts.create(who, "a@example.org", "A", "national")
    assert accounts.users.list() == [] and audit == []


def test_every_write_is_audited(parts) -> None:
    accounts, audit, _ = parts
    user = accounts.create(ADMIN, "anne@example.org", "Anne", "national")
    accounts.set_password(ADMIN, user.id, "cheval-agrafe-batterie")
    accounts.send_link(ADMIN, user.id)
    accounts.revoke(ADMIN, user.id)
    assert [(e.actor, e.action.value, e.kind, e.operation, e.person_ids) for e in audit] == [
        ("usr-admin", "write", "user", f"test {verb}", (user.id,))
        for verb in ("create", "set-password", "send-link", "revoke")
    ]


def test_link_request_queues_a_french_mail_only_for_an_account(parts) -> None:
    accounts, _, db = parts
    accounts.create(ADMIN, "anne@example.org", "Anne Martin", "national")
    accounts.request_link("nobody@example.org")
    assert Outbox(db).messages() == []
    accounts.request_link("Anne@Example.org")
    (m,) = Outbox(db).messages()
    assert m.kind == LOGIN_KIND and m.to_addr == "anne@example.org" and m.status == "pending"
    assert "Bonjour Anne Martin" in m.text and "15 minutes" in m.text
    secret = next(w for w in m.text.split() if w.startswith(BASE)).removeprefix(BASE)
    assert accounts.users.consume_link(secret).email == "anne@example.org"


def test_groupements_must_exist_when_a_store_is_given(parts, tmp_path: Path) -> None:
    from graph.embedded import EmbeddedStore
    from tests.api.conftest import build_world

    accounts, _, _ = parts
    with EmbeddedStore(tmp_path / "graph") as store:
        build_world(store)
        accounts.store = store
        with pytest.raises(InvalidInput):
            accounts.create(ADMIN, "r@example.org", "R", "referent", ["grp-zz"])
        assert accounts.create(ADMIN, "r@example.org", "R", "referent", ["grp-a"]).active


def test_the_link_reaches_a_real_smtp_server_and_logs_in_once(parts) -> None:
    accounts, _, db = parts
    user = accounts.create(ADMIN, "anne@example.org", "Anne", "referent", ["grp-a"])
    server = SmtpServer()
    server.start()
    try:
        transport = SmtpTransport("127.0.0.1", server.port, security="none", timeout_s=5)
        sender = Sender(
            Outbox(db),
            transport,
            sender="Passerelle <p@example.org>",
            owner="w1",
            lease=timedelta(minutes=2),
        )
        assert accounts.send_link(ADMIN, user.id) is True
        assert sender.deliver_due() == 1
        (got,) = server.inbox.messages
    finally:
        server.stop()
    assert got["To"] == "anne@example.org" and "connexion" in got["Subject"]
    text = got.get_body(("plain",)).get_content()
    link = next(w for w in text.split() if w.startswith(BASE))
    (sent,) = Outbox(db).messages()
    assert sent.status == "sent" and sent.text is None  # the link is not kept
    secret = link.removeprefix(BASE)
    assert accounts.users.consume_link(secret).id == user.id
    assert accounts.users.consume_link(secret) is None
