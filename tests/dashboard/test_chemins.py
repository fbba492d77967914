"""Chemins (issue 20): the référent's groupement preselected, the query in the URL, no
internal id in pickers, next steps after a no-path answer, "no target" told apart from
"no path"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from dash import no_update

from dashboard import data as D
from dashboard.app import query_args
from dashboard.pages import groupement, paths
from dashboard.runtime import PageContext, Runtime
from graph.access.scope import GroupementView
from graph.coverage import privacy
from graph.coverage.service import coverage_state
from graph.model import InGroupement, Person
from graph.paths.service import Target
from graph.store import Batch
from tests.dashboard.conftest import AS_OF, OPTIONS, World, context, make_world
from tests.dashboard.test_figures import a_result_with_paths
from tests.dashboard.test_pages import find, text

#: an internal person id as the seed writes them
INTERNAL_ID = re.compile(r"\bp-\d{3,}")


def labels(options: list[dict[str, str]]) -> list[str]:
    return [o["label"] for o in options]


# --------------------------------------------------------------------------- (1) preselection


def test_a_referent_with_one_groupement_has_it_preselected(world) -> None:
    ctx = context(world, "referent")
    page = paths.layout(ctx)
    picker = find(page, "chemins-groupement")
    assert picker.value == world.own
    assert len(find(page, "chemins-candidat").options) > 0
    # the national cell chooses among many: nothing is picked for it
    assert find(paths.layout(context(world, "national")), "chemins-groupement").value is None


# --------------------------------------------------------------------------- (2) URL


def test_a_search_goes_to_the_url_and_the_url_shows_the_same_answer(world) -> None:
    found = a_result_with_paths(world)
    assert found is not None
    candidate, employer, result = found
    ctx = context(world, "referent")
    bassin = D.targets_of(world.store, candidate)[0][0]
    form = (world.own, candidate, "employeur", employer, None, "sec-x", bassin, 3, 3)
    search, answer = paths.search_answer(ctx, "", *form)
    assert answer is no_update and search.startswith("?")
    q = query_args("chemins", search)
    assert q["candidat"] == candidate and q["employeur"] == employer and "secteur" not in q
    page = paths.layout(ctx, **q)
    listed = find(page, "chemins-explications")
    assert len(listed.children) == len(result.paths)
    assert result.paths[0].reasons[0] in text(listed)
    assert find(page, "chemins-groupement").value == world.own
    assert "chemins trouvés" in text(page) and "(s)" not in text(page)
    # the same search again (the URL already holds it): answered in place
    again, shown = paths.search_answer(ctx, search, *form)
    assert again is no_update and find(shown, "chemins-explications") is not None
    # an incomplete form says what is missing and leaves the URL alone
    url, error = paths.search_answer(ctx, "", world.own, candidate, "employeur", *[None] * 6)
    assert url is no_update and "une cible complète" in text(error)


def test_the_search_callback_writes_the_url(dash_app) -> None:
    (key,) = [key for key in dash_app.callback_map if "url.search" in key]
    # the answer is the first output (the audit trail classes a callback by it)
    assert key.strip(".").startswith("chemins-resultat.children")


# --------------------------------------------------------------------------- (3) no ids


def test_pickers_never_show_an_internal_id(world) -> None:
    national, referent = context(world, "national"), context(world, "referent")
    for ctx, gid in ((national, world.other), (referent, world.own), (national, world.own)):
        shown = labels(paths.candidate_options(ctx, gid))
        assert shown and not any(INTERNAL_ID.search(label) for label in shown)
        assert len(set(shown)) == len(shown)  # every option can be told apart
    unnamed = labels(paths.candidate_options(national, world.other))
    name = D.groupement_infos(world.store)[world.other].name
    assert unnamed[0] == f"Membre non nommé n° 1 ({name})"


def test_whatif_lists_never_show_an_internal_id(world) -> None:
    for role, kind in (("referent", GroupementView.OWN), ("national", GroupementView.NATIONAL)):
        ctx = context(world, role)
        gd = D.groupement_data(world.store, world.own, AS_OF)
        controls = groupement.whatif_controls(ctx, gd, kind)
        for id_ in ("whatif-person", "whatif-member"):
            shown = labels(find(controls, id_).options)
            assert shown and not any(INTERNAL_ID.search(label) for label in shown), id_


# --------------------------------------------------------------------------- (4) next steps


def test_a_no_path_answer_offers_next_steps(world) -> None:
    store = world.store
    ctx = context(world, "referent")
    aimless = set(D.groupement_data(store, world.own, AS_OF).without_target)
    for pid in D.candidates_without_path(store, world.own, AS_OF):
        bassins, sectors = D.targets_of(store, pid)
        if pid in aimless or not (bassins and sectors):
            continue
        page = paths.results(ctx, pid, Target.sector_in_bassin(sectors[0], bassins[0]))
        assert find(page, "chemins-aucun") is not None
        steps = find(page, "chemins-suite")
        assert steps is not None
        said = text(steps)
        assert "référent du bassin" in said or "Aucun référent ne couvre" in said
        assert not INTERNAL_ID.search(said)
        return
    pytest.fail("the demo seed should have a candidate with targets and no path")


# --------------------------------------------------------------------------- (5) no target


#: a candidate of another groupement, without target either
STRANGER = "p-9000002"


@pytest.fixture(scope="module")
def aimless(tmp_path_factory) -> Iterator[tuple[World, str]]:
    """A small demo network plus a candidate of the référent's groupement with no target."""
    w = make_world(tmp_path_factory.mktemp("chemins-aimless"), 600)
    pid = "p-9000001"
    w.store.write(
        Batch(
            nodes=[
                Person(id=pid, first_name="Jean", last_name="Sanscible", status="candidate"),
                Person(id=STRANGER, first_name="Luc", last_name="Ailleurs", status="candidate"),
            ],
            rels=[InGroupement(src=pid, dst=w.own), InGroupement(src=STRANGER, dst=w.other)],
        )
    )
    coverage_state(w.store, AS_OF)  # the figures of this version, not a labelled older one
    yield w, pid
    w.tokens.close()
    w.store.close()


