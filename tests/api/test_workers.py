"""``passerelle serve --workers N``: workers share the port, each connection to the least busy."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil
import pytest

from api import workers
from graph.embedded import EmbeddedStore
from graph.errors import InvalidInput
from tests.api.conftest import build_world
from tests.api.live import free_port, wait_serving

pytestmark = pytest.mark.skipif(not workers.supported(), reason="needs POSIX sockets")


def test_a_taken_port_is_named_not_shared() -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        with pytest.raises(InvalidInput) as info:
            workers.bind("127.0.0.1", port)
        assert info.value.field == "--port" and str(port) in info.value.message
    workers.bind("127.0.0.1", free_port()).close()


def test_the_least_busy_worker_takes_the_connection() -> None:
    board = workers.Board.create(multiprocessing.get_context("spawn"), 3)
    assert not board.should_defer(0)  # nobody else accepts yet
    board.publish(0, 5)
    board.publish(1, 3)
    assert board.should_defer(0) and not board.should_defer(1)
    board.publish(2, 3)
    board.accepted(2)  # now 4 connections, 1 accepted
    assert not board.should_defer(1) and board.should_defer(2)
    board.publish(2, 3)  # as many connections as worker 1, but more accepted so far
    assert board.should_defer(2) and not board.should_defer(1)
    board.leave(1)  # a worker that stops accepting is not waited for
    assert not board.should_defer(2) and board.should_defer(0)


def _children(proc: subprocess.Popen) -> list[psutil.Process]:
    """The live worker processes (not the spawn context's resource tracker, not a dead
    worker the supervisor has not reaped yet)."""
    out = []
    for kid in psutil.Process(proc.pid).children():
        try:
            if "resource_tracker" not in " ".join(kid.cmdline()):
                out.append(kid)
        except psutil.Error:  # a zombie, or gone
            pass
    return out


def _listening(proc: subprocess.Popen) -> set[int]:
    out = set()
    for kid in _children(proc):
        try:
            if any(c.status == psutil.CONN_LISTEN for c in kid.net_connections("tcp")):
                out.add(kid.pid)
        except psutil.Error:
            pass
    return out


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _serve_two_workers(tmp_path: Path, stderr: int) -> tuple[subprocess.Popen, int]:
    """``passerelle serve --workers 2`` on a free port over the test world."""
    with EmbeddedStore(tmp_path) as store:
        build_world(store)
    port = free_port()
    exe = Path(sys.executable).with_name("passerelle")
    env = {**os.environ, "PASSERELLE_API_WARM": "false"}
    proc = subprocess.Popen(
        [str(exe), "--data-dir", str(tmp_path), "serve", "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        env=env,
        text=True,
    )
    return proc, port


def test_workers_share_the_connections_and_stop_together(tmp_path: Path) -> None:
    proc, port = _serve_two_workers(tmp_path, subprocess.PIPE)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)  # type: ignore[arg-type]
    reader.start()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_serving(base, proc)
        # both workers accept before any is used: wait until each has started its app
        deadline = time.monotonic() + 60
        while len({_pid(line) for line in list(lines) if "startup complete" in line}) < 2:
            assert time.monotonic() < deadline, "a worker did not start"
            time.sleep(0.2)
        first = len(lines)
        # 24 connections, one after the other: they alternate between the workers
        for _ in range(24):
            with httpx.Client(base_url=base, timeout=5) as client:
                assert client.get("/healthz").status_code == 200
        spread = _served_soon(lines, first, 24)
        assert min(spread.count(p) for p in set(spread)) >= 6 and len(set(spread)) == 2, spread
        # many at once, kept open: half each
        clients = [httpx.Client(base_url=base, timeout=5) for _ in range(16)]
        first = len(lines)
        for client in clients:
            assert client.get("/healthz").status_code == 200
        held = _served_soon(lines, first, 16)
        assert sorted(held.count(p) for p in set(held)) == [8, 8], held
        for client in clients:
            client.close()
        pids = {k.pid for k in _children(proc)}
        assert len(pids) == 2
        # a worker that dies is replaced, and the port keeps answering
        victim = next(iter(pids))
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while True:
            now = _listening(proc)
            if len(now) == 2 and victim not in now:
                break
            assert time.monotonic() < deadline, "the dead worker was not replaced"
            time.sleep(0.2)
        for _ in range(8):
            with httpx.Client(base_url=base, timeout=5) as client:
                assert client.get("/healthz").status_code == 200
        every = {k.pid for k in _children(proc)}
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=40)
    finally:
        if proc.poll() is None:
            proc.kill()  # the workers follow it (they die with their parent)
        proc.wait(timeout=60)
        reader.join(timeout=10)
    assert code == 0, "".join(lines)[-2000:]
    assert not any(_alive(p) for p in every)


def _pid(line: str) -> int | None:
    try:
        return json.loads(line).get("pid")
    except ValueError:
        return None


def _served(lines: list[str]) -> list[int]:
    """The worker pid of each /healthz request in these log lines."""
    return [
        json.loads(line)["pid"]
        for line in lines
        if line.startswith("{") and '"passerelle.access"' in line and '"/healthz"' in line
    ]


def _served_soon(lines: list[str], first: int, count: int) -> list[int]:
    """The pids that served the ``count`` requests logged from line ``first`` on, once
    they are all in the access log (10 s at most)."""
    deadline = time.monotonic() + 10
    while len(_served(lines[first:])) < count:
        assert time.monotonic() < deadline, "the access log misses requests"
        time.sleep(0.1)
    return _served(lines[first:])


def test_workers_do_not_outlive_a_killed_supervisor(tmp_path: Path) -> None:
    """SIGKILL leaves the supervisor no time to stop its workers: the kernel does."""
    proc, port = _serve_two_workers(tmp_path, subprocess.DEVNULL)
    try:
        wait_serving(f"http://127.0.0.1:{port}", proc)
        deadline = time.monotonic() + 60
        while len(_listening(proc)) < 2:
            assert time.monotonic() < deadline, "a worker did not start"
            time.sleep(0.2)
        kids = {k.pid for k in _children(proc)}
    finally:
        proc.kill()
        proc.wait(timeout=30)
    deadline = time.monotonic() + 30
    while any(_alive(p) for p in kids):
        assert time.monotonic() < deadline, "a worker outlived its supervisor"
        time.sleep(0.2)
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)


# --------------------------------------------------------------------------- writes


def _admin_secret(data_dir: Path) -> str:
    from api.settings import ApiSettings
    from graph.access.roles import Role
    from graph.access.tokens import TokenStore

    tokens = TokenStore(ApiSettings(data_dir=data_dir).auth_db_path)
    try:
        return tokens.create(Role.ADMIN, [], name="admin").secret
    finally:
        tokens.close()


def _pids_by_request(lines: list[str]) -> dict[str, int]:
    out = {}
    for line in lines:
        if line.startswith("{") and '"passerelle.access"' in line:
            record = json.loads(line)
            out[record["request_id"]] = record["pid"]
    return out


@pytest.mark.timeout(240)
def test_workers_write_in_turn_and_see_each_others_writes(tmp_path: Path) -> None:
    """Two workers on one store, 20 rounds of two clients creating a member at the same
    moment: with the same id one 201 and one 409, with different ids two 201, never 503.
    Then a PATCH through one connection shows in the GETs that follow, whichever worker
    serves them."""
    secret = _admin_secret(tmp_path)
    proc, port = _serve_two_workers(tmp_path, subprocess.PIPE)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)  # type: ignore[arg-type]
    reader.start()
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {secret}"}
    try:
        wait_serving(base, proc)
        deadline = time.monotonic() + 60
        while len({_pid(line) for line in list(lines) if "startup complete" in line}) < 2:
            assert time.monotonic() < deadline, "a worker did not start"
            time.sleep(0.2)

        def race(bodies: list[dict], tag: str) -> list[int]:
            start = threading.Barrier(len(bodies))
            statuses = [0] * len(bodies)

            def post(i: int) -> None:
                with httpx.Client(base_url=base, timeout=30) as client:
                    client.get("/healthz")  # connected (to a worker) before the race
                    start.wait(timeout=30)
                    headers = {**auth, "X-Request-ID": f"{tag}-client-{i}"}
                    statuses[i] = client.post(
                        "/api/v1/members", json=bodies[i], headers=headers
                    ).status_code

            threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
            return statuses

        member = {"first_name": "Anne", "last_name": "Martin", "groupements": ["grp-a"]}
        same, different = [], []
        for r in range(20):
            body = {**member, "id": f"p-same-{r:02d}"}
            same.append(sorted(race([body, body], f"same-{r:02d}")))
            bodies = [{**member, "id": f"p-{who}-{r:02d}"} for who in ("a", "b")]
            different.append(race(bodies, f"diff-{r:02d}"))
        assert same == [[201, 409]] * 20, same
        assert different == [[201, 201]] * 20, different
        # the races were between the two workers, not inside one
        time.sleep(1)
        pids = _pids_by_request(list(lines))
        split = sum(
            pids.get(f"{kind}-{r:02d}-client-0") != pids.get(f"{kind}-{r:02d}-client-1")
            for kind in ("same", "diff")
            for r in range(20)
        )
        assert split >= 10, f"only {split} of 40 races involved both workers"

        with httpx.Client(base_url=base, timeout=30, headers=auth) as client:
            patched = client.patch("/api/v1/members/p-same-00", json={"capacity": 4})
            assert patched.status_code == 200 and patched.json()["capacity"] == 4
        first = len(lines)
        for i in range(8):  # new connections: they go to both workers
            with httpx.Client(base_url=base, timeout=30, headers=auth) as client:
                got = client.get(
                    "/api/v1/members/p-same-00", headers={"X-Request-ID": f"read-after-{i}"}
                )
                assert got.status_code == 200 and got.json()["capacity"] == 4, got.text
                listed = client.get("/api/v1/members?groupement_id=grp-a&limit=500").json()
                ids = {m["id"] for m in listed["items"]}
                assert {f"p-{w}-{r:02d}" for w in "ab" for r in range(20)} <= ids
        time.sleep(1)
        pids = _pids_by_request(list(lines)[first:])
        assert len({pids.get(f"read-after-{i}") for i in range(8)}) == 2
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=40)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=60)
        reader.join(timeout=10)
    errors = [line for line in lines if '"status": 503' in line or '"status": 500' in line]
    assert errors == []
