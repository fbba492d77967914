"""Page data and layouts, called directly: they match the coverage engine and respect who looks."""

from __future__ import annotations

import json
from typing import Any

import dash_ag_grid as dag
import pytest
from dash import dcc

from dashboard import data as D
from dashboard import i18n
from dashboard.app import render
from dashboard.pages import groupement, national, paths
from graph.access import counts
from graph.coverage import privacy
from graph.coverage.service import Scope, coverage
from graph.paths.service import Target
from tests.dashboard.conftest import AS_OF, context
from tests.dashboard.test_figures import a_result_with_paths


def find(component: Any, id_: str) -> Any:
    """The component with this id in a layout tree, or None."""
    if getattr(component, "id", None) == id_:
        return component
    children = getattr(component, "children", None)
    if isinstance(children, list | tuple):
        for child in children:
            found = find(child, id_)
            if found is not None:
                return found
    elif children is not None and not isinstance(children, str | int | float):
        return find(children, id_)
    return None


def text(component: Any) -> str:
    return json.dumps(
        component.to_plotly_json(), default=lambda o: o.to_plotly_json(), ensure_ascii=False
    )


# --------------------------------------------------------------------------- data


def test_candidates_without_path_agree_with_the_coverage_counts(world) -> None:
    report = coverage(world.store, Scope.national(), AS_OF)
    for cov in report.groupements:
        ids = D.candidates_without_path(world.store, cov.id, AS_OF)
        assert len(ids) == cov.candidates_without_path, cov.id
        assert len(set(ids)) == len(ids)


def test_table_rows_are_the_engine_rendered_for_the_viewer(world) -> None:
    data = D.national_data(world.store, AS_OF)
    report = coverage(world.store, Scope.national(), AS_OF)
    by_id = {c.id: c for c in report.groupements}
    for role in ("national", "referent"):
        principal = world.principals[role]
        rows = D.table_rows(data, principal)
        assert [r["id"] for r in rows] == list(data.ranking)
        assert {r["id"] for r in rows} == set(by_id)
        for row in rows:
            own = role == "referent" and row["id"] == world.own
            shown = privacy.render_coverage(by_id[row["id"]], own_groupement=own)
            for col, field in (
                ("candidats", "candidates"),
                ("aidants", "helpers_available"),
                ("sans_chemin", "candidates_without_path"),
            ):
                expected = shown[field]
                assert row[col] == (None if expected == counts.SUPPRESSED else expected)
            share = shown["share_with_path"]
            assert row["avec_chemin"] == (None if share is None else round(100 * share))
            assert row["propre"] is own


def test_ranking_follows_the_national_gap_ranking(world) -> None:
    data = D.national_data(world.store, AS_OF)
    firsts = list(dict.fromkeys(g.groupement_id for g in data.gaps))
    assert list(data.ranking[: len(firsts)]) == firsts
    affected = [data.gaps_of(g)[0].affected for g in firsts]
    assert affected == sorted(affected, reverse=True)


def test_scores_are_between_0_and_100_for_every_departement(world) -> None:
    values = D.departement_values(D.national_data(world.store, AS_OF))
    assert len(values) == 101
    assert all(v.score is not None and 0 <= v.score <= 100 for v in values.values())


def test_other_referents_see_no_names_in_gaps(world) -> None:
    store = world.store
    data = D.national_data(store, AS_OF)
    kinds = ("single_point_of_failure", "no_referent")
    named = [
        g
        for g in data.gaps
        if g.kind in kinds and (g.action.params.get("person") or g.action.params.get("helper"))
    ]
    assert named, "the demo seed has gaps naming people"
    names = D.gap_people(store, named)
    records = D.gap_records(store, named)
    for gap in named[:20]:
        shown = D.render_gap(gap, "other", names, records)
        national_view = D.render_gap(gap, "national", names, records)
        for pid in (gap.action.params.get("person"), gap.action.params.get("helper")):
            if pid and pid in names:
                assert names[pid] not in shown["title"] + shown["action"]["text"]
        assert national_view["title"] == privacy.render_gap(gap)["title"]


