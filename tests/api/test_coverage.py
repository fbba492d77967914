"""The coverage routes: who sees which figures, the small-count rule, what-if, errors.

The world of :mod:`tests.api.conftest` plus, for this module, five more candidates in
grp-a (six in all, so "candidates" is shown to everyone) of whom only cand-a has a path
(so "candidates_with_path" reads "< 5" outside grp-a's own view), targets for everyone,
and ``both-ab``, a helper attached to grp-a and grp-b, whose consent changes both.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields
from datetime import date
from typing import Any

import pytest

from api.routes.coverage.models import CoverageOut
from graph.coverage.metrics import Coverage
from graph.model import InGroupement, Knows, Person, RelType, Targets
from graph.store import Batch
from tests.api.conftest import World, make_world
from tests.api.test_problems import assert_problem

V1 = "/api/v1/coverage"
EXTRA = [f"cand-a{i}" for i in range(2, 7)]


def _add_people(world: World) -> None:
    nodes: list[Any] = [
        Person(id=pid, first_name="Prénom", last_name=f"Nom{pid}", status="candidate")
        for pid in EXTRA
    ]
    nodes.append(
        Person(id="both-ab", first_name="Prénom", last_name="Double", status="helper",
               consent_introducer=False)
    )  # fmt: skip
    rels: list[Any] = [InGroupement(src=pid, dst="grp-a") for pid in EXTRA]
    rels += [InGroupement(src="both-ab", dst="grp-a"), InGroupement(src="both-ab", dst="grp-b")]
    rels += [Targets(src=pid, dst="be-ZE-33-1") for pid in ("cand-a", "cand-b", *EXTRA)]
    rels.append(
        Knows(src="both-ab", dst="work-1", strength=0.9, source="unit",
              since=date(2020, 1, 1), confirmed_at=date(2025, 1, 1))
    )  # fmt: skip
    world.store.write(Batch(nodes=nodes, rels=rels))


@pytest.fixture(scope="module")
def cov(tmp_path_factory) -> Iterator[World]:
    for world in make_world(tmp_path_factory.mktemp("coverage")):
        _add_people(world)
        yield world


def get(world: World, who: str, url: str, status: int = 200) -> dict[str, Any]:
    response = world.client.get(V1 + url, headers=world.headers(who))
    assert response.status_code == status, response.text
    return response.json()


def what_if(world: World, who: str, changes: list[dict], status: int = 200, **kw) -> Any:
    response = world.client.post(
        f"{V1}/what-if", headers=world.headers(who), json={"changes": changes, **kw}
    )
    assert response.status_code == status, response.text
    return response


# --------------------------------------------------------------------------- suppression


def test_national_sees_small_counts_as_less_than_five(cov: World) -> None:
    for who in ("admin", "national"):
        report = get(cov, who, "/groupements/grp-a")
        (row,) = report["groupements"]
        assert report["total"] == row
        assert row["candidates"] == 6
        assert row["candidates_with_path"] == "< 5"
        assert row["referents"] == "< 5"
        assert row["share_with_path"] is None  # 1/6 would give "1 with a path" away
        assert row["suppressed"] is True


def test_referent_sees_their_groupement_exactly(cov: World) -> None:
    report = get(cov, "referent", "/groupements/grp-a")
    (row,) = report["groupements"]
    assert row["candidates"] == 6
    assert row["candidates_with_path"] == 1
    assert row["referents"] == 1
    assert row["share_with_path"] == pytest.approx(1 / 6)
    assert row["suppressed"] is False
    assert "< 5" not in str(report)


def test_roll_ups_are_always_suppressed(cov: World) -> None:
    report = get(cov, "national", "")
    assert report["scope"] == "national" and report["scope_id"] == "FR"
    assert [r["id"] for r in report["groupements"]] == ["grp-a", "grp-b"]
    assert [r["id"] for r in report["departements"]] == ["33"]
    assert [r["id"] for r in report["regions"]] == ["75"]
    rows = [*report["groupements"], *report["departements"], *report["regions"]]
    rows.append(report["total"])
    assert all(r["suppressed"] for r in rows)
    assert report["total"]["candidates"] == 7 and report["total"]["candidates_with_path"] == "< 5"
    region = get(cov, "admin", "/regions/75")
    assert region["scope"] == "region" and [r["id"] for r in region["departements"]] == ["33"]
    dep = get(cov, "admin", "/departements/dep-33")  # the node id works too
    assert dep["scope_id"] == "dep-33" and dep["total"]["scope"] == "departement"


def test_gaps_own_view_and_national_view(cov: World) -> None:
    own = get(cov, "referent", "/gaps?scope=groupement&id=grp-a")
    assert own["scope"] == "groupement" and own["total"] >= len(own["gaps"]) > 0
    assert all(isinstance(g["affected"], int) for g in own["gaps"])
    national = get(cov, "national", "/gaps?scope=groupement&id=grp-a")
    assert [g["kind"] for g in national["gaps"]] == [g["kind"] for g in own["gaps"]]
    for mine, seen in zip(own["gaps"], national["gaps"], strict=True):
        assert seen["affected"] == (mine["affected"] if mine["affected"] >= 5 else "< 5")
    # grp-b has one candidate: exact for its référent, "< 5" for the national cell
    own_b = get(cov, "other_referent", "/gaps?scope=groupement&id=grp-b")["gaps"]
    national_b = get(cov, "national", "/gaps?scope=groupement&id=grp-b")["gaps"]
    assert own_b and [g["affected"] for g in own_b] == [1] * len(own_b)
    assert [g["affected"] for g in national_b] == ["< 5"] * len(own_b)
    one = get(cov, "admin", "/gaps?limit=1")
    assert len(one["gaps"]) == 1 and one["total"] > 1 and one["gaps"][0]["rank"] == 1
    # answers are kept rendered, one per page size: each size keeps its own
    every = get(cov, "admin", "/gaps?limit=50")
    assert len(every["gaps"]) == every["total"] > 1 and every["gaps"][0] == one["gaps"][0]
    assert get(cov, "admin", "/gaps?limit=1") == one


def test_actions_are_ranked_for_the_national_cell(cov: World) -> None:
    out = get(cov, "national", "/actions")
    assert [a["rank"] for a in out["actions"]] == list(range(1, out["total"] + 1))
    assert {a["groupement_id"] for a in out["actions"]} <= {"grp-a", "grp-b"}
    assert all(a["candidates_with_path"] == "< 5" for a in out["actions"])
    assert len(get(cov, "admin", "/actions?limit=1")["actions"]) == 1
    assert get(cov, "national", "/actions") == out


def test_as_of_is_used(cov: World) -> None:
    assert get(cov, "admin", "?as_of=2024-02-29")["as_of"] == "2024-02-29"
    assert get(cov, "referent", "/groupements/grp-a?as_of=2030-01-01")["as_of"] == "2030-01-01"
    assert get(cov, "admin", "/gaps?as_of=2024-02-29")["as_of"] == "2024-02-29"
    assert get(cov, "admin", "/actions?as_of=2024-02-29")["as_of"] == "2024-02-29"
    body = what_if(cov, "admin", [{"kind": "grant_consent", "person_id": "both-ab"}],
                   as_of="2024-02-29").json()  # fmt: skip
    assert body["as_of"] == "2024-02-29"


def test_response_model_has_every_coverage_figure() -> None:
    """A figure added to Coverage must be added to the API's model too."""
    sample = Coverage(scope="groupement", id="g", name="G").to_dict()
    assert set(CoverageOut.model_fields) == {*sample, "suppressed"}
    assert {f.name for f in fields(Coverage)} <= set(CoverageOut.model_fields)


