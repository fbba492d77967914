"""A seeded store served by ``passerelle serve`` in a subprocess, for the HTTP benchmarks
(``bench/api_load.py``, ``bench/write_mix.py``).

Everything goes through the command line, as a user would: ``passerelle seed``,
``passerelle token create`` and ``passerelle serve`` on 127.0.0.1 and a free port.

Decisions:
    * The portal token's rate limit is raised for the run: the benchmarks measure the
      server's capacity, not the limiter's.
    * :func:`running` waits, once the server answers ``/readyz``, until its start-up work in
      the background (the dashboard's warm-up, in each worker) is done, so that work is not
      counted as request latency.
    * :func:`worker_processes` are the serve process's children other than
      multiprocessing's helpers (the resource tracker); with one worker, the serve process
      itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

HOST = "127.0.0.1"
ROLES = ("admin", "portal", "national", "referent")
_HELPERS = ("resource_tracker", "semaphore_tracker", "forkserver")


def passerelle(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run ``passerelle --data-dir DATA_DIR ARGS`` and return what it printed."""
    exe = Path(sys.executable).with_name("passerelle")
    out = subprocess.run(
        [str(exe), "--data-dir", str(data_dir), *args],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
    )
    return out.stdout


def seed_store(data_dir: Path, people: int, seed: int) -> dict:
    """Seed ``people`` people unless the store already holds some; the seed's JSON answer
    (``seeded`` is false when the store was reused)."""
    return json.loads(
        passerelle(
            data_dir, "seed", "--people", str(people), "--seed", str(seed), "--if-empty", "--json"
        )
    )


def create_tokens(data_dir: Path, referent_groupements: Sequence[str], name: str) -> dict[str, str]:
    """One token per role in :data:`ROLES` (the référent's scoped to the given groupements),
    by role."""
    scoped = [a for g in referent_groupements for a in ("--groupement", g)]
    return {
        role: json.loads(
            passerelle(data_dir, "token", "create", "--role", role, "--name", f"{name} {role}",
                       *(scoped if role == "referent" else ()), "--json")
        )["token"]
        for role in ROLES
    }  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_ready(base: str, proc: subprocess.Popen, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with code {proc.returncode}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server was not ready within {timeout_s} s")


def wait_idle(proc: psutil.Process, timeout_s: float) -> float:
    """Wait until the server's start-up work in the background (the dashboard's warm-up
    of the home page's coverage, in each worker) is done: two consecutive seconds under
    0.1 CPU-second. Returns the time waited."""
    started = time.monotonic()
    quiet = 0
    last = cpu_seconds(proc)
    while quiet < 2 and time.monotonic() - started < timeout_s:
        time.sleep(1.0)
        now = cpu_seconds(proc)
        quiet = quiet + 1 if now - last < 0.1 else 0
        last = now
    return time.monotonic() - started


def cpu_seconds(proc: psutil.Process) -> float:
    """CPU time (user + system) of ``proc`` and all its descendants."""
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def worker_processes(proc: psutil.Process) -> list[psutil.Process]:
    """The processes that answer requests: the serve process's children other than
    multiprocessing's helpers, or the serve process itself when it has none."""
    workers = []
    for child in proc.children():
        try:
            if not any(h in " ".join(child.cmdline()) for h in _HELPERS):
                workers.append(child)
        except psutil.NoSuchProcess:
            pass
    return workers or [proc]


@dataclass
class Server:
    """A running ``passerelle serve``."""

    proc: subprocess.Popen
    port: int
    log_path: Path

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def process(self) -> psutil.Process:
        return psutil.Process(self.proc.pid)


#: the server's log level (``BENCH_LOG_LEVEL=info`` keeps the access log: durations per route)
LOG_LEVEL = os.environ.get("BENCH_LOG_LEVEL", "warning")


@contextlib.contextmanager
def running(data_dir: Path, workers: int, log_path: Path) -> Iterator[Server]:
    """``passerelle serve --workers WORKERS`` on a free port, ready and idle; stopped
    (SIGTERM, then SIGKILL after 30 s) on exit."""
    port = free_port()
    env = {
        **os.environ,
        "PASSERELLE_API_PORTAL_RATE": "1000000",
        "PASSERELLE_API_PORTAL_BURST": "1000000",
    }
    exe = Path(sys.executable).with_name("passerelle")
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [str(exe), "--data-dir", str(data_dir), "serve", "--host", HOST, "--port", str(port),
             "--workers", str(workers), "--log-level", LOG_LEVEL],
            stdout=log,
            stderr=log,
            env=env,
        )  # fmt: skip
    server = Server(proc, port, log_path)
    try:
        t = time.perf_counter()
        wait_ready(server.base, proc, timeout_s=300)
        print(f"server ready in {time.perf_counter() - t:.1f} s on {server.base} (log: {log_path})")
        idle = wait_idle(server.process, timeout_s=120)
        print(f"server's start-up work done {idle:.1f} s later")
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (every process, every core)."""
    t = psutil.cpu_times()
    fields = ("user", "nice", "system", "irq", "softirq", "steal")
    return sum(getattr(t, f) for f in fields if hasattr(t, f))
