"""Mes membres in a real headless Chromium: a référent finds a member by name typed without
accents, adds a tie on the member's page, and the path explorer then shows a path
through it. A demo seed of its own (the test writes), served as ``cli/wiring.py`` does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from graph.model import InGroupement, Knows, Person, RelType
from graph.paths.service import Target, find_paths
from graph.store import Batch
from tests.dashboard import browser as B
from tests.dashboard.conftest import AS_OF, World, combined_app, make_world

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
PEOPLE = 1500
NEW = Person(id="p-anais", first_name="Anaïs", last_name="Bérenger", status="candidate",
             departure_date=date(2027, 6, 30))  # fmt: skip


def _helper_and_employer(world: World) -> tuple[Person, str]:
    """A helper of the référent's groupement through whom a tie gives NEW a path to their
    employer (checked with the path service, then the tie is taken back)."""
    store = world.store
    for person in store.neighbours(world.own, RelType.IN_GROUPEMENT, "in"):
        if not isinstance(person, Person) or not person.consent_introducer:
            continue
        jobs = [r for r in store.relationships(person.id, RelType.WORKS_AT, "out")
                if r.props().get("until") is None]  # fmt: skip
        if not jobs:
            continue
        tie = Knows(src=NEW.id, dst=person.id, strength=0.9, source="declared")
        store.write(Batch(rels=[tie]))
        try:
            found = find_paths(store, NEW.id, Target.employer(jobs[0].dst), as_of=AS_OF)
        finally:
            store.delete_relationship(RelType.KNOWS, tie.src, tie.dst)
        if found.paths:
            return person, jobs[0].dst
    raise AssertionError("no helper of the groupement works anywhere reachable")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, str, Person, str]]:
    reason = B.chromium_available()
    if reason:
        pytest.skip(reason)
    world = make_world(tmp_path_factory.mktemp("members-browser"), PEOPLE)
    world.store.write(Batch(nodes=[NEW], rels=[InGroupement(src=NEW.id, dst=world.own)]))
    helper, employer = _helper_and_employer(world)
    assert not find_paths(world.store, NEW.id, Target.employer(employer), as_of=AS_OF).paths
    with B.ServerThread(combined_app(world)) as server:
        yield world, server.base, helper, employer
    world.tokens.close()
    world.store.close()


def _text(driver: Any, css: str) -> str:
    return driver.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';", css
    )


def test_referent_finds_a_member_adds_a_tie_and_a_path_appears(site) -> None:
    from selenium.webdriver.common.by import By

    world, base, helper, employer = site
    with B.chrome() as driver:
        B.login(driver, base, world.secrets["referent"], then="/dashboard/membres")
        B.wait_for(driver, "#membres-table")
        B.wait_for(driver, "#nav-membres")
        B.shot(driver, "membres")
        search = driver.find_element(By.ID, "membres-recherche")
        search.send_keys("anais BERENGER")  # typed without accents, in another case
        B.wait_js(
            driver,
            "const rows = document.querySelectorAll('#membres-table tbody tr');"
            "return rows.length === 1 && rows[0].getAttribute('data-id') === 'p-anais';",
        )
        driver.find_element(By.CSS_SELECTOR, "#membres-table a.membre-lien").click()
        B.wait_for(driver, "#membre-nom")
        assert _text(driver, "#membre-nom") == "Anaïs Bérenger"
        assert "Aucun." in _text(driver, "#membre-liens")
        B.pick(driver, "lien-autre", helper.id)
        driver.find_element(By.ID, "lien-ajouter").click()
        B.wait_for(driver, "#membre-fait")
        assert _text(driver, "#membre-fait") == "Lien ajouté."
        B.wait_js(
            driver,
            "const t = document.querySelector('#membre-liens');"
            f"return t && t.innerText.includes({helper.last_name!r});",
        )
        B.shot(driver, "membre")
        stored = world.store.get_relationship(RelType.KNOWS, NEW.id, helper.id)
        assert stored is not None and stored.props()["source"] == "declared"
        # the path explorer now finds a path through the new tie
        driver.get(f"{base}/dashboard/chemins?candidat={NEW.id}&employeur={employer}")
        B.wait_for(driver, "#chemins-explications", 60)
        explained = _text(driver, "#chemins-explications")
        assert helper.last_name in explained
        # the guide, from the top bar: its pictures are served by the mounted app
        driver.find_element(By.ID, "nav-guide").click()
        B.wait_for(driver, "#guide-texte img")
        B.wait_js(
            driver,
            "const imgs = [...document.querySelectorAll('#guide-texte img')];"
            "return imgs.length >= 5 && imgs.every(i => i.complete && i.naturalWidth > 0);",
        )
