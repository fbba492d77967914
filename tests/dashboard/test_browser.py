"""The dashboard in a real headless Chromium, on the demo seed (20,000 people, as ``make run``).

One server (the API with the dashboard mounted, as ``api/app.py`` wires it) in a thread on
127.0.0.1; two browsers with fresh profiles, the national cell's and a référent's. The
pages are checked against the services: every département on the map, the table equal to
the coverage engine, the référent's scope. ``PASSERELLE_SCREENSHOTS=DIR`` saves the three
pages' screenshots there, and the login page's, the no-path answer's and the what-if's
(``make screenshots`` writes ``docs/screenshots``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dashboard import data as D
from dashboard import i18n
from graph.coverage import privacy
from graph.coverage.service import Scope, coverage
from graph.model import Label
from graph.paths.policy import PathPolicy
from graph.paths.service import Target, find_paths
from seed.reference import departements
from tests.dashboard import browser as B
from tests.dashboard.browser import shot
from tests.dashboard.conftest import AS_OF, World, combined_app, make_world

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
PEOPLE = 20_000
#: a référent's home page is drawn: the grid of their groupements (no map: issue 17)
REFERENT_HOME_JS = (
    "return document.querySelectorAll('#table-groupements .ag-center-cols-container .ag-row')"
    ".length > 0"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, str]]:
    reason = B.chromium_available()
    if reason:
        pytest.skip(reason)
    world = make_world(tmp_path_factory.mktemp("dashboard-browser"), PEOPLE)
    app = combined_app(world, warm=True)
    with B.ServerThread(app) as server:
        yield world, server.base
    world.tokens.close()
    world.store.close()


@pytest.fixture(scope="module")
def national(site) -> Iterator[Any]:
    """The national cell's browser, logged in: every test using it may run alone."""
    world, base = site
    with B.chrome() as driver:
        B.login(driver, base, world.secrets["national"])
        B.wait_js(driver, B.NATIONAL_RENDERED_JS, 60)
        yield driver


@pytest.fixture(scope="module")
def referent(site) -> Iterator[Any]:
    world, base = site
    with B.chrome() as driver:
        B.login(driver, base, world.secrets["referent"])
        B.wait_js(driver, REFERENT_HOME_JS, 60)
        yield driver


def page_text(driver: Any) -> str:
    return driver.execute_script("return document.body.innerText")


def grid_rows(driver: Any) -> dict[str, dict[str, str]]:
    """Every row of the groupements grid, page after page: row id -> column id -> text."""
    rows: dict[str, dict[str, str]] = {}
    read = """
    const out = {};
    document.querySelectorAll('#table-groupements .ag-row').forEach(row => {
      const id = row.getAttribute('row-id');
      out[id] = out[id] || {};
      row.querySelectorAll('.ag-cell').forEach(c => {
        out[id][c.getAttribute('col-id')] = c.innerText.trim();
      });
    });
    return out;
    """
    # "21 à 40 sur 109": wait until the page's rows are all drawn, then read them
    ready = """
    const m = document.querySelector('#table-groupements .ag-paging-row-summary-panel')
      .innerText.match(/(\\d+) à (\\d+) sur (\\d+)/);
    if (!m) return false;
    const ids = new Set([...document.querySelectorAll(
      '#table-groupements .ag-center-cols-container .ag-row')].map(r => r.getAttribute('row-id')));
    return ids.size === Number(m[2]) - Number(m[1]) + 1 ? m[0] : false;
    """
    seen = set()
    for _ in range(20):
        summary = B.wait_js(driver, ready)
        assert summary not in seen
        seen.add(summary)
        for rid, cells in driver.execute_script(read).items():
            rows.setdefault(rid, {}).update(cells)
        nxt = driver.find_element("css selector", '#table-groupements [data-ref="btNext"]')
        if nxt.get_attribute("aria-disabled") == "true":
            return rows
        nxt.click()
        B.wait_js(driver, ready.replace("? m[0] : false", f"&& m[0] !== '{summary}'"))
    raise AssertionError("the grid has more pages than expected")


def test_login_page_refuses_a_bad_token(site) -> None:
    world, base = site
    with B.chrome() as visitor:  # a fresh profile: nobody is logged in
        visitor.get(base + "/dashboard/")
        B.wait_for(visitor, "#page-connexion")
        shot(visitor, "connexion")
        B.login(visitor, base, "psl_not-a-real-token")
        message = B.wait_for(visitor, "#erreur-connexion")
        assert "Jeton inconnu" in message.text
        B.login(visitor, base, world.secrets["portal"])
        assert "portail" in B.wait_for(visitor, "#erreur-connexion").text