# --------------------------------------------------------------------------- what-if


def test_what_if_before_after_and_nothing_written(cov: World) -> None:
    version = cov.store.view().version
    knows = len(cov.store.view().rel(RelType.KNOWS).src)
    change = [{"kind": "add_tie", "a_id": "cand-a2", "b_id": "help-a"}]
    body = what_if(cov, "referent", change).json()
    assert body["version"] == version and body["changes"] == change
    assert body["national"] is None
    (row,) = body["groupements"]
    assert row["id"] == "grp-a"
    assert row["before"]["candidates_with_path"] == 1
    assert row["after"]["candidates_with_path"] == 2
    admin = what_if(cov, "admin", change).json()
    (row,) = admin["groupements"]
    assert row["after"]["candidates_with_path"] == "< 5"  # the national view of grp-a
    assert admin["national"]["before"]["scope"] == "national"
    assert admin["national"]["after"]["suppressed"] is True
    # nothing was written
    assert cov.store.view().version == version
    assert get(cov, "referent", "/groupements/grp-a")["groupements"][0]["candidates_with_path"] == 1
    assert len(cov.store.view().rel(RelType.KNOWS).src) == knows


def test_referent_what_if_returns_only_their_groupements(cov: World) -> None:
    change = [{"kind": "grant_consent", "person_id": "both-ab"}]
    admin = what_if(cov, "admin", change).json()
    assert [r["id"] for r in admin["groupements"]] == ["grp-a", "grp-b"]
    mine = what_if(cov, "referent", change).json()
    assert [r["id"] for r in mine["groupements"]] == ["grp-a"]
    theirs = what_if(cov, "other_referent", change).json()  # both-ab is in grp-b too
    assert [r["id"] for r in theirs["groupements"]] == ["grp-b"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "grant_consent", "person_id": "cand-b"}, "person_id"),
        ({"kind": "add_tie", "a_id": "cand-a", "b_id": "help-b"}, "b_id"),
        ({"kind": "add_helper", "person_id": "work-1", "employer_id": "emp-1"}, "person_id"),
        ({"kind": "add_referent", "groupement_id": "grp-b", "person_id": "help-a"},
         "groupement_id"),
        ({"kind": "sign_charter", "groupement_id": "grp-b", "partner_id": "grp-a"},
         "groupement_id"),
    ],
)  # fmt: skip
def test_referent_what_if_outside_their_scope_is_403(cov: World, change: dict, field: str) -> None:
    response = what_if(cov, "referent", [{"kind": "grant_consent", "person_id": "help-a"},
                                         change], status=403)  # fmt: skip
    assert_problem(response, 403, f"changes[1].{field}")


