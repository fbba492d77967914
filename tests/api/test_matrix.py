"""The full role × route matrix: every operation, every kind of caller, allowed and denied.

"referent" holds grp-a (cand-a, help-a, ref-a are theirs); "other_referent" holds grp-b
and must never read or change grp-a's people: those answer 404, exactly like an unknown
id. Roles without the permission get 403 before anything is looked up; no token, 401.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from api.app import API_PREFIX
from api.routes import V1
from graph.access.roles import GRANTS, Permission, Role
from graph.model import InGroupement, Person
from graph.paths import Target
from graph.store import Batch
from tests.api.conftest import PATH_BODY, PRINCIPALS, World
from tests.api.relation_cases import relation_cases


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    route: str  # the route template, as in the app
    url: str
    expect: dict[str, int]
    body: dict[str, Any] | None = None
    #: makes the record the call acts on (returns its id, put in the url as {id})
    setup: Callable[[World], str] | None = field(default=None, compare=False)
    #: multipart files (name, content) sent instead of a JSON body
    files: tuple[tuple[str, bytes], ...] = ()


def _fresh_person(world: World) -> str:
    pid = f"tmp-{uuid.uuid4().hex[:8]}"
    world.store.write(
        Batch(
            nodes=[Person(id=pid, first_name="Temp", last_name="Oraire")],
            rels=[InGroupement(src=pid, dst="grp-a")],
        )
    )
    return pid


def _consenting_member(world: World) -> str:
    world.store.update_node(Person.label, "cand-a", {"consent_social_import": True})
    return "cand-a"


#: a member of grp-a, by membership number (importing it again changes nothing)
_MEMBERS_CSV = b"numero_adherent;prenom;nom;groupement\nM-1;Jean;Neuf;grp-a\n"
_CONNECTIONS = b"Notes:\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\n"


def _expect(allowed: int, *, referent: int, other_referent: int, national: int = 403,
            portal: int = 403, admin: int | None = None) -> dict[str, int]:  # fmt: skip
    return {
        "anon": 401,
        "admin": allowed if admin is None else admin,
        "national": national,
        "portal": portal,
        "referent": referent,
        "other_referent": other_referent,
    }


def _intro(world: World, stage: str = "requested") -> str:
    """A new introduction of cand-a (grp-a), taken to ``stage``; returns its id."""
    from graph.access.roles import Principal
    from graph.introductions import open_service

    service = open_service(world.data_dir, world.store)
    intro = service.request(Principal("setup", Role.ADMIN), candidate_id="cand-a",
                            target=Target("employer", id="emp-1"))  # fmt: skip
    while stage in ("declined", "introduced") and (hop := service.db.get(intro.id).current):
        service.answer(service.token_of(service.db.get(intro.id), hop), stage == "introduced")
    return intro.id


def _link(world: World) -> str:
    from graph.introductions import open_service

    service = open_service(world.data_dir, world.store)
    intro = service.db.get(_intro(world))
    return service.token_of(intro, intro.hops[0])


def _public(status: int) -> dict[str, int]:
    return dict.fromkeys(PRINCIPALS, status)


def _admin_only(status: int) -> dict[str, int]:
    return _expect(status, referent=403, other_referent=403)


def _organisations_read() -> dict[str, int]:
    return _expect(200, referent=200, other_referent=200, national=200)


def _everyone_reads() -> dict[str, int]:
    return _expect(200, referent=200, other_referent=200, national=200, portal=200)


def _national() -> dict[str, int]:
    """Coverage beyond one groupement: the admin and the national cell only."""
    return _expect(200, referent=403, other_referent=403, national=200)


def _grp_a() -> dict[str, int]:
    """Coverage of grp-a: also its référent, not the other one."""
    return _expect(200, referent=200, other_referent=403, national=200)


CASES = [
    Case("healthz", "GET", "/healthz", "/healthz", _public(200)),
    Case("readyz", "GET", "/readyz", "/readyz", _public(200)),
    # paths: everyone with paths:query; the other référent does not see cand-a
    Case("paths", "POST", "/api/v1/paths", "/api/v1/paths",
         _expect(200, referent=200, other_referent=404, national=200, portal=200),
         body=PATH_BODY),
    # members
    Case("members list", "GET", "/api/v1/members", "/api/v1/members",
         _expect(200, referent=200, other_referent=200)),
    Case("members list of grp-a", "GET", "/api/v1/members", "/api/v1/members?groupement_id=grp-a",
         _expect(200, referent=200, other_referent=403)),
    Case("member read", "GET", "/api/v1/members/{person_id}", "/api/v1/members/cand-a",
         _expect(200, referent=200, other_referent=404)),
    Case("member create in grp-a", "POST", "/api/v1/members", "/api/v1/members",
         _expect(201, referent=201, other_referent=403),
         body={"first_name": "Jean", "last_name": "Neuf", "groupements": ["grp-a"]}),
    Case("member update", "PATCH", "/api/v1/members/{person_id}", "/api/v1/members/cand-a",
         _expect(200, referent=200, other_referent=404), body={"monthly_load": 0}),
    Case("member delete", "DELETE", "/api/v1/members/{person_id}", "/api/v1/members/{id}",
         _expect(200, referent=200, other_referent=404), setup=_fresh_person),
    # members' rights (api/routes/rights.py): the admin and the person's référent
    Case("member export", "GET", "/api/v1/members/{person_id}/export",
         "/api/v1/members/cand-a/export", _expect(200, referent=200, other_referent=404)),
    Case("member export as csv", "GET", "/api/v1/members/{person_id}/export",
         "/api/v1/members/cand-a/export?format=csv",
         _expect(200, referent=200, other_referent=404)),
    Case("member erase", "POST", "/api/v1/members/{person_id}/erase",
         "/api/v1/members/{id}/erase", _expect(200, referent=200, other_referent=404),
         setup=_fresh_person),
    # the audit log: the admin only
    Case("audit log", "GET", "/api/v1/audit", "/api/v1/audit", _admin_only(200)),
    Case("audit log of a person", "GET", "/api/v1/audit",
         "/api/v1/audit?person_id=cand-a&since=2025-01-01&action=read", _admin_only(200)),
    # associations
    Case("associations list", "GET", "/api/v1/associations", "/api/v1/associations",
         _organisations_read()),
    Case("association read", "GET", "/api/v1/associations/{association_id}",
         "/api/v1/associations/asso-a", _organisations_read()),
    Case("association create", "POST", "/api/v1/associations", "/api/v1/associations",
         _admin_only(201),
         body={"name": "Nouvelle", "short_name": "NV", "kind": "partner"}),
    Case("association update", "PATCH", "/api/v1/associations/{association_id}",
         "/api/v1/associations/asso-a", _admin_only(200), body={"name": "Association A"}),
    # groupements
    Case("groupements list", "GET", "/api/v1/groupements", "/api/v1/groupements",
         _organisations_read()),
    Case("groupement read", "GET", "/api/v1/groupements/{groupement_id}",
         "/api/v1/groupements/grp-b", _organisations_read()),
    Case("groupement create", "POST", "/api/v1/groupements", "/api/v1/groupements",
         _admin_only(201),
         body={"name": "Nouveau", "association_id": "asso-a", "departements": ["dep-33"]}),
    Case("groupement update", "PATCH", "/api/v1/groupements/{groupement_id}",
         "/api/v1/groupements/grp-b", _admin_only(200), body={"name": "Délégation B"}),
    # employers
    Case("employers list", "GET", "/api/v1/employers", "/api/v1/employers", _everyone_reads()),
    Case("employer read", "GET", "/api/v1/employers/{employer_id}", "/api/v1/employers/emp-1",
         _everyone_reads()),
    Case("employer create", "POST", "/api/v1/employers", "/api/v1/employers", _admin_only(201),
         body={"name": "Naval Group", "bassin_id": "be-ZE-33-1", "sector_ids": ["sec-defense"]}),
    Case("employer update", "PATCH", "/api/v1/employers/{employer_id}", "/api/v1/employers/emp-1",
         _admin_only(200), body={"size": 2000}),
    # bassins and sectors, by code
    Case("bassins list", "GET", "/api/v1/bassins", "/api/v1/bassins?departement=33",
         _everyone_reads()),
    Case("secteurs list", "GET", "/api/v1/secteurs", "/api/v1/secteurs", _everyone_reads()),
    # offers
    Case("offers list", "GET", "/api/v1/offers", "/api/v1/offers", _everyone_reads()),
    Case("offer read", "GET", "/api/v1/offers/{offer_id}", "/api/v1/offers/off-1",
         _everyone_reads()),
    Case("offer create", "POST", "/api/v1/offers", "/api/v1/offers", _admin_only(201),
         body={"title": "Acheteur (H/F)", "employer_id": "emp-1"}),
    Case("offer update", "PATCH", "/api/v1/offers/{offer_id}", "/api/v1/offers/off-1",
         _admin_only(200), body={"status": "open"}),
    # coverage: admin and national everywhere; a référent only their groupement's report,
    # gaps and what-if (another groupement is 403: not personal, but not theirs)
    Case("coverage national", "GET", "/api/v1/coverage", "/api/v1/coverage", _national()),
    Case("coverage of a région", "GET", "/api/v1/coverage/regions/{code}",
         "/api/v1/coverage/regions/75", _national()),
    Case("coverage of a département", "GET", "/api/v1/coverage/departements/{code}",
         "/api/v1/coverage/departements/33", _national()),
    Case("coverage of grp-a", "GET", "/api/v1/coverage/groupements/{groupement_id}",
         "/api/v1/coverage/groupements/grp-a", _grp_a()),
    Case("coverage gaps of grp-a", "GET", "/api/v1/coverage/gaps",
         "/api/v1/coverage/gaps?scope=groupement&id=grp-a", _grp_a()),
    Case("coverage gaps national", "GET", "/api/v1/coverage/gaps",
         "/api/v1/coverage/gaps?limit=5", _national()),
    Case("coverage gaps of a département", "GET", "/api/v1/coverage/gaps",
         "/api/v1/coverage/gaps?scope=departement&id=33", _national()),
    Case("coverage what-if in grp-a", "POST", "/api/v1/coverage/what-if",
         "/api/v1/coverage/what-if", _grp_a(),
         body={"changes": [{"kind": "add_tie", "a_id": "cand-a", "b_id": "ref-a"}]}),
    Case("coverage what-if naming grp-a", "POST", "/api/v1/coverage/what-if",
         "/api/v1/coverage/what-if", _grp_a(),
         body={"changes": [{"kind": "sign_charter", "groupement_id": "grp-a",
                            "partner_id": "grp-b"}]}),
    Case("coverage actions", "GET", "/api/v1/coverage/actions", "/api/v1/coverage/actions",
         _national()),
    # imports: members:write; the other référent's file names grp-a (422, nothing written)
    Case("import files", "POST", "/api/v1/imports", "/api/v1/imports",
         _expect(200, referent=200, other_referent=422),
         files=(("membres.csv", _MEMBERS_CSV),)),
    Case("import LinkedIn connections", "POST", "/api/v1/imports/linkedin",
         "/api/v1/imports/linkedin?member_id={id}",
         _expect(200, referent=200, other_referent=404), setup=_consenting_member,
         files=(("Connections.csv", _CONNECTIONS),)),
    # exports: members:read; a référent exports their own groupements
    Case("export", "GET", "/api/v1/exports", "/api/v1/exports", _expect(200, referent=200,
                                                                       other_referent=200)),
    Case("export of grp-a", "GET", "/api/v1/exports", "/api/v1/exports?groupement_id=grp-a",
         _expect(200, referent=200, other_referent=403)),
    # introductions: the admin and the référent of the candidate's groupement; the funnel
    # is coverage; the personal link needs no token (any caller holding it may answer)
    Case("introduction request", "POST", "/api/v1/introductions", "/api/v1/introductions",
         _expect(201, referent=201, other_referent=404), body={**PATH_BODY, "message": "m"}),
    Case("introductions list", "GET", "/api/v1/introductions", "/api/v1/introductions",
         _expect(200, referent=200, other_referent=200)),
    Case("introductions funnel", "GET", "/api/v1/introductions/funnel",
         "/api/v1/introductions/funnel", _expect(200, referent=200, other_referent=200,
                                                  national=200)),
    Case("introduction read", "GET", "/api/v1/introductions/{introduction_id}",
         "/api/v1/introductions/{id}", _expect(200, referent=200, other_referent=404),
         setup=_intro),
    Case("introduction withdraw", "POST", "/api/v1/introductions/{introduction_id}/withdraw",
         "/api/v1/introductions/{id}/withdraw", _expect(200, referent=200, other_referent=404),
         setup=_intro),
    Case("introduction reroute", "POST", "/api/v1/introductions/{introduction_id}/reroute",
         "/api/v1/introductions/{id}/reroute", _expect(200, referent=200, other_referent=404),
         body={}, setup=lambda w: _intro(w, "declined")),
    Case("introduction outcome", "POST", "/api/v1/introductions/{introduction_id}/outcome",
         "/api/v1/introductions/{id}/outcome", _expect(200, referent=200, other_referent=404),
         body={"outcome": "interview"}, setup=lambda w: _intro(w, "introduced")),
    Case("introduction link read", "GET", "/api/v1/introductions/answer/{token}",
         "/api/v1/introductions/answer/{id}", _public(200), setup=_link),
    Case("introduction link answer", "POST", "/api/v1/introductions/answer/{token}",
         "/api/v1/introductions/answer/{id}", _public(200), body={"decision": "accept"},
         setup=_link),
]  # fmt: skip
CASES += relation_cases(Case, _expect)  # the relationship routes (tests/api/relation_cases.py)


@pytest.mark.parametrize("who", PRINCIPALS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_role_route_matrix(world: World, case: Case, who: str) -> None:
    url = case.url.format(id=case.setup(world)) if case.setup else case.url
    if case.files:
        files = [("files" if "linkedin" not in url else "file", f) for f in case.files]
        response = world.client.request(case.method, url, headers=world.headers(who),
                                        files=files)  # fmt: skip
    else:
        response = world.client.request(
            case.method, url, headers=world.headers(who), json=case.body
        )
    expected = case.expect[who]
    assert response.status_code == expected, response.text
    if expected >= 400:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == expected


def test_matrix_covers_every_route(world: World) -> None:
    """A new route without a line in the matrix fails here."""
    schema = world.app.openapi()
    app_routes = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
    }
    covered = {(c.method, c.route) for c in CASES}
    assert app_routes == covered


#: the role of each principal of the matrix
ROLES = {
    "admin": Role.ADMIN,
    "national": Role.NATIONAL,
    "portal": Role.PORTAL,
    "referent": Role.REFERENT,
    "other_referent": Role.REFERENT,
}


#: /api/v1 operations without a bearer token: answering through a personal link
PUBLIC_V1 = {"/introductions/answer/{token}"}


def _required_permissions() -> dict[tuple[str, str], Permission]:
    """The permission each ``/api/v1`` operation requires, read from its dependencies
    (``require_<permission>`` of :func:`api.auth.require`)."""

    def names(dependant: Any) -> Iterator[str]:
        yield getattr(dependant.call, "__name__", "")
        for sub in dependant.dependencies:
            yield from names(sub)

    out = {}
    for router in V1:
        for route in router.routes:
            found = [n for n in names(route.dependant) if n.startswith("require_")]
            if route.path in PUBLIC_V1:
                assert found == [], route.path  # the personal link is the authority
                continue
            assert len(found) == 1, (route.path, found)
            permission = Permission[found[0].removeprefix("require_").upper()]
            for method in route.methods:
                out[(method, API_PREFIX + route.path)] = permission
    return out


def test_the_matrix_follows_the_core_role_table() -> None:
    """Every ``/api/v1`` operation needs one permission of :data:`graph.access.roles.GRANTS`:
    a role without it gets 403; the roles that are not scoped (admin, national, portal)
    get 403 for nothing else (a référent may, for what is outside their groupements)."""
    needed = _required_permissions()
    public = {(c.method, c.route) for c in CASES if c.route.removeprefix(API_PREFIX) in PUBLIC_V1}
    assert {(c.method, c.route) for c in CASES if c.route.startswith(API_PREFIX)} == set(
        needed
    ) | public
    for case in CASES:
        permission = needed.get((case.method, case.route))
        if permission is None:
            continue  # health checks: public
        for who, role in ROLES.items():
            if permission not in GRANTS[role]:
                assert case.expect[who] == 403, (case.name, who)
            elif role is not Role.REFERENT:
                assert case.expect[who] != 403, (case.name, who)


def test_denials_do_not_depend_on_existence(world: World) -> None:
    """403 for a role without the permission, whether the resource exists or not."""
    for url in ("/api/v1/members/cand-a", "/api/v1/members/nobody-here"):
        for who in ("national", "portal"):
            response = world.client.get(url, headers=world.headers(who))
            assert response.status_code == 403
    unknown = world.client.get("/api/v1/members/nobody-here", headers=world.headers("anon"))
    known = world.client.get("/api/v1/members/cand-a", headers=world.headers("anon"))
    assert unknown.status_code == known.status_code == 401


def test_out_of_scope_person_is_answered_like_an_unknown_one(world: World) -> None:
    def body(pid: str, method: str = "GET", json: Any = None) -> dict:
        response = world.client.request(
            method, f"/api/v1/members/{pid}", headers=world.headers("other_referent"), json=json
        )
        assert response.status_code == 404
        out = response.json()
        out.pop("instance")
        return {k: (str(v).replace(pid, "ID")) for k, v in out.items()}

    assert body("cand-a") == body("nobody-here")
    assert body("cand-a", "PATCH", {"status": "helper"}) == body(
        "nobody", "PATCH", {"status": "helper"}
    )
    assert body("help-a", "DELETE") == body("nobody-at-all", "DELETE")
    # and cand-a was neither changed nor deleted
    assert world.store.get("cand-a").status == "candidate"
    assert world.store.get("help-a") is not None


def test_out_of_scope_candidate_path_is_answered_like_an_unknown_one(world: World) -> None:
    def problem(candidate: str) -> dict:
        response = world.client.post(
            "/api/v1/paths",
            headers=world.headers("other_referent"),
            json={**PATH_BODY, "candidate_id": candidate},
        )
        assert response.status_code == 404
        out = response.json()
        out.pop("instance")
        return out

    assert str(problem("cand-a")).replace("cand-a", "X") == str(problem("ghost")).replace(
        "ghost", "X"
    )
