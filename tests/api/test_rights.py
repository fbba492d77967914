"""Members' rights through the API, on both stores: export (access, portability) and
erasure, after which the person is absent from every answer, index, cache and export."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from graph import memo
from graph.access.roles import Role
from graph.access.tokens import TokenStore
from graph.audit import AuditFilter, AuditLog
from graph.embedded import EmbeddedStore
from graph.paths import path_index
from graph.paths.service import kept_of
from graph.store import GraphStore
from tests.api.conftest import AS_OF, PATH_BODY, World, build_world
from tests.test_store_contract import ADAPTERS, adapter_params

#: help-a (Mme Bernard) is the intermediary of cand-a's only path to emp-1
ERASED, NAME = "help-a", "Bernard"


@pytest.fixture(params=adapter_params())
def any_world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """The API tests' world over each store adapter."""
    store = ADAPTERS[request.param](tmp_path)
    build_world(store)  # type: ignore[arg-type]
    settings = ApiSettings(data_dir=tmp_path, api_portal_burst=10_000, api_warm=False)
    tokens = TokenStore(settings.auth_db_path)
    grants = {
        "admin": (Role.ADMIN, []),
        "national": (Role.NATIONAL, []),
        "portal": (Role.PORTAL, []),
        "referent": (Role.REFERENT, ["grp-a"]),
        "other_referent": (Role.REFERENT, ["grp-b"]),
    }
    created = {who: tokens.create(role, groups, name=who) for who, (role, groups) in grants.items()}
    app = create_app(settings, store=store, tokens=tokens)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield World(
            app, client, store,  # type: ignore[arg-type]
            tokens,
            {who: c.secret for who, c in created.items()},
            {who: c.info.id for who, c in created.items()},
            tmp_path,
        )  # fmt: skip
    tokens.close()
    store.close()


#: every answer a person may appear in: (who asks, method, url, body)
ANSWERS = [
    ("referent", "POST", "/api/v1/paths", PATH_BODY),
    ("national", "POST", "/api/v1/paths", PATH_BODY),
    ("admin", "GET", "/api/v1/members?limit=500", None),
    ("referent", "GET", "/api/v1/members?groupement_id=grp-a", None),
    ("admin", "GET", "/api/v1/coverage", None),
    ("admin", "GET", "/api/v1/coverage/departements/33", None),
    ("referent", "GET", "/api/v1/coverage/groupements/grp-a", None),
    ("referent", "GET", "/api/v1/coverage/gaps?scope=groupement&id=grp-a", None),
    ("admin", "GET", "/api/v1/coverage/gaps", None),
    ("admin", "GET", "/api/v1/coverage/actions", None),
    ("admin", "GET", "/api/v1/groupements", None),
    ("admin", "GET", "/api/v1/groupements/grp-a", None),
    ("admin", "GET", "/api/v1/members/cand-a/export", None),
]


def _dashboard_data(store: GraphStore) -> list[str]:
    """What the dashboard's groupement and national pages are built from (kept in its
    own memo)."""
    from dashboard import data

    return [
        repr(data.groupement_data(store, "grp-a", AS_OF)),
        repr(data.members(store, "grp-a")),
        repr(data.helpers_of(store, "grp-a")),
        repr(data.national_data(store, AS_OF)),
    ]


def _answers(world: World) -> list[str]:
    out = _dashboard_data(world.store)
    for who, method, url, body in ANSWERS:
        response = world.client.request(method, url, json=body, headers=world.headers(who))
        assert response.status_code == 200, (url, response.text)
        out.append(response.text)
    return out


