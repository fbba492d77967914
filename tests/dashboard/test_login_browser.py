"""People's login in a real headless Chromium: the demo admin's password, an account
created on Utilisateurs, its login link read in the outbox and used in another browser."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from graph.access.users import UserStore
from tests.dashboard import browser as B
from tests.dashboard.conftest import World, combined_app
from tests.dashboard.test_introductions_browser import pick_by_css

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
PASSWORD = "cheval-agrafe-batterie"
#: the links of the outbox's messages to one address (a JSON string), or null while none
LINKS_TO_JS = """
const mails = [...document.querySelectorAll('#utilisateurs-envoi li.mail')]
  .filter(li => li.innerText.includes(%s));
const links = mails.flatMap(li => [...li.querySelectorAll('a')].map(a => a.href));
return links.length ? links : null;
"""


@pytest.fixture(scope="module")
def site(world: World) -> Iterator[tuple[World, str]]:
    reason = B.chromium_available()
    if reason:
        pytest.skip(reason)
    with B.ServerThread(combined_app(world)) as server:
        yield world, server.base


def type_into(driver: Any, css: str, text: str) -> None:
    field = B.wait_for(driver, css)
    field.clear()
    field.send_keys(text)


def click(driver: Any, css: str) -> None:
    B.wait_for(driver, css)
    driver.execute_script("document.querySelector(arguments[0]).click()", css)


def test_admin_creates_an_account_whose_link_logs_in(site) -> None:
    world, base = site
    users = UserStore(world.tokens)
    admin = users.create(f"admin-{secrets.token_hex(3)}@example.org", "Admin", "admin")
    users.set_password(admin.id, PASSWORD)
    email = f"cellule-{secrets.token_hex(3)}@example.org"
    with B.chrome() as driver:
        driver.get(base + "/dashboard/utilisateurs")
        type_into(driver, "#email", admin.email)
        type_into(driver, "#mot-de-passe", PASSWORD)
        click(driver, "#se-connecter-compte")
        B.wait_for(driver, "#page-utilisateurs")  # back where the visitor was going
        type_into(driver, "#utilisateur-email", email)
        type_into(driver, "#utilisateur-nom", "Cellule Test")
        pick_by_css(driver, "#utilisateur-role", "national", "cellule")
        click(driver, "#utilisateur-creer")
        assert email in B.wait_for(driver, "#utilisateur-fait").text
        user = users.by_email(email)
        pick_by_css(driver, "#utilisateur-choix", user.id, email)
        click(driver, "#utilisateur-lien")
        # the outbox of this shared store may already show other accounts' links (other
        # tests': used or expired): wait for the message to this account's address
        links = B.wait_js(driver, LINKS_TO_JS % json.dumps("à " + email))
    link = next(u for u in links if "/connexion/lien/" in u)
    path = "/dashboard/" + link.split("/dashboard/", 1)[1]  # the server's own address
    with B.chrome() as other:
        other.get(base + path)
        click(other, "#utiliser-lien")
        # the national home page comes first: 60 s, as for every first national page
        # (tests/dashboard/test_accessibility.py), not the default 30 s
        assert "cellule nationale" in B.wait_for(other, "#qui", 60).text
