"""The figure builders, called directly with plain values and with real service results."""

from __future__ import annotations

import json

import plotly.graph_objects as go

from dashboard import data as D
from dashboard import figures as F
from dashboard.geo import geometry
from graph.model import Label
from graph.paths.policy import PathPolicy
from graph.paths.service import Target, find_paths
from seed.reference import departements
from tests.dashboard.conftest import AS_OF


def _metas(fig: go.Figure) -> list[str]:
    return [t.meta for t in fig.data if t.meta]


def test_geometry_has_every_departement_of_the_reference_data() -> None:
    geo = geometry()
    assert set(geo.departements) == {d.code for d in departements()}
    for shape in geo.departements.values():
        assert shape.rings and all(len(r) >= 3 for r in shape.rings)
    overseas = {"971", "972", "973", "974", "976"}
    boxes = {c: i.box for i in geo.insets for c in i.codes if c in overseas}
    assert set(boxes) == overseas
    for code, (x0, y0, x1, y1) in boxes.items():  # each overseas shape lies in its inset
        xs = [x for r in geo.departements[code].rings for x, _ in r]
        ys = [y for r in geo.departements[code].rings for _, y in r]
        assert x0 <= min(xs) and max(xs) <= x1 and y0 <= min(ys) and max(ys) <= y1
    assert "CC BY 4.0" in geo.attribution and "svg-maps" in geo.attribution


def test_map_draws_every_departement_coloured_by_its_score() -> None:
    values = {
        "33": F.MapValue("33", "Gironde", 80.0, ("Candidats : 12",)),
        "971": F.MapValue("971", "Guadeloupe", 10.0),
        "75": F.MapValue("75", "Paris", None),
    }
    fig = F.france_map(values)
    metas = _metas(fig)
    assert set(metas) == set(geometry().departements)
    by_uid = {t.uid: t for t in fig.data}
    assert by_uid["dep-33"].fillcolor == F.score_colour(80.0)
    assert by_uid["dep-971"].fillcolor == F.score_colour(10.0)
    assert by_uid["dep-75"].fillcolor == F.NO_DATA
    assert by_uid["dep-01"].fillcolor == F.NO_DATA  # no value given
    # Paris and its neighbours are drawn a second time, enlarged, in their inset
    assert {u for u in by_uid if u and u.endswith("-zoom")} == {
        f"dep-{c}-zoom" for c in ("75", "92", "93", "94")
    }
    centres = by_uid["centres"]
    i = list(centres.customdata).index("33")
    assert "Gironde (33)" in centres.hovertext[i] and "Candidats : 12" in centres.hovertext[i]
    assert F.score_colour(0) != F.score_colour(100)
    json.dumps(fig.to_plotly_json(), default=str)  # serialisable as Dash sends it


def test_map_outlines_and_numbers_the_highlighted_groupements() -> None:
    marks = [
        F.MapHighlight(1, "Délégation IDF", ("75", "92"), "5 employeurs sans contact"),
        F.MapHighlight(2, "ANOCR Gironde", ("33",)),
    ]
    fig = F.france_map({}, marks)
    by_uid = {t.uid: t for t in fig.data}
    ranks = by_uid["highlight-rank"]
    assert list(ranks.text) == ["1", "2"]
    assert "Délégation IDF" in ranks.hovertext[0] and "5 employeurs" in ranks.hovertext[0]
    outline = by_uid["highlight-outline"]
    assert outline.line.color == F.HIGHLIGHT
    # three départements, Paris and 92 twice (mainland and inset): five rings at least
    assert sum(1 for x in outline.x if x is None) >= 4


def test_headline_cards_render_values_with_ids() -> None:
    div = F.headline_cards(
        [F.Card("Candidats", "1\u202f234", "note"), F.Card("Référents", "0", tone="bad")]
    )
    first, second = div.children
    assert first.children[0].id == "chiffre-0" and first.children[0].children == "1\u202f234"
    assert "card-bad" in second.className


def test_whatif_bars_show_withheld_counts_as_text_without_a_bar() -> None:
    before = {"candidates_with_path": "< 5", "referents": 0, "employers_without_contact": 7}
    after = {"candidates_with_path": 6, "referents": 1, "employers_without_contact": 3}
    fig = F.whatif_bars(before, after, "ANOCR Gironde")
    b, a = fig.data
    labels = list(b.y)
    i = labels.index("Candidats avec chemin")
    assert b.x[i] == 0 and b.text[i] == "< 5"
    assert a.x[i] == 6 and a.text[i] == "6"
    j = labels.index("Employeurs sans contact")
    assert (b.x[j], a.x[j]) == (7, 3)
    assert fig.layout.title.text == "ANOCR Gironde"


def a_result_with_paths(world, n: int = 2):
    """A candidate of the référent's groupement with ``n`` paths to an employer they target."""
    store = world.store
    for person in D.candidates_of(store, world.own)[:80]:
        bassins, _ = D.targets_of(store, person.id)
        for bassin in bassins:
            for employer, _ in D.located_in(store, bassin, Label.EMPLOYER):
                target = Target.employer(employer)
                result = find_paths(store, person.id, target, PathPolicy(k=3), AS_OF)
                if len(result.paths) >= n:
                    return person.id, employer, result
    return None


def test_path_network_of_a_real_result(world) -> None:
    found = a_result_with_paths(world)
    assert found is not None, "the demo seed should give a candidate with two paths"
    d = found[2].to_dict()
    fig = F.path_network(d["paths"], d["candidate"]["name"], d["target"]["label"])
    people = fig.data[-1]
    assert people.uid == "people"
    assert d["candidate"]["name"] in people.text and d["target"]["label"] in people.text
    for p in d["paths"]:
        assert p["contact"]["name"] in people.text
    explanations = next(t for t in fig.data if t.name == "explications")
    reasons = [r for p in d["paths"] for r in [h["explanation"] for h in p["hops"]]]
    assert all(any(r.split(" ")[0] in h for h in explanations.hovertext) for r in reasons)
    # one line per path, and the candidate is drawn once
    assert sum(1 for t in fig.data if (t.uid or "").startswith("path-")) == len(d["paths"])
    assert list(people.text).count(d["candidate"]["name"]) == 1


def test_path_network_of_alternatives_names_each_end() -> None:
    p = {
        "rank": 1,
        "intermediaries": [],
        "contact": {"id": None, "name": "une personne"},
        "cost": 1.5,
        "hops": [{"explanation": "se connaissent"}],
        "contact_reason": "y travaille",
    }
    fig = F.path_network([p, {**p, "rank": 2}], "M. Martin", "Thales", targets=["Airbus", "Safran"])
    people = fig.data[-1]
    assert {"Airbus", "Safran"} <= set(people.text) and "Thales" not in people.text