def test_export_gives_the_whole_record(any_world: World) -> None:
    world = any_world
    world.client.get("/api/v1/members/cand-a", headers=world.headers("referent"))
    response = world.client.get("/api/v1/members/cand-a/export", headers=world.headers("referent"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert 'filename="passerelle-cand-a.json"' in response.headers["content-disposition"]
    record = response.json()
    assert record["person"]["email"] == "anne.aubert@example.org"
    assert record["consents"]["consent_introducer"] is True
    assert [(m["type"], m["other_id"]) for m in record["memberships"]] == [
        ("IN_GROUPEMENT", "grp-a"), ("MEMBER_OF", "asso-a")
    ]  # fmt: skip
    assert record["ties"] == [
        {"type": "KNOWS", "other_id": "help-a", "other_kind": "Person", "direction": "both",
         "strength": 0.9, "source": "unit", "context": None, "since": "2020-01-01",
         "confirmed_at": "2025-01-01"}
    ]  # fmt: skip
    assert "Bernard" not in response.text  # the other person of a tie is given by id only
    assert [e["operation"] for e in record["audit"]] == ["GET /api/v1/members/{person_id}"]

    csv = world.client.get(
        "/api/v1/members/cand-a/export?format=csv", headers=world.headers("admin")
    )
    assert csv.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(csv.content)) as archive:
        person = archive.read("personne.csv").decode("utf-8")
    assert (
        person.startswith("\ufeffchamp;valeur\n") and "courriel;anne.aubert@example.org" in person
    )
    exports = world.client.get(
        "/api/v1/audit?person_id=cand-a&action=export", headers=world.headers("admin")
    ).json()
    assert [e["role"] for e in exports["items"]] == ["admin", "referent"]


def test_an_erased_person_is_gone_from_every_answer_index_and_cache(any_world: World) -> None:
    world = any_world
    store: GraphStore = world.store
    before = _answers(world)
    paths = before[4]
    assert NAME in paths and ERASED in paths  # the path went through them
    assert any(ERASED in text for text in before[:4])  # the dashboard's data too
    assert any(ERASED in text for text in before[6:])
    old_version = store.version
    assert kept_of(store, path_index(store)).people  # explanations kept their facts

    response = world.client.post(
        f"/api/v1/members/{ERASED}/erase", headers=world.headers("referent")
    )
    assert response.status_code == 200, response.text
    done = response.json()
    assert done["id"] == ERASED and done["erased"] and done["relationships"] == 3

    # every memo of this store (path indexes, kept explanations, coverage, answers) holds
    # only versions after the erasure
    for m in list(memo._ALL):
        assert all(v > old_version for v in m.kept_versions(store)), m
    after = _answers(world)
    for url, text in zip([*"dddd", *ANSWERS], after, strict=True):
        assert ERASED not in text and NAME not in text, url
    index = path_index(store)
    assert ERASED not in index.view.index
    assert ERASED not in set(index._ranked_ids.tolist())
    kept = kept_of(store, index)
    assert all(facts[0] != ERASED and NAME not in facts[1] for facts in kept.people.values())
    assert (
        world.client.get(f"/api/v1/members/{ERASED}", headers=world.headers("admin")).status_code
        == 404
    )
    assert (
        world.client.get(
            f"/api/v1/members/{ERASED}/export", headers=world.headers("admin")
        ).status_code
        == 404
    )
    assert store.get(ERASED) is None and store.relationships(ERASED) == []

    # the audit log keeps a tombstone without personal data
    with AuditLog(world.data_dir / "audit.sqlite3") as log:
        tomb = [e for e in log.all(AuditFilter(person_id=ERASED)) if e.action == "erase"]
    assert len(tomb) == 1 and tomb[0].id == done["audit_entry"]
    assert tomb[0].role == "referent" and tomb[0].kind == "person"
    assert NAME not in json.dumps(tomb[0].to_dict())
    _assert_no_trace_in_store(store, NAME)


def _assert_no_trace_in_store(store: GraphStore, name: str) -> None:
    """The store keeps no copy of the erased person's records (change log, files)."""
    if isinstance(store, EmbeddedStore):
        store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for path in store.data_dir.iterdir():
            if path.is_file() and path.name.startswith("passerelle"):
                assert name.encode() not in path.read_bytes(), path
        assert not list((store.data_dir / "snapshots").glob("v*"))
    else:
        found = store.read(  # type: ignore[attr-defined]
            lambda tx: tx.run(
                "MATCH (c:PasserelleChange) WHERE c.payload CONTAINS $name RETURN count(c) AS n",
                name=name,
            ).single()["n"]
        )
        assert found == 0


def test_a_referent_erases_only_their_people(any_world: World) -> None:
    world = any_world
    response = world.client.post(
        "/api/v1/members/help-a/erase", headers=world.headers("other_referent")
    )
    assert response.status_code == 404
    assert world.store.get("help-a") is not None
    response = world.client.post("/api/v1/members/help-a/erase", headers=world.headers("national"))
    assert response.status_code == 403


def test_a_referent_records_the_departure_that_retention_counts_from(fresh_world: World) -> None:
    from datetime import date

    from graph.rights import due_for_erasure

    world = fresh_world
    response = world.client.patch(
        "/api/v1/members/cand-a", json={"left_on": "2020-09-30"}, headers=world.headers("referent")
    )
    assert response.status_code == 200 and response.json()["left_on"] == "2020-09-30"
    due = due_for_erasure(world.store, date(2023, 10, 1), 36)
    assert [(d.person_id, d.left_on) for d in due] == [("cand-a", date(2020, 9, 30))]
    assert due_for_erasure(world.store, date(2023, 9, 30), 36) == []
