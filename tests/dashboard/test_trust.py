"""Issue 17 in the dashboard: the same rules as the API (:mod:`graph.access`), callbacks
included, and charts that upload nothing and speak French.

The demo seed of :mod:`tests.dashboard.conftest`: "referent" holds ``world.own``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import plotly
import pytest

from dashboard import data as D
from dashboard import figures as F
from dashboard.auth import CSRF_COOKIE
from dashboard.pages import groupement, national, paths
from graph.access.paths import may_ask_about
from graph.access.scope import GroupementView
from graph.access.visibility import UNNAMED_MEMBER
from graph.paths.service import Target
from tests.dashboard.conftest import AS_OF, context
from tests.dashboard.test_auth import ids_in, login, page
from tests.dashboard.test_pages import find

ASSETS = Path(__file__).resolve().parents[2] / "dashboard" / "assets"


@pytest.fixture
def client(dash_app: Any) -> Any:  # a fresh cookie jar per test
    return dash_app.server.test_client()


def _targeting_candidate(world: Any, gid: str) -> str:
    """A candidate of ``gid`` who targets a bassin."""
    for person in D.candidates_of(world.store, gid):
        if D.targets_of(world.store, person.id)[0]:
            return person.id
    raise AssertionError("the demo seed has candidates with targets")


# ---------------------------------------------------------------- 2. the Chemins callback


def test_candidate_targets_callback_checks_the_candidate(client: Any, world: Any) -> None:
    """(2) a référent sends another groupement's candidate with their own groupement:
    nothing about that candidate comes back; their own candidate still fills the form."""
    login(client, world.secrets["referent"])
    stranger = _targeting_candidate(world, world.other)

    def ask(candidate: str) -> Any:
        body = {
            "output": "..chemins-bassin.value...chemins-secteur.value..",
            "outputs": [
                {"id": "chemins-bassin", "property": "value"},
                {"id": "chemins-secteur", "property": "value"},
            ],
            "inputs": [{"id": "chemins-candidat", "property": "value", "value": candidate}],
            "state": [{"id": "chemins-groupement", "property": "value", "value": world.own}],
            "changedPropIds": ["chemins-candidat.value"],
        }
        csrf = client.get_cookie(CSRF_COOKIE, path="/dashboard/").value
        return client.post(
            "/dashboard/_dash-update-component", json=body, headers={"X-CSRFToken": csrf}
        )

    refused = ask(stranger)
    assert refused.status_code == 204, refused.data[:300]
    bassin = D.targets_of(world.store, stranger)[0][0]
    assert bassin not in refused.get_data(as_text=True)
    mine = ask(_targeting_candidate(world, world.own))
    assert mine.status_code == 200 and "chemins-bassin" in mine.get_json()["response"]


def test_path_page_from_the_url_says_nothing_of_another_groupements_candidate(world) -> None:
    """(2) the same from the URL: no bassin or sector of theirs is filled in."""
    stranger = _targeting_candidate(world, world.other)
    page_ = paths.layout(context(world, "referent"), groupement=world.own, candidat=stranger)
    bassin = D.targets_of(world.store, stranger)[0][0]
    assert find(page_, "chemins-bassin").value is None
    assert find(page_, "chemins-secteur").value is None
    assert bassin not in str(find(page_, "chemins-employeur").options)


# ---------------------------------------------------------------- 3. national


def test_national_asks_only_about_consenting_people(world) -> None:
    """(3) the national cell's picker lists only people who consented to be named, and a
    search for anyone else is answered like an unknown id."""
    ctx = context(world, "national")
    people = {p.id: p for p in D.candidates_of(world.store, world.own)}
    listed = {o["value"] for o in paths.candidate_options(ctx, world.own)}
    assert listed and all(may_ask_about(ctx.principal, people[i], [world.own]) for i in listed)
    shy = next(p.id for p in people.values() if not (p.consent_introducer or p.consent_directory))
    assert shy not in listed
    answer = paths.results(ctx, shy, Target.employer("emp-nowhere"))
    assert find(answer, "chemins-erreur").children == f"Candidat introuvable : {shy}"


# ---------------------------------------------------------------- 4. gaps


def test_gaps_do_not_name_who_may_not_be_named(world) -> None:
    """(4) a gap naming someone who does not consent (now) reads "un membre du
    groupement" for the national cell and the référent alike."""
    data = D.national_data(world.store, AS_OF)
    named = [g for g in data.gaps if g.action.params.get("person")][:30]
    assert named
    names = D.gap_people(world.store, named)
    records = D.gap_records(world.store, named)
    gap = named[0]
    pid = gap.action.params["person"]
    withdrawn = {pid: records[pid].model_copy(update={"consent_introducer": False,
                                                      "consent_directory": False})}  # fmt: skip
    fake = gap.__class__(**{**gap.__dict__, "action": gap.action.__class__(
        gap.action.kind, gap.action.params, f"Demander à {names[pid]} son accord")})  # fmt: skip
    for kind in (GroupementView.NATIONAL, GroupementView.OWN):
        shown = D.render_gap(fake, kind, names, withdrawn)
        assert names[pid] not in shown["action"]["text"]
        assert UNNAMED_MEMBER in shown["action"]["text"]
    kept = D.render_gap(fake, GroupementView.NATIONAL, names, {pid: records[pid]})
    named_now = records[pid].consent_introducer or records[pid].consent_directory
    assert (names[pid] in kept["action"]["text"]) == named_now


