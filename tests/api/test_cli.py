"""``passerelle token create|list|revoke`` and ``passerelle serve`` (a live server)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from graph.access.tokens import TokenStore, digest
from graph.cli import main
from graph.embedded import EmbeddedStore
from graph.settings import get_settings
from tests.api.conftest import build_world
from tests.api.live import free_port, wait_serving


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    with EmbeddedStore(tmp_path) as store:
        build_world(store)
    return tmp_path


def run(data_dir: Path, *args: str) -> tuple[int, str, str]:
    get_settings.cache_clear()
    result = CliRunner().invoke(main, ["--data-dir", str(data_dir), *args])
    return result.exit_code, result.stdout, result.stderr


def test_token_lifecycle(data_dir: Path) -> None:
    code, out, _ = run(data_dir, "token", "create", "--role", "referent", "--groupement",
                       "grp-a", "--name", "Référent A", "--json")  # fmt: skip
    assert code == 0
    created = json.loads(out)
    secret, token_id = created["token"], created["id"]
    assert secret.startswith("psl_") and len(secret) > 40
    assert created["groupements"] == ["grp-a"] and created["role"] == "referent"
    # the secret is stored only as its digest
    raw = sqlite3.connect(data_dir / "auth.sqlite3").execute("SELECT * FROM tokens").fetchall()
    assert secret not in str(raw) and digest(secret) in str(raw)

    code, out, _ = run(data_dir, "token", "list")
    assert code == 0 and token_id in out and secret not in out and "active" in out

    tokens = TokenStore(data_dir / "auth.sqlite3")
    assert tokens.authenticate(secret).id == token_id
    code, out, _ = run(data_dir, "token", "revoke", token_id)
    assert code == 0 and "Revoked" in out
    assert tokens.authenticate(secret) is None
    tokens.close()
    code, out, _ = run(data_dir, "token", "list", "--active", "--json")
    assert json.loads(out) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "referent"], "groupement: a referent token needs at least one"),
        (["--role", "referent", "--groupement", "grp-zz"], "no groupement with id 'grp-zz'"),
        (["--role", "referent", "--groupement", "emp-1"], "no groupement with id 'emp-1'"),
        (["--role", "admin", "--groupement", "grp-a"], "only a referent token is scoped"),
    ],
)
def test_token_create_refuses_bad_grants(data_dir: Path, args: list[str], message: str) -> None:
    code, _, err = run(data_dir, "token", "create", *args)
    assert code == 1 and message in err and "Traceback" not in err


def test_token_revoke_unknown(data_dir: Path) -> None:
    code, _, err = run(data_dir, "token", "revoke", "tok-nope")
    assert code == 1 and "no token with id 'tok-nope'" in err


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


@pytest.mark.parametrize(
    "module",
    ["cli_seed", "cli_path", "cli_token", "cli_serve", "cli_coverage", "cli_migrate"],
)
def test_each_command_module_imports_on_its_own(module: str) -> None:
    """A command's module needs no prior import of the registry (no import cycle)."""
    code = f"import graph.{module}"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
