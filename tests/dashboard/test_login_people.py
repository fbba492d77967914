"""People log in with their own account: e-mail and password, or a one-time link from
the outbox (no SMTP server in the tests); the admin manages accounts on Utilisateurs."""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest

from dashboard.auth import SESSION_COOKIE
from graph.access.roles import Role
from graph.access.users import UserStore
from graph.accounts import LOGIN_KIND
from graph.audit import AuditFilter, AuditLog
from graph.introductions import open_service
from graph.introductions.outbox import Outbox
from tests.dashboard.test_auth import ORIGIN, PREFIX, ids_in, login, page

PASSWORD = "cheval-agrafe-batterie"


@pytest.fixture
def client(dash_app: Any) -> Any:
    return dash_app.server.test_client()


def new_user(world: Any, role: str = "national", groupements: tuple[str, ...] = ()) -> Any:
    email = f"p-{secrets.token_hex(4)}@Example.org"
    users = UserStore(world.tokens)
    user = users.create(email, "Personne Test", role, groupements)
    return users.set_password(user.id, PASSWORD)


def password_login(client: Any, email: str, password: str, then: str = PREFIX) -> Any:
    return client.post(
        PREFIX + "auth/login",
        data={"email": email, "mot_de_passe": password, "suivant": then},
        headers=ORIGIN,
    )


def outbox(world: Any) -> Outbox:
    return Outbox(open_service(world.settings.data_dir, world.store).db)


def link_for(world: Any, email: str) -> str:
    """The secret of the newest login link e-mailed to ``email`` (read in the outbox)."""
    for m in outbox(world).messages(kind=LOGIN_KIND):
        if m.to_addr == email and m.text:
            url = next(w for w in m.text.split() if "/connexion/lien/" in w)
            return url.rsplit("/", 1)[1]
    raise AssertionError(f"no login link for {email}")