# ---------------------------------------------------------------- 7. charts


def test_charts_upload_nothing_and_show_no_logo() -> None:
    """(7) no "Share chart" (upload to a cloud service), no Chart Studio, no link."""
    config = F.GRAPH_CONFIG
    assert config["showSendToCloud"] is False and config["showEditInChartStudio"] is False
    assert config["showLink"] is False and config["displaylogo"] is False
    assert {"sendChartToCloud", "sendDataToCloud", "editInChartStudio", "link"} <= set(
        config["modeBarButtonsToRemove"]
    )


def test_every_chart_of_every_page_uses_the_config(world) -> None:
    from dash import dcc

    def graphs(component: Any) -> list[Any]:
        out = [component] if isinstance(component, dcc.Graph) else []
        children = getattr(component, "children", None)
        for child in children if isinstance(children, list | tuple) else [children]:
            if child is not None and not isinstance(child, str | int | float):
                out += graphs(child)
        return out

    found = graphs(national.layout(context(world, "national")))
    found += graphs(groupement.layout(context(world, "national"), world.own))
    from tests.dashboard.test_figures import a_result_with_paths

    candidate, employer, _ = a_result_with_paths(world)
    found += graphs(paths.layout(context(world, "referent"), candidat=candidate,
                                 employeur=employer))  # fmt: skip
    assert len(found) >= 2
    assert all(g.config == F.GRAPH_CONFIG for g in found)


def test_chart_toolbar_texts_are_in_french() -> None:
    """(7) the French locale asset translates every toolbar text plotly.js may show."""
    source = (ASSETS / "plotly-locale-fr.js").read_text(encoding="utf-8")
    start = source.index("/* dictionary */") + len("/* dictionary */")
    dictionary = json.loads(source[start : source.index("/* end dictionary */")])
    bundle = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    shown = set(re.findall(r'\(e,"([A-Z][^"]*)"\)', bundle.read_text(encoding="utf-8")))
    assert {"Zoom in", "Download plot as a PNG", "Reset axes"} <= shown
    missing = sorted(shown - dictionary.keys())
    assert not missing, missing
    assert 'name: "fr"' in source and F.GRAPH_CONFIG["locale"] == "fr"


# ---------------------------------------------------------------- 8. the référent's home


def test_referent_home_shows_only_what_the_api_gives_them(client: Any, world: Any) -> None:
    """(8) no national headline, no map of départements, no other groupement's row."""
    ctx = context(world, "referent")
    home = national.layout(ctx)
    assert find(home, national.MAP_ID) is None and find(home, "chiffre-0") is None
    rows = find(home, national.TABLE_ID).rowData
    assert [r["id"] for r in rows] == [world.own] and rows[0]["propre"] is True
    login(client, world.secrets["referent"])
    tree = page(client, "/dashboard/")
    assert national.MAP_ID not in ids_in(tree)
    assert world.other not in json.dumps(tree)
    assert "vue-other" in ids_in(page(client, "/dashboard/groupement/" + world.other))
