"""The introductions routes over HTTP: request, follow, answer through links, outcome,
funnel; errors as problems."""

from __future__ import annotations

from graph.introductions import open_service
from tests.api.conftest import PATH_BODY, World

INTRO_BODY = {**PATH_BODY, "message": "Merci de votre aide"}


def _links(world: World, intro_id: str) -> dict[int, str]:
    service = open_service(world.data_dir, world.store)
    intro = service.db.get(intro_id)
    return {h.position: service.token_of(intro, h) for h in intro.hops if h.asked_at}


def test_the_whole_introduction_over_http(fresh_world: World) -> None:
    w, ref = fresh_world, fresh_world.headers("referent")
    created = w.client.post("/api/v1/introductions", json=INTRO_BODY, headers=ref)
    assert created.status_code == 201, created.text
    intro = created.json()
    assert intro["state"] == "requested" and intro["candidate"]["name"] == "Prénom Aubert"
    assert [h["person"]["id"] for h in intro["hops"]] == ["help-a", "work-1"]
    assert intro["next_action"].startswith("Attendre la réponse de Prénom Bernard")
    token = _links(w, intro["id"])[0]
    shown = w.client.get(f"/api/v1/introductions/answer/{token}")  # no bearer token
    assert shown.status_code == 200
    assert shown.json()["next_person"] == "Prénom Fournier"
    assert "@" not in shown.text
    ok = w.client.post(f"/api/v1/introductions/answer/{token}", json={"decision": "accept"})
    assert ok.status_code == 200 and ok.json()["decision"] == "accept"
    again = w.client.post(f"/api/v1/introductions/answer/{token}", json={"decision": "accept"})
    assert again.status_code == 404
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["errors"][0]["field"] == "token"
    contact = _links(w, intro["id"])[1]
    w.client.post(f"/api/v1/introductions/answer/{contact}", json={"decision": "accept"})
    read = w.client.get(f"/api/v1/introductions/{intro['id']}", headers=ref).json()
    assert read["state"] == "introduced"
    out = w.client.post(f"/api/v1/introductions/{intro['id']}/outcome",
                        json={"outcome": "hired", "date": "2025-07-01"}, headers=ref)  # fmt: skip
    assert out.status_code == 200, out.text
    assert out.json()["introduction"]["outcome_dates"] == {"hired": "2025-07-01"}
    assert len(out.json()["adjustments"]) == 2
    listed = w.client.get("/api/v1/introductions?state=introduced", headers=ref).json()
    assert listed["total"] == 1
    assert w.client.get("/api/v1/introductions?state=declined", headers=ref).json()["total"] == 0
    funnel = w.client.get("/api/v1/introductions/funnel", headers=ref).json()["items"]
    assert funnel == [{"groupement_id": "grp-a", "requested": 1, "accepted": 1,
                       "introduced": 1, "hired": 1}]  # fmt: skip
    national = w.client.get("/api/v1/introductions/funnel", headers=w.headers("national"))
    assert national.json()["items"][0]["hired"] == "< 5"


def test_link_errors(fresh_world: World) -> None:
    w = fresh_world
    bad = w.client.get("/api/v1/introductions/answer/abcdefghijkl.mnopqrstu")
    assert bad.status_code == 404 and bad.json()["type"].endswith("link-not-usable")
    created = w.client.post("/api/v1/introductions", json=INTRO_BODY,
                            headers=w.headers("admin")).json()  # fmt: skip
    token = _links(w, created["id"])[0]
    service = open_service(w.data_dir, w.store)
    real = service.clock
    try:
        service.clock = lambda: real().replace(year=real().year + 1)
        gone = w.client.get(f"/api/v1/introductions/answer/{token}")
        assert gone.status_code == 410
    finally:
        service.clock = real


def test_withdraw_reroute_and_conflicts(fresh_world: World) -> None:
    w, ref = fresh_world, fresh_world.headers("referent")
    intro = w.client.post("/api/v1/introductions", json=INTRO_BODY, headers=ref).json()
    no_path = w.client.post("/api/v1/introductions", json={**INTRO_BODY, "rank": 3}, headers=ref)
    assert no_path.status_code == 409
    early = w.client.post(f"/api/v1/introductions/{intro['id']}/reroute", json={}, headers=ref)
    assert early.status_code == 409
    token = _links(w, intro["id"])[0]
    w.client.post(f"/api/v1/introductions/answer/{token}",
                  json={"decision": "decline", "reason": "absent"})  # fmt: skip
    moved = w.client.post(f"/api/v1/introductions/{intro['id']}/reroute", json={}, headers=ref)
    assert moved.status_code == 200 and moved.json()["earlier_paths"] == 1
    gone = w.client.post(f"/api/v1/introductions/{intro['id']}/withdraw", headers=ref)
    assert gone.json()["state"] == "withdrawn"
    assert w.client.post(f"/api/v1/introductions/{intro['id']}/withdraw",
                         headers=ref).status_code == 409  # fmt: skip
    other = w.client.get(f"/api/v1/introductions/{intro['id']}",
                         headers=w.headers("other_referent"))  # fmt: skip
    assert other.status_code == 404


def test_what_a_personal_link_shows_and_answers_is_audited(fresh_world: World) -> None:
    """The holder of a link has no token: the audit log names them by their link (the
    introduction and the hop) and records whom the page named and what they answered."""
    w, ref = fresh_world, fresh_world.headers("referent")
    intro = w.client.post("/api/v1/introductions", json=INTRO_BODY, headers=ref).json()
    token = _links(w, intro["id"])[0]
    assert w.client.get(f"/api/v1/introductions/answer/{token}").status_code == 200
    w.client.post(f"/api/v1/introductions/answer/{token}", json={"decision": "accept"})
    w.app.state.audit_queue.flush()
    entries = w.client.get(
        "/api/v1/audit", params={"actor": f"link:{intro['id']}#0"}, headers=w.headers("admin")
    ).json()["items"]
    assert [(e["action"], e["role"], e["operation"]) for e in entries] == [
        ("write", "link", "POST /api/v1/introductions/answer/{token}"),
        ("read", "link", "GET /api/v1/introductions/answer/{token}"),
    ]
    assert set(entries[1]["person_ids"]) == {"cand-a", "help-a", "work-1"}
    assert "cand-a" in entries[0]["person_ids"]
    # a link that does not verify names nobody and records nothing
    w.client.get("/api/v1/introductions/answer/abcdefghijkl.mnopqrstu")
    w.app.state.audit_queue.flush()
    every = w.client.get("/api/v1/audit", headers=w.headers("admin")).json()["items"]
    assert all(not e["actor"].startswith("link:") or e["actor"].endswith("#0") for e in every)
