"""api.app: the API alone, and what it serves beside itself when told to (``mounts``)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

import api.app as app_module
from api.app import Shared, create_app
from api.settings import ApiSettings
from graph.access.tokens import TokenStore
from graph.embedded import EmbeddedStore


def test_the_api_alone_serves_no_dashboard(tmp_path: Path) -> None:
    settings = ApiSettings(data_dir=tmp_path, api_warm=False)
    with EmbeddedStore(tmp_path) as store, TestClient(create_app(settings, store)) as http:
        response = http.get("/dashboard/")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert http.get("/healthz").status_code == 200


def test_a_mount_shares_the_apps_store_and_tokens(tmp_path: Path) -> None:
    settings = ApiSettings(data_dir=tmp_path, api_warm=False)
    seen: list[Shared] = []

    def mount(app: FastAPI, shared: Shared) -> None:
        seen.append(shared)

        async def beside() -> dict[str, int]:
            return {"version": shared.store().version}

        app.add_api_route("/beside", beside, include_in_schema=False)

    tokens = TokenStore(settings.auth_db_path)
    try:
        with EmbeddedStore(tmp_path) as store:
            for settle in (False, True):
                app = create_app(settings, store, tokens, mounts=[mount], settle=settle)
                with TestClient(app) as http:
                    assert http.get("/beside").json() == {"version": store.version}
                    shared = seen[-1]
                    assert shared.settings is settings
                    assert shared.store() is store and shared.tokens() is tokens
                    assert "/beside" not in app.openapi()["paths"]
                assert shared.after_warm is (app_module.settle_heap if settle else None)
    finally:
        tokens.close()
