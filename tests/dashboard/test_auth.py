"""Login, sessions and callbacks over HTTP: the Dash app alone and mounted in the API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dashboard.auth import CSRF_COOKIE, SESSION_COOKIE, secret_file
from tests.dashboard.conftest import combined_app

PREFIX = "/dashboard/"


#: a browser posting the login form of this site says so (the Flask test client's host)
ORIGIN = {"Origin": "http://localhost"}


def login(client: Any, secret: str, then: str = PREFIX) -> Any:
    return client.post(
        PREFIX + "auth/login", data={"jeton": secret, "suivant": then}, headers=ORIGIN
    )


def callback(
    client: Any, output: str, inputs: list[dict], state: list[dict] | None = None, csrf: bool = True
) -> Any:
    """POST one Dash callback the way the renderer does."""
    ident, prop = output.split(".")
    body = {
        "output": output,
        "outputs": {"id": ident, "property": prop},
        "inputs": inputs,
        "state": state or [],
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
    }
    headers = {}
    cookie = client.get_cookie(CSRF_COOKIE, path=PREFIX)
    if csrf and cookie is not None:
        headers["X-CSRFToken"] = cookie.value
    return client.post(PREFIX + "_dash-update-component", json=body, headers=headers)


def page(client: Any, pathname: str, search: str = "") -> dict:
    r = callback(
        client,
        "page.children",
        [
            {"id": "url", "property": "pathname", "value": pathname},
            {"id": "url", "property": "search", "value": search},
        ],
    )
    assert r.status_code == 200, r.data[:500]
    return r.get_json()["response"]["page"]["children"]


def ids_in(tree: Any) -> set[str]:
    out: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            props = node.get("props", {})
            if isinstance(props.get("id"), str):
                out.add(props["id"])
            for v in props.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(tree)
    return out


@pytest.fixture
def client(dash_app):  # a fresh cookie jar per test
    return dash_app.server.test_client()


def test_login_sets_a_signed_session_cookie_without_the_secret(client, world) -> None:
    r = login(client, world.secrets["national"], "/dashboard/chemins?k=2")
    assert r.status_code == 303 and r.headers["Location"] == "/dashboard/chemins?k=2"
    cookies = r.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith(SESSION_COOKIE + "="))
    assert "HttpOnly" in session and "SameSite=Lax" in session and "Path=/dashboard/" in session
    assert world.secrets["national"] not in " ".join(cookies)
    assert "page-national" in ids_in(page(client, "/dashboard/"))


@pytest.mark.parametrize(
    ("secret", "error"),
    [("psl_not-a-token", "jeton"), ("", "jeton"), ("portal", "role")],
)
def test_bad_or_portal_tokens_are_refused(client, world, secret: str, error: str) -> None:
    r = login(client, world.secrets.get(secret, secret))
    assert r.status_code == 303
    assert r.headers["Location"] == f"/dashboard/connexion?erreur={error}"
    assert client.get_cookie(SESSION_COOKIE, path=PREFIX) is None
    assert "page-connexion" in ids_in(page(client, "/dashboard/"))


def test_login_from_another_origin_is_refused(client, world) -> None:
    r = client.post(
        PREFIX + "auth/login",
        data={"jeton": world.secrets["national"]},
        headers={"Origin": "https://evil.example"},
    )
    assert r.headers["Location"] == "/dashboard/connexion?erreur=origine"
    assert client.get_cookie(SESSION_COOKIE, path=PREFIX) is None


def test_redirect_after_login_stays_in_the_dashboard(client, world) -> None:
    r = login(client, world.secrets["national"], "https://evil.example/")
    assert r.headers["Location"] == PREFIX


def test_no_session_no_data(client, world) -> None:
    assert "page-connexion" in ids_in(page(client, "/dashboard/"))
    tree = page(client, "/dashboard/groupement/" + world.own)
    assert "page-groupement" not in ids_in(tree)
    # callbacks answer nothing useful either
    r = callback(
        client,
        "whatif-result.children",
        [{"id": "whatif-run", "property": "n_clicks", "value": 1}],
        [
            {"id": i, "property": p, "value": v}
            for i, p, v in (
                ("whatif-groupement", "data", world.own),
                ("whatif-kind", "value", "add_referent"),
                ("whatif-person", "value", None),
                ("whatif-member", "value", None),
                ("whatif-employer", "value", None),
                ("whatif-partner", "value", None),
            )
        ],
    )
    assert "Session expirée" in json.dumps(r.get_json(), ensure_ascii=False)


def test_tampered_or_revoked_sessions_are_logged_out(client, world) -> None:
    created = world.tokens.create("national", name="to revoke")
    login(client, created.secret)
    assert "page-national" in ids_in(page(client, "/dashboard/"))
    value = client.get_cookie(SESSION_COOKIE, path=PREFIX).value
    client.set_cookie(SESSION_COOKIE, value[:-2] + "xx", path=PREFIX)
    assert "page-connexion" in ids_in(page(client, "/dashboard/"))
    client.set_cookie(SESSION_COOKIE, value, path=PREFIX)
    assert "page-national" in ids_in(page(client, "/dashboard/"))
    world.tokens.revoke(created.info.id)
    assert "page-connexion" in ids_in(page(client, "/dashboard/"))


def test_callbacks_need_the_csrf_header(client, world) -> None:
    login(client, world.secrets["national"])
    r = callback(
        client,
        "page.children",
        [
            {"id": "url", "property": "pathname", "value": "/dashboard/"},
            {"id": "url", "property": "search", "value": ""},
        ],
        csrf=False,
    )
    assert r.status_code == 403


def test_logout_clears_the_session(client, world) -> None:
    login(client, world.secrets["national"])
    r = client.post(PREFIX + "auth/logout", headers=ORIGIN)
    assert r.status_code == 303 and r.headers["Location"] == "/dashboard/connexion"
    assert client.get_cookie(SESSION_COOKIE, path=PREFIX) is None


def test_logout_ends_the_session_server_side(client, world) -> None:
    """(6) the old session cookie, replayed after logout, opens nothing."""
    login(client, world.secrets["national"])
    old = {
        name: client.get_cookie(name, path=PREFIX).value for name in (SESSION_COOKIE, CSRF_COOKIE)
    }
    assert "page-national" in ids_in(page(client, "/dashboard/"))
    assert client.post(PREFIX + "auth/logout", headers=ORIGIN).status_code == 303
    for name, value in old.items():  # a copy of the cookies, replayed
        client.set_cookie(name, value, path=PREFIX)
    assert "page-connexion" in ids_in(page(client, "/dashboard/"))
    # another session of the same token is untouched
    login(client, world.secrets["national"])
    assert "page-national" in ids_in(page(client, "/dashboard/"))


def test_logout_is_a_post_from_this_site(client, world) -> None:
    """(6) GET does not log out (a link or an image cannot); a POST from another site or
    without Origin is ignored: the session stays."""
    login(client, world.secrets["national"])
    client.get(PREFIX + "auth/logout")  # the dashboard's page shell, nothing more
    assert client.get_cookie(SESSION_COOKIE, path=PREFIX) is not None
    assert "page-national" in ids_in(page(client, "/dashboard/"))
    for headers in ({}, {"Origin": "https://evil.example"}):
        client.post(PREFIX + "auth/logout", headers=headers)
        assert "page-national" in ids_in(page(client, "/dashboard/"))


def test_login_without_origin_is_refused(client, world) -> None:
    """(6) a login POST that does not say where it comes from is refused."""
    r = client.post(PREFIX + "auth/login", data={"jeton": world.secrets["national"]})
    assert r.headers["Location"] == "/dashboard/connexion?erreur=origine"
    assert client.get_cookie(SESSION_COOKIE, path=PREFIX) is None


def test_security_headers_on_dashboard_responses(client, world) -> None:
    """(6) no page of the dashboard can be framed; alone and mounted in the API."""
    checked = [client.get(PREFIX), client.post(PREFIX + "auth/login", data={}, headers=ORIGIN)]
    login(client, world.secrets["national"])
    checked.append(
        callback(
            client,
            "page.children",
            [
                {"id": "url", "property": "pathname", "value": "/dashboard/"},
                {"id": "url", "property": "search", "value": ""},
            ],
        )
    )
    with TestClient(combined_app(world)) as http:
        checked.append(http.get("/dashboard/"))
    for r in checked:
        assert r.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert checked[-1].headers.get_list("x-frame-options") == ["DENY"]  # not doubled


def test_referent_callbacks_stay_in_scope(client, world) -> None:
    login(client, world.secrets["referent"])
    r = callback(
        client,
        "chemins-candidat.options",
        [{"id": "chemins-groupement", "property": "value", "value": world.other}],
    )
    assert r.get_json()["response"]["chemins-candidat"]["options"] == []
    r = callback(
        client,
        "chemins-candidat.options",
        [{"id": "chemins-groupement", "property": "value", "value": world.own}],
    )
    assert len(r.get_json()["response"]["chemins-candidat"]["options"]) > 0
    tree = page(client, "/dashboard/groupement/" + world.other)
    assert "vue-other" in ids_in(tree) and "candidats-sans-chemin" not in ids_in(tree)
    tree = page(client, "/dashboard/groupement/" + world.own)
    assert "vue-own" in ids_in(tree) and "candidats-sans-chemin" in ids_in(tree)


def test_map_click_filters_the_table(client, world) -> None:
    login(client, world.secrets["national"])
    r = callback(
        client,
        "table-groupements.filterModel",
        [
            {
                "id": "carte-france",
                "property": "clickData",
                "value": {"points": [{"customdata": "33"}]},
            }
        ],
    )
    assert r.get_json()["response"]["table-groupements"]["filterModel"] == {
        "departements": {"filterType": "text", "type": "departement", "filter": "33"}
    }


def test_secret_file_is_created_once_and_private(tmp_path) -> None:
    path = tmp_path / "d" / "dashboard.secret"
    first = secret_file(path)
    assert secret_file(path) == first and len(first) >= 40
    assert path.stat().st_mode & 0o777 == 0o600


def test_mounted_in_the_api(world) -> None:
    app = combined_app(world)
    with TestClient(app) as http:
        r = http.get("/dashboard", follow_redirects=False)
        assert r.status_code == 307 and r.headers["location"] == "/dashboard/"
        r = http.get("/dashboard/")
        assert r.status_code == 200 and "/dashboard/_dash-component-suites/" in r.text
        assert http.get("/dashboard/assets/style.css").status_code == 200
        assert http.get("/healthz").status_code == 200
        assert not [p for p in app.openapi()["paths"] if p.startswith("/dashboard")]
        r = http.post(
            "/dashboard/auth/login",
            data={"jeton": world.secrets["referent"]},
            headers={"Origin": "http://testserver"},
            follow_redirects=False,
        )
        assert r.status_code == 303
        body = {
            "output": "page.children",
            "outputs": {"id": "page", "property": "children"},
            "inputs": [
                {"id": "url", "property": "pathname", "value": "/dashboard/"},
                {"id": "url", "property": "search", "value": ""},
            ],
            "state": [],
            "changedPropIds": ["url.pathname"],
        }
        r = http.post(
            "/dashboard/_dash-update-component",
            json=body,
            headers={"X-CSRFToken": http.cookies[CSRF_COOKIE]},
        )
        assert r.status_code == 200
        assert "page-national" in ids_in(r.json()["response"]["page"]["children"])
        # the API's own bearer check is untouched by the dashboard's cookie
        assert http.get("/api/v1/groupements").status_code == 401
