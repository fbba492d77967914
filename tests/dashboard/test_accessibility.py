"""Every dashboard page in headless Chromium at a desktop (1280 px) and a phone (360 px)
width: axe-core (pinned by ``tools/axe/package-lock.json``, ``make axe``) finds no serious
or critical violation, and on a phone nothing overflows the viewport horizontally and
"Se déconnecter" is on screen. Also the département filter of the home page (a click on 71
lists the groupements covering 71, not 971).

One server over a small demo seed; one browser per kind of visitor (anonymous, national
cell, référent), logged in once and shared by the pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from dashboard import data as D
from graph.model import Label
from graph.paths.policy import PathPolicy
from graph.paths.service import Target, find_paths
from tests.dashboard import browser as B
from tests.dashboard.conftest import AS_OF, World, combined_app, make_world

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
PEOPLE = 1500
WIDTHS = (1280, 360)
GRID_ROWS_JS = (
    "return document.querySelectorAll('#table-groupements .ag-center-cols-container .ag-row')"
    ".length > 0"
)


@dataclass(frozen=True)
class Site:
    world: World
    base: str
    #: a candidate of the référent's groupement and an employer they have a path to
    candidate: str
    employer: str


def _path_query(world: World) -> tuple[str, str]:
    for person in D.candidates_of(world.store, world.own)[:60]:
        bassins, _ = D.targets_of(world.store, person.id)
        for bassin in bassins:
            for employer, _ in D.located_in(world.store, bassin, Label.EMPLOYER)[:10]:
                target = Target.employer(employer)
                if find_paths(world.store, person.id, target, PathPolicy(k=3), AS_OF).paths:
                    return person.id, employer
    raise AssertionError("no candidate of the groupement has a path to an employer")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    reason = B.chromium_available() or B.axe_available()
    if reason:
        pytest.skip(reason)
    world = make_world(tmp_path_factory.mktemp("dashboard-a11y"), PEOPLE)
    candidate, employer = _path_query(world)
    with B.ServerThread(combined_app(world)) as server:
        yield Site(world, server.base, candidate, employer)
    world.tokens.close()
    world.store.close()


@pytest.fixture(scope="module")
def drivers(site: Site) -> Iterator[Callable[[str], Any]]:
    """The browser of a kind of visitor ("anon", "national", "referent"), started and
    logged in on first use."""
    import contextlib

    open_: dict[str, Any] = {}
    with contextlib.ExitStack() as stack:

        def get(who: str) -> Any:
            if who not in open_:
                driver = stack.enter_context(B.chrome(width=1280))
                if who != "anon":
                    B.login(driver, site.base, site.world.secrets[who])
                    B.wait_for(driver, "#page-national", 60)
                open_[who] = driver
            return open_[who]

        yield get


@dataclass(frozen=True)
class Page:
    name: str
    who: str
    #: the URL inside the dashboard, from the site
    url: Callable[[Site], str]
    #: JS true once the page is drawn
    ready: str


def _shown(css: str) -> str:
    return f"return !!document.querySelector({css!r})"


PAGES = (
    Page("connexion", "anon", lambda s: "connexion", _shown("#page-connexion form")),
    Page("national", "national", lambda s: "", B.NATIONAL_RENDERED_JS),
    Page("accueil-referent", "referent", lambda s: "", GRID_ROWS_JS),
    Page(
        "groupement-national",
        "national",
        lambda s: f"groupement/{s.world.own}",
        _shown("#page-groupement #whatif-run"),
    ),
    Page(
        "groupement-referent",
        "referent",
        lambda s: f"groupement/{s.world.own}",
        _shown("#page-groupement #candidats-sans-chemin"),
    ),
    Page(
        "chemins",
        "referent",
        lambda s: f"chemins?candidat={s.candidate}&employeur={s.employer}",
        _shown("#chemins-figure .js-plotly-plot .main-svg"),
    ),
    Page("membres", "referent", lambda s: "membres", _shown("#membres-table tbody tr")),
    Page(
        "membre",
        "referent",
        lambda s: f"membres/{s.candidate}",
        _shown("#page-membre #membre-nom"),
    ),
    Page("import", "referent", lambda s: "import", _shown("#page-import")),
    Page("introductions", "referent", lambda s: "introductions", _shown("#page-introductions")),
    Page("utilisateurs", "admin", lambda s: "utilisateurs", _shown("#utilisateurs-liste")),
    Page("guide", "referent", lambda s: "guide", _shown("#guide-texte h1")),
)


def _open(driver: Any, site: Site, page: Page, width: int) -> None:
    driver.set_window_size(width, 900)
    driver.get(f"{site.base}/dashboard/{page.url(site)}")
    B.wait_js(driver, page.ready, 60)
    # plotly and the grid fit their width once drawn: let them settle
    B.wait_js(driver, "return !document.querySelector('._dash-loading, .dash-spinner')", 30)
    assert driver.execute_script("return window.innerWidth") == width
    # assets/a11y.js fixes what changed once a frame: two frames on, it has
    driver.execute_async_script(
        "const done = arguments[0];"
        "requestAnimationFrame(() => requestAnimationFrame(() => done(true)))"
    )


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_is_accessible_and_fits(site: Site, drivers, page: Page, width: int) -> None:
    driver = drivers(page.who)
    _open(driver, site, page, width)
    problems = [
        f"{v['impact']} {v['id']}: {v['help']} {v['nodes']}" for v in B.axe_violations(driver)
    ]
    if driver.execute_script("return document.documentElement.lang") != "fr":
        problems.append("the html element is not lang=fr")
    if driver.execute_script("return document.querySelectorAll('main').length") != 1:
        problems.append("not one main landmark")
    if width < 600:
        overflow = driver.execute_script(B.OVERFLOW_JS)
        if overflow > 0:
            wide = driver.execute_script(B.WIDEST_JS)
            problems.append(f"the page is {overflow} px wider than the phone: {wide}")
        if page.who != "anon":
            button = driver.find_element("id", "deconnexion")
            if not (button.is_displayed() and driver.execute_script(B.ON_SCREEN_JS, button)):
                problems.append("'Se déconnecter' is off screen")
    assert problems == [], "\n".join(problems)


def test_skip_link_leads_to_the_content(site: Site, drivers) -> None:
    driver = drivers("national")
    _open(driver, site, PAGES[1], 1280)
    link = driver.find_element("css selector", "a.skip-link")
    assert link.get_attribute("textContent").strip() == "Aller au contenu"
    target = link.get_attribute("href").split("#", 1)[1]
    assert driver.find_element("id", target).tag_name == "main"
    # the first Tab of the page shows it; Enter moves the focus to the content, the page
    # stays as it was
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    ActionChains(driver).send_keys(Keys.TAB).perform()
    assert driver.execute_script("return document.activeElement.className") == "skip-link"
    assert driver.execute_script(B.ON_SCREEN_JS, link)
    assert link.rect["y"] >= 0
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    B.wait_js(driver, f"return document.activeElement.id === {target!r}")
    assert driver.find_elements("id", "page-national")


def test_map_has_a_text_alternative(site: Site, drivers) -> None:
    driver = drivers("national")
    _open(driver, site, PAGES[1], 1280)
    label = driver.execute_script(
        "const m = document.getElementById('carte-france').closest('[role=figure]');"
        "return m ? m.getAttribute('aria-label') : null"
    )
    assert label and "départements" in label
    described = driver.execute_script(
        "const m = document.getElementById('carte-france').closest('[role=figure]');"
        "const ids = (m.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);"
        "return ids.map(i => document.getElementById(i) ? i : null)"
    )
    assert described and None not in described


@pytest.mark.parametrize("code", ["71", "2A", "971"])
def test_departement_filter_matches_the_exact_code(site: Site, drivers, code: str) -> None:
    """?departement=71 lists the groupements covering 71, not those covering 971."""
    driver = drivers("national")
    driver.set_window_size(1280, 900)
    driver.get(f"{site.base}/dashboard/?departement={code}")
    B.wait_js(driver, B.NATIONAL_RENDERED_JS, 60)
    infos = D.groupement_infos(site.world.store)
    expected = {g for g, info in infos.items() if code in info.departements}
    assert expected
    shown = B.wait_js(
        driver,
        "const s = document.querySelector('#table-groupements .ag-paging-row-summary-panel');"
        "const rows = [...document.querySelectorAll("
        "'#table-groupements .ag-center-cols-container .ag-row')];"
        "return rows.length ? rows.map(r => r.getAttribute('row-id')) : false",
    )
    assert set(shown) == expected


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("who", ["national", "referent"])
def test_grid_headers_read_whole_and_every_column_shows(
    site: Site, drivers, who: str, width: int
) -> None:
    """No header word of the groupements grid is broken ("disponible|s") or cut; at 1280 px
    the grid shows its last column whole (on a phone it scrolls inside its panel)."""
    driver = drivers(who)
    _open(driver, site, PAGES[1 if who == "national" else 2], width)
    grid = "#table-groupements"
    B.wait_js(driver, f"return document.querySelector('{grid} .ag-header-cell-text')")
    assert driver.execute_script(B.HEADER_WORDS_JS, grid) == []
    if width >= 1280:
        assert driver.execute_script(B.GRID_HIDDEN_JS, grid) <= 0


@pytest.mark.parametrize("width", WIDTHS)
def test_path_figure_names_do_not_overlap(site: Site, drivers, width: int) -> None:
    driver = drivers("referent")
    _open(driver, site, next(p for p in PAGES if p.name == "chemins"), width)
    assert driver.execute_script(B.LABELS_OVERLAP_JS, "#chemins-figure") == []


def test_dropdowns_are_named_by_their_label(site: Site, drivers) -> None:
    """A screen reader says "Employeur, Air France (Toulouse)", not just the value; the
    dropdowns are reached with Tab (the button, not Dash's hidden focus relay)."""
    driver = drivers("referent")
    _open(driver, site, next(p for p in PAGES if p.name == "chemins"), 1280)
    fields = driver.execute_script(
        "return [...document.querySelectorAll('.dash-dropdown-wrapper')]"
        ".filter(w => w.offsetParent !== null).map(w => {"
        "  const l = w.previousElementSibling;"
        "  const b = w.querySelector('button.dash-dropdown');"
        "  return [b.id, l && l.tagName === 'LABEL' ? l.textContent : null, b.tabIndex,"
        "          w.querySelector('.dash-dropdown-focus-target').tabIndex];"
        "})"
    )
    assert len(fields) >= 5
    for button_id, label, button_tab, relay_tab in fields:
        name = driver.find_element("id", button_id).accessible_name
        assert label and name.startswith(label), (button_id, label, name)
        assert (button_tab, relay_tab) == (0, -1), button_id
