"""The relationship routes (api/routes/relations.py): problems naming the field, unknown and
out-of-scope ids answered alike, writes seen by the next path query, bodies that follow
the graph's records. The role × route matrix is in ``test_matrix.py``."""

from __future__ import annotations

from typing import Any

import pytest

from api import relation_schemas as S
from api.routes.relations import ROUTES
from graph.model import REL_MODELS, RelType
from graph.relations import SPECS
from tests.api.conftest import World

TIE = {"strength": 0.6, "source": "declared", "since": "2024-03-15"}


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    body.pop("instance")
    return body


@pytest.mark.parametrize("r", ROUTES, ids=lambda r: r.kind.value)
def test_bodies_carry_the_records_properties(r) -> None:
    """A property added to a record and forgotten in its bodies fails here."""
    spec = SPECS[r.kind]
    record = set(spec.properties)
    create = set(r.create.model_fields) - {spec.other_field}
    assert create == record
    if r.patch is not None:
        assert set(r.patch.model_fields) == record
    assert set(r.out.model_fields) == record | {spec.anchor_field, spec.other_field, "other_label"}


def test_bad_values_are_problems_naming_the_field(fresh_world: World) -> None:
    h = fresh_world.headers("referent")
    post = fresh_world.client.post
    cases = [
        ("/api/v1/members/cand-a/ties", {"other_id": "cand-a", **TIE}, "other_id"),
        ("/api/v1/members/cand-a/ties", {"other_id": "emp-1", **TIE}, "other_id"),
        ("/api/v1/members/cand-a/ties", {"other_id": "ref-a", **TIE, "strength": 1.5},
         "strength"),
        ("/api/v1/members/cand-a/ties", {"other_id": "ref-a", **TIE, "confirmed_at": "2001-01-01"},
         "confirmed_at"),
        ("/api/v1/members/cand-a/ties", {"other_id": "ref-a", **TIE, "colour": "red"}, "colour"),
        ("/api/v1/members/help-a/employments",
         {"employer_id": "emp-1", "since": "2024-01-01", "until": "2023-01-01"}, "until"),
        ("/api/v1/members/cand-a/targets", {"target_id": "dep-33"}, "target_id"),
    ]  # fmt: skip
    for url, body, field in cases:
        problem = _problem(post(url, headers=h, json=body), 422)
        assert problem["errors"][0]["field"] == field, (url, body, problem)


def test_unknown_and_out_of_scope_ids_are_answered_alike(world: World) -> None:
    h = world.headers("other_referent")

    def body(method: str, url: str, json: Any = None, pid: str = "") -> dict[str, Any]:
        answer = _problem(world.client.request(method, url, headers=h, json=json), 404)
        return {k: str(v).replace(pid, "ID") for k, v in answer.items()}

    for method, suffix, json in (
        ("GET", "/ties", None),
        ("POST", "/ties", {"other_id": "help-b", **TIE}),
        ("PATCH", "/ties/help-b", {"strength": 0.1}),
        ("DELETE", "/ties/help-a", None),
        ("POST", "/employments/emp-1/end", None),
        ("POST", "/targets", {"target_id": "sec-defense"}),
        ("DELETE", "/home/dep-33", None),
    ):
        theirs = body(method, "/api/v1/members/cand-a" + suffix, json, "cand-a")
        unknown = body(method, "/api/v1/members/ghost-9" + suffix, json, "ghost-9")
        assert theirs == unknown, (method, suffix)
    # and nothing was changed
    assert world.store.get_relationship(RelType.KNOWS, "cand-a", "help-a") is not None


def test_a_person_out_of_reach_is_refused_as_an_unknown_one(world: World) -> None:
    h = world.headers("referent")
    url = "/api/v1/members/cand-a/ties"
    # cand-b: grp-b, no consent to be named; ghost: nobody
    hidden = _problem(world.client.post(url, headers=h, json={"other_id": "cand-b", **TIE}), 422)
    ghost = _problem(world.client.post(url, headers=h, json={"other_id": "ghost", **TIE}), 422)
    assert str(hidden).replace("cand-b", "X") == str(ghost).replace("ghost", "X")


