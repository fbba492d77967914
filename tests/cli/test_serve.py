"""``passerelle serve``: the settings handed to uvicorn, and a live server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.api.live import free_port, wait_serving
from tests.cli.conftest import run


def test_serve_hands_settings_to_uvicorn(data_dir: Path, monkeypatch) -> None:
    import uvicorn

    from api import workers

    seen: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    monkeypatch.delenv("PASSERELLE_DATA_DIR", raising=False)
    monkeypatch.delenv("PASSERELLE_STORE", raising=False)
    code, _, err = run(data_dir, "serve", "--port", "8123")
    assert code == 0, err
    assert seen["app"] == "cli.wiring:server_app" and seen["factory"] is True
    assert (seen["host"], seen["port"], seen["workers"]) == ("127.0.0.1", 8123, 1)
    assert seen["access_log"] is False
    assert os.environ["PASSERELLE_DATA_DIR"] == str(data_dir)
    # several workers: one socket each (api.workers), same uvicorn options
    spawned: dict = {}
    monkeypatch.setattr(workers, "run", lambda spec, n: spawned.update(spec=spec, n=n) or 0)
    code, _, err = run(data_dir, "serve", "--port", "8124", "--workers", "2")
    assert code == 0, err
    spec = spawned["spec"]
    assert (spec.host, spec.port, spawned["n"]) == ("127.0.0.1", 8124, 2)
    assert spec.uvicorn["app"] == "cli.wiring:server_app" and spec.uvicorn["factory"] is True
    assert spec.uvicorn["access_log"] is False
    code, _, err = run(data_dir, "serve", "--workers", "0")
    assert code == 1 and "--workers" in err


def test_live_server(data_dir: Path) -> None:
    """``passerelle serve`` answers on loopback, with JSON access logs on stderr."""
    _, out, _ = run(data_dir, "token", "create", "--role", "portal", "--json")
    secret = json.loads(out)["token"]
    port = free_port()
    exe = Path(sys.executable).with_name("passerelle")
    env = {**os.environ, "PASSERELLE_API_WARM": "false"}
    proc = subprocess.Popen(
        [str(exe), "--data-dir", str(data_dir), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_serving(base, proc, timeout_s=30)
        assert httpx.get(f"{base}/readyz", timeout=5).status_code == 200
        h = {"Authorization": f"Bearer {secret}"}
        offers = httpx.get(f"{base}/api/v1/offers", headers=h, timeout=5)
        assert offers.status_code == 200 and offers.json()["total"] == 1
        denied = httpx.get(f"{base}/api/v1/members/cand-a", headers=h, timeout=5)
        assert denied.status_code == 403
        assert denied.headers["content-type"] == "application/problem+json"
        # the composition root serves the dashboard beside the API
        login = httpx.get(f"{base}/dashboard/connexion", timeout=30)
        assert login.status_code == 200 and "Passerelle" in login.text
    finally:
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate(timeout=5)
    access = [
        json.loads(line) for line in err.splitlines()
        if line.startswith("{") and '"passerelle.access"' in line
    ]  # fmt: skip
    routes = {(a["route"], a["status"]) for a in access}
    assert ("/api/v1/members/{person_id}", 403) in routes and ("/api/v1/offers", 200) in routes
    assert "cand-a" not in err