def test_password_login_opens_the_role_s_pages(client, world) -> None:
    user = new_user(world, "referent", (world.own,))
    r = password_login(client, user.email.upper(), PASSWORD, "/dashboard/chemins")
    assert r.status_code == 303 and r.headers["Location"] == "/dashboard/chemins"
    cookie = next(c for c in r.headers.getlist("Set-Cookie") if c.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and PASSWORD not in cookie
    ids = ids_in(page(client, "/dashboard/"))
    assert "page-national" in ids and "qui" in ids


def test_unknown_e_mail_and_wrong_password_answer_alike(client, world) -> None:
    user = new_user(world)
    answers = {
        password_login(client, "nobody@example.org", PASSWORD).headers["Location"],
        password_login(client, user.email, "mauvais-mot-de-passe").headers["Location"],
    }
    assert answers == {"/dashboard/connexion?erreur=identifiants"}
    assert client.get_cookie(SESSION_COOKIE, path=PREFIX) is None


def test_password_login_needs_the_same_origin(client, world) -> None:
    user = new_user(world)
    r = client.post(
        PREFIX + "auth/login",
        data={"email": user.email, "mot_de_passe": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert r.headers["Location"] == "/dashboard/connexion?erreur=origine"
    assert client.get_cookie(SESSION_COOKIE, path=PREFIX) is None


def test_revoking_an_account_ends_its_session_on_the_next_click(client, world) -> None:
    user = new_user(world)
    password_login(client, user.email, PASSWORD)
    assert "page-national" in ids_in(page(client, "/dashboard/"))
    UserStore(world.tokens).revoke(user.id)
    assert "page-connexion" in ids_in(page(client, "/dashboard/"))


def test_link_flow_through_the_outbox(client, world) -> None:
    user = new_user(world)
    before = len(outbox(world).messages(kind=LOGIN_KIND))
    for email in (user.email, "nobody@example.org"):  # the same answer for both
        r = client.post(PREFIX + "auth/lien", data={"email": email}, headers=ORIGIN)
        assert r.headers["Location"] == "/dashboard/connexion?envoye=1"
    assert len(outbox(world).messages(kind=LOGIN_KIND)) == before + 1  # only the account's
    assert "lien-envoye" in ids_in(page(client, "/dashboard/connexion", "?envoye=1"))
    secret = link_for(world, user.email)
    # opening the link's page (as a mail scanner would) does not use it
    for _ in range(2):
        tree = page(client, f"/dashboard/connexion/lien/{secret}")
        assert "utiliser-lien" in ids_in(tree) and secret in json.dumps(tree)
    r = client.post(PREFIX + "auth/lien/connexion", data={"lien": secret}, headers=ORIGIN)
    assert r.status_code == 303 and r.headers["Location"] == PREFIX
    assert "page-national" in ids_in(page(client, "/dashboard/"))
    # once only
    r = client.post(PREFIX + "auth/lien/connexion", data={"lien": secret}, headers=ORIGIN)
    assert r.headers["Location"] == "/dashboard/connexion?erreur=lien"


def test_link_from_another_origin_is_not_used(client, world) -> None:
    user = new_user(world)
    client.post(PREFIX + "auth/lien", data={"email": user.email}, headers=ORIGIN)
    secret = link_for(world, user.email)
    r = client.post(
        PREFIX + "auth/lien/connexion",
        data={"lien": secret},
        headers={"Origin": "https://evil.example"},
    )
    assert r.headers["Location"] == "/dashboard/connexion?erreur=origine"
    r = client.post(PREFIX + "auth/lien/connexion", data={"lien": secret}, headers=ORIGIN)
    assert r.headers["Location"] == PREFIX  # still unused


def admin_action(client: Any, button: str, **form: Any) -> Any:
    from dashboard.pages.users import BUTTONS, STATES

    inputs = [
        {"id": b, "property": "n_clicks", "value": 1 if b == button else None} for b in BUTTONS
    ]
    inputs.sort(key=lambda i: i["id"] != button)  # the trigger first
    state = [{"id": i, "property": p, "value": form.get(i)} for i, p in STATES]
    body = {
        "output": "..utilisateurs-message.children...utilisateurs-liste-box.children..."
        "utilisateurs-envoi-box.children...utilisateur-choix.options..",
        "outputs": [
            {"id": i, "property": p}
            for i, p in (
                ("utilisateurs-message", "children"),
                ("utilisateurs-liste-box", "children"),
                ("utilisateurs-envoi-box", "children"),
                ("utilisateur-choix", "options"),
            )
        ],
        "inputs": [next(i for i in inputs if i["id"] == b) for b in BUTTONS],
        "state": state,
        "changedPropIds": [f"{button}.n_clicks"],
    }
    from dashboard.auth import CSRF_COOKIE

    headers = {"X-CSRFToken": client.get_cookie(CSRF_COOKIE, path=PREFIX).value}
    r = client.post(PREFIX + "_dash-update-component", json=body, headers=headers)
    assert r.status_code in (200, 204), r.data[:300]
    return r.get_json() if r.status_code == 200 else None


def test_admin_creates_sends_a_link_sets_a_password_and_revokes(client, world) -> None:
    login(client, world.secrets["admin"])
    email = f"nouveau-{secrets.token_hex(3)}@example.org"
    out = admin_action(
        client,
        "utilisateur-creer",
        **{
            "utilisateur-email": email,
            "utilisateur-nom": "Nouveau Référent",
            "utilisateur-role": "referent",
            "utilisateur-groupements": [world.own],
        },
    )
    text = json.dumps(out, ensure_ascii=False)
    assert f"Compte créé pour {email}" in text
    user = UserStore(world.tokens).by_email(email)
    assert user.role is Role.REFERENT and user.groupements == (world.own,)
    out = admin_action(client, "utilisateur-lien", **{"utilisateur-choix": user.id})
    assert "boîte d'envoi" in json.dumps(out, ensure_ascii=False)
    assert link_for(world, email)  # in the outbox, shown on the page
    assert "/connexion/lien/" in json.dumps(out["response"]["utilisateurs-envoi-box"])
    out = admin_action(client, "utilisateur-mot-de-passe", **{"utilisateur-choix": user.id})
    password = _find_code(out["response"]["utilisateurs-message"]["children"])
    assert UserStore(world.tokens).authenticate_password(email, password).id == user.id
    out = admin_action(client, "utilisateur-revoquer", **{"utilisateur-choix": user.id})
    assert "révoqué" in json.dumps(out, ensure_ascii=False)
    assert UserStore(world.tokens).authenticate_password(email, password) is None
    # every write is in the audit log, under the admin's token
    with AuditLog(world.settings.audit_db_path) as log:
        entries, _ = log.list(AuditFilter(person_id=user.id, kind="user"))
    assert sorted(e.operation for e in entries) == [
        "dashboard create",
        "dashboard revoke",
        "dashboard send-link",
        "dashboard set-password",
    ]
    assert {e.actor for e in entries} == {world.principals["admin"].token_id}


def test_admin_form_refuses_in_french(client, world) -> None:
    login(client, world.secrets["admin"])
    out = admin_action(
        client,
        "utilisateur-creer",
        **{
            "utilisateur-email": "pas-une-adresse",
            "utilisateur-nom": "X",
            "utilisateur-role": "national",
        },
    )
    assert "Refusé : adresse e-mail non valable." in json.dumps(out, ensure_ascii=False)


def test_a_national_login_cannot_use_the_admin_callback(client, world) -> None:
    login(client, world.secrets["national"])
    email = f"intrus-{secrets.token_hex(3)}@example.org"
    admin_action(
        client,
        "utilisateur-creer",
        **{"utilisateur-email": email, "utilisateur-nom": "X", "utilisateur-role": "admin"},
    )
    assert UserStore(world.tokens).by_email(email) is None


def _find_code(tree: Any) -> str:
    if isinstance(tree, dict):
        if tree.get("type") == "Code":
            return tree["props"]["children"]
        return _find_code(tree.get("props", {}).get("children"))
    if isinstance(tree, list):
        for t in tree:
            try:
                return _find_code(t)
            except LookupError:
                continue
    raise LookupError("no code")


def test_password_login_through_the_served_app(world) -> None:
    """The same login with the dashboard mounted in the API (as `passerelle serve`)."""
    from fastapi.testclient import TestClient

    from tests.dashboard.conftest import combined_app

    user = new_user(world)
    with TestClient(combined_app(world), base_url="http://testserver") as http:
        r = http.post(
            "/dashboard/auth/login",
            data={"email": user.email, "mot_de_passe": PASSWORD},
            headers={"Origin": "http://testserver"},
            follow_redirects=False,
        )
        assert r.status_code == 303 and r.headers["location"] == "/dashboard/"
        assert SESSION_COOKIE in r.cookies
        assert r.headers["x-frame-options"]  # the security headers stay


def test_no_log_line_holds_a_login_link(world, caplog) -> None:
    """The link's page, asked and used through the served app: no log line shows it."""
    import logging

    from fastapi.testclient import TestClient

    from tests.dashboard.conftest import combined_app

    user = new_user(world)
    caplog.set_level(logging.DEBUG)
    with TestClient(combined_app(world), base_url="http://testserver") as http:
        origin = {"Origin": "http://testserver"}
        http.post("/dashboard/auth/lien", data={"email": user.email}, headers=origin)
        secret = link_for(world, user.email)
        assert http.get(f"/dashboard/connexion/lien/{secret}").status_code == 200
        r = http.post(
            "/dashboard/auth/lien/connexion",
            data={"lien": secret},
            headers=origin,
            follow_redirects=False,
        )
        assert r.headers["location"] == "/dashboard/"
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "asyncio"))]
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in server)
    assert any(r.name == "passerelle.access" for r in server) and secret not in logged
