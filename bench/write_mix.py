"""Reads with and without a steady stream of writes, against ``passerelle serve --workers 2``:
what writes cost the readers, how current the answers are, whether memory stays flat.

    .venv/bin/python bench/write_mix.py --people 100000 --duration 300 --write-rate 5

1. Seeds a store (``passerelle seed --people N --if-empty``) or reuses ``--data-dir``,
   creates the tokens and starts ``passerelle serve --workers W`` on a free port, waiting
   for its start-up work (:mod:`bench.server`, shared with ``bench/api_load.py``).
2. Runs two phases on that one server, the one without writes first, each ``--warmup``
   seconds not counted and then ``--duration`` seconds measured:

   * **reads only**: ``--clients`` clients of ``bench/api_load.py``'s mix (70% paths, 20%
     coverage, 10% reads; its own client, closed loop, no think time);
   * **with writes**: the same mix plus ``--write-rate`` writes per second, sent at fixed
     intervals whatever the answers (open loop: a write's latency counts from its
     scheduled time), on keep-alive connections of their own, as the admin.

3. After a write is acknowledged, it is read back on every worker (``GET`` of the member
   on connections held open to each worker, :class:`Readers`) until the answer shows it;
   each check is labelled same worker or other worker as the write (the worker behind a
   connection is found from the server's sockets with psutil). A read started after the
   acknowledgement that does not show the write is a **stale answer**. The **age of
   answers** is 0 for a check whose first read shows the write, else the time from the
   acknowledgement to the start of the first read that does; a write not shown within
   ``AGE_LIMIT_S`` is **unseen**; a check that finds no free connection to its worker
   within ``AGE_LIMIT_S`` is not made (and counted).
4. Samples the RSS of every worker every ``RSS_EVERY_S`` seconds (and at each phase's
   start and end), and prints per phase, side by side: count, p50/p95/p99 and errors of
   paths, coverage, reads and writes (each write kind), errors by status, the age of
   answers, RSS of each worker after the first minute (half the phase if shorter) and at
   the end, and CPU seconds. ``--json`` also writes everything, the RSS series included.

Writes (:data:`WRITE_KINDS`, the one place to add a kind; shares of kinds without a route
are left out and the others scaled up):

* ``member_update``: ``PATCH /api/v1/members/{id}``, a new ``capacity`` and
  ``monthly_load`` (both in the path index's columns);
* ``consent``: ``PATCH /api/v1/members/{id}``, ``consent_introducer`` or
  ``consent_directory`` flipped;
* ``member_create``: ``POST /api/v1/members`` in one groupement, the only write of the API
  today that adds relationships (``IN_GROUPEMENT``, ``MEMBER_OF``); its check reads the
  member's groupements, which come from the worker's view of the graph;
* ``tie``: ``POST /api/v1/members/{id}/ties`` (``KNOWS``) and ``employment``:
  ``POST /api/v1/members/{id}/employments`` (``WORKS_AT``, current), both on members this
  run created (so a pair is never already linked: no 409), checked in the member's list;
  before the first create is answered, a member update is written instead.

Every loop is bounded in time (``--duration``, ``AGE_LIMIT_S``, request timeouts) and in
count (``--max-requests``, ``MAX_IN_FLIGHT``); only 127.0.0.1 is contacted. The writes stay
in the store: with ``--data-dir`` a later run starts from the written store.

Decisions:
    * One server for both phases, reads only first: the written phase starts from a server
      that has served the mix for a whole phase (caches warm, memory at its reads-only
      level), so what changes between the phases is what the writes cost, in latency,
      staleness and memory. A fresh server per phase would mix its own warm-up growth into
      the written phase's RSS, and the reads-only figures of a fresh server are already
      the first phase's.
    * The phases' clients draw different requests (``--seed`` and ``--seed + 1``): the
      same sequence would find the first phase's cached answers.
    * A member is not written again while a write to it is being checked, so a check
      never sees a later write's value.
    * The write connections are dropped after ``IDLE_S`` unused, before the server's
      keep-alive timeout (uvicorn's 5 s) can close one under a write.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import random
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path
from typing import Any

import psutil
import uvloop

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.api_load import (  # noqa: E402
    Connection,
    Pool,
    Results,
    build_pool,
    client,
    pct,
    referent_groupements,
)
from bench.server import (  # noqa: E402
    HOST,
    cpu_seconds,
    create_tokens,
    machine_busy,
    running,
    seed_store,
    worker_processes,
)
from graph.embedded import EmbeddedStore  # noqa: E402
from graph.model import Label, Person  # noqa: E402

RSS_EVERY_S = 10.0
#: RSS "after the first minute" of a phase (or after half of a shorter phase)
RSS_REFERENCE_S = 60.0
#: a write not shown by a read within this time of its acknowledgement is unseen
AGE_LIMIT_S = 10.0
CHECK_PAUSE_S = 0.005
#: connections held open to each worker for the checks
READERS_PER_WORKER = 8
#: writes sent and not yet answered; a write due beyond this is not sent
MAX_IN_FLIGHT = 64
REQUEST_TIMEOUT_S = 60.0
IDLE_S = 2.0
#: the members' fields the writer changes and remembers
TRACKED = ("capacity", "monthly_load", "consent_introducer", "consent_directory")
#: write kinds whose answer is the member written (the writer learns its values)
MEMBER_WRITES = frozenset({"member_update", "consent", "member_create"})
TRANSPORT_ERRORS = (TimeoutError, OSError, asyncio.IncompleteReadError, RuntimeError)


# --------------------------------------------------------------------------- writes


@dataclass(frozen=True)
class WriteOp:
    """One write, and how to tell that a read of ``check_url`` shows it."""

    kind: str
    method: str
    url: str
    body: dict[str, Any]
    check_url: str
    shows: Callable[[int, dict[str, Any]], bool]
    member: str


@dataclass
class WriterState:
    """What the writer knows of the members it writes to."""

    members: dict[str, dict[str, Any]]
    groupements: list[str]
    employers: list[str] = field(default_factory=list)
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    busy: set[str] = field(default_factory=set)
    created: int = 0
    #: members this run created and saw answered (no tie, no employment of their own yet)
    fresh: list[str] = field(default_factory=list)
    #: (member, other) ties and (member, employer) employments already written by this run
    linked: set[tuple[str, str]] = field(default_factory=set)

    def pick(self, rng: random.Random) -> str:
        ids = list(self.members)
        for _ in range(100):
            member = rng.choice(ids)
            if member not in self.busy:
                self.busy.add(member)
                return member
        raise RuntimeError("every member drawn is being written")

    def learn(self, member: dict[str, Any]) -> None:
        self.members[member["id"]] = {k: member[k] for k in TRACKED}


def patch(kind: str, member: str, changes: dict[str, Any]) -> WriteOp:
    url = f"/api/v1/members/{member}"

    def shows(status: int, answer: dict[str, Any]) -> bool:
        return status == 200 and all(answer.get(k) == v for k, v in changes.items())

    return WriteOp(kind, "PATCH", url, changes, url, shows, member)


def member_update(rng: random.Random, state: WriterState) -> WriteOp:
    member = state.pick(rng)
    known = state.members[member]
    capacity = rng.choice([c for c in range(1, 11) if c != known["capacity"]])
    load = rng.choice([n for n in range(0, 20) if n != known["monthly_load"]])
    return patch("member_update", member, {"capacity": capacity, "monthly_load": load})


def consent_change(rng: random.Random, state: WriterState) -> WriteOp:
    member = state.pick(rng)
    name = rng.choice(("consent_introducer", "consent_directory"))
    return patch("consent", member, {name: not state.members[member][name]})


def member_create(rng: random.Random, state: WriterState) -> WriteOp:
    state.created += 1
    member = f"p-wmix-{state.run}-{state.created}"
    state.busy.add(member)
    groupement = rng.choice(state.groupements)
    body = {
        "id": member,
        "first_name": "Banc",
        "last_name": f"Écriture {state.created}",
        "groupements": [groupement],
    }

    def shows(status: int, answer: dict[str, Any]) -> bool:
        return status == 200 and answer.get("groupements") == [groupement]

    return WriteOp(
        "member_create",
        "POST",
        "/api/v1/members",
        body,
        f"/api/v1/members/{member}",
        shows,
        member,
    )


def _fresh_pair(
    rng: random.Random, state: WriterState, others: list[str]
) -> tuple[str, str] | None:
    """A member created by this run (it has no tie or employment but ours) and an other
    end not linked to it yet; None while no created member is free."""
    free = [m for m in state.fresh if m not in state.busy]
    for _ in range(20):
        if not free or not others:
            return None
        member, other = rng.choice(free), rng.choice(others)
        if member != other and (member, other) not in state.linked:
            state.busy.add(member)
            state.linked.add((member, other))
            return member, other
    return None


def listed(kind: str, member: str, field_name: str, other: str, body: dict[str, Any]) -> WriteOp:
    """A relationship created under ``/members/{member}/{kind}``, checked in its list."""
    url = f"/api/v1/members/{member}/{kind}"

    def shows(status: int, answer: Any) -> bool:
        items = answer if isinstance(answer, list) else answer.get("items", ())
        return status == 200 and any(item.get(field_name) == other for item in items)

    return WriteOp(kind.rstrip("s"), "POST", url, body, url, shows, member)


def tie(rng: random.Random, state: WriterState) -> WriteOp:
    """A new KNOWS tie between a member created by this run and one of the pool."""
    pair = _fresh_pair(rng, state, list(state.members))
    if pair is None:  # nobody created yet: update a member instead
        return member_update(rng, state)
    member, other = pair
    body = {"other_id": other, "strength": round(rng.uniform(0.2, 1.0), 2),
            "source": "declared", "since": "2024-01-15"}  # fmt: skip
    return listed("ties", member, "other_id", other, body)


def employment(rng: random.Random, state: WriterState) -> WriteOp:
    """A new current employment of a member created by this run."""
    pair = _fresh_pair(rng, state, state.employers)
    if pair is None:
        return member_update(rng, state)
    member, employer = pair
    body = {"employer_id": employer, "role": "Chargé d'affaires", "since": "2025-09-01"}
    return listed("employments", member, "employer_id", employer, body)


@dataclass(frozen=True)
class WriteKind:
    """A kind of write: its share of the stream, its route, and how to make one
    (``None``: the API has no route for it yet)."""

    name: str
    share: float
    route: str
    make: Callable[[random.Random, WriterState], WriteOp] | None = None


WRITE_KINDS = (
    WriteKind("member_update", 0.30, "PATCH /api/v1/members/{id}", member_update),
    WriteKind("consent", 0.30, "PATCH /api/v1/members/{id}", consent_change),
    WriteKind("tie", 0.20, "POST /api/v1/members/{id}/ties", tie),
    WriteKind("employment", 0.20, "POST /api/v1/members/{id}/employments", employment),
    WriteKind("member_create", 0.10, "POST /api/v1/members", member_create),
)


def writer_state(data_dir: Path, pool: Pool) -> WriterState:
    """The members the writer updates (the pool's people) with their current values."""
    with EmbeddedStore(data_dir) as store:
        found = store.get_many(pool.people)
        employers = [e.id for e in store.find(Label.EMPLOYER, limit=500)]
    members = {
        pid: {k: getattr(p, k) for k in TRACKED}
        for pid, p in found.items()
        if isinstance(p, Person)
    }
    return WriterState(members, sorted(pool.groupements), employers)


# --------------------------------------------------------------------------- connections


class WorkerConnection(Connection):
    """A keep-alive connection that learns which worker holds its other end."""

    worker: int | None = None

    @property
    def local_port(self) -> int | None:
        return None if self.writer is None else self.writer.get_extra_info("sockname")[1]

    def drop(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None
        self.worker = None


class Workers:
    """Which worker process holds the server's end of a client connection."""

    def __init__(self, server: psutil.Process, port: int) -> None:
        self.server, self.port = server, port
        self.pids = [p.pid for p in worker_processes(server)]

    def of(self, ports: list[int]) -> dict[int, int]:
        """Worker pid by client port, for the ports found (their connections open and
        accepted: call it once a connection has had an answer)."""
        wanted, found = set(ports), {}
        for attempt in range(2):
            for pid in self.pids:
                try:
                    conns = psutil.Process(pid).net_connections(kind="tcp")
                except psutil.Error:
                    continue
                for c in conns:
                    if c.raddr and c.raddr.port in wanted and c.laddr.port == self.port:
                        found[c.raddr.port] = pid
            if len(found) == len(wanted) or attempt:
                break
            self.pids = [p.pid for p in worker_processes(self.server)]  # a worker restarted
        return found

    async def identify(self, conns: list[WorkerConnection]) -> None:
        ports = {c.local_port: c for c in conns if c.local_port is not None}
        for port, pid in (await asyncio.to_thread(self.of, list(ports))).items():
            ports[port].worker = pid


class WriterPool:
    """The writer's idle connections; one unused for ``IDLE_S`` is dropped before the
    server's keep-alive timeout can close it under a write."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.idle: list[tuple[float, WorkerConnection]] = []

    def take(self) -> WorkerConnection:
        while self.idle:
            since, conn = self.idle.pop()
            if time.perf_counter() - since < IDLE_S and conn.writer is not None:
                return conn
            conn.drop()
        return WorkerConnection(HOST, self.port)

    def give(self, conn: WorkerConnection, answered_at: float) -> None:
        self.idle.append((answered_at, conn))

    def close(self) -> None:
        for _, conn in self.idle:
            conn.drop()
        self.idle.clear()


class Readers:
    """Connections held open to every worker, for the checks.

    A fresh connection goes to whichever worker accepts it first, and a worker busy
    rebuilding accepts late: at 100,000 people every fresh connection of a check went to
    the worker that had just written. These are opened once, identified, and stay with
    their worker whatever its load; an idle one is kept alive with ``GET /healthz``.
    """

    def __init__(self, port: int, workers: Workers, token: str) -> None:
        self.port, self.workers, self.token = port, workers, token
        self.queues: dict[int, asyncio.Queue[tuple[float, WorkerConnection]]] = {}
        self.alive: Counter[int] = Counter()

    async def open(self, per_worker: int, batches: int = 10) -> None:
        for _ in range(batches):
            if len(self.queues) >= len(self.workers.pids) and all(
                self.alive[pid] >= per_worker for pid in self.queues
            ):
                return
            batch = [WorkerConnection(HOST, self.port) for _ in range(4)]
            answered = await asyncio.gather(*(self.ping(c) for c in batch))
            live = [c for c, ok in zip(batch, answered, strict=True) if ok]
            await self.workers.identify(live)
            for c in live:
                if c.worker is None or self.alive[c.worker] >= per_worker:
                    c.drop()
                    continue
                self.queues.setdefault(c.worker, asyncio.Queue()).put_nowait(
                    (time.perf_counter(), c)
                )
                self.alive[c.worker] += 1

    async def ping(self, conn: WorkerConnection) -> bool:
        try:
            status, _ = await asyncio.wait_for(
                conn.request("GET", "/healthz", self.token, None), timeout=REQUEST_TIMEOUT_S
            )
            return status == 200
        except TRANSPORT_ERRORS:
            conn.drop()
            return False

    async def take(self, pid: int) -> WorkerConnection | None:
        """An idle connection to ``pid``, or None when none is free within
        ``AGE_LIMIT_S`` (or none is left)."""
        if not self.alive[pid]:
            return None
        try:
            return (await asyncio.wait_for(self.queues[pid].get(), timeout=AGE_LIMIT_S))[1]
        except TimeoutError:
            return None

    def give(self, pid: int, conn: WorkerConnection | None) -> None:
        if conn is None or conn.writer is None:
            self.alive[pid] -= 1
        else:
            self.queues[pid].put_nowait((time.perf_counter(), conn))

    async def keep_alive(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=IDLE_S / 4)
            for pid, queue in self.queues.items():
                due = []
                for _ in range(queue.qsize()):
                    since, conn = queue.get_nowait()
                    if time.perf_counter() - since > IDLE_S / 2:
                        due.append(conn)
                    else:
                        queue.put_nowait((since, conn))
                for conn, ok in zip(due, await asyncio.gather(*map(self.ping, due)), strict=True):
                    self.give(pid, conn if ok else None)

    def close(self) -> None:
        for queue in self.queues.values():
            while not queue.empty():
                queue.get_nowait()[1].drop()


# --------------------------------------------------------------------------- checks


@dataclass
class Check:
    """Reads of what one write wrote, on one worker's connection, until one shows it."""

    op: WriteOp
    ack: float
    worker: str
    stale: int = 0
    age_ms: float | None = None
    failure: str | None = None
    statuses: Counter = field(default_factory=Counter)

    async def run(self, conn: WorkerConnection, token: str) -> None:
        try:
            while True:
                t = time.perf_counter()
                if t - self.ack > AGE_LIMIT_S:
                    return
                status, payload = await asyncio.wait_for(
                    conn.request("GET", self.op.check_url, token, None),
                    timeout=REQUEST_TIMEOUT_S,
                )
                if status != 200:
                    self.statuses[str(status)] += 1
                answer = json.loads(payload) if status == 200 else {}
                if self.op.shows(status, answer):
                    # an answer that started after the acknowledgement and shows it is current
                    self.age_ms = (t - self.ack) * 1000 if self.stale else 0.0
                    return
                self.stale += 1
                await asyncio.sleep(CHECK_PAUSE_S)
        except TRANSPORT_ERRORS as exc:
            self.failure = type(exc).__name__
            conn.drop()


@dataclass
class WriteLog:
    """A phase's writes: latency and errors by kind, and their checks."""

    results: Results = field(default_factory=Results)
    checks: list[Check] = field(default_factory=list)
    not_sent: int = 0
    #: checks not made (no free connection to the worker in time), by same or other worker
    not_checked: Counter[str] = field(default_factory=Counter)
    unanswered: int = 0


@dataclass
class WriteContext:
    pool: WriterPool
    readers: Readers
    workers: Workers
    state: WriterState
    token: str
    log: WriteLog


async def one_write(op: WriteOp, due: float, ctx: WriteContext) -> None:
    """Send ``op`` at ``due``, then read it back on every worker until it shows."""
    kind, log = f"write:{op.kind}", ctx.log
    conn = ctx.pool.take()
    log.unanswered += 1
    try:
        try:
            status, payload = await asyncio.wait_for(
                conn.request(op.method, op.url, ctx.token, json.dumps(op.body).encode()),
                timeout=REQUEST_TIMEOUT_S,
            )
        except TRANSPORT_ERRORS as exc:
            conn.drop()
            failure(log.results, kind, type(exc).__name__, f"{kind} {type(exc).__name__}")
            return
        finally:
            log.unanswered -= 1
        ack = time.perf_counter()
        if not 200 <= status < 300:
            ctx.pool.give(conn, ack)
            failure(log.results, kind, str(status), f"{kind} {status} {payload[:200]!r}")
            return
        log.results.latencies[kind].append((ack - due) * 1000)
        if op.kind in MEMBER_WRITES:
            ctx.state.learn(json.loads(payload))
        if op.kind == "member_create":
            ctx.state.fresh.append(op.member)
        if conn.worker is None:
            await ctx.workers.identify([conn])
        writer_pid = conn.worker
        ctx.pool.give(conn, ack)
        await asyncio.gather(*(check(op, ack, pid, writer_pid, ctx) for pid in ctx.readers.queues))
    finally:
        ctx.state.busy.discard(op.member)


async def check(
    op: WriteOp, ack: float, pid: int, writer_pid: int | None, ctx: WriteContext
) -> None:
    where = "?" if writer_pid is None else "same" if pid == writer_pid else "other"
    conn = await ctx.readers.take(pid)
    if conn is None:
        ctx.log.not_checked[where] += 1
        return
    c = Check(op, ack, where)
    try:
        await c.run(conn, ctx.token)
    finally:
        ctx.readers.give(pid, conn)
        ctx.log.checks.append(c)


def failure(results: Results, kind: str, outcome: str, detail: str) -> None:
    results.errors[kind] += 1
    results.by_status[outcome] += 1
    if len(results.error_samples) < 5:
        results.error_samples.append(detail)


async def writer(
    port: int,
    workers: Workers,
    state: WriterState,
    token: str,
    rate: float,
    start_at: float,
    stop_at: float,
    seed: int,
    log: WriteLog,
) -> None:
    """``rate`` writes per second from ``start_at`` to ``stop_at``, at fixed intervals;
    returns once every write is answered and checked."""
    rng = random.Random(seed)
    kinds = [k for k in WRITE_KINDS if k.make is not None]
    weights = [k.share for k in kinds]
    readers = Readers(port, workers, token)
    await readers.open(per_worker=READERS_PER_WORKER)
    ctx = WriteContext(WriterPool(port), readers, workers, state, token, log)
    stop = asyncio.Event()
    keep_alive = asyncio.create_task(readers.keep_alive(stop))
    pending: set[asyncio.Task] = set()
    n = 0
    try:
        while (due := start_at + n / rate) < stop_at:
            n += 1
            if due > time.perf_counter():
                await asyncio.sleep(due - time.perf_counter())
            if log.unanswered >= MAX_IN_FLIGHT:
                log.not_sent += 1
                continue
            kind = rng.choices(kinds, weights=weights)[0]
            assert kind.make is not None
            task = asyncio.create_task(one_write(kind.make(rng, state), due, ctx))
            pending.add(task)
            task.add_done_callback(pending.discard)
        await asyncio.gather(*pending)
    finally:
        stop.set()
        await keep_alive
        ctx.pool.close()
        readers.close()


# --------------------------------------------------------------------------- memory


class RssSampler:
    """RSS (and PSS where the system tells it) of every worker, every ``RSS_EVERY_S``."""

    def __init__(self, server: psutil.Process) -> None:
        self.server = server
        self.samples: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def sample(self) -> None:
        t = time.perf_counter()
        rss: dict[str, int] = {}
        pss: dict[str, int] = {}
        for w in worker_processes(self.server):
            try:
                rss[str(w.pid)] = w.memory_info().rss
                pss[str(w.pid)] = getattr(w.memory_full_info(), "pss", 0)
            except psutil.Error:
                pass
        with self._lock:
            self.samples.append({"t": t, "rss": rss, "pss": pss})

    def _loop(self) -> None:
        while not self._stop.wait(RSS_EVERY_S):
            self.sample()

    def __enter__(self) -> RssSampler:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=RSS_EVERY_S + 5)

    def between(self, start: float, stop: float) -> list[dict[str, Any]]:
        with self._lock:
            return [s for s in self.samples if start - 0.5 <= s["t"] <= stop + 0.5]


async def sample_at(sampler: RssSampler, at: float) -> None:
    await asyncio.sleep(max(0.0, at - time.perf_counter()))
    await asyncio.to_thread(sampler.sample)


# --------------------------------------------------------------------------- phases


@dataclass
class Phase:
    name: str
    writes: bool
    mix: Results = field(default_factory=Results)
    log: WriteLog = field(default_factory=WriteLog)
    start_at: float = 0.0
    stop_at: float = 0.0
    measured: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)