def test_national_page_shows_every_departement_and_the_engine_table(site, national) -> None:
    world, base = site
    national.get(base + "/dashboard/")
    B.wait_js(national, B.NATIONAL_RENDERED_JS, 60)
    # the map: one trace per département (plus Paris's inset), every code of the reference
    codes = national.execute_script(
        "const g = document.querySelector('#carte-france .js-plotly-plot');"
        "return [...new Set(g.data.map(t => t.meta).filter(Boolean))];"
    )
    assert sorted(codes) == sorted(d.code for d in departements())
    drawn = national.execute_script(
        "return document.querySelectorAll('#carte-france .scatterlayer .trace path.js-fill').length"
    )
    assert drawn >= 101
    # the headline figures and the table are the coverage engine's, rendered for the viewer
    report = coverage(world.store, Scope.national(), AS_OF)
    total = privacy.render_coverage(report.total)
    assert national.find_element("id", "chiffre-0").text == i18n.number(total["candidates"])
    assert national.find_element("id", "chiffre-3").text == i18n.percent(total["share_with_path"])
    rows = grid_rows(national)
    data = D.national_data(world.store, AS_OF)
    assert set(rows) == {c.id for c in report.groupements}
    for cov in report.groupements:
        row, shown = rows[cov.id], privacy.render_coverage(cov)
        assert row["lien"] == cov.name
        assert row["rang"] == str(data.ranking.index(cov.id) + 1)
        assert row["candidats"] == i18n.number(shown["candidates"])
        assert row["aidants"] == i18n.number(shown["helpers_available"])
        assert row["sans_chemin"] == i18n.number(shown["candidates_without_path"])
        assert row["avec_chemin"] == i18n.percent(shown["share_with_path"])
        assert row["employeurs_sans_contact"] == i18n.number(cov.employers_without_contact)
        assert row["referent"] == D.referent_word(cov, data.infos[cov.id].kind)
    # nothing was fetched from anywhere but this server
    outside = national.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".filter(n => !n.startsWith(location.origin))"
    )
    assert outside == []
    national.get(base + "/dashboard/")
    B.wait_js(national, B.NATIONAL_RENDERED_JS, 60)
    shot(national, "national")


def test_home_page_on_a_phone(site, national) -> None:
    """At 360 px the home page fits the screen, "Se déconnecter" is on it, and the map and
    the grid scroll inside their panels (``make screenshots``: docs/screenshots/telephone.png)."""
    _, base = site
    national.set_window_size(360, 800)
    try:
        national.get(base + "/dashboard/")
        B.wait_js(national, B.NATIONAL_RENDERED_JS, 60)
        assert national.execute_script("return window.innerWidth") == 360
        assert national.execute_script(B.OVERFLOW_JS) <= 0, national.execute_script(B.WIDEST_JS)
        logout = national.find_element("id", "deconnexion")
        assert logout.is_displayed() and national.execute_script(B.ON_SCREEN_JS, logout)
        shot(national, "telephone", max_height=1600)
    finally:
        national.set_window_size(1440, 1000)


def test_home_page_renders_quickly(site, national) -> None:
    _, base = site
    times = [B.time_to_render(national, base + "/dashboard/") for _ in range(3)]
    print(
        f"\nhome page, {PEOPLE} people: first full render {sorted(times)[1]:.0f} ms (median of 3)"
    )
    assert sorted(times)[1] < 10_000


def test_click_through_national_groupement_paths(site, referent) -> None:
    world, base = site
    driver = referent
    driver.get(base + "/dashboard/")
    B.wait_js(driver, REFERENT_HOME_JS, 60)
    # (issue 17) their groupements only: no map of départements, no national figure
    assert not driver.find_elements("id", "carte-france")
    name = D.groupement_info(world.store, world.own).name
    # filter the grid on the référent's groupement and follow its link
    box = driver.find_element("css selector", 'input[aria-label="Groupement Saisie du filtre"]')
    box.send_keys(name)
    B.wait_js(
        driver,
        "return document.querySelectorAll('#table-groupements .ag-center-cols-container .ag-row')"
        ".length === 1",
    )
    driver.find_element(
        "css selector", f'#table-groupements .ag-row[row-id="{world.own}"] a'
    ).click()
    B.wait_for(driver, "#page-groupement")
    assert driver.find_element("id", "titre-groupement").text == name
    assert driver.find_elements("id", "vue-own")
    missing = D.candidates_without_path(world.store, world.own, AS_OF)
    names = D.person_names(world.store, missing)
    listed = driver.find_element("id", "candidats-sans-chemin").text
    assert all(n in listed for n in names.values())
    shot(driver, "groupement")
    # on to the path explorer for the first candidate without a path
    driver.find_element("css selector", "#candidats-sans-chemin a").click()
    B.wait_for(driver, "#chemins-reponse")
    assert driver.find_elements("id", "chemins-aucun"), "a candidate without a path has no path"
    assert names[missing[0]] in driver.find_element("id", "chemins-titre").text
    shot(driver, "chemins-aucun")


