"""What each route answers: paths of every target kind, members, catalogues, pagination,
contact details, and access logs free of personal data."""

from __future__ import annotations

import json
import logging
from datetime import date

import pytest

from api.logging import JsonFormatter
from api.routes.paths import PathQuery, PathResultOut, _target
from graph.model import Label, RelType
from graph.paths import find_paths
from graph.store import Batch
from tests.api.conftest import PATH_BODY, PERSONAL, World, person

# --------------------------------------------------------------------------- health


def test_health_and_readiness(world: World) -> None:
    assert world.client.get("/healthz").json() == {"status": "ok"}
    ready = world.client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["version"] == world.store.version


# --------------------------------------------------------------------------- paths


@pytest.mark.parametrize(
    "target",
    [
        {"kind": "employer", "id": "emp-1"},
        {"kind": "offer", "id": "off-1"},
        {"kind": "person", "id": "work-1"},
        {"kind": "set", "sector": "defense", "bassin": "ZE-33-1"},
        {"kind": "set", "sector": "sec-defense", "bassin": "be-ZE-33-1"},
    ],
)
def test_paths_for_every_target_kind(world: World, target: dict) -> None:
    # work-1 is in no groupement: outside the référent's scope as a person target
    who = "admin" if target["kind"] == "person" else "referent"
    response = world.client.post(
        "/api/v1/paths",
        headers=world.headers(who),
        json={"candidate_id": "cand-a", "target": target, "as_of": "2025-06-01"},
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["candidate"]["id"] == "cand-a"
    assert result["target"]["kind"] == target["kind"]
    assert result["as_of"] == "2025-06-01"
    first = result["paths"][0]
    assert [p["id"] for p in first["intermediaries"]] == ["help-a"]
    assert first["contact"]["id"] == "work-1"
    assert all(h["explanation"] for h in first["hops"])
    assert "email" not in response.text and "example.org" not in response.text
    # encoded straight from the service's result: the document the response model gives
    assert response.headers["content-type"] == "application/json"
    assert result == PathResultOut.model_validate_json(response.content).model_dump(mode="json")
    query = PathQuery.model_validate({"candidate_id": "cand-a", "target": target})
    expected = find_paths(world.store, "cand-a", _target(query.target), as_of=date(2025, 6, 1))
    assert result == expected.to_dict()


def test_paths_policy_options_reach_the_engine(world: World) -> None:
    body = {
        **PATH_BODY,
        "k": 2,
        "max_intermediaries": 1,
        "contact_must_consent": False,
        "avoid_over_capacity": False,
        "referent_bridge": False,
        "costs": {"unit": 2.5, "mentors_strength": 0.5},
        "as_of": "2025-06-01",
    }
    result = world.client.post("/api/v1/paths", headers=world.headers("portal"), json=body).json()
    policy = result["policy"]
    assert policy["k"] == 2 and policy["max_intermediaries"] == 1
    assert policy["contact_must_consent"] is False
    assert policy["avoid_over_capacity"] is False and policy["referent_bridge"] is False
    assert policy["costs"]["unit"] == 2.5 and policy["costs"]["mentors_strength"] == 0.5
    assert policy["costs"]["promotion"] == 1.0  # left out: the default


def test_no_path_is_an_answer_not_an_error(world: World) -> None:
    body = {**PATH_BODY, "target": {"kind": "person", "id": "cand-b"}, "max_intermediaries": 1}
    response = world.client.post("/api/v1/paths", headers=world.headers("admin"), json=body)
    assert response.status_code == 200
    result = response.json()
    assert result["paths"] == [] and result["no_path"]["code"]
    assert result == PathResultOut.model_validate_json(response.content).model_dump(mode="json")


def test_no_path_answer_offers_next_steps(fresh_world: World) -> None:
    """A candidate with no tie: no path, and what to do next (the bassin's référent)."""
    cand, rels = person("cand-c", "Clément", "grp-a", status="candidate")
    fresh_world.store.write(Batch(nodes=[cand], rels=rels))
    body = {**PATH_BODY, "candidate_id": "cand-c"}
    response = fresh_world.client.post(
        "/api/v1/paths", headers=fresh_world.headers("referent"), json=body
    )
    assert response.status_code == 200
    result = response.json()
    assert result["paths"] == [] and result["no_path"]["code"]
    steps = result["next_steps"]
    assert steps["sector"] == "Défense" and steps["bassin"] == "Bordeaux"
    assert steps["referents"] == [
        {
            "groupement_id": "grp-a",
            "groupement": "Groupement A",
            "person": {"id": "ref-a", "name": "Mme Carpentier"},
        }
    ]
    assert any("référent du bassin de Bordeaux" in a for a in steps["advice"])
    assert result == PathResultOut.model_validate_json(response.content).model_dump(mode="json")
    schema = fresh_world.client.get("/openapi.json").json()["components"]["schemas"]
    assert "next_steps" in schema["PathResultOut"]["properties"]
    assert "referents" in schema["NextStepsOut"]["properties"]


# --------------------------------------------------------------------------- members


def test_contact_details_for_admin_and_own_referent_only(world: World) -> None:
    for who in ("admin", "referent"):
        member = world.client.get("/api/v1/members/cand-a", headers=world.headers(who)).json()
        assert member["contact"] == {
            "email": "anne.aubert@example.org",
            "phone": "+33 6 00 00 00 01",
        }
        assert "email" not in member  # only inside `contact`
        assert member["groupements"] == ["grp-a"] and member["associations"] == ["asso-a"]


def test_referent_lists_only_their_members(world: World) -> None:
    ids = {
        m["id"]
        for m in world.client.get(
            "/api/v1/members?limit=500", headers=world.headers("referent")
        ).json()["items"]
    }
    assert {"cand-a", "help-a", "ref-a"} <= ids
    assert not ids & {"cand-b", "help-b", "work-1"}
    candidates = world.client.get(
        "/api/v1/members?status=candidate&groupement_id=grp-b",
        headers=world.headers("other_referent"),
    ).json()
    assert [m["id"] for m in candidates["items"]] == ["cand-b"] and candidates["total"] == 1


def test_referent_creates_in_their_groupement_and_association(fresh_world: World) -> None:
    w = fresh_world
    response = w.client.post(
        "/api/v1/members",
        headers=w.headers("referent"),
        json={"first_name": "Jean", "last_name": "Neuf", "status": "candidate"},
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["id"].startswith("p-")
    assert created["groupements"] == ["grp-a"] and created["associations"] == ["asso-a"]
    assert w.store.get(created["id"]).last_name == "Neuf"
    # and it is theirs: readable by them, not by the other référent
    url = f"/api/v1/members/{created['id']}"
    assert w.client.get(url, headers=w.headers("referent")).status_code == 200
    assert w.client.get(url, headers=w.headers("other_referent")).status_code == 404


def test_referent_with_several_groupements_must_say_which(fresh_world: World) -> None:
    w = fresh_world
    both = w.tokens.create("referent", ["grp-a", "grp-b"]).secret
    h = {"Authorization": f"Bearer {both}"}
    response = w.client.post(
        "/api/v1/members", headers=h, json={"first_name": "A", "last_name": "B"}
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "groupements"
    response = w.client.post(
        "/api/v1/members", headers=h,
        json={"first_name": "A", "last_name": "B", "groupements": ["grp-b"]},
    )  # fmt: skip
    assert response.status_code == 201 and response.json()["groupements"] == ["grp-b"]


def test_patch_changes_only_what_is_given(fresh_world: World) -> None:
    w = fresh_world
    response = w.client.patch(
        "/api/v1/members/help-a",
        headers=w.headers("referent"),
        json={"capacity": 2, "phone": "+33 1 23 45 67 89"},
    )
    assert response.status_code == 200, response.text
    stored = w.store.get("help-a")
    assert stored.capacity == 2 and stored.phone == "+33 1 23 45 67 89"
    assert stored.last_name == "Bernard" and stored.status == "helper"
    unchanged = w.client.patch("/api/v1/members/help-a", headers=w.headers("admin"), json={})
    assert unchanged.status_code == 200 and unchanged.json()["capacity"] == 2


def test_delete_cascades(fresh_world: World) -> None:
    w = fresh_world
    before = len(w.store.relationships("help-a"))
    response = w.client.delete("/api/v1/members/help-a", headers=w.headers("referent"))
    assert response.status_code == 200
    assert response.json() == {"id": "help-a", "relationships": before}
    assert w.store.get("help-a") is None
    assert w.store.relationships("cand-a", RelType.KNOWS) == []
    again = w.client.delete("/api/v1/members/help-a", headers=w.headers("referent"))
    assert again.status_code == 404


# --------------------------------------------------------------------------- catalogues


def test_catalogue_reads(world: World) -> None:
    h = world.headers("national")
    grp = world.client.get("/api/v1/groupements/grp-a", headers=h).json()
    assert grp["departements"] == ["dep-33"]
    assert grp["counts"]["candidates"] == "< 5" and grp["counts"]["referents"] == "< 5"
    employer = world.client.get("/api/v1/employers/emp-1", headers=h).json()
    assert employer["bassins"] == ["ZE-33-1"] and employer["sectors"] == ["defense"]
    offer = world.client.get("/api/v1/offers/off-1", headers=h).json()
    assert offer["employer_id"] == "emp-1" and offer["bassins"] == ["ZE-33-1"]
    assert "Fournier" not in str(offer)  # no reporter, no staff
    by_bassin = world.client.get(
        "/api/v1/employers?bassin_id=be-ZE-33-1&sector_id=sec-defense", headers=h
    ).json()
    assert "emp-1" in [e["id"] for e in by_bassin["items"]]
    by_code = world.client.get(
        "/api/v1/employers?bassin_id=ZE-33-1&sector_id=defense", headers=h
    ).json()
    assert by_code == by_bassin  # the code, or the node id for compatibility
    offers = world.client.get("/api/v1/offers?bassin_id=ZE-33-1", headers=h).json()
    assert "off-1" in [o["id"] for o in offers["items"]]
    missing = world.client.get("/api/v1/employers?bassin_id=be-nope", headers=h)
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["field"] == "bassin_id"


def test_admin_creates_catalogue_records(fresh_world: World) -> None:
    w = fresh_world
    h = w.headers("admin")
    emp = w.client.post(
        "/api/v1/employers",
        headers=h,
        json={"id": "emp-naval", "name": "Naval Group", "bassin_id": "ZE-33-1",
              "sector_ids": ["defense"]},
    )  # fmt: skip
    assert emp.status_code == 201 and emp.json()["bassins"] == ["ZE-33-1"]
    assert emp.json()["sectors"] == ["defense"]
    offer = w.client.post(
        "/api/v1/offers", headers=h, json={"title": "Soudeur (H/F)", "employer_id": "emp-naval"}
    )
    assert offer.status_code == 201
    assert offer.json()["bassins"] == ["ZE-33-1"]  # the employer's, by default
    grp = w.client.post(
        "/api/v1/groupements",
        headers=h,
        json={"name": "Landes", "association_id": "asso-a", "departements": ["dep-33"]},
    )
    assert grp.status_code == 201 and grp.json()["id"].startswith("grp-")
    asso = w.client.patch("/api/v1/associations/asso-b", headers=h, json={"short_name": "B!"})
    assert asso.status_code == 200 and w.store.get("asso-b").short_name == "B!"


# --------------------------------------------------------------------------- pagination


@pytest.mark.parametrize("url", ["/api/v1/members", "/api/v1/offers", "/api/v1/employers",
                                 "/api/v1/groupements", "/api/v1/associations"])  # fmt: skip
def test_every_list_is_paged(fresh_world: World, url: str) -> None:
    w = fresh_world
    h = w.headers("admin")
    for i in range(7):
        w.client.post(
            "/api/v1/offers", headers=h, json={"title": f"Offre {i}", "employer_id": "emp-1"}
        )
        w.client.post("/api/v1/members", headers=h, json={"first_name": "A", "last_name": f"{i}"})
        w.client.post("/api/v1/employers", headers=h, json={"name": f"Employeur {i}"})
    everything = w.client.get(f"{url}?limit=500", headers=h).json()
    total = everything["total"]
    assert total == len(everything["items"]) >= 2
    seen: list[str] = []
    for offset in range(0, total + 2, 2):
        page = w.client.get(f"{url}?limit=2&offset={offset}", headers=h).json()
        assert page["limit"] == 2 and page["offset"] == offset and page["total"] == total
        assert len(page["items"]) == min(2, max(0, total - offset))
        seen += [item["id"] for item in page["items"]]
    assert seen == [item["id"] for item in everything["items"]] == sorted(seen)


# --------------------------------------------------------------------------- logs


def test_access_log_has_route_templates_and_no_personal_data(world: World, caplog) -> None:
    caplog.set_level(logging.INFO, logger="passerelle")
    calls = [
        ("GET", "/api/v1/members/cand-a", "referent", None),
        ("GET", "/api/v1/members/help-a", "other_referent", None),
        ("PATCH", "/api/v1/members/ref-a", "admin", {"last_name": "Carpentier"}),
        ("POST", "/api/v1/paths", "portal", PATH_BODY),
        ("GET", "/api/v1/members?groupement_id=grp-a&status=candidate", "admin", None),
        ("POST", "/api/v1/members", "admin", {"first_name": "Anne", "last_name": "Aubert",
                                              "email": "anne.aubert@example.org"}),
        ("GET", "/api/v1/members/cand-b", "anon", None),
    ]  # fmt: skip
    ids = []
    for method, url, who, body in calls:
        response = world.client.request(method, url, headers=world.headers(who), json=body)
        ids.append(response.headers["x-request-id"])
    records = [r for r in caplog.records if r.name == "passerelle.access"]
    lines = [JsonFormatter().format(r) for r in caplog.records]
    text = "\n".join(lines)
    for value in PERSONAL:
        assert value not in text, value
    by_id = {r.request_id: r for r in records}
    assert by_id[ids[0]].route == "/api/v1/members/{person_id}"
    assert by_id[ids[0]].status == 200 and by_id[ids[0]].role == "referent"
    assert by_id[ids[1]].status == 404
    assert by_id[ids[3]].route == "/api/v1/paths" and by_id[ids[3]].method == "POST"
    assert by_id[ids[6]].status == 401 and by_id[ids[6]].token is None
    assert all(isinstance(json.loads(line), dict) for line in lines)
    assert by_id[ids[0]].duration_ms >= 0


def test_store_is_read_through_the_view(world: World) -> None:
    """Sanity of the fixture: the view and the records agree."""
    view = world.store.view()
    assert view.node_counts[Label.PERSON] >= 6


# --------------------------------------------------------------------------- bassins, sectors


def test_bassins_and_secteurs_are_listed_by_code(world: World) -> None:
    """One set of codes: the lists give the codes every other route takes and returns."""
    h = world.headers("portal")
    bassins = world.client.get("/api/v1/bassins", headers=h)
    assert bassins.status_code == 200, bassins.text
    assert bassins.json() == {
        "items": [
            {
                "code": "ZE-33-1",
                "name": "Bordeaux",
                "departement": "33",
                "departement_name": "Gironde",
                "region": "75",
                "region_name": "Nouvelle-Aquitaine",
            }
        ],
        "total": 1,
        "limit": 50,
        "offset": 0,
    }
    elsewhere = world.client.get("/api/v1/bassins?region=84", headers=h).json()
    assert elsewhere["items"] == [] and elsewhere["total"] == 0
    page = world.client.get("/api/v1/bassins?offset=1", headers=h).json()
    assert page["items"] == [] and page["total"] == 1
    bad = world.client.get("/api/v1/bassins?departement=7", headers=h)
    assert bad.status_code == 422
    secteurs = world.client.get("/api/v1/secteurs", headers=h).json()
    assert secteurs["items"] == [{"code": "defense", "name": "Défense"}]
    code = secteurs["items"][0]["code"]
    employers = world.client.get(f"/api/v1/employers?sector_id={code}", headers=h).json()
    assert [e["sectors"] for e in employers["items"]] == [[code]]