# --------------------------------------------------------------------------- layouts


def test_national_layout_has_map_headline_and_table(world) -> None:
    ctx = context(world, "national")
    page = national.layout(ctx)
    graph = find(page, national.MAP_ID)
    assert isinstance(graph, dcc.Graph)
    assert {t.meta for t in graph.figure.data if t.meta} >= {"01", "2A", "971", "976"}
    table = find(page, national.TABLE_ID)
    assert isinstance(table, dag.AgGrid)
    data = D.national_data(world.store, AS_OF)
    assert len(table.rowData) == len(data.report.groupements)
    first = table.rowData[0]
    assert first["lien"].endswith(f"(/dashboard/groupement/{first['id']})")
    total = data.report.total
    shown = privacy.render_coverage(total)
    assert find(page, "chiffre-0").children == i18n.number(shown["candidates"])
    assert find(page, "chiffre-3").children == i18n.percent(shown["share_with_path"])
    filtered = find(national.layout(ctx, departement="33"), national.TABLE_ID)
    assert filtered.filterModel == national.filter_model("33")


def test_groupement_layout_names_candidates_only_for_its_referent(world) -> None:
    store = world.store
    missing = D.candidates_without_path(store, world.own, AS_OF)
    names = set(D.person_names(store, missing).values())
    assert names
    own = groupement.layout(context(world, "referent"), world.own)
    assert find(own, "vue-own") is not None
    listed = find(own, "candidats-sans-chemin")
    assert listed is not None
    assert all(n in text(listed) for n in names)
    for role in ("national", "admin"):
        page = groupement.layout(context(world, role), world.own)
        assert find(page, "candidats-sans-chemin") is None
        assert find(page, "noms-reserves") is not None
        body = text(page)
        # (another member may share a display name: look for the person, by id)
        for pid, name in D.person_names(store, missing).items():
            assert f"{name} · candidat" not in body.split(pid)[0][-40:]
            assert f'{name}"' not in body  # not listed alone either


def test_referent_of_another_groupement_sees_no_personal_data(world) -> None:
    store = world.store
    ctx = context(world, "referent")
    page = groupement.layout(ctx, world.other)
    body = text(page)
    assert find(page, "vue-other") is not None
    assert find(page, "candidats-sans-chemin") is None
    assert find(page, "whatif-run") is None  # no simulation, no list of its members
    missing = D.candidates_without_path(store, world.other, AS_OF)
    assert not any(n in body for n in D.person_names(store, missing).values())
    gd = D.groupement_data(store, world.other, AS_OF)
    assert not any(name in body for name in gd.names.values())
    members = D.members(store, world.other)
    assert not any(f'"{p.id}"' in body for p in members)
    # (8) none of its figures either: the API refuses them its coverage (403)
    assert find(page, "sans-chemin-nombre") is None and find(page, "panneau-lacunes") is None
    assert find(page, "indicateur-0") is None


def test_unknown_groupement_is_a_not_found_page(world) -> None:
    page = groupement.layout(context(world, "national"), "grp-nowhere")
    assert find(page, "introuvable") is not None


def test_path_layout_answers_from_the_url(world) -> None:
    candidate, employer, result = a_result_with_paths(world)
    ctx = context(world, "referent")
    page = paths.layout(ctx, candidat=candidate, employeur=employer)
    assert find(page, "chemins-figure") is not None
    listed = find(page, "chemins-explications")
    assert len(listed.children) == len(result.paths)
    assert result.paths[0].reasons[0] in text(listed)
    assert find(page, "chemins-groupement").value == world.own


