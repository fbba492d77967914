"""Error shapes: problem details naming the field, and no leak of traces or existence."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from graph.access.roles import Role
from graph.access.tokens import TokenStore
from graph.errors import StoreUnavailable
from tests.api.conftest import PATH_BODY, World, make_world

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "errors"}


def assert_problem(response, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert set(body) == PROBLEM_KEYS
    assert body["status"] == status
    assert body["type"].startswith("urn:passerelle:problem:")
    assert body["instance"] == f"urn:passerelle:request:{response.headers['x-request-id']}"
    assert "Traceback" not in response.text and 'File "' not in response.text
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body


# --------------------------------------------------------------------------- 401 / 403


def test_401_without_token(world: World) -> None:
    response = world.client.get("/api/v1/offers")
    body = assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert body["errors"] == []


@pytest.mark.parametrize(
    "header",
    ["Bearer psl_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "psl_raw", "Bearer x" * 50],
)
def test_401_with_a_bad_token(world: World, header: str) -> None:
    assert_problem(world.client.get("/api/v1/offers", headers={"Authorization": header}), 401)


def test_401_with_a_revoked_token_looks_like_an_unknown_one(fresh_world: World) -> None:
    w = fresh_world
    assert w.client.get("/api/v1/offers", headers=w.headers("portal")).status_code == 200
    w.tokens.revoke(w.token_ids["portal"])
    revoked = assert_problem(w.client.get("/api/v1/offers", headers=w.headers("portal")), 401)
    unknown = assert_problem(
        w.client.get("/api/v1/offers", headers={"Authorization": "Bearer psl_unknown"}), 401
    )
    revoked.pop("instance"), unknown.pop("instance")
    assert revoked == unknown


def test_403_names_no_resource(world: World) -> None:
    body = assert_problem(
        world.client.get("/api/v1/members/cand-a", headers=world.headers("portal")), 403
    )
    assert "cand-a" not in str(body)


# --------------------------------------------------------------------------- 400 / 404 / 409 / 422


def test_400_for_a_body_that_is_not_json(world: World) -> None:
    response = world.client.post(
        "/api/v1/paths",
        headers={**world.headers("admin"), "Content-Type": "application/json"},
        content=b'{"candidate_id": ',
    )
    assert_problem(response, 400, "body")


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"k": 0}, "k"),
        ({"max_intermediaries": 9}, "max_intermediaries"),
        ({"candidate_id": "bad id!"}, "candidate_id"),
        ({"target": {"kind": "planet", "id": "emp-1"}}, "target.kind"),
        ({"target": {"kind": "employer"}}, "target.id"),
        ({"target": {"kind": "set", "sector": "defense"}}, "target.bassin"),
        ({"target": {"kind": "employer", "id": "emp-1", "sector": "defense"}}, "target.sector"),
        ({"target": {"kind": "employer", "id": "cand-a"}}, "target.id"),
        ({"costs": {"linkedin": -1}}, "costs.linkedin"),
        ({"costs": {"unit": 0}}, "costs.unit"),
        ({"as_of": "2025-13-45"}, "as_of"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_422_names_the_field(world: World, patch: dict, field: str) -> None:
    response = world.client.post(
        "/api/v1/paths", headers=world.headers("admin"), json={**PATH_BODY, **patch}
    )
    assert_problem(response, 422, field)


def test_404_names_the_field(world: World) -> None:
    response = world.client.post(
        "/api/v1/paths",
        headers=world.headers("admin"),
        json={"candidate_id": "cand-a", "target": {"kind": "offer", "id": "off-nope"}},
    )
    body = assert_problem(response, 404, "target.id")
    assert "off-nope" in body["detail"]
    assert_problem(
        world.client.get("/api/v1/employers/emp-nope", headers=world.headers("portal")),
        404,
        "employer_id",
    )


def test_409_when_the_id_exists(world: World) -> None:
    response = world.client.post(
        "/api/v1/members",
        headers=world.headers("admin"),
        json={"id": "cand-b", "first_name": "X", "last_name": "Y"},
    )
    assert_problem(response, 409, "id")


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/members", {"first_name": "A", "last_name": "B", "email": "no-at-sign"},
         "email"),
        ("/api/v1/members", {"first_name": "A", "last_name": "B", "groupements": ["grp-zz"]},
         "groupements[0]"),
        ("/api/v1/members", {"first_name": "A"}, "last_name"),
        ("/api/v1/members", {"first_name": "A", "last_name": "B", "capacity": 1000},
         "capacity"),
        ("/api/v1/offers", {"title": "T", "employer_id": "nope"}, "employer_id"),
        ("/api/v1/employers", {"name": "N", "sector_ids": ["sec-defense", "x"]},
         "sector_ids[1]"),
        ("/api/v1/groupements", {"name": "N", "association_id": "grp-a"}, "association_id"),
    ],
)  # fmt: skip
def test_422_on_create(world: World, url: str, body: dict, field: str) -> None:
    assert_problem(world.client.post(url, headers=world.headers("admin"), json=body), 422, field)


def test_422_on_patch_names_the_field(world: World) -> None:
    for body, field in (({"status": "general"}, "status"), ({"id": "x"}, "id"),
                        ({"first_name": None}, "first_name")):  # fmt: skip
        response = world.client.patch(
            "/api/v1/members/help-a", headers=world.headers("referent"), json=body
        )
        assert_problem(response, 422, field)


def test_422_for_query_parameters(world: World) -> None:
    for query, field in (("limit=0", "limit"), ("limit=501", "limit"), ("offset=-1", "offset"),
                         ("status=general", "status")):  # fmt: skip
        response = world.client.get(f"/api/v1/offers?{query}", headers=world.headers("admin"))
        assert_problem(response, 422, field)


def test_referent_may_not_choose_ids_or_other_groupements(world: World) -> None:
    h = world.headers("referent")
    assert_problem(
        world.client.post("/api/v1/members", headers=h,
                          json={"id": "cand-b", "first_name": "A", "last_name": "B"}),
        403, "id",
    )  # fmt: skip
    assert_problem(
        world.client.post("/api/v1/members", headers=h,
                          json={"first_name": "A", "last_name": "B", "groupements": ["grp-b"]}),
        403, "groupements[0]",
    )  # fmt: skip


# --------------------------------------------------------------------------- 413 / 429


def test_413_for_an_oversized_body(world: World) -> None:
    big = {**PATH_BODY, "padding": "x" * 70_000}
    body = assert_problem(
        world.client.post("/api/v1/paths", headers=world.headers("admin"), json=big), 413
    )
    assert "65536" in body["detail"]


def test_413_for_an_oversized_chunked_body(world: World) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"candidate_id": "cand-a", "padding": "'
        for _ in range(20):
            yield b"x" * 8192
        yield b'"}'

    response = world.client.post(
        "/api/v1/paths",
        headers={**world.headers("admin"), "Content-Type": "application/json"},
        content=chunks(),
    )
    assert_problem(response, 413)


def test_429_with_retry_after_for_a_busy_portal(tmp_path: Path) -> None:
    for w in make_world(tmp_path, api_portal_rate=0.5, api_portal_burst=3):
        statuses = [
            w.client.get("/api/v1/offers", headers=w.headers("portal")).status_code
            for _ in range(4)
        ]
        assert statuses == [200, 200, 200, 429]
        response = w.client.get("/api/v1/offers", headers=w.headers("portal"))
        assert_problem(response, 429)
        assert 1 <= int(response.headers["retry-after"]) <= 2
        # other roles are not limited, and the limit is per token
        for _ in range(5):
            assert w.client.get("/api/v1/offers", headers=w.headers("admin")).status_code == 200
        other = w.tokens.create(Role.PORTAL, name="second portal")
        ok = w.client.get("/api/v1/offers", headers={"Authorization": f"Bearer {other.secret}"})
        assert ok.status_code == 200


# --------------------------------------------------------------------------- 503 / 500


class FailingStore:
    """A store whose backend is down: every call raises StoreUnavailable."""

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise StoreUnavailable("database is locked at /secret/path")

        return fail

    @property
    def version(self) -> int:
        raise StoreUnavailable("database is locked at /secret/path")


class BrokenStore(FailingStore):
    """A store with a bug: raises an unexpected error quoting personal data."""

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("KeyError for Aubert anne.aubert@example.org")

        return fail


def _client(tmp_path: Path, store: Any) -> tuple[TestClient, str, TokenStore]:
    settings = ApiSettings(data_dir=tmp_path, api_warm=True)
    tokens = TokenStore(settings.auth_db_path)
    secret = tokens.create(Role.ADMIN).secret
    app = create_app(settings, store=store, tokens=tokens)
    return TestClient(app, raise_server_exceptions=False), secret, tokens


def test_503_when_the_store_is_unavailable(tmp_path: Path) -> None:
    client, secret, tokens = _client(tmp_path, FailingStore())
    h = {"Authorization": f"Bearer {secret}"}
    with client:
        for method, url, body in (
            ("GET", "/readyz", None),
            ("GET", "/api/v1/members/cand-a", None),
            ("GET", "/api/v1/offers", None),
            ("POST", "/api/v1/paths", PATH_BODY),
        ):
            response = client.request(method, url, headers=h, json=body)
            problem = assert_problem(response, 503)
            assert "/secret/path" not in response.text
            assert response.headers["retry-after"] == "5"
            assert problem["type"].endswith("store-unavailable")
        assert client.get("/healthz").status_code == 200
    tokens.close()


def test_503_when_the_store_cannot_be_opened(tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("")
    settings = ApiSettings(data_dir=blocker, api_auth_db=tmp_path / "auth.sqlite3")
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert_problem(client.get("/readyz"), 503)


def test_500_without_trace_and_without_personal_data(tmp_path: Path, caplog) -> None:
    client, secret, tokens = _client(tmp_path, BrokenStore())
    caplog.set_level(logging.INFO, logger="passerelle")
    with client:
        response = client.get("/api/v1/offers", headers={"Authorization": f"Bearer {secret}"})
    body = assert_problem(response, 500)
    assert "Aubert" not in response.text and "RuntimeError" not in response.text
    assert body["type"].endswith("internal-error")
    errors = [r for r in caplog.records if r.name == "passerelle.api" and r.levelname == "ERROR"]
    assert errors and errors[0].request_id == response.headers["x-request-id"]
    assert errors[0].error_type == "RuntimeError"
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "Aubert" not in logged and "example.org" not in logged
    tokens.close()


def test_unknown_route_and_method_are_problems(world: World) -> None:
    assert_problem(world.client.get("/api/v1/nothing", headers=world.headers("admin")), 404)
    assert_problem(world.client.put("/api/v1/offers", headers=world.headers("admin")), 405)


def test_request_id_is_returned_and_a_safe_one_is_kept(world: World) -> None:
    response = world.client.get("/healthz", headers={"X-Request-ID": "portal-req-000123"})
    assert response.headers["x-request-id"] == "portal-req-000123"
    response = world.client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert response.headers["x-request-id"] != "bad id with spaces"
    assert len(response.headers["x-request-id"]) == 16
