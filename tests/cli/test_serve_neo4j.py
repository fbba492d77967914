"""``passerelle serve`` with ``PASSERELLE_STORE=neo4j``: the API and the dashboard end to end.

Two live servers, each a real ``passerelle serve`` process on loopback, over the same demo
seed: one on the embedded store, one on the Neo4j test server (with referral paths
evaluated in the database, ``PASSERELLE_NEO4J_PATHS_IN_DATABASE``). The members list, path
queries and the national coverage must read the same from both; the dashboard's national
page must render over Neo4j. Then the Neo4j server goes away (a relay in front of it is
cut): the API answers 503 problems, never a 500 or a traceback, and recovers by itself
once the server is back.

Only the command line and HTTP are used, so the test holds whatever the modules behind
them are called.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from graph.embedded import EmbeddedStore
from graph.model import Label, RelType
from tests.api.live import free_port, wait_serving
from tests.neo4j_server import needs_server

PEOPLE = "400"
SEED = "7"
AS_OF = "2026-11-01"  # the demo seed's date
EXE = Path(sys.executable).with_name("passerelle")

pytestmark = needs_server


def passerelle(data_dir: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(EXE), "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@contextmanager
def serving(data_dir: Path, env: dict[str, str]) -> Iterator[tuple[httpx.Client, list[str]]]:
    """A live ``passerelle serve`` with an admin token; yields a client and, once the
    server has stopped, its stderr lines."""
    secret = json.loads(passerelle(data_dir, env, "token", "create", "--role", "admin", "--json"))
    port = free_port()
    proc = subprocess.Popen(
        [str(EXE), "--data-dir", str(data_dir), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    err: list[str] = []
    base = f"http://127.0.0.1:{port}"
    try:
        wait_serving(base, proc, timeout_s=120)
        headers = {"Authorization": f"Bearer {secret['token']}"}
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            yield client, err
    finally:
        proc.terminate()
        try:
            _, out = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, out = proc.communicate(timeout=10)
        err.extend(out.splitlines())


def without_versions(data: Any) -> Any:
    """A JSON document without its store versions (two stores count them differently) and
    the times its figures were computed."""
    if isinstance(data, dict):
        skip = ("version", "computed_at")
        return {k: without_versions(v) for k, v in data.items() if k not in skip}
    if isinstance(data, list):
        return [without_versions(v) for v in data]
    return data


def path_queries(data_dir: Path, n: int = 8) -> list[dict[str, Any]]:
    """Candidates to employers (the benchmark's kind of query), drawn with a fixed seed."""
    rng = random.Random(3)
    with EmbeddedStore(data_dir) as store:
        view = store.view()
        status = view.column(Label.PERSON, "status")
        candidates = [
            view.ids[i] for i in view.nodes_with_label(Label.PERSON) if status[i] in (0, 2)
        ]
        employers = sorted({view.ids[d] for d in view.rel(RelType.WORKS_AT).dst.tolist()})
    return [
        {
            "candidate_id": rng.choice(candidates),
            "target": {"kind": "employer", "id": rng.choice(employers)},
            "k": 3,
            "as_of": AS_OF,
        }
        for _ in range(n)
    ]


def dashboard_page(client: httpx.Client, secret_header: str, pathname: str) -> httpx.Response:
    """Log into the dashboard with the bearer secret, then render a page as the browser's
    renderer asks for it (the ``page.children`` callback)."""
    token = secret_header.removeprefix("Bearer ")
    login = client.post(
        "/dashboard/auth/login",
        data={"jeton": token, "suivant": "/dashboard/"},
        # a browser says where its form comes from: the login needs it (issue 17)
        headers={"Authorization": "", "Origin": str(client.base_url).rstrip("/")},
    )
    assert login.status_code == 303, login.text
    assert "erreur" not in login.headers["location"], login.headers["location"]
    assert client.get("/dashboard/").status_code == 200
    body = {
        "output": "page.children",
        "outputs": {"id": "page", "property": "children"},
        "inputs": [
            {"id": "url", "property": "pathname", "value": pathname},
            {"id": "url", "property": "search", "value": ""},
        ],
        "state": [],
        "changedPropIds": ["url.pathname"],
    }
    csrf = next((c.value for c in client.cookies.jar if "csrf" in c.name.lower()), None)
    headers = {"X-CSRFToken": csrf} if csrf else {}
    return client.post("/dashboard/_dash-update-component", json=body, headers=headers)


def test_api_and_dashboard_over_neo4j(tmp_path: Path) -> None:
    from tests.neo4j_server import NEO4J_URI, Outage, wipe

    wipe()
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "PASSERELLE_"))}
    embedded_dir, neo4j_dir = tmp_path / "embedded", tmp_path / "neo4j"
    seed = ("seed", "--people", PEOPLE, "--seed", SEED, "--json")
    passerelle(embedded_dir, {**base_env, "PASSERELLE_STORE": "embedded"}, *seed)
    queries = path_queries(embedded_dir)
    with Outage(NEO4J_URI or "") as outage:
        neo4j_env = {
            **base_env,
            "PASSERELLE_STORE": "neo4j",
            "NEO4J_URI": outage.uri,
            "PASSERELLE_NEO4J_CONNECT_TIMEOUT": "2",
            "PASSERELLE_NEO4J_PATHS_IN_DATABASE": "true",
        }
        passerelle(neo4j_dir, neo4j_env, *seed)
        answers: dict[str, list[Any]] = {}
        for name, data_dir, env in (
            ("embedded", embedded_dir, {**base_env, "PASSERELLE_STORE": "embedded"}),
            ("neo4j", neo4j_dir, neo4j_env),
        ):
            with serving(data_dir, env) as (client, err):
                got = answers[name] = []
                assert client.get("/readyz").status_code == 200
                members = client.get("/api/v1/members", params={"limit": 50, "offset": 10})
                assert members.status_code == 200, members.text
                got.append(members.json())
                for query in queries:
                    found = client.post("/api/v1/paths", json=query)
                    assert found.status_code == 200, found.text
                    got.append(found.json())
                coverage = client.get("/api/v1/coverage", params={"as_of": AS_OF})
                assert coverage.status_code == 200, coverage.text
                got.append(coverage.json())
                page = dashboard_page(client, client.headers["Authorization"], "/dashboard/")
                assert page.status_code == 200, page.text[:500]
                assert "page-national" in page.text
                if name == "neo4j":
                    outage.down()  # the server goes away
                    for method, url, body in (
                        ("GET", "/readyz", None),
                        ("GET", "/api/v1/members", None),
                        ("POST", "/api/v1/paths", queries[0]),
                        ("GET", "/api/v1/coverage", None),  # another day: not cached
                    ):
                        r = client.request(method, url, json=body)
                        assert r.status_code == 503, (url, r.status_code, r.text[:300])
                        assert r.headers["content-type"] == "application/problem+json"
                    outage.up()  # and comes back: no restart needed
                    assert client.get("/readyz").status_code == 200
                    again = client.get("/api/v1/members", params={"limit": 50, "offset": 10})
                    assert again.json() == members.json()
            assert not [line for line in err if "Traceback" in line], "\n".join(err[-40:])
    embedded, neo4j = answers["embedded"], answers["neo4j"]
    assert embedded[0]["total"] == neo4j[0]["total"] > 50
    assert without_versions(neo4j) == without_versions(embedded)
    assert any(answer.get("paths") for answer in embedded[1:-1])  # some queries find paths
