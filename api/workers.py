"""Several uvicorn worker processes on one port, each connection to the least busy.

Connections are long-lived (clients keep them alive), so how they are first spread
decides how the load is shared for as long as they last. Two ways were measured with 32
keep-alive clients that connect together, and both were lopsided:

* uvicorn's ``--workers`` shares one listening socket, and the first worker to wake up
  accepts every connection waiting: split 26 / 6;
* one ``SO_REUSEPORT`` socket per worker, where the kernel picks a socket by a hash of
  the addresses: split 20 / 12 and 21 / 11, at random. Clients on the busier worker
  waited twice as long (path mean 88 ms against 44 ms).

Here the workers share one listening socket and accept themselves
(:class:`BalancedServer`): each publishes how many connections it holds in a small
shared array, and a worker that holds more than another lets it take the waiting
connection (ties go to the one that has accepted fewer so far). 32 clients split 16 / 16.
A worker defers for at most ``MAX_DEFER_S``: one that is stuck, or gone, cannot hold
connections back for longer.

The parent only supervises: it checks the port is free (a clear error otherwise, not
a silent share with another server), binds the socket, starts the workers, restarts
one that dies, and on SIGINT or SIGTERM asks every worker to finish its requests and
stop.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import signal
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from typing import Any, cast

import uvicorn

from graph.errors import InvalidInput

log = logging.getLogger("passerelle.serve")
#: uvicorn's exit code when the app failed to start: restarting would fail again
_STARTUP_FAILURE = 3
_RESTART_PAUSE_S = 1.0
_STOP_TIMEOUT_S = 30.0
_PR_SET_PDEATHSIG = 1
#: longest a worker leaves a waiting connection to a less busy one, and how often it looks
MAX_DEFER_S = 0.02
_DEFER_STEP_S = 0.001
#: how often a worker publishes its connection count (it also does on every accept)
_PUBLISH_S = 0.1


def supported() -> bool:
    """Whether workers can share a socket handed over at spawn (POSIX)."""
    return hasattr(socket, "AF_UNIX")


def _family(host: str) -> socket.AddressFamily:
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return infos[0][0]


def bind(host: str, port: int) -> socket.socket:
    """A TCP socket listening on (host, port); :class:`InvalidInput` naming ``--port`` when
    the address is taken (by anything, another Passerelle included)."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise InvalidInput(
            "--port", f"{host}:{port} is not available ({exc.strerror})", port
        ) from None
    sock.listen(2048)
    return sock


class Board:
    """What each worker tells the others: the connections it holds (-1: not accepting)
    and how many it has accepted. Shared memory, one writer per slot."""

    def __init__(self, slots: Any) -> None:
        self.slots = slots  # 2 * n int64: connections then accepted, per worker

    @classmethod
    def create(cls, ctx: Any, workers: int) -> Board:
        slots = ctx.RawArray("q", 2 * workers)
        for i in range(workers):
            slots[i] = -1
        return cls(slots)

    @property
    def size(self) -> int:
        return len(self.slots) // 2

    def publish(self, me: int, connections: int) -> None:
        self.slots[me] = connections

    def accepted(self, me: int) -> None:
        self.slots[me] += 1
        self.slots[self.size + me] += 1

    def leave(self, me: int) -> None:
        self.slots[me] = -1

    def should_defer(self, me: int) -> bool:
        """Whether another accepting worker is less busy than ``me``: fewer connections,
        or as many but fewer accepted so far (so that one-off connections alternate)."""
        n = self.size
        mine = (self.slots[me], self.slots[n + me])
        return any(
            self.slots[j] >= 0 and (self.slots[j], self.slots[n + j]) < mine
            for j in range(n)
            if j != me
        )


class BalancedServer(uvicorn.Server):
    """A uvicorn server that accepts from a shared socket only when no other worker is
    less busy (see the module docstring)."""

    def __init__(self, config: uvicorn.Config, sock: socket.socket, board: Board, me: int):
        super().__init__(config)
        self._sock, self._board, self._me = sock, board, me
        self._tasks: list[asyncio.Task[None]] = []

    async def startup(self, sockets: Sequence[socket.socket] | None = None) -> None:
        # The app's lifespan and uvicorn's state, with no asyncio server: connections
        # come from the accept loop.
        await super().startup(sockets=[])
        if not self.started:
            return
        # uvicorn types the class as a bare asyncio.Protocol; its protocols take these
        protocol = cast(Callable[..., asyncio.Protocol], self.config.http_protocol_class)
        factory = functools.partial(
            protocol,
            config=self.config,
            server_state=self.server_state,
            app_state=self.lifespan.state,
        )
        self._sock.setblocking(False)
        self._board.publish(self._me, 0)
        self._tasks = [
            asyncio.create_task(self._accept(factory)),
            asyncio.create_task(self._publish()),
        ]

    async def shutdown(self, sockets: Sequence[socket.socket] | None = None) -> None:
        self._board.leave(self._me)
        for task in self._tasks:
            task.cancel()
        self._sock.close()  # this worker's copy: the others keep accepting
        await super().shutdown(sockets=None)

    def _connections(self) -> int:
        return len(self.server_state.connections)

    async def _publish(self) -> None:
        while True:
            await asyncio.sleep(_PUBLISH_S)
            self._board.publish(self._me, self._connections())

    async def _accept(self, factory: Callable[[], asyncio.Protocol]) -> None:
        loop = asyncio.get_running_loop()
        ready = asyncio.Event()
        fd = self._sock.fileno()
        while True:
            loop.add_reader(fd, ready.set)
            try:
                await ready.wait()
            finally:
                loop.remove_reader(fd)
            ready.clear()
            deadline = loop.time() + MAX_DEFER_S
            while True:
                self._board.publish(self._me, self._connections())
                if loop.time() < deadline and self._board.should_defer(self._me):
                    await asyncio.sleep(_DEFER_STEP_S)
                    continue
                try:
                    conn, _ = self._sock.accept()
                except (BlockingIOError, InterruptedError):
                    break  # another worker took it, or none is left
                except OSError as exc:  # e.g. out of file descriptors: later
                    log.warning("accept failed: %s", exc.strerror)
                    await asyncio.sleep(0.1)
                    break
                self._board.accepted(self._me)
                conn.setblocking(False)
                await loop.connect_accepted_socket(factory, conn)
                deadline = loop.time() + MAX_DEFER_S


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


def _worker(
    spec: WorkerSpec, sock: socket.socket, board: Board, me: int
) -> None:  # pragma: no cover - runs in the child process
    _die_with_parent()
    config = uvicorn.Config(**spec.uvicorn)
    BalancedServer(config, sock, board, me).run()


def run(spec: WorkerSpec, workers: int) -> int:
    """Run ``workers`` processes until SIGINT/SIGTERM; the exit code (0, or 3 when a
    worker could not start)."""
    sock = bind(spec.host, spec.port)
    ctx = multiprocessing.get_context("spawn")
    board = Board.create(ctx, workers)
    stopping = False

    def start(i: int) -> BaseProcess:
        board.leave(i)  # until the new worker accepts
        proc = ctx.Process(
            target=_worker, args=(spec, sock, board, i), name=f"passerelle-worker-{i}"
        )
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
                board.leave(i)
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
        sock.close()
        for s, handler in previous.items():
            signal.signal(s, handler)
    return code
