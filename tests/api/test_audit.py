"""The API's audit trail: every write and every read of personal data is recorded once,
minimally, and the admin reads it back (``GET /api/v1/audit``)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.app import API_PREFIX
from api.audit import AuditTrail, audited, from_path, note_persons, noted, spec_of
from api.routes import V1
from graph.access.roles import Principal, Role
from graph.audit import Action, AuditEntry, AuditLog, QueuedAudit
from tests.api.conftest import PATH_BODY, PERSONAL, World, make_world


def _entries(world: World, **params: Any) -> list[dict[str, Any]]:
    response = world.client.get("/api/v1/audit", params=params, headers=world.headers("admin"))
    assert response.status_code == 200, response.text
    return response.json()["items"]


#: how each route is recorded: (action, kind) or None (not personal data). A new route
#: must be added here: see api/audit.py for the one line it needs.
EXPECTED = {
    ("POST", "/api/v1/paths"): ("read", "paths"),
    ("GET", "/api/v1/members"): ("read", "person"),
    ("GET", "/api/v1/members/{person_id}"): ("read", "person"),
    ("POST", "/api/v1/members"): ("write", "person"),
    ("PATCH", "/api/v1/members/{person_id}"): ("write", "person"),
    ("DELETE", "/api/v1/members/{person_id}"): ("write", "person"),
    ("GET", "/api/v1/members/{person_id}/export"): ("export", "person"),
    ("POST", "/api/v1/members/{person_id}/erase"): None,  # writes its own tombstone
    ("GET", "/api/v1/audit"): ("read", "audit"),
    ("GET", "/api/v1/associations"): None,
    ("GET", "/api/v1/associations/{association_id}"): None,
    ("POST", "/api/v1/associations"): ("write", "associations"),
    ("PATCH", "/api/v1/associations/{association_id}"): ("write", "associations"),
    ("GET", "/api/v1/groupements"): None,
    ("GET", "/api/v1/groupements/{groupement_id}"): None,
    ("POST", "/api/v1/groupements"): ("write", "groupements"),
    ("PATCH", "/api/v1/groupements/{groupement_id}"): ("write", "groupements"),
    ("GET", "/api/v1/employers"): None,
    ("GET", "/api/v1/employers/{employer_id}"): None,
    ("POST", "/api/v1/employers"): ("write", "employers"),
    ("PATCH", "/api/v1/employers/{employer_id}"): ("write", "employers"),
    ("GET", "/api/v1/bassins"): None,
    ("GET", "/api/v1/secteurs"): None,
    ("GET", "/api/v1/offers"): None,
    ("GET", "/api/v1/offers/{offer_id}"): None,
    ("POST", "/api/v1/offers"): ("write", "offers"),
    ("PATCH", "/api/v1/offers/{offer_id}"): ("write", "offers"),
    ("GET", "/api/v1/coverage"): ("read", "coverage"),
    ("GET", "/api/v1/coverage/regions/{code}"): ("read", "coverage"),
    ("GET", "/api/v1/coverage/departements/{code}"): ("read", "coverage"),
    ("GET", "/api/v1/coverage/groupements/{groupement_id}"): ("read", "coverage"),
    ("GET", "/api/v1/coverage/gaps"): ("read", "coverage"),
    ("GET", "/api/v1/coverage/actions"): ("read", "coverage"),
    ("POST", "/api/v1/coverage/what-if"): ("read", "coverage"),
    # later routes, recorded by their family (api.audit._FAMILIES); the personal links of
    # introductions are answered without a token: the introduction keeps who answered
    ("GET", "/api/v1/members/{person_id}/ties"): ("read", "relation"),
    ("POST", "/api/v1/members/{person_id}/ties"): ("write", "relation"),
    ("PATCH", "/api/v1/members/{person_id}/ties/{other_id}"): ("write", "relation"),
    ("DELETE", "/api/v1/members/{person_id}/ties/{other_id}"): ("write", "relation"),
    ("GET", "/api/v1/members/{person_id}/mentors"): ("read", "relation"),
    ("POST", "/api/v1/members/{person_id}/mentors"): ("write", "relation"),
    ("PATCH", "/api/v1/members/{person_id}/mentors/{mentor_id}"): ("write", "relation"),
    ("DELETE", "/api/v1/members/{person_id}/mentors/{mentor_id}"): ("write", "relation"),
    ("GET", "/api/v1/members/{person_id}/employments"): ("read", "relation"),
    ("POST", "/api/v1/members/{person_id}/employments"): ("write", "relation"),
    ("PATCH", "/api/v1/members/{person_id}/employments/{employer_id}"): ("write", "relation"),
    ("POST", "/api/v1/members/{person_id}/employments/{employer_id}/end"): ("write", "relation"),
    ("GET", "/api/v1/members/{person_id}/targets"): ("read", "relation"),
    ("POST", "/api/v1/members/{person_id}/targets"): ("write", "relation"),
    ("DELETE", "/api/v1/members/{person_id}/targets/{target_id}"): ("write", "relation"),
    ("GET", "/api/v1/members/{person_id}/home"): ("read", "relation"),
    ("POST", "/api/v1/members/{person_id}/home"): ("write", "relation"),
    ("DELETE", "/api/v1/members/{person_id}/home/{departement_id}"): ("write", "relation"),
    ("GET", "/api/v1/members/{person_id}/settlements"): ("read", "relation"),
    ("POST", "/api/v1/members/{person_id}/settlements"): ("write", "relation"),
    ("DELETE", "/api/v1/members/{person_id}/settlements/{bassin_vie_id}"): ("write", "relation"),
    ("GET", "/api/v1/members/{person_id}/groupements"): ("read", "relation"),
    ("POST", "/api/v1/members/{person_id}/groupements"): ("write", "relation"),
    ("PATCH", "/api/v1/members/{person_id}/groupements/{groupement_id}"): ("write", "relation"),
    ("DELETE", "/api/v1/members/{person_id}/groupements/{groupement_id}"): ("write", "relation"),
    ("GET", "/api/v1/members/{person_id}/associations"): ("read", "relation"),
    ("POST", "/api/v1/members/{person_id}/associations"): ("write", "relation"),
    ("PATCH", "/api/v1/members/{person_id}/associations/{association_id}"): ("write", "relation"),
    ("DELETE", "/api/v1/members/{person_id}/associations/{association_id}"): ("write", "relation"),
    ("GET", "/api/v1/groupements/{groupement_id}/referents"): ("read", "relation"),
    ("POST", "/api/v1/groupements/{groupement_id}/referents"): ("write", "relation"),
    ("PATCH", "/api/v1/groupements/{groupement_id}/referents/{person_id}"): ("write", "relation"),
    ("DELETE", "/api/v1/groupements/{groupement_id}/referents/{person_id}"): ("write", "relation"),
    ("GET", "/api/v1/groupements/{groupement_id}/charters"): ("read", "relation"),
    ("POST", "/api/v1/groupements/{groupement_id}/charters"): ("write", "relation"),
    ("PATCH", "/api/v1/groupements/{groupement_id}/charters/{partner_id}"): ("write", "relation"),
    ("DELETE", "/api/v1/groupements/{groupement_id}/charters/{partner_id}"): ("write", "relation"),
    ("GET", "/api/v1/associations/{association_id}/conventions"): ("read", "relation"),
    ("POST", "/api/v1/associations/{association_id}/conventions"): ("write", "relation"),
    ("PATCH", "/api/v1/associations/{association_id}/conventions/{partner_id}"): ("write", "relation"),  # noqa: E501
    ("DELETE", "/api/v1/associations/{association_id}/conventions/{partner_id}"): ("write", "relation"),  # noqa: E501
    ("POST", "/api/v1/imports"): ("write", "import"),
    ("POST", "/api/v1/imports/linkedin"): ("write", "import"),
    ("GET", "/api/v1/exports"): ("export", "export"),
    ("POST", "/api/v1/introductions"): ("write", "introduction"),
    ("GET", "/api/v1/introductions"): ("read", "introduction"),
    ("GET", "/api/v1/introductions/funnel"): ("read", "introduction"),
    ("GET", "/api/v1/introductions/answer/{token}"): ("read", "introduction"),
    ("POST", "/api/v1/introductions/answer/{token}"): ("write", "introduction"),
    ("GET", "/api/v1/introductions/{introduction_id}"): ("read", "introduction"),
    ("POST", "/api/v1/introductions/{introduction_id}/withdraw"): ("write", "introduction"),
    ("POST", "/api/v1/introductions/{introduction_id}/reroute"): ("write", "introduction"),
    ("POST", "/api/v1/introductions/{introduction_id}/outcome"): ("write", "introduction"),
}  # fmt: skip


def test_every_route_is_classified() -> None:
    """Each /api/v1 route is recorded as expected; a route nobody classified fails here."""
    found = {}
    for router in V1:
        for route in router.routes:
            assert isinstance(route, APIRoute)
            for method in route.methods:
                spec = spec_of(method, API_PREFIX + route.path, route.endpoint)
                found[(method, API_PREFIX + route.path)] = (
                    None if spec is None else (spec.action.value, spec.kind)
                )
    assert found == EXPECTED


def test_reads_of_people_are_recorded(fresh_world: World) -> None:
    world = fresh_world
    ref = world.token_ids["referent"]
    assert world.client.get("/api/v1/members/cand-a", headers=world.headers("referent")).is_success
    read = _entries(world, person_id="cand-a", action="read")
    assert len(read) == 1
    assert read[0] | {"id": 0, "at": ""} == {
        "id": 0, "at": "", "actor": ref, "actor_name": "referent", "role": "referent",
        "action": "read", "kind": "person", "operation": "GET /api/v1/members/{person_id}",
        "person_ids": ["cand-a"],
    }  # fmt: skip
    # a list names the people of its page, and only people
    world.client.get("/api/v1/members?groupement_id=grp-a", headers=world.headers("referent"))
    listed = _entries(world, kind="person", actor=ref)[0]
    assert listed["operation"] == "GET /api/v1/members"
    assert sorted(listed["person_ids"]) == ["cand-a", "help-a", "ref-a"]
    # a path answer names the candidate and the people on the paths (never employers)
    answer = world.client.post("/api/v1/paths", json=PATH_BODY, headers=world.headers("portal"))
    assert answer.is_success
    paths = _entries(world, kind="paths")[0]
    assert paths["role"] == "portal" and paths["action"] == "read"
    assert {"cand-a", "help-a", "work-1"} <= set(paths["person_ids"])
    assert "emp-1" not in paths["person_ids"]
    # non-personal reads are not recorded; failed requests neither
    world.client.get("/api/v1/employers", headers=world.headers("portal"))
    world.client.get("/api/v1/members/nobody", headers=world.headers("admin"))
    assert not _entries(world, kind="employers")
    assert not _entries(world, person_id="nobody")


def test_writes_are_recorded(fresh_world: World) -> None:
    world = fresh_world
    admin = world.headers("admin")
    created = world.client.post(
        "/api/v1/members",
        json={"first_name": "Jean", "last_name": "Neuf", "groupements": ["grp-a"]},
        headers=world.headers("referent"),
    ).json()
    world.client.patch("/api/v1/members/cand-a", json={"capacity": 2}, headers=admin)
    world.client.post(
        "/api/v1/offers", json={"title": "Acheteur (H/F)", "employer_id": "emp-1"}, headers=admin
    )
    world.client.delete(f"/api/v1/members/{created['id']}", headers=admin)
    writes = _entries(world, action="write")
    assert [(e["operation"], e["person_ids"]) for e in writes] == [
        ("DELETE /api/v1/members/{person_id}", [created["id"]]),
        ("POST /api/v1/offers", []),
        ("PATCH /api/v1/members/{person_id}", ["cand-a"]),
        ("POST /api/v1/members", [created["id"]]),
    ]
    assert writes[-1]["role"] == "referent"


def test_the_log_holds_no_names_and_no_values(fresh_world: World) -> None:
    world = fresh_world
    world.client.patch(
        "/api/v1/members/cand-a", json={"email": "x.y@example.org"}, headers=world.headers("admin")
    )
    world.client.post("/api/v1/paths", json=PATH_BODY, headers=world.headers("referent"))
    world.client.get("/api/v1/members/cand-a/export", headers=world.headers("admin"))
    world.app.state.audit_queue.flush()
    conn = sqlite3.connect(world.data_dir / "audit.sqlite3")
    dump = "\n".join(conn.iterdump())
    conn.close()
    names = [p for p in PERSONAL if not p.startswith(("cand-", "help-", "ref-", "work-"))]
    assert not [n for n in [*names, "x.y@example.org", "Prénom"] if n in dump]
    assert "cand-a" in dump  # ids are recorded


def test_reading_the_audit_of_someone_is_recorded(fresh_world: World) -> None:
    world = fresh_world
    _entries(world, person_id="help-b")
    seen = _entries(world, kind="audit")
    assert seen[0]["person_ids"] == ["help-b"]
    assert seen[0]["actor"] == world.token_ids["admin"]


def test_bad_filters_are_named(world: World) -> None:
    response = world.client.get("/api/v1/audit?since=hier", headers=world.headers("admin"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "since"


def test_the_service_purges_old_entries_at_start(tmp_path) -> None:
    old = datetime(2020, 1, 1, tzinfo=UTC)
    with AuditLog(tmp_path / "audit.sqlite3") as log:
        log.append(AuditEntry(old, "tok-x", "admin", Action.READ, "person", "GET x", ("p-1",)))
        log.append(
            AuditEntry(datetime.now(UTC), "tok-x", "admin", Action.READ, "person", "GET y", ())
        )
    for world in make_world(tmp_path):
        operations = [e["operation"] for e in _entries(world, actor="tok-x")]
        assert operations == ["GET y"]


def test_a_later_route_adds_its_line(tmp_path) -> None:
    """The one line a new route needs (``@audited``), with people it finds itself
    (``note_persons``), and the default for a write nobody classified."""
    app = FastAPI()
    app.add_middleware(AuditTrail)
    log = AuditLog(tmp_path / "audit.sqlite3")
    app.state.audit_queue = QueuedAudit(log)

    def caller(request: Request) -> None:  # what api.auth.authenticate leaves
        request.state.principal = Principal("tok-imp", Role.ADMIN)

    @app.post("/api/v1/imports")
    @audited(Action.WRITE, "import", noted)
    def run_import(request: Request) -> dict:
        caller(request)
        note_persons(request, ["p-1", "p-2"])
        return {}

    @app.get("/api/v1/people/{person_id}/ties")
    @audited(Action.READ, "tie", from_path("person_id"))
    def ties(person_id: str, request: Request) -> dict:
        caller(request)
        return {}

    @app.put("/api/v1/people/{person_id}/ties/{other_id}")
    def unclassified_write(person_id: str, other_id: str, request: Request) -> dict:
        caller(request)
        return {}

    with TestClient(app) as client:
        assert client.post("/api/v1/imports").is_success
        assert client.get("/api/v1/people/p-3/ties").is_success
        assert client.put("/api/v1/people/p-4/ties/p-5").is_success
    app.state.audit_queue.close()
    entries, _ = log.list()
    log.close()
    assert [(e.action.value, e.kind, e.operation, e.person_ids) for e in reversed(entries)] == [
        ("write", "import", "POST /api/v1/imports", ("p-1", "p-2")),
        ("read", "tie", "GET /api/v1/people/{person_id}/ties", ("p-3",)),
        ("write", "people", "PUT /api/v1/people/{person_id}/ties/{other_id}", ("p-4",)),
    ]