async def run_phase(
    phase: Phase,
    port: int,
    pool: Pool,
    tokens: dict[str, str],
    state: WriterState,
    workers: Workers,
    sampler: RssSampler,
    args: argparse.Namespace,
    seed: int,
) -> None:
    started = time.perf_counter()
    phase.start_at = started + args.warmup
    phase.stop_at = phase.start_at + args.duration
    budget = [args.max_requests]
    mix_args = argparse.Namespace(seed=seed, clients=args.clients, rate=0.0)

    async def mix() -> None:
        await asyncio.gather(
            *(
                client(
                    i,
                    port,
                    pool,
                    tokens,
                    phase.start_at,
                    phase.stop_at,
                    budget,
                    phase.mix,
                    mix_args,
                )
                for i in range(args.clients)
            )
        )
        phase.measured = time.perf_counter() - phase.start_at

    jobs = [mix(), sample_at(sampler, phase.start_at), sample_at(sampler, phase.stop_at)]
    if phase.writes:
        jobs.append(
            writer(
                port,
                workers,
                state,
                tokens["admin"],
                args.write_rate,
                phase.start_at,
                phase.stop_at,
                seed,
                phase.log,
            )
        )
    await asyncio.gather(*jobs)


def latency_row(name: str, values: list[float], errors: int) -> dict[str, Any]:
    return {
        "kind": name,
        "count": len(values),
        "p50_ms": round(pct(values, 50), 1),
        "p95_ms": round(pct(values, 95), 1),
        "p99_ms": round(pct(values, 99), 1),
        "errors": errors,
    }