def _ctx(w: World, role: str) -> PageContext:
    runtime = Runtime(w.settings, OPTIONS, lambda: w.store, lambda: w.tokens, "/dashboard/")
    return PageContext(runtime, w.principals[role], AS_OF)


def test_a_candidate_without_target_is_told_apart_from_no_path(aimless) -> None:
    w, pid = aimless
    ctx = _ctx(w, "referent")
    gd = D.groupement_data(w.store, w.own, AS_OF)
    assert pid in gd.without_target and pid in gd.without_path
    shown = privacy.render_coverage(gd.coverage, True)
    block = groupement.without_path_block(ctx, gd, GroupementView.OWN, shown)
    said = text(block)
    assert "sans aucune cible renseignée" in said
    card = next(c for c in groupement.cards(shown, gd.coverage) if "chemin" in c.label)
    assert card.note.endswith("dont 1 sans cible renseignée")
    item = next(li for li in find(block, "candidats-sans-chemin").children if pid in text(li))
    assert "aucune cible renseignée" in text(item) and item.className == "sans-cible"
    # the link opens the form with a word of why, and what to fill in
    page = paths.layout(ctx, candidat=pid)
    why = find(page, "chemins-sans-cible")
    assert why is not None and "Aucune cible renseignée" in text(why)
    assert "un employeur" in text(why) and "un secteur dans un bassin" in text(why)
    assert find(page, "chemins-groupement").value == w.own
    # picking them in the form says the same
    bassin, sector, answer = paths.candidate_form(ctx, pid)
    assert bassin is None and sector is None and find(answer, "chemins-sans-cible")