def test_path_explorer_draws_and_explains_paths(site, referent) -> None:
    world, base = site
    found = None
    for person in D.candidates_of(world.store, world.own)[:80]:
        bassins, _ = D.targets_of(world.store, person.id)
        for bassin in bassins:
            for employer, _ in D.located_in(world.store, bassin, Label.EMPLOYER):
                result = find_paths(
                    world.store, person.id, Target.employer(employer), PathPolicy(k=3), AS_OF
                )
                if len(result.paths) >= 2:
                    found = (person.id, employer, result)
                    break
            if found:
                break
        if found:
            break
    assert found is not None
    candidate, employer, result = found
    referent.get(f"{base}/dashboard/chemins?candidat={candidate}&employeur={employer}")
    B.wait_for(referent, "#chemins-figure .js-plotly-plot")
    listed = referent.find_element("id", "chemins-explications").text
    for path in result.paths:
        assert path.reasons[0] in listed
    # ask for one path only and search again: the callback answers (with a loading state)
    B.pick(referent, "chemins-k", "1")
    referent.find_element("id", "chemins-chercher").click()
    B.wait_js(
        referent,
        "const l = document.getElementById('chemins-explications');"
        "return l && l.children.length === 1",
    )
    # (issue 20) the search is in the URL: reopening it shows the same answer
    url = referent.current_url
    assert f"candidat={candidate}" in url and "k=1" in url and f"employeur={employer}" in url
    referent.get(base + "/dashboard/")
    referent.get(url)
    B.wait_js(
        referent,
        "const l = document.getElementById('chemins-explications');"
        "return l && l.children.length === 1",
    )
    B.wait_for(referent, "#chemins-k")  # dropdowns render after the answer
    B.pick(referent, "chemins-k", "3")
    referent.find_element("id", "chemins-chercher").click()
    B.wait_js(
        referent,
        "const l = document.getElementById('chemins-explications');"
        f"return l && l.children.length === {len(result.paths)}",
    )
    shot(referent, "chemins")


def test_referent_cannot_open_another_groupements_personal_data(site, referent) -> None:
    world, base = site
    referent.get(f"{base}/dashboard/groupement/{world.other}")
    B.wait_for(referent, "#page-groupement")
    assert referent.find_elements("id", "vue-other")
    assert not referent.find_elements("id", "candidats-sans-chemin")
    assert not referent.find_elements("id", "whatif-run")
    text = page_text(referent)
    missing = D.candidates_without_path(world.store, world.other, AS_OF)
    for pid, name in D.person_names(world.store, missing).items():
        assert pid not in text and name not in text
    # none of its figures either, as the API refuses them (issue 17)
    assert not referent.find_elements("id", "sans-chemin-nombre")
    assert not referent.find_elements("id", "indicateur-0")
    # nor search paths for one of its candidates, even by URL
    stranger = D.candidates_of(world.store, world.other)[0].id
    referent.get(f"{base}/dashboard/chemins?candidat={stranger}&cible=secteur")
    B.wait_for(referent, "#page-chemins")
    options = referent.execute_script("return document.body.innerText")
    assert D.groupement_info(world.store, world.other).name not in options.split("Candidat")[0]


def test_referent_path_search_outside_scope_is_unknown(site, referent) -> None:
    world, base = site
    stranger = D.candidates_of(world.store, world.other)[0].id
    employer = D.territory_employers(world.store, world.other)[0][0]
    referent.get(f"{base}/dashboard/chemins?candidat={stranger}&employeur={employer}")
    message = B.wait_for(referent, "#chemins-erreur")
    assert message.text == f"Candidat introuvable : {stranger}"


def test_whatif_shows_before_and_after(site, national) -> None:
    world, base = site
    national.get(f"{base}/dashboard/groupement/{world.own}")
    B.wait_for(national, "#whatif-run")
    national.find_element("css selector", 'input[value="add_helper"]').click()
    assert national.find_element("id", "whatif-member-box").is_displayed()
    national.find_element("css selector", 'input[value="add_referent"]').click()
    person = D.helpers_of(world.store, world.own)[0].id
    B.pick(national, "whatif-person", person)
    national.find_element("id", "whatif-run").click()
    done = B.wait_js(
        national,
        "const r = document.getElementById('whatif-result');"
        "return r && r.innerText.includes('France') ? r.innerText : false",
        60,
    )
    assert "France : candidats avec un chemin" in done
    assert national.find_elements("css selector", "#whatif-figure .js-plotly-plot")
    shot(national, "simulation", css="#panneau-simulation")
