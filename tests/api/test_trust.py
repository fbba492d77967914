"""Issue 17 through the API: no name, count or figure given to someone the access policy
(:mod:`graph.access`) withholds it from, consents taking effect on the next answer, and
the security headers.

The world of :mod:`tests.api.conftest`: "referent" holds grp-a (cand-a, help-a, ref-a),
"other_referent" grp-b (cand-b, help-b); cand-a consented to portal searches and to
share their contact details; work-1 is in no groupement and consented to the directory.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from graph.model import InGroupement, Knows, Person
from graph.store import Batch
from tests.api.conftest import PATH_BODY, World

PATHS = "/api/v1/paths"


def problem(world: World, who: str, body: dict[str, Any], unknown: str) -> str:
    """The 404 body for ``who``, with the asked id replaced, to compare with another."""
    response = world.client.post(PATHS, headers=world.headers(who), json=body)
    assert response.status_code == 404, response.text
    out = response.json()
    out.pop("instance")
    return str(out).replace(unknown, "ID")


def _add_person(world: World, pid: str, group: str, **kw: Any) -> None:
    world.store.write(
        Batch(
            nodes=[Person(id=pid, first_name="Prénom", last_name=f"Nom{pid}", **kw)],
            rels=[
                InGroupement(src=pid, dst=group),
                Knows(src=pid, dst="work-1", strength=0.9, source="unit"),
            ],
        )
    )


# ---------------------------------------------------------------- 1. person targets


def test_person_target_outside_scope_is_answered_like_an_unknown_id(world: World) -> None:
    """(1) other_referent asks from their candidate to grp-a's people: 404 like an
    unknown id, and never their name."""

    def body(target: str) -> dict[str, Any]:
        return {"candidate_id": "cand-b", "target": {"kind": "person", "id": target}}

    ghost = problem(world, "other_referent", body("ghost"), "ghost")
    for target in ("cand-a", "help-a", "ref-a"):
        response = world.client.post(PATHS, headers=world.headers("other_referent"),
                                     json=body(target))  # fmt: skip
        assert "Aubert" not in response.text and "Bernard" not in response.text
        assert problem(world, "other_referent", body(target), target) == ghost
    # their own people may be targets
    own = world.client.post(PATHS, headers=world.headers("other_referent"), json=body("help-b"))
    assert own.status_code == 200 and own.json()["target"]["label"] == "Mme Estienne"


# ---------------------------------------------------------------- 3. national and portal


def test_national_reads_names_only_of_consenting_people(fresh_world: World) -> None:
    """(3) the national cell asks about someone who agreed to nothing: 404 like an
    unknown id (no name); about someone who consented: answered."""
    w = fresh_world
    _add_person(w, "shy-1", "grp-a", status="candidate")
    _add_person(w, "open-1", "grp-a", status="candidate", consent_directory=True)
    body = {**PATH_BODY, "candidate_id": "shy-1"}
    ghost = problem(w, "national", {**PATH_BODY, "candidate_id": "ghost"}, "ghost")
    assert problem(w, "national", body, "shy-1") == ghost
    as_target = {"candidate_id": "cand-a", "target": {"kind": "person", "id": "shy-1"}}
    assert problem(w, "national", as_target, "shy-1") == ghost.replace("candidate_id", "target.id")
    found = w.client.post(PATHS, headers=w.headers("national"),
                          json={**PATH_BODY, "candidate_id": "open-1"})  # fmt: skip
    assert found.status_code == 200 and found.json()["candidate"]["name"] == "Prénom Nomopen-1"


def test_portal_asks_only_about_people_who_consented_to_portal_searches(world: World) -> None:
    """(3) a portal: cand-a (consented) is answered; cand-b (did not), an unknown id and a
    target who did not consent all give the same 404: no enumeration by id."""
    ok = world.client.post(PATHS, headers=world.headers("portal"), json=PATH_BODY)
    assert ok.status_code == 200
    ghost = problem(world, "portal", {**PATH_BODY, "candidate_id": "ghost"}, "ghost")
    for pid in ("cand-b", "help-a", "work-1"):
        assert problem(world, "portal", {**PATH_BODY, "candidate_id": pid}, pid) == ghost
    target = {"candidate_id": "cand-a", "target": {"kind": "person", "id": "work-1"}}
    response = world.client.post(PATHS, headers=world.headers("portal"), json=target)
    assert response.status_code == 404 and "Fournier" not in response.text


def test_a_withdrawn_consent_takes_effect_on_the_next_answer(fresh_world: World) -> None:
    """Withdrawing consent to portal searches through the API: the portal's next query
    is 404; the day is recorded."""
    w = fresh_world
    assert w.client.post(PATHS, headers=w.headers("portal"), json=PATH_BODY).status_code == 200
    patched = w.client.patch("/api/v1/members/cand-a", headers=w.headers("referent"),
                             json={"consent_portal": False})  # fmt: skip
    assert patched.status_code == 200, patched.text
    assert patched.json()["consent_portal"] is False
    assert patched.json()["consent_portal_at"] == date.today().isoformat()
    assert w.client.post(PATHS, headers=w.headers("portal"), json=PATH_BODY).status_code == 404


def test_contact_details_need_the_consent_and_the_role(fresh_world: World) -> None:
    w = fresh_world
    seen = w.client.get("/api/v1/members/cand-a", headers=w.headers("referent")).json()
    assert seen["contact"]["email"] == "anne.aubert@example.org"
    w.client.patch("/api/v1/members/cand-a", headers=w.headers("admin"),
                   json={"consent_contact": False})  # fmt: skip
    for who in ("referent", "admin"):
        again = w.client.get("/api/v1/members/cand-a", headers=w.headers(who))
        assert again.json()["contact"] is None
        assert "example.org" not in again.text


# ---------------------------------------------------------------- 4. gaps


def test_gaps_never_name_people_who_withdrew_consent(fresh_world: World) -> None:
    """(4) ref-a (grp-a's référent) withdraws consent: the national gaps and actions say
    "un membre du groupement", never their name, from the next answer on."""
    w = fresh_world
    patched = w.client.patch("/api/v1/members/ref-a", headers=w.headers("referent"),
                             json={"consent_introducer": False})  # fmt: skip
    assert patched.status_code == 200
    for url in ("/api/v1/coverage/gaps", "/api/v1/coverage/actions",
                "/api/v1/coverage/gaps?scope=groupement&id=grp-a"):  # fmt: skip
        who = "referent" if "grp-a" in url else "national"
        response = w.client.get(url, headers=w.headers(who))
        assert response.status_code == 200, response.text
        assert "Carpentier" not in response.text, url
    gaps = w.client.get("/api/v1/coverage/gaps", headers=w.headers("national")).json()["gaps"]
    texts = [g["action"]["text"] for g in gaps if g["kind"] == "referent_without_consent"]
    assert texts and all("un membre du groupement" in t for t in texts)


def test_gaps_name_a_referent_who_consents_to_the_directory(fresh_world: World) -> None:
    w = fresh_world
    w.client.patch("/api/v1/members/ref-a", headers=w.headers("admin"),
                   json={"consent_introducer": False, "consent_directory": True})  # fmt: skip
    response = w.client.get("/api/v1/coverage/gaps", headers=w.headers("national"))
    assert "Carpentier" in response.text


# ---------------------------------------------------------------- 5. small counts


def test_groupement_head_counts_are_suppressed_like_coverage(world: World) -> None:
    """(5) GET /api/v1/groupements: counts under 5 read "< 5" except in the own view."""
    listed = world.client.get("/api/v1/groupements", headers=world.headers("national")).json()
    for item in listed["items"]:
        assert set(item["counts"].values()) == {"< 5"}, item
    mine = world.client.get("/api/v1/groupements", headers=world.headers("referent")).json()
    by_id = {g["id"]: g["counts"] for g in mine["items"]}
    assert by_id["grp-a"]["candidates"] == 1 and by_id["grp-a"]["helpers"] == 2
    assert by_id["grp-b"]["candidates"] == "< 5"
    one = world.client.get("/api/v1/groupements/grp-a", headers=world.headers("admin")).json()
    assert one["counts"]["members"] == "< 5"


def test_what_if_before_after_reveals_no_small_count(fresh_world: World) -> None:
    """(5) "< 5 → 5" would give away that there were exactly 4: a figure small on either
    side is withheld on both."""
    w = fresh_world
    w.store.write(
        Batch(
            nodes=[
                Person(id=f"h{i}", first_name="P", last_name=f"H{i}", status="helper")
                for i in range(2)
            ],
            rels=[InGroupement(src=f"h{i}", dst="grp-a") for i in range(2)],
        )
    )
    change = {"kind": "add_helper", "person_id": "cand-a", "employer_id": "emp-1"}
    body = w.client.post("/api/v1/coverage/what-if", headers=w.headers("national"),
                         json={"changes": [change]}).json()  # fmt: skip
    row = next(r for r in body["groupements"] if r["id"] == "grp-a")
    exact = w.client.post("/api/v1/coverage/what-if", headers=w.headers("referent"),
                          json={"changes": [change]}).json()["groupements"][0]  # fmt: skip
    assert exact["before"]["helpers"] == 4 and exact["after"]["helpers"] == 5
    assert row["before"]["helpers"] == row["after"]["helpers"] == "< 5"


# ---------------------------------------------------------------- headers


def test_security_headers_on_api_responses(world: World) -> None:
    for url, who in (("/healthz", "anon"), ("/api/v1/groupements", "national"),
                     ("/api/v1/members/ghost", "referent"), ("/docs", "anon")):  # fmt: skip
        response = world.client.get(url, headers=world.headers(who))
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], url
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_security_headers_on_a_refused_body(world: World) -> None:
    response = world.client.post(
        PATHS, headers={**world.headers("admin"), "content-length": str(10**9)}, content=b"{}"
    )
    assert response.status_code == 413
    assert response.headers["x-frame-options"] == "DENY"