def test_referent_what_if_does_not_tell_who_exists(cov: World) -> None:
    def problem(pid: str) -> dict:
        response = what_if(cov, "referent", [{"kind": "grant_consent", "person_id": pid}], 403)
        body = assert_problem(response, 403, "changes[0].person_id")
        body.pop("instance")
        return body

    assert problem("cand-b") == problem("nobody-at-all")
    # the admin learns that an id is unknown, naming the field
    response = what_if(cov, "admin", [{"kind": "grant_consent", "person_id": "nobody"}], 404)
    assert_problem(response, 404, "changes[0].person_id")


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("who", "url", "field"),
    [
        ("referent", "", None),
        ("referent", "/regions/75", None),
        ("referent", "/departements/33", None),
        ("referent", "/actions", None),
        ("referent", "/groupements/grp-b", "groupement_id"),
        ("referent", "/groupements/grp-nope", "groupement_id"),
        ("referent", "/gaps", "scope"),
        ("referent", "/gaps?scope=departement&id=33", "scope"),
        ("referent", "/gaps?scope=groupement&id=grp-b", "id"),
        ("portal", "/groupements/grp-a", None),
    ],
)
def test_403_outside_the_referents_groupements(
    cov: World, who: str, url: str, field: str | None
) -> None:
    body = assert_problem(cov.client.get(V1 + url, headers=cov.headers(who)), 403, field)
    assert "candidates" not in str(body)


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/groupements/grp-nope", "groupement_id"),
        ("/regions/99", "code"),
        ("/departements/99", "code"),
        ("/gaps?scope=groupement&id=grp-nope", "id"),
        ("/gaps?scope=region&id=reg-99", "id"),
    ],
)
def test_404_names_the_field(cov: World, url: str, field: str) -> None:
    body = assert_problem(cov.client.get(V1 + url, headers=cov.headers("admin")), 404, field)
    assert "nope" in body["detail"] or "99" in body["detail"]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/gaps?scope=planet", "scope"),
        ("/gaps?scope=groupement", "id"),
        ("/gaps?id=grp-a", "id"),
        ("/gaps?scope=groupement&id=bad id!", "id"),
        ("/gaps?limit=0", "limit"),
        ("/gaps?limit=501", "limit"),
        ("/actions?limit=0", "limit"),
        ("?as_of=2025-13-45", "as_of"),
        ("?as_of=1900-01-01", "as_of"),
        ("/groupements/dep-33", "groupement_id"),
        ("/groupements/bad id!", "groupement_id"),
    ],
)
def test_422_names_the_field(cov: World, url: str, field: str) -> None:
    assert_problem(cov.client.get(V1 + url, headers=cov.headers("admin")), 422, field)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"changes": []}, "changes"),
        ({"changes": [{"kind": "add_tie", "a_id": "cand-a"}]}, "changes[0].b_id"),
        ({"changes": [{"kind": "grant_consent", "person_id": "cand-a"}, {"kind": "fly"}]},
         "changes[1].kind"),
        ({"changes": [{"person_id": "cand-a"}]}, "changes[0].kind"),
        ({"changes": [{"kind": "grant_consent", "person_id": "cand-a", "x": 1}]},
         "changes[0].x"),
        ({"changes": [{"kind": "add_tie", "a_id": "cand-a", "b_id": "cand-a"}]},
         "changes[0].b_id"),
        ({"changes": [{"kind": "add_helper", "person_id": "cand-a", "employer_id": "cand-b"}]},
         "changes[0].employer_id"),
        ({"changes": [{"kind": "grant_consent", "person_id": "cand-a"}], "as_of": "soon"},
         "as_of"),
        ({"changes": [{"kind": "grant_consent", "person_id": "cand-a"}] * 21}, "changes"),
        ({"changes": "all"}, "changes"),
    ],
)  # fmt: skip
def test_what_if_422_names_the_field(cov: World, body: dict, field: str) -> None:
    response = cov.client.post(f"{V1}/what-if", headers=cov.headers("admin"), json=body)
    assert_problem(response, 422, field)