def test_counts_without_path_agree_in_number(aimless) -> None:
    w, _ = aimless
    ctx = _ctx(w, "referent")
    gd = D.groupement_data(w.store, w.own, AS_OF)
    one = {"candidates_without_path": 1, "candidates_without_target": 0}
    said = text(groupement.without_path_block(ctx, gd, GroupementView.OWN, one))
    assert "1 candidat" in said and "n'a aucun chemin" in said and "(s)" not in said
    many = {"candidates_without_path": 3, "candidates_without_target": 1}
    said = text(groupement.without_path_block(ctx, gd, GroupementView.OWN, many))
    assert "3 candidats" in said and "n'ont aucun chemin" in said


# --------------------------------------------------------------------------- (7) by share


def test_national_table_may_be_ranked_by_share(world, dash_app) -> None:
    from dashboard.app import render
    from dashboard.pages import national

    ctx = context(world, "national")
    page = national.layout(ctx)
    assert find(page, national.RANKING_ID) is not None
    link = find(page, f"{national.RANKING_ID}-part")
    assert link.href == "/dashboard/?classement=part"
    by_gap = national.ranked_rows(ctx, "lacune")
    by_share = national.ranked_rows(ctx, "part")
    assert [r["rang"] for r in by_share] == list(range(1, len(by_gap) + 1))
    assert {r["id"] for r in by_share} == {r["id"] for r in by_gap}
    shown = [r["avec_chemin"] for r in by_share]
    known = [s for s in shown if s is not None]
    assert known == sorted(known)  # the lowest share with a path (highest without) first
    assert all(s is None for s in shown[len(known) :])  # "n.c." last
    assert [r["id"] for r in by_share] != [r["id"] for r in by_gap]
    # the ranking is in the URL: the router renders the table in that order
    runtime = dash_app.server.extensions["passerelle_dashboard"]
    ranked = render(runtime, ctx, "/dashboard/", "?classement=part&departement=33")
    grid = find(ranked, national.TABLE_ID)
    assert [r["id"] for r in grid.rowData] == [r["id"] for r in by_share]
    assert find(ranked, f"{national.RANKING_ID}-lacune").href == (
        "/dashboard/?classement=lacune&departement=33"
    )


def test_national_headline_tells_no_target_from_no_path(world) -> None:
    from dashboard.pages import national

    data = D.national_data(world.store, AS_OF)
    card = next(c for c in national.headline(data) if "chemin" in c.label)
    assert "sans chemin, dont" in card.note and "sans cible renseignée" in card.note


def test_no_target_notice_callback_checks_the_candidate(aimless) -> None:
    """Picking a candidate without target says so at once; a crafted call with another
    groupement's candidate learns nothing (not even whether they recorded a target)."""
    from dashboard.app import create_dash
    from dashboard.auth import CSRF_COOKIE
    from tests.dashboard.test_auth import login

    w, pid = aimless
    app = create_dash(w.settings, lambda: w.store, lambda: w.tokens, options=OPTIONS)
    client = app.server.test_client()
    login(client, w.secrets["referent"])
    (output,) = [
        key
        for key, cb in app.callback_map.items()
        if key.startswith("chemins-resultat.children@")
        and [i["id"] for i in cb["inputs"]] == ["chemins-candidat"]
    ]

    def ask(candidate: str) -> Any:
        body = {
            "output": output,
            "outputs": {"id": "chemins-resultat", "property": output.split(".", 1)[1]},
            "inputs": [{"id": "chemins-candidat", "property": "value", "value": candidate}],
            "state": [{"id": "chemins-groupement", "property": "value", "value": w.own}],
            "changedPropIds": ["chemins-candidat.value"],
        }
        csrf = client.get_cookie(CSRF_COOKIE, path="/dashboard/").value
        return client.post(
            "/dashboard/_dash-update-component", json=body, headers={"X-CSRFToken": csrf}
        )

    mine = ask(pid)
    assert mine.status_code == 200 and "chemins-sans-cible" in mine.get_data(as_text=True)
    refused = ask(STRANGER)
    assert refused.status_code == 204 and "chemins-sans-cible" not in refused.get_data(True)