def group_rows(results: Results, groups: list[tuple[str, str]]) -> list[dict[str, Any]]:
    rows = []
    for name, prefix in groups:
        kinds = [k for k in {*results.latencies, *results.errors} if k.split(":")[0] == prefix]
        values = [v for k in kinds for v in results.latencies.get(k, [])]
        rows.append(latency_row(name, values, sum(results.errors.get(k, 0) for k in kinds)))
    return rows


def summarize(phase: Phase, sampler: RssSampler, args: argparse.Namespace) -> dict[str, Any]:
    rows = group_rows(phase.mix, [("paths", "path"), ("coverage", "coverage"), ("reads", "read")])
    writes = phase.log.results
    if phase.writes:
        rows += group_rows(writes, [("writes", "write")])
        for kind in WRITE_KINDS:
            if kind.make is not None:
                key = f"write:{kind.name}"
                rows.append(
                    latency_row(
                        f"  {kind.name}", writes.latencies.get(key, []), writes.errors.get(key, 0)
                    )
                )
    checks = phase.log.checks
    ages = [c.age_ms for c in checks if c.age_ms is not None]
    other_ages = [c.age_ms for c in checks if c.worker == "other" and c.age_ms is not None]
    age = {
        "checks": len(checks),
        "same_worker": sum(c.worker == "same" for c in checks),
        "other_worker": sum(c.worker == "other" for c in checks),
        "p50_ms": round(pct(ages, 50), 1),
        "p95_ms": round(pct(ages, 95), 1),
        "max_ms": round(max(ages), 1) if ages else float("nan"),
        "max_other_worker_ms": round(max(other_ages), 1) if other_ages else float("nan"),
        "stale_answers": sum(c.stale for c in checks),
        "unseen": sum(c.age_ms is None and c.failure is None for c in checks),
        "failed": dict(Counter(c.failure for c in checks if c.failure)),
        "not_checked": dict(phase.log.not_checked),
        "statuses": dict(sum((c.statuses for c in checks), Counter())),
    }
    return {
        "name": phase.name,
        "writes": phase.writes,
        "measured_s": round(phase.measured, 1),
        "rows": rows,
        "errors_by_status": {"mix": dict(phase.mix.by_status), "writes": dict(writes.by_status)},
        "error_samples": phase.mix.error_samples + writes.error_samples,
        "writes_not_sent": phase.log.not_sent,
        "age_of_answers": age if phase.writes else None,
        "rss": rss_summary(sampler, phase, args.duration),
        "cpu_s": phase.cpu,
    }