def test_a_write_is_seen_by_the_next_report(fresh_world: World) -> None:
    """Reports are kept per store version: a write is never answered from the cache."""
    w = fresh_world
    before = get(w, "referent", "/groupements/grp-a")
    w.store.write(
        Batch(
            nodes=[Person(id="late", first_name="A", last_name="B", status="candidate")],
            rels=[InGroupement(src="late", dst="grp-a")],
        )
    )
    after = get(w, "referent", "/groupements/grp-a")
    assert after["version"] > before["version"]
    assert after["total"]["candidates"] == before["total"]["candidates"] + 1


def test_a_removal_is_answered_labelled_then_current(fresh_world: World) -> None:
    """After a write that removes something, the national report is the newest complete
    one, labelled (``current`` false, its version and time), and is not kept: once the
    background rebuild is done, the next request is current (issue 16)."""
    from graph.coverage import service as S

    w = fresh_world
    before = get(w, "admin", "")
    assert before["current"] is True and before["computed_at"]
    assert get(w, "admin", "/gaps")["current"] is True
    # a new tie only adds: followed at once, exact and current
    w.store.write(Batch(rels=[Knows(src="cand-b", dst="work-1", strength=0.5, source="unit")]))
    added = get(w, "admin", "")
    assert added["current"] is True and added["version"] == w.store.view().version
    w.store.delete_relationship(RelType.KNOWS, "cand-b", "work-1")
    stale = get(w, "admin", "")
    if not stale["current"]:  # the rebuild may already be done on a fast machine
        assert stale["version"] == added["version"] < w.store.view().version
        assert stale["computed_at"] == added["computed_at"]
    S.wait_for_rebuilds(30)
    now = get(w, "admin", "")
    assert now["current"] is True and now["version"] == w.store.view().version
    assert get(w, "admin", "/gaps")["current"] is True


def test_the_labels_are_in_the_openapi_schema(cov: World) -> None:
    schema = cov.client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("CoverageReportOut", "GapReportOut"):
        props = schema[name]["properties"]
        assert {"version", "computed_at", "current"} <= set(props), name