def test_a_tie_added_is_in_the_next_path_answer(fresh_world: World) -> None:
    client, h = fresh_world.client, fresh_world.headers("referent")
    created = client.post(
        "/api/v1/members", headers=h,
        json={"first_name": "Émile", "last_name": "Neuf", "status": "candidate"},
    )  # fmt: skip
    pid = created.json()["id"]
    query = {"candidate_id": pid, "target": {"kind": "employer", "id": "emp-1"}}
    before = client.post("/api/v1/paths", headers=h, json=query).json()
    assert before["paths"] == []
    added = client.post(
        f"/api/v1/members/{pid}/ties", headers=h, json={"other_id": "help-a", **TIE}
    )
    assert added.status_code == 201
    assert added.json() == {"person_id": pid, "other_id": "help-a", "other_label": "Person",
                            **TIE, "confirmed_at": None, "context": None}  # fmt: skip
    after = client.post("/api/v1/paths", headers=h, json=query).json()
    assert [p["id"] for p in after["paths"][0]["intermediaries"]] == ["help-a"]
    deleted = client.delete(f"/api/v1/members/{pid}/ties/help-a", headers=h)
    assert deleted.status_code == 200
    assert client.post("/api/v1/paths", headers=h, json=query).json()["paths"] == []


def test_employments_end_and_are_never_deleted(fresh_world: World) -> None:
    client, h = fresh_world.client, fresh_world.headers("admin")
    url = "/api/v1/members/work-1/employments"
    assert client.delete(f"{url}/emp-1", headers=h).status_code == 405
    ended = client.post(f"{url}/emp-1/end", headers=h, json={"until": "2025-12-31"})
    assert ended.json()["until"] == "2025-12-31"
    again = _problem(client.post(f"{url}/emp-1/end", headers=h), 409)
    assert again["errors"][0]["field"] == "until"
    early = _problem(client.patch(f"{url}/emp-1", headers=h, json={"until": "2018-01-01"}), 422)
    assert early["errors"][0]["field"] == "until"
    assert [e["until"] for e in client.get(url, headers=h).json()] == ["2025-12-31"]


def test_charters_with_dates_and_referents(fresh_world: World) -> None:
    client, h = fresh_world.client, fresh_world.headers("admin")
    charter = {"partner_id": "grp-b", "signed": "2024-01-10", "expires": "2025-01-10",
               "level": "local", "name": "Charte Gironde"}  # fmt: skip
    assert (
        client.post("/api/v1/groupements/grp-a/charters", headers=h, json=charter).status_code
        == 201
    )
    # seen from either party, and in the groupement's own answer
    listed = client.get("/api/v1/groupements/grp-b/charters", headers=h).json()
    assert [(c["groupement_id"], c["partner_id"]) for c in listed] == [("grp-b", "grp-a")]
    assert client.get("/api/v1/groupements/grp-a", headers=h).json()["charters"] == ["grp-b"]
    wrong = {**charter, "expires": "2023-01-01"}
    problem = _problem(client.patch("/api/v1/groupements/grp-a/charters/grp-b", headers=h,
                                    json={"expires": wrong["expires"]}), 422)  # fmt: skip
    assert problem["errors"][0]["field"] == "expires"
    added = client.post(
        "/api/v1/groupements/grp-b/referents", headers=h, json={"person_id": "help-b"}
    )
    assert added.status_code == 201
    # head counts under five read "< 5" but to the groupement's own référent (issue 17)
    listed = client.get("/api/v1/groupements/grp-b/referents", headers=h).json()
    assert [r["person_id"] for r in listed] == ["help-b"]
    assert REL_MODELS[RelType.REFERENT_OF] is not None and S.Referent is not None


def test_targets_answer_codes_and_take_codes_or_node_ids(fresh_world: World) -> None:
    """One set of codes: a target reads ``defense`` / ``ZE-33-1``, never the node id."""
    client, h = fresh_world.client, fresh_world.headers("referent")
    url = "/api/v1/members/cand-a/targets"
    by_code = client.post(url, headers=h, json={"target_id": "ZE-33-1"})
    assert by_code.status_code == 201, by_code.text
    assert by_code.json()["target_id"] == "ZE-33-1"
    by_id = client.post(url, headers=h, json={"target_id": "sec-defense"})
    assert by_id.status_code == 201, by_id.text
    listed = client.get(url, headers=h).json()
    targets = [t["target_id"] for t in listed]  # a plain list
    assert {"ZE-33-1", "defense"} <= set(targets)
    assert not any(t.startswith(("be-", "sec-")) for t in targets)
    assert client.delete(f"{url}/defense", headers=h).status_code in (200, 204)
    assert fresh_world.store.get_relationship(RelType.TARGETS, "cand-a", "sec-defense") is None