def rss_summary(sampler: RssSampler, phase: Phase, duration: float) -> dict[str, Any]:
    samples = sampler.between(phase.start_at, phase.stop_at)
    ref_at = phase.start_at + min(RSS_REFERENCE_S, duration / 2)
    after = [s for s in samples if s["t"] >= ref_at - 0.5]
    ref = after[0] if after else None
    end = samples[-1] if samples else None
    workers = []
    for pid in sorted({p for s in samples for p in s["rss"]}):
        start_rss = ref["rss"].get(pid) if ref else None
        end_rss = end["rss"].get(pid) if end else None
        growth = (
            round((end_rss - start_rss) / start_rss * 100, 1) if start_rss and end_rss else None
        )
        workers.append(
            {
                "pid": int(pid),
                "reference_mib": mib(start_rss),
                "end_mib": mib(end_rss),
                "growth_pct": growth,
                "peak_mib": mib(max(s["rss"].get(pid, 0) for s in samples)),
                "end_pss_mib": mib(end["pss"].get(pid)) if end else None,
            }
        )
    return {
        "reference_s": round(ref["t"] - phase.start_at) if ref else None,
        "end_s": round(end["t"] - phase.start_at) if end else None,
        "workers": workers,
        "samples": [
            {
                "t_s": round(s["t"] - phase.start_at, 1),
                "rss_mib": {p: mib(v) for p, v in s["rss"].items()},
            }
            for s in samples
        ],
    }


