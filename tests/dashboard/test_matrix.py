"""The dashboard's role × route matrix: every page and auth route, every kind of visitor.

A page answers through the router callback (``page.children``); what each visitor must
see (``shows``) and must not (``hides``) are component ids. "referent" holds
``world.own``; ``world.other`` is another groupement. A portal token cannot log in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from dashboard.auth import SESSION_COOKIE
from dashboard.pages import national
from tests.dashboard.test_auth import ORIGIN, PREFIX, ids_in, login, page

VISITORS = ("anon", "admin", "national", "referent")


@dataclass(frozen=True)
class Seen:
    shows: frozenset[str]
    hides: frozenset[str] = field(default_factory=frozenset)


def _seen(shows: set[str], hides: set[str] | None = None) -> Seen:
    return Seen(frozenset(shows), frozenset(hides or ()))


LOGIN = _seen({"page-connexion"})
NATIONAL_HOME = _seen({"page-national", national.MAP_ID, "chiffre-0"})
#: (8) a référent's home: their groupements only, no map, no national figure
REFERENT_HOME = _seen({"page-national", national.TABLE_ID}, {national.MAP_ID, "chiffre-0"})
GROUPEMENT = _seen({"page-groupement", "indicateur-0", "panneau-lacunes"})
#: (8) another référent's groupement: its name, none of its figures
NOT_THEIRS = _seen({"page-groupement", "vue-other"}, {"indicateur-0", "panneau-lacunes"})
CHEMINS = _seen({"page-chemins"})
#: people's accounts and the outbox: the admin's only
USERS = _seen({"page-utilisateurs", "utilisateurs-liste", "utilisateurs-envoi", "nav-utilisateurs"})
USERS_REFUSED = _seen(
    {"page-utilisateurs", "utilisateurs-refus"},
    {"utilisateurs-liste", "utilisateurs-envoi", "nav-utilisateurs"},
)
#: a login link's page: public, one button, nothing spent by opening it
LINK_PAGE = _seen({"page-lien", "utiliser-lien"})
GUIDE = _seen({"page-guide", "guide-texte", "nav-guide"})

#: page (a template: {own}, {other}) -> visitor -> what they see
PAGES: dict[str, dict[str, Seen]] = {
    "/dashboard/": {
        "anon": LOGIN, "admin": NATIONAL_HOME, "national": NATIONAL_HOME,
        "referent": REFERENT_HOME,
    },
    "/dashboard/groupement/{own}": {
        "anon": LOGIN, "admin": GROUPEMENT, "national": GROUPEMENT, "referent": GROUPEMENT,
    },
    "/dashboard/groupement/{other}": {
        "anon": LOGIN, "admin": GROUPEMENT, "national": GROUPEMENT, "referent": NOT_THEIRS,
    },
    "/dashboard/chemins": {
        "anon": LOGIN, "admin": CHEMINS, "national": CHEMINS, "referent": CHEMINS,
    },
    "/dashboard/utilisateurs": {
        "anon": LOGIN, "admin": USERS, "national": USERS_REFUSED, "referent": USERS_REFUSED,
    },
    "/dashboard/connexion/lien/not-a-real-link-secret": dict.fromkeys(VISITORS, LINK_PAGE),
    "/dashboard/guide": {
        "anon": LOGIN, "admin": GUIDE, "national": GUIDE, "referent": GUIDE,
    },
}  # fmt: skip


@pytest.fixture
def client(dash_app: Any) -> Any:
    return dash_app.server.test_client()


@pytest.mark.parametrize("who", VISITORS)
@pytest.mark.parametrize("path", list(PAGES))
def test_page_matrix(client: Any, world: Any, path: str, who: str) -> None:
    if who != "anon":
        assert login(client, world.secrets[who]).status_code == 303
    url = path.format(own=world.own, other=world.other)
    ids = ids_in(page(client, url))
    expected = PAGES[path][who]
    assert expected.shows <= ids, (url, who, expected.shows - ids)
    assert not (expected.hides & ids), (url, who, expected.hides & ids)


#: auth route -> visitor -> the Location it answers (303), "" when it does not redirect
AUTH = {
    ("POST", "auth/login"): {
        "admin": "/dashboard/", "national": "/dashboard/", "referent": "/dashboard/",
        "portal": "/dashboard/connexion?erreur=role", "anon": "/dashboard/connexion?erreur=jeton",
    },
    ("POST", "auth/logout"): dict.fromkeys(
        ("admin", "national", "referent", "portal", "anon"), "/dashboard/connexion"
    ),
    # asking for a login link answers the same to everyone, whatever the address
    ("POST", "auth/lien"): dict.fromkeys(
        ("admin", "national", "referent", "portal", "anon"), "/dashboard/connexion?envoye=1"
    ),
    ("POST", "auth/lien/connexion"): dict.fromkeys(
        ("admin", "national", "referent", "portal", "anon"), "/dashboard/connexion?erreur=lien"
    ),
}  # fmt: skip


#: file route -> visitor -> its status (a portal token cannot log in: it is "anon")
FILES = {
    ("GET", "guide/screenshots/<path:name>"): {
        "anon": 404, "admin": 200, "national": 200, "referent": 200,
    },
}  # fmt: skip


@pytest.mark.parametrize("who", VISITORS)
@pytest.mark.parametrize("route", list(FILES), ids=lambda r: r[1])
def test_file_route_matrix(client: Any, world: Any, route: tuple[str, str], who: str) -> None:
    method, path = route
    if who != "anon":
        assert login(client, world.secrets[who]).status_code == 303
    url = PREFIX + path.replace("<path:name>", "national.png")
    assert client.open(url, method=method).status_code == FILES[route][who]


@pytest.mark.parametrize("who", ("anon", "admin", "national", "referent", "portal"))
@pytest.mark.parametrize("route", list(AUTH), ids=lambda r: r[1])
def test_auth_route_matrix(client: Any, world: Any, route: tuple[str, str], who: str) -> None:
    method, path = route
    secret = world.secrets.get(who, "")
    if path == "auth/logout" and who not in ("anon", "portal"):
        login(client, secret)
    data = {"jeton": secret} if path == "auth/login" else {}
    r = client.open(PREFIX + path, method=method, data=data, headers=ORIGIN)
    assert r.status_code == 303 and r.headers["Location"] == AUTH[route][who]
    if path == "auth/logout":
        assert client.get_cookie(SESSION_COOKIE, path=PREFIX) is None


def test_matrix_covers_every_auth_route(dash_app: Any) -> None:
    """A new server route of the dashboard without a line in the matrix fails here."""
    rules = {
        (method, rule.rule.removeprefix(PREFIX))
        for rule in dash_app.server.url_map.iter_rules()
        if rule.endpoint.startswith("passerelle_")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert rules == set(AUTH) | set(FILES)
