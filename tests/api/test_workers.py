"""``passerelle serve --workers N``: one socket per worker on the same port (SO_REUSEPORT)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
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

pytestmark = pytest.mark.skipif(not workers.supported(), reason="needs SO_REUSEPORT")


def test_a_taken_port_is_named_not_shared() -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        with pytest.raises(InvalidInput) as info:
            workers.check_port("127.0.0.1", port)
        assert info.value.field == "--port" and str(port) in info.value.message
    # Two sockets with SO_REUSEPORT may share a port: that is what the workers do.
    port = free_port()
    a = workers.listening_socket("127.0.0.1", port, reuse_port=True)
    b = workers.listening_socket("127.0.0.1", port, reuse_port=True)
    a.close(), b.close()


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


def test_workers_share_the_connections_and_stop_together(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as store:
        build_world(store)
    port = free_port()
    exe = Path(sys.executable).with_name("passerelle")
    env = {**os.environ, "PASSERELLE_API_WARM": "false"}
    proc = subprocess.Popen(
        [str(exe), "--data-dir", str(tmp_path), "serve", "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_serving(base, proc)
        # both workers listen before any is used: wait until each has its socket
        deadline = time.monotonic() + 60
        while len(_listening(proc)) < 2:
            assert time.monotonic() < deadline, "a worker did not start"
            time.sleep(0.2)
        # 24 separate connections: the kernel spreads them over the two sockets
        for _ in range(24):
            with httpx.Client(base_url=base, timeout=5) as client:
                assert client.get("/healthz").status_code == 200
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
        _, err = proc.communicate(timeout=60)
    assert code == 0, err[-2000:]
    assert not any(_alive(p) for p in every)
    served = [
        json.loads(line)["pid"]
        for line in err.splitlines()
        if line.startswith("{") and '"passerelle.access"' in line and '"/healthz"' in line
    ]
    spread = served[-32:-8]  # the 24 connections (before them: the readiness probe)
    assert len(served) >= 32 and len(set(spread)) == 2, "one worker took every connection"


def test_workers_do_not_outlive_a_killed_supervisor(tmp_path: Path) -> None:
    """SIGKILL leaves the supervisor no time to stop its workers: the kernel does."""
    with EmbeddedStore(tmp_path) as store:
        build_world(store)
    port = free_port()
    exe = Path(sys.executable).with_name("passerelle")
    env = {**os.environ, "PASSERELLE_API_WARM": "false"}
    proc = subprocess.Popen(
        [str(exe), "--data-dir", str(tmp_path), "serve", "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
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
