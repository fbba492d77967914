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
