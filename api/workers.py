"""Several uvicorn worker processes on one port, each with its own listening socket.

Uvicorn's ``--workers`` shares one listening socket between the processes, and the
first worker to wake up accepts every connection waiting: 32 keep-alive clients that
connect together were measured split 26 / 6 between two workers, so one worker queued
four times the work of the other for the whole run (path p99 over 200 ms with a core
half idle). Here each worker binds its own socket with ``SO_REUSEPORT`` and the kernel
spreads new connections over the sockets by a hash of their addresses, whatever the
workers are doing.

The parent only supervises: it checks the port is free (a clear error otherwise, not
a silent share with another server), starts the workers, restarts one that dies, and
on SIGINT or SIGTERM asks every worker to finish its requests and stop.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from typing import Any

from graph.errors import InvalidInput

log = logging.getLogger("passerelle.serve")
#: uvicorn's exit code when the app failed to start: restarting would fail again
_STARTUP_FAILURE = 3
_RESTART_PAUSE_S = 1.0
_STOP_TIMEOUT_S = 30.0
_PR_SET_PDEATHSIG = 1


def supported() -> bool:
    """Whether this platform can bind several sockets to one port (Linux, BSD)."""
    return hasattr(socket, "SO_REUSEPORT")


def _family(host: str) -> socket.AddressFamily:
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return infos[0][0]


def listening_socket(host: str, port: int, reuse_port: bool) -> socket.socket:
    """A TCP socket bound to (host, port) and listening."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def check_port(host: str, port: int) -> None:
    """Raise :class:`InvalidInput` when (host, port) is taken (by anything, another
    Passerelle included: a probe without ``SO_REUSEPORT`` cannot share the port)."""
    try:
        listening_socket(host, port, reuse_port=False).close()
    except OSError as exc:
        raise InvalidInput(
            "--port", f"{host}:{port} is not available ({exc.strerror})", port
        ) from None


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker process needs (picklable: workers are spawned, not forked)."""

    host: str
    port: int
    uvicorn: dict[str, Any]


def _die_with_parent() -> None:
    """Linux: have the kernel send SIGTERM to this worker when the supervisor dies, even
    killed with SIGKILL: an orphan would keep serving (and holding the port) unseen."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the supervisor's own stop still works
        pass


def _worker(spec: WorkerSpec) -> None:  # pragma: no cover - runs in the child process
    import uvicorn

    _die_with_parent()
    sock = listening_socket(spec.host, spec.port, reuse_port=True)
    config = uvicorn.Config(**spec.uvicorn)
    uvicorn.Server(config).run(sockets=[sock])


def run(spec: WorkerSpec, workers: int, target: Callable[[WorkerSpec], None] = _worker) -> int:
    """Run ``workers`` processes until SIGINT/SIGTERM; the exit code (0, or 3 when a
    worker could not start)."""
    check_port(spec.host, spec.port)
    ctx = multiprocessing.get_context("spawn")
    stopping = False

    def start(i: int) -> BaseProcess:
        proc = ctx.Process(target=target, args=(spec,), name=f"passerelle-worker-{i}")
        proc.start()
        return proc

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    procs = [start(i) for i in range(workers)]
    code = 0
    try:
        while not stopping:
            time.sleep(0.2)
            for i, proc in enumerate(procs):
                if proc.exitcode is None or stopping:
                    continue
                if proc.exitcode == _STARTUP_FAILURE:
                    log.error("worker %d could not start: stopping", i)
                    stopping, code = True, _STARTUP_FAILURE
                    break
                log.warning("worker %d exited (code %s): restarting", i, proc.exitcode)
                time.sleep(_RESTART_PAUSE_S)
                procs[i] = start(i)
    finally:
        for proc in procs:
            if proc.exitcode is None:
                proc.terminate()  # SIGTERM: uvicorn finishes the requests under way
        deadline = time.monotonic() + _STOP_TIMEOUT_S
        for proc in procs:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.exitcode is None:
                proc.kill()
                proc.join()
        for s, handler in previous.items():
            signal.signal(s, handler)
    return code
