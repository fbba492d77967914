"""Introductions in a real headless Chromium: a référent finds a path and asks for the
introduction; each person on it opens their personal link (no login) and accepts; the
référent records "hired"; the national page's funnel shows it.

The demo seed (4,000 people); no SMTP server, so the links are read where a demo reads
them: in the outbox on "Mes introductions".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dashboard import data as D
from graph.introductions import open_service
from graph.introductions.settings import IntroSettings
from graph.model import Label
from graph.paths.policy import PathPolicy
from graph.paths.service import Target, find_paths
from tests.dashboard import browser as B
from tests.dashboard.conftest import AS_OF, PEOPLE, World, combined_app, make_world

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, str]]:
    reason = B.chromium_available()
    if reason:
        pytest.skip(reason)
    world = make_world(tmp_path_factory.mktemp("introductions-browser"), PEOPLE)
    port = B.free_port()
    base = f"http://127.0.0.1:{port}"
    # the links in the e-mails point at this server (PASSERELLE_PUBLIC_URL in production)
    open_service(world.dir, world.store, IntroSettings(public_url=base, intro_tick_s=0.2))
    app = combined_app(world)
    with B.ServerThread(app, port) as server:
        yield world, server.base
    world.tokens.close()
    world.store.close()


def a_path(world: World) -> tuple[str, str, Any]:
    """A candidate of the référent's groupement with a path of at least one intermediary
    to an employer of their target bassin."""
    for person in D.candidates_of(world.store, world.own)[:120]:
        bassins, _ = D.targets_of(world.store, person.id)
        for bassin in bassins:
            for employer, _ in D.located_in(world.store, bassin, Label.EMPLOYER):
                result = find_paths(
                    world.store, person.id, Target.employer(employer), PathPolicy(k=3), AS_OF
                )
                if result.paths and len(result.paths[0].hops) >= 2:
                    return person.id, employer, result
    raise AssertionError("no candidate with a path of two hops or more")


def pick_by_css(driver: Any, css: str, value: str, search: str) -> None:
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.find_element(By.CSS_SELECTOR, css).click()
    opened = ".dash-dropdown-content[data-state=open]"
    B.wait_for(driver, f"{opened} input.dash-dropdown-search").send_keys(search)
    option_css = f'{opened} input.dash-options-list-option-checkbox[value="{value}"]'

    def click(d: Any) -> bool:
        d.find_element(By.CSS_SELECTOR, option_css).find_element(
            By.XPATH, "./ancestor::label"
        ).click()
        return True

    WebDriverWait(driver, 30, 0.05, (NoSuchElementException, StaleElementReferenceException)).until(
        click
    )


def newest_link(driver: Any, base: str) -> str:
    """The personal link of the newest e-mail in the outbox (the person asked last)."""
    driver.get(base + "/dashboard/introductions")
    B.wait_for(driver, "#boite-envoi")
    return B.wait_js(
        driver,
        "const a = document.querySelector('#boite-envoi .lien-personnel');"
        "return a && a.getAttribute('href');",
    )


def test_from_a_path_to_a_hire(site) -> None:
    world, base = site
    candidate, employer, result = a_path(world)
    people = [h.to_id for h in result.paths[0].hops]
    with B.chrome() as referent, B.chrome() as stranger:
        B.login(referent, base, world.secrets["referent"])
        B.wait_for(referent, "#page-national")
        # 1. the référent finds the path and asks for the introduction
        referent.get(f"{base}/dashboard/chemins?candidat={candidate}&employeur={employer}")
        B.wait_for(referent, "#chemins-explications")
        referent.find_element("id", "demander-1").click()
        message = B.wait_for(referent, "#intro-message")
        assert " → " in referent.find_element("id", "intro-chaine").text
        message.send_keys("Officier logisticien, cherche un poste de chef de projet.")
        B.shot(referent, "demande")
        referent.find_element("id", "intro-envoyer").click()
        B.wait_for(referent, "#intro-envoyee")
        # 2. each person opens their personal link, without an account, and accepts
        for i, person in enumerate(people):
            link = newest_link(referent, base)
            assert link.startswith(base + "/dashboard/reponse/")
            stranger.get(link)
            question = B.wait_for(stranger, "#reponse-question").text
            expected = "rencontrer" if i == len(people) - 1 else "présenter"
            assert expected in question
            assert "@" not in stranger.find_element("id", "page-reponse").text
            if i == 0:
                B.shot(stranger, "reponse")
            stranger.find_element("id", "reponse-accepter").click()
            B.wait_for(stranger, "#reponse-enregistree")
            # the link is single use
            stranger.get(link)
            B.wait_for(stranger, "#reponse-erreur")
            assert person
        # 3. the référent sees the introduction made and records "hired"
        referent.get(base + "/dashboard/introductions")
        badge = B.wait_for(referent, ".intro-card .badge")
        assert badge.text == "mise en relation faite"
        pick_by_css(referent, ".outcome-pick", "hired", "embauch")
        referent.find_element("xpath", "//button[normalize-space()='Enregistrer la suite']").click()
        B.wait_for(referent, "#intro-action-faite")
        assert "suite : embauché" in referent.find_element("id", "intro-liste").text
        B.shot(referent, "introductions")
        # 4. the funnel of the national page shows it (exact: the référent's own groupement)
        referent.get(base + "/dashboard/")
        row = B.wait_for(referent, f"#entonnoir-{world.own}", timeout=60)
        assert row.text.split()[-4:] == ["1", "1", "1", "1"]