def mib(value: int | None) -> float | None:
    return None if value is None else round(value / 2**20, 1)


# --------------------------------------------------------------------------- report

COLUMN = 46


def phase_lines(summary: dict[str, Any], rows: list[str]) -> list[str]:
    by_kind = {r["kind"]: r for r in summary["rows"]}
    lines = []
    for name in rows:
        r = by_kind.get(name)
        lines.append(
            f"{r['count']:>8,}{r['p50_ms']:>8.1f}{r['p95_ms']:>8.1f}{r['p99_ms']:>8.1f}"
            f"{r['errors']:>7,}"
            if r
            else f"{'-':>8}"
        )
    return lines


def detail_lines(summary: dict[str, Any]) -> list[str]:
    errors = summary["errors_by_status"]
    lines = [
        "errors by status: "
        + (
            ", ".join(
                f"{group} {status}×{n}"
                for group in ("mix", "writes")
                for status, n in sorted(errors[group].items())
            )
            or "none"
        )
    ]
    if summary["writes_not_sent"]:
        lines.append(f"writes not sent ({MAX_IN_FLIGHT} in flight): {summary['writes_not_sent']}")
    age = summary["age_of_answers"]
    if age:
        lines += [
            f"age of answers ms: p50 {age['p50_ms']}, p95 {age['p95_ms']}, max {age['max_ms']}",
            f"  checks {age['checks']} (same worker {age['same_worker']}, "
            f"other {age['other_worker']})",
            f"  max on the other worker {age['max_other_worker_ms']} ms",
            f"  stale answers {age['stale_answers']}, unseen {age['unseen']}"
            + (f", failed {age['failed']}" if age["failed"] else ""),
        ]
        if age["not_checked"]:
            missed = ", ".join(f"{where} {n}" for where, n in sorted(age["not_checked"].items()))
            lines.append(f"  not checked (worker busy {AGE_LIMIT_S:g} s): {missed}")
    rss = summary["rss"]
    lines.append(f"RSS MiB at {rss['reference_s']} s -> at {rss['end_s']} s:")
    for i, w in enumerate(rss["workers"], 1):
        growth = "" if w["growth_pct"] is None else f" ({w['growth_pct']:+.1f}%)"
        lines.append(
            f"  worker {i}: {w['reference_mib']} -> {w['end_mib']}{growth}, peak {w['peak_mib']}"
        )
    cpu = summary["cpu_s"]
    lines.append(f"CPU s: server {cpu['server']}, bench {cpu['bench']}, other {cpu['other']}")
    return lines


