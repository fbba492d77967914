"""The dashboard's audit trail (dashboard/audit.py): reads of personal data and writes,
by whoever did them (a session, or the holder of a personal link), in the audit log the
API writes to."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from dashboard import audit as dash_audit
from dashboard.app import ROUTES, create_dash
from graph.audit import AuditFilter, AuditLog, QueuedAudit
from graph.introductions import open_service
from graph.introductions.settings import IntroSettings
from graph.model import InGroupement, Label, Person
from graph.store import Batch
from tests.dashboard.conftest import OPTIONS, World, make_world
from tests.dashboard.test_auth import PREFIX, callback, login, page
from tests.dashboard.test_introductions import a_request


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    w = make_world(tmp_path_factory.mktemp("dashboard-audit"), 1200)
    w.store.write(
        Batch(
            nodes=[Person(id="p-audit", first_name="Anne", last_name="Audit",
                          status="candidate", departure_date=date(2027, 3, 1))],
            rels=[InGroupement(src="p-audit", dst=w.own)],
        )
    )  # fmt: skip
    yield w
    w.tokens.close()
    w.store.close()


@pytest.fixture
def trail(tmp_path) -> Iterator[QueuedAudit]:
    log = AuditLog(tmp_path / "audit.sqlite3")
    queue = QueuedAudit(log)
    yield queue
    queue.close()
    log.close()


@pytest.fixture
def app(world: World, trail: QueuedAudit) -> Any:
    return create_dash(
        world.settings,
        lambda: world.store,
        lambda: world.tokens,
        options=OPTIONS,
        audit_trail=lambda: trail,
    )


def _entries(trail: QueuedAudit, **where: Any) -> list[dict[str, Any]]:
    trail.flush()
    return [e.to_dict() for e in trail.log.list(AuditFilter(**where), limit=100, offset=0)[0]]


def test_every_callback_and_page_is_classified(app: Any) -> None:
    """A new callback or page adds its line to dashboard/audit.py (CALLBACKS, PAGES)."""
    outputs = {dash_audit.first_output({"outputs": _outputs(key)}) for key in app.callback_map}
    assert outputs - set(dash_audit.CALLBACKS) == set()
    assert {key for _, key in ROUTES} - set(dash_audit.PAGES) == set()


def _outputs(key: str) -> dict[str, Any]:
    """The first output of a callback_map key ("..a.children...b.style.." or "a.children")."""
    first = key.strip(".").split("...")[0]
    ident = first.rsplit(".", 1)[0]
    return {"id": {"type": "intro-liste-box"} if ident.startswith("intro-liste-box") else ident}


def test_a_member_page_read_and_a_write_are_recorded(world: World, app: Any, trail) -> None:
    client = app.server.test_client()
    login(client, world.secrets["referent"])
    page(client, "/dashboard/membres/p-audit")
    token_id = world.principals["referent"].token_id
    reads = _entries(trail, actor=token_id)
    assert [(e["action"], e["kind"], e["operation"], e["role"]) for e in reads] == [
        ("read", "person", "dashboard page membre", "referent")
    ]
    # the member, and the people the page's forms offer by name (all people of the graph)
    named = reads[0]["person_ids"]
    assert "p-audit" in named
    assert all(world.store.get(i).label == Label.PERSON for i in named)
    body = {
        "output": "..membre-message.children...membre-listes-chargement.children..",
        "outputs": [
            {"id": "membre-message", "property": "children"},
            {"id": "membre-listes-chargement", "property": "children"},
        ],
        "inputs": [{"id": b, "property": "n_clicks", "value": 1 if b.startswith("cons") else None}
                   for b in ("lien-ajouter", "lien-retirer", "parrain-ajouter",
                             "parrain-retirer", "emploi-ajouter", "emploi-terminer",
                             "cible-ajouter", "cible-retirer", "consentements-enregistrer")],
        "state": [{"id": "membre-id", "property": "data", "value": "p-audit"}]
        + [{"id": i, "property": "value", "value": None}
           for i in ("lien-autre", "lien-force", "lien-source", "lien-depuis", "parrain-autre",
                     "emploi-employeur", "emploi-fonction", "emploi-depuis", "emploi-fin",
                     "cible-id")]
        + [{"id": "consentements", "property": "value", "value": ["consent_introducer"]}],
        "changedPropIds": ["consentements-enregistrer.n_clicks"],
    }  # fmt: skip
    headers = {"X-CSRFToken": client.get_cookie("_csrf_token", path=PREFIX).value}
    answer = client.post(PREFIX + "_dash-update-component", json=body, headers=headers)
    assert answer.status_code == 200 and "Consentements enregistr" in answer.get_data(True)
    writes = _entries(trail, actor=token_id, action="write")
    assert [(e["kind"], e["operation"], e["person_ids"]) for e in writes] == [
        ("relation", "dashboard membre-message", ["p-audit"])
    ]
    # the log holds ids, never names
    assert not [e for e in _entries(trail) if "Audit" in str(e) or "Anne" in str(e)]


def test_a_page_that_names_nobody_and_a_visitor_record_nothing(world: World, app, trail) -> None:
    client = app.server.test_client()
    page(client, "/dashboard/membres/p-audit")  # not logged in: the login page
    assert _entries(trail) == []
    login(client, world.secrets["national"])
    response = callback(
        client, "table-groupements.filterModel",
        [{"id": "carte-france", "property": "clickData", "value": None}],
    )  # fmt: skip
    assert response.status_code in (200, 204)
    assert _entries(trail) == []


def test_the_holder_of_a_personal_link_is_recorded(world: World, app, trail) -> None:
    candidate, target, _ = a_request(world)
    service = open_service(world.dir, world.store, IntroSettings(intro_scheduler=False))
    intro = service.request(world.principals["referent"], candidate_id=candidate,
                            target=target, message="Bonjour")  # fmt: skip
    hop = intro.hops[0]
    token = service.token_of(intro, hop)
    client = app.server.test_client()  # no login: the link is the authority
    assert "reponse-question" in str(page(client, f"/dashboard/reponse/{token}"))
    entries = _entries(trail, actor=f"link:{intro.id}#{hop.position}")
    assert [(e["action"], e["kind"], e["role"]) for e in entries] == [
        ("read", "introduction", "link")
    ]
    assert {candidate, hop.person_id} <= set(entries[0]["person_ids"])


def test_served_with_the_api_the_dashboard_writes_to_the_api_audit_log(world: World) -> None:
    """Wired by cli.wiring: one audit log, read back through GET /api/v1/audit."""
    from fastapi.testclient import TestClient

    from tests.dashboard.conftest import combined_app

    with TestClient(combined_app(world)) as http:
        http.post(
            "/dashboard/auth/login",
            data={"jeton": world.secrets["referent"]},
            headers={"Origin": "http://testserver"},
            follow_redirects=False,
        )
        body = {
            "output": "page.children",
            "outputs": {"id": "page", "property": "children"},
            "inputs": [
                {"id": "url", "property": "pathname", "value": "/dashboard/membres/p-audit"},
                {"id": "url", "property": "search", "value": ""},
            ],
            "state": [],
            "changedPropIds": ["url.pathname"],
        }
        csrf = http.cookies.get("_csrf_token", path="/dashboard/")
        r = http.post("/dashboard/_dash-update-component", json=body,
                      headers={"X-CSRFToken": csrf})  # fmt: skip
        assert r.status_code == 200
        found = http.get(
            "/api/v1/audit",
            params={"person_id": "p-audit", "kind": "person"},
            headers={"Authorization": f"Bearer {world.secrets['admin']}"},
        ).json()["items"]
    assert [(e["operation"], e["role"]) for e in found] == [("dashboard page membre", "referent")]
