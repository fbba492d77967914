"""Helpers for tests that run ``passerelle serve`` as a real process on loopback."""

from __future__ import annotations

import socket
import subprocess
import time

import httpx


def free_port() -> int:
    """A port nobody listens on right now (the server binds it a moment later)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_serving(base: str, proc: subprocess.Popen, timeout_s: float = 60) -> None:
    """Return once ``base``/healthz answers 200; fail if the server exits or is too slow."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the server did not start"
        assert proc.poll() is None, "the server exited"
        time.sleep(0.1)