def print_report(report: dict[str, Any]) -> None:
    phases = report["phases"]
    print(
        f"\n{report['people']:,} people, {report['workers']} workers, {report['clients']} "
        f"clients, {report['duration_s']:g} s per phase after a {report['warmup_s']:g} s "
        f"warm-up; writes {report['write_rate']:g}/s in the second phase"
    )
    print(f"mix: {report['mix']}")
    print(f"writes: {report['write_kinds']}")
    for kind, note in report["writes_not_possible"].items():
        print(f"not possible: {kind} ({note})")
    head = f"{'ok':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'errors':>7}"
    print(f"\n{'ms':<16}{phases[0]['name']:<{COLUMN}}{phases[1]['name']}")
    print(f"{'':<16}{head:<{COLUMN}}{head}")
    names = [r["kind"] for r in phases[-1]["rows"]]
    for name, left, right in zip(
        names, phase_lines(phases[0], names), phase_lines(phases[1], names), strict=True
    ):
        print(f"{name:<16}{left:<{COLUMN}}{right}")
    print()
    for left, right in zip_longest(detail_lines(phases[0]), detail_lines(phases[1]), fillvalue=""):
        print(f"{left:<{COLUMN + 16}}{right}")
    for phase in phases:
        for sample in phase["error_samples"]:
            print(f"error sample ({phase['name']}): {sample}")


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, help="store to reuse or seed [temp dir]")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=300.0, help="seconds per phase")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before each phase")
    parser.add_argument("--write-rate", type=float, default=5.0, help="writes per second")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--max-requests", type=int, default=2_000_000, help="per phase")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if not (1 <= args.clients <= 512 and 0 < args.duration <= 3600 and 0 <= args.warmup <= 600):
        parser.error("--clients 1-512, --duration up to 3600, --warmup up to 600")
    if not 0 < args.write_rate <= 1000:
        parser.error("--write-rate must be above 0 and at most 1000")

    tmp = None
    if args.data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="write-mix-")
        args.data_dir = Path(tmp.name)
    data_dir: Path = args.data_dir
    try:
        started = time.perf_counter()
        seeded = seed_store(data_dir, args.people, args.seed)
        note = "seeded" if seeded.get("seeded") else "reused"
        print(f"store {note} in {time.perf_counter() - started:.1f} s: {data_dir}")
        pool = build_pool(data_dir, args.seed)
        state = writer_state(data_dir, pool)
        tokens = create_tokens(data_dir, referent_groupements(pool), "write_mix")
        phases = [Phase("reads only", writes=False), Phase("with writes", writes=True)]
        with running(data_dir, args.workers, data_dir / "write_mix.server.log") as server:
            proc = server.process
            workers = Workers(proc, server.port)
            # as in api_load: the set-up objects are exempt from this process's collections
            gc.collect()
            gc.freeze()
            with RssSampler(proc) as sampler:
                for i, phase in enumerate(phases):
                    server0, bench0 = cpu_seconds(proc), time.process_time()
                    machine0 = machine_busy()
                    print(f"phase {i + 1}: {phase.name}, {args.warmup + args.duration:g} s")
                    uvloop.run(
                        run_phase(
                            phase,
                            server.port,
                            pool,
                            tokens,
                            state,
                            workers,
                            sampler,
                            args,
                            args.seed + i,
                        )
                    )
                    server_cpu = cpu_seconds(proc) - server0
                    bench_cpu = time.process_time() - bench0
                    other = machine_busy() - machine0 - server_cpu - bench_cpu
                    phase.cpu = {
                        "server": round(server_cpu, 1),
                        "bench": round(bench_cpu, 1),
                        "other": round(max(0.0, other), 1),
                    }
            summaries = [summarize(p, sampler, args) for p in phases]
        available = [k for k in WRITE_KINDS if k.make is not None]
        total = sum(k.share for k in available)
        report = {
            "people": pool.n_people,
            "workers": args.workers,
            "clients": args.clients,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "write_rate": args.write_rate,
            "mix": "70% paths / 20% coverage (national, groupement, gaps) / 10% reads",
            "write_kinds": ", ".join(
                f"{k.name} {k.share / total:.0%} ({k.route})" for k in available
            ),
            "writes_not_possible": {k.name: k.route for k in WRITE_KINDS if k.make is None},
            "phases": summaries,
        }
        print_report(report)
        if args.json:
            args.json.write_text(json.dumps(report, indent=2))
    finally:
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