def test_path_search_refuses_a_candidate_outside_the_referents_groupements(world) -> None:
    other = D.candidates_of(world.store, world.other)[0].id
    ctx = context(world, "referent")
    answer = paths.results(ctx, other, Target.employer("emp-nowhere"))
    unknown = paths.results(ctx, "p-9999999", Target.employer("emp-nowhere"))
    assert find(answer, "chemins-erreur").children == f"Candidat introuvable : {other}"
    assert find(unknown, "chemins-erreur").children == "Candidat introuvable : p-9999999"
    assert paths.candidate_options(ctx, world.other) == []
    national_ctx = context(world, "national")
    assert len(paths.candidate_options(national_ctx, world.other)) > 0


def test_no_path_shows_the_reason_and_alternatives(world) -> None:
    store = world.store
    ctx = context(world, "admin")  # may ask about anyone (graph.access.paths)
    for person in D.candidates_of(store, world.own):
        for employer, _ in D.territory_employers(store, world.own):
            page = paths.results(ctx, person.id, Target.employer(employer))
            if find(page, "chemins-aucun") is not None and find(page, "chemins-alternatives"):
                assert find(page, "chemins-figure") is not None
                return
    pytest.skip("no candidate without a path but with alternatives in this seed")


def test_router_sends_anonymous_visitors_to_the_login_page(world, dash_app) -> None:
    runtime = dash_app.server.extensions["passerelle_dashboard"]
    page = render(runtime, None, "/dashboard/groupement/grp-anocr-33", "?x=1")
    assert find(page, "page-connexion") is not None
    assert find(page, "suivant").value == "/dashboard/groupement/grp-anocr-33?x=1"
    ctx = context(world, "national")
    assert find(render(runtime, ctx, "/dashboard/", ""), "page-national") is not None
    assert find(render(runtime, ctx, "/dashboard/chemins", ""), "page-chemins") is not None
    assert find(render(runtime, ctx, "/dashboard/nulle-part", ""), "introuvable") is not None


def test_whatif_result_before_and_after(world) -> None:
    ctx = context(world, "referent")
    gd = D.groupement_data(world.store, world.own, AS_OF)
    helpers = D.helpers_of(world.store, world.own)
    change = groupement.change_of("add_referent", world.own, helpers[0].id, None, None, None)
    out = groupement.whatif_result(ctx, world.own, change)
    # (8) the API gives a référent no national line: neither does the dashboard
    assert find(out, "whatif-national") is None
    assert find(out, "whatif-figure") is not None or "ne modifie pas" in text(out)
    national_out = groupement.whatif_result(context(world, "national"), world.own, change)
    assert find(national_out, "whatif-national") is not None
    # a référent cannot simulate on another groupement, nor with someone else's member
    other = groupement.whatif_result(ctx, world.other, change)
    assert "réservée" in text(other)
    stranger = D.members(world.store, world.other)[0].id
    bad = groupement.change_of("add_referent", world.own, stranger, None, None, None)
    assert "Personne inconnue" in text(groupement.whatif_result(ctx, world.own, bad))
    assert gd.coverage.id == world.own


def test_nothing_is_read_or_built_at_import() -> None:
    import subprocess
    import sys

    code = (
        "import dashboard, dashboard.app, dashboard.geo, dashboard.data as D;"
        "assert dashboard.geo.geometry.cache_info().currsize == 0;"
        "assert not D._MEMO"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_national_page_says_when_its_figures_are_not_the_latest(world, monkeypatch) -> None:
    """Right after a write that removes something the figures are an older version's:
    the page says when they were computed (issue 16); current figures carry no line."""
    from dataclasses import replace
    from datetime import datetime

    ctx = context(world, "national")
    data = D.national_data(world.store, AS_OF)
    assert data.report.current and find(national.layout(ctx), "fraicheur") is None
    older = replace(
        data,
        report=replace(data.report, current=False, computed_at=datetime(2025, 6, 1, 9, 5)),
    )
    monkeypatch.setattr(D, "national_data", lambda store, as_of: older)
    line = find(national.layout(ctx), "fraicheur")
    assert line.children == "Chiffres calculés à 9 h 05 (mise à jour en cours)"
