"""HTTP load test of the API on loopback against ``passerelle serve``.

    .venv/bin/python bench/api_load.py --people 100000 --clients 32 --seconds 60

1. Seeds a store with ``passerelle seed --people N --if-empty`` (or reuses
   ``--data-dir`` when it already holds people), and picks the ids the requests use
   (candidates, employers, offers, sector-and-bassin pairs) from the store.
2. Creates an admin, a portal, a national and a référent token (the référent holds
   ``REFERENT_GROUPEMENTS`` groupements) with ``passerelle token create`` and starts
   ``passerelle serve --workers W`` on 127.0.0.1 and a free port; the portal token's rate
   limit is raised for the run (``PASSERELLE_API_PORTAL_RATE``), since the point is the
   server's capacity, not the limiter's. Once the server is ready, waits until its
   start-up work in the background (the dashboard's warm-up) is done.
3. Runs ``--clients`` concurrent clients (asyncio on uvloop, one keep-alive connection
   each, a minimal HTTP/1.1 client so the load generator stays light) for ``--seconds``
   after a ``--warmup``. By default each client sends its next request as soon as it
   has the answer (closed loop, no think time: the server's saturation point); with
   ``--rate R`` the clients share a Poisson arrival schedule of R requests/s (open loop)
   and latency counts from the scheduled time. The issue's mix:

   * 70% path queries (``POST /api/v1/paths``): 40% employer, 30% sector in bassin,
     20% job offer, 10% person targets, half with the portal token (on candidates and
     people who consented to portal searches: the others are "not found" to a portal),
     half as admin;
   * 20% coverage: 30% national (``GET /api/v1/coverage``, national token), 40% a
     groupement's coverage and 30% a groupement's gaps (``GET /api/v1/coverage/gaps?
     scope=groupement&id=…&limit=20``), each half by the national token on any
     groupement, half by the référent on one of theirs (the exact own view);
   * 10% reads: a member by id, a groupement's members (first page), an employer by id,
     the open offers of a bassin.
4. Prints throughput, p50/p95/p99 per kind and overall, errors (any non-2xx answer or
   transport failure) and the CPU time of the server and of the load generator (both
   share the machine's cores), then stops the server.

Every loop is bounded in time (``--seconds``) and in count (``--max-requests``); only
127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import random
import resource
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import psutil
import uvloop

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.server import (  # noqa: E402
    HOST,
    cpu_seconds,
    create_tokens,
    machine_busy,
    running,
    seed_store,
)
from graph.embedded import EmbeddedStore  # noqa: E402
from graph.model import BassinEmploi, Label, PersonStatus, RelType, Sector  # noqa: E402

PATH_KINDS = {"employer": 0.40, "set": 0.30, "offer": 0.20, "person": 0.10}
COVERAGE_KINDS = {"national": 0.30, "groupement": 0.40, "gaps": 0.30}
READ_KINDS = {"member": 0.40, "members_page": 0.20, "employer_read": 0.20, "offers_page": 0.20}
PATHS_SHARE = 0.70
COVERAGE_SHARE = 0.20
#: groupements the référent token holds (the first ones of the pool, by id)
REFERENT_GROUPEMENTS = 8


@dataclass
class Pool:
    """Ids the requests draw from."""

    candidates: list[str]
    employers: list[str]
    offers: list[str]
    people: list[str]
    sets: list[tuple[str, str]]
    groupements: list[str]
    bassins: list[str]
    n_people: int
    #: the candidates and people a portal may ask about (``consent_portal``): a portal
    #: asking about anyone else is told "not found" (graph/access/paths.py)
    portal_candidates: list[str] = field(default_factory=list)
    portal_people: list[str] = field(default_factory=list)


def build_pool(data_dir: Path, seed: int) -> Pool:
    with EmbeddedStore(data_dir) as store:
        view = store.view()
        rng = np.random.default_rng(seed)
        persons = view.nodes_with_label(Label.PERSON)
        status = view.column(Label.PERSON, "status")
        codes = [list(PersonStatus).index(s) for s in (PersonStatus.CANDIDATE, PersonStatus.BOTH)]
        candidates = persons[np.isin(status[persons], codes)]
        works = view.rel(RelType.WORKS_AT)
        staffed = np.unique(works.dst[works.columns["until"] == np.iinfo(np.int32).min])
        located = view.rel(RelType.LOCATED_IN)
        in_sector = view.rel(RelType.IN_SECTOR)
        bassin_of = dict(zip(located.src.tolist(), located.dst.tolist(), strict=True))
        staffed_set = set(staffed.tolist())
        pairs = sorted(
            {
                (int(s), bassin_of[int(e)])
                for e, s in zip(in_sector.src.tolist(), in_sector.dst.tolist(), strict=True)
                if int(e) in staffed_set and int(e) in bassin_of
            }
        )

        def id_of(nid: int) -> str:
            node_id = view.ids[int(nid)]
            assert node_id is not None  # a free slot: these numbers are all live nodes
            return node_id

        def pick(nids: np.ndarray, n: int) -> list[str]:
            chosen = rng.choice(nids, size=min(n, len(nids)), replace=False)
            return [id_of(i) for i in chosen]

        sectors = store.get_many([id_of(s) for s, _ in pairs])
        bassins = store.get_many([id_of(b) for _, b in pairs])

        def set_codes(s: int, b: int) -> tuple[str, str]:
            sector, bassin = sectors[id_of(s)], bassins[id_of(b)]
            assert isinstance(sector, Sector) and isinstance(bassin, BassinEmploi)
            return sector.code, bassin.code

        chosen_candidates, chosen_people = pick(candidates, 5000), pick(persons, 5000)
        records = store.get_many(sorted({*chosen_candidates, *chosen_people}))

        def portal(ids: list[str]) -> list[str]:
            return [i for i in ids if getattr(records.get(i), "consent_portal", False)]

        return Pool(
            candidates=chosen_candidates,
            portal_candidates=portal(chosen_candidates),
            portal_people=portal(chosen_people),
            employers=pick(staffed, 2000),
            offers=pick(view.nodes_with_label(Label.JOB_OFFER), 2000),
            people=chosen_people,
            sets=[set_codes(s, b) for s, b in pairs],
            groupements=[id_of(g) for g in view.nodes_with_label(Label.GROUPEMENT)],
            bassins=sorted({id_of(b) for _, b in pairs}),
            n_people=len(persons),
        )


@dataclass
class Request:
    kind: str
    method: str
    url: str
    token: str
    body: dict[str, Any] | None = None


def make_request(rng: random.Random, pool: Pool, tokens: dict[str, str]) -> Request:
    draw = rng.random()
    if PATHS_SHARE <= draw < PATHS_SHARE + COVERAGE_SHARE:
        return coverage_request(rng, pool, tokens)
    if draw < PATHS_SHARE:
        kind = rng.choices(list(PATH_KINDS), weights=list(PATH_KINDS.values()))[0]
        as_portal = rng.random() < 0.5
        candidates = pool.portal_candidates if as_portal else pool.candidates
        people = pool.portal_people if as_portal else pool.people
        candidate = rng.choice(candidates)
        if kind == "employer":
            target: dict[str, Any] = {"kind": "employer", "id": rng.choice(pool.employers)}
        elif kind == "offer":
            target = {"kind": "offer", "id": rng.choice(pool.offers)}
        elif kind == "person":
            person = rng.choice(people)
            while person == candidate:
                person = rng.choice(people)
            target = {"kind": "person", "id": person}
        else:
            sector, bassin = rng.choice(pool.sets)
            target = {"kind": "set", "sector": sector, "bassin": bassin}
        token = tokens["portal"] if as_portal else tokens["admin"]
        return Request(
            f"path:{kind}",
            "POST",
            "/api/v1/paths",
            token,
            {"candidate_id": candidate, "target": target},
        )
    return read_request(rng, pool, tokens)


def coverage_request(rng: random.Random, pool: Pool, tokens: dict[str, str]) -> Request:
    kind = rng.choices(list(COVERAGE_KINDS), weights=list(COVERAGE_KINDS.values()))[0]
    if kind == "national":
        return Request("coverage:national", "GET", "/api/v1/coverage", tokens["national"])
    if rng.random() < 0.5:
        token, groupement = tokens["national"], rng.choice(pool.groupements)
    else:
        token, groupement = tokens["referent"], rng.choice(referent_groupements(pool))
    if kind == "groupement":
        url = f"/api/v1/coverage/groupements/{groupement}"
    else:
        url = f"/api/v1/coverage/gaps?scope=groupement&id={groupement}&limit=20"
    return Request(f"coverage:{kind}", "GET", url, token)


def referent_groupements(pool: Pool) -> list[str]:
    return sorted(pool.groupements)[:REFERENT_GROUPEMENTS]


def read_request(rng: random.Random, pool: Pool, tokens: dict[str, str]) -> Request:
    kind = rng.choices(list(READ_KINDS), weights=list(READ_KINDS.values()))[0]
    if kind == "member":
        url = f"/api/v1/members/{rng.choice(pool.people)}"
        token = tokens["admin"]
    elif kind == "members_page":
        url = f"/api/v1/members?groupement_id={rng.choice(pool.groupements)}&limit=20"
        token = tokens["admin"]
    elif kind == "employer_read":
        url = f"/api/v1/employers/{rng.choice(pool.employers)}"
        token = tokens["portal"]
    else:
        url = f"/api/v1/offers?bassin_id={rng.choice(pool.bassins)}&status=open&limit=20"
        token = tokens["portal"]
    return Request(f"read:{kind}", "GET", url, token)


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    #: errors by HTTP status, or by exception name for a transport failure
    by_status: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)


class Connection:
    """A minimal HTTP/1.1 keep-alive client for the load generator.

    httpx costs about 1.7 ms of CPU per request, on the same two cores as the server;
    this costs a tenth of that, so the server, not the client, is what is measured.
    It handles exactly what ``passerelle serve`` sends: a status line, headers and a
    ``Content-Length`` body.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, url: str, token: str, body: bytes | None
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = (
            f"{method} {url} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Authorization: Bearer {token}\r\n"
        )
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + (body or b""))
        assert self.reader is not None
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = 0
        close = False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                close = True
            elif name == "transfer-encoding":
                raise RuntimeError("chunked responses are not expected from the API")
        payload = await self.reader.readexactly(length)
        if close:
            await self.close()
        return status, payload

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def client(
    i: int,
    port: int,
    pool: Pool,
    tokens: dict[str, str],
    start_at: float,
    stop_at: float,
    budget: list[int],
    results: Results,
    args: argparse.Namespace,
) -> None:
    """One client: a request, its answer, the next request (or the next scheduled one
    with ``--rate``: latency then counts from the scheduled time, so a slow server is
    not hidden by clients that wait for it)."""
    rng = random.Random(args.seed * 1000 + i)
    conn = Connection(HOST, port)
    mean_gap = args.clients / args.rate if args.rate else 0.0
    due = time.perf_counter() + (rng.expovariate(1 / mean_gap) if mean_gap else 0.0)
    try:
        while True:
            now = time.perf_counter()
            if now >= stop_at or budget[0] <= 0:
                return
            if mean_gap:
                if due > now:
                    await asyncio.sleep(due - now)
                t0 = due
                due += rng.expovariate(1 / mean_gap)
            else:
                t0 = now
            budget[0] -= 1
            req = make_request(rng, pool, tokens)
            body = None if req.body is None else json.dumps(req.body).encode()
            try:
                status, payload = await asyncio.wait_for(
                    conn.request(req.method, req.url, req.token, body), timeout=30
                )
                ok, outcome = 200 <= status < 300, str(status)
                detail = f"{req.kind} {status} {payload[:200]!r}"
            except (TimeoutError, OSError, asyncio.IncompleteReadError, RuntimeError) as exc:
                ok, outcome = False, type(exc).__name__
                detail = f"{req.kind} {outcome}"
                await conn.close()
            elapsed = (time.perf_counter() - t0) * 1000
            if t0 < start_at:
                continue  # warm-up: not counted
            if ok:
                results.latencies[req.kind].append(elapsed)
            else:
                results.errors[req.kind] += 1
                results.by_status[outcome] += 1
                if len(results.error_samples) < 5:
                    results.error_samples.append(detail)
    finally:
        await conn.close()


async def run_load(
    port: int, pool: Pool, tokens: dict[str, str], args: argparse.Namespace
) -> tuple[Results, float]:
    results = Results()
    started = time.perf_counter()
    start_at = started + args.warmup
    stop_at = start_at + args.seconds
    budget = [args.max_requests]
    await asyncio.gather(
        *(
            client(i, port, pool, tokens, start_at, stop_at, budget, results, args)
            for i in range(args.clients)
        )
    )
    measured = time.perf_counter() - start_at
    return results, measured


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def errors_of(results: Results, prefix: str) -> int:
    return sum(v for k, v in results.errors.items() if k.split(":")[0] == prefix)


def report(results: Results, measured: float, args: argparse.Namespace, extra: dict) -> dict:
    rows = []
    groups: dict[str, list[float]] = defaultdict(list)
    for kind, values in sorted(results.latencies.items()):
        groups[kind.split(":")[0]].extend(values)
    all_values = [v for values in results.latencies.values() for v in values]
    for name, values, errors in (
        *(
            (kind, values, results.errors.get(kind, 0))
            for kind, values in sorted(results.latencies.items())
        ),
        *(
            (f"{name} (all)", groups[prefix], errors_of(results, prefix))
            for name, prefix in (("paths", "path"), ("coverage", "coverage"), ("reads", "read"))
        ),
        ("all", all_values, sum(results.errors.values())),
    ):
        rows.append(
            {
                "kind": name,
                "requests": len(values),
                "rps": round(len(values) / measured, 1),
                "p50_ms": round(pct(values, 50), 1),
                "p95_ms": round(pct(values, 95), 1),
                "p99_ms": round(pct(values, 99), 1),
                "errors": errors,
            }
        )
    summary = {
        "clients": args.clients,
        "seconds": round(measured, 1),
        "workers": args.workers,
        "people": extra["people"],
        "mix": "70% paths / 20% coverage (national, groupement, gaps) / 10% reads",
        "load": f"open loop, {args.rate:g} requests/s offered"
        if args.rate
        else "closed loop, no think time",
        "rows": rows,
        "error_samples": results.error_samples,
        **{k: v for k, v in extra.items() if k != "people"},
    }
    print(
        f"\n{args.clients} clients, {measured:.1f} s measured, {args.workers} worker(s), "
        f"{extra['people']:,} people; {summary['load']}\nmix: {summary['mix']}"
    )
    print(f"{'kind':<22}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
          f"{'errors':>8}")  # fmt: skip
    for r in rows:
        print(
            f"{r['kind']:<22}{r['requests']:>9,}{r['rps']:>9.1f}{r['p50_ms']:>9.1f}"
            f"{r['p95_ms']:>9.1f}{r['p99_ms']:>9.1f}{r['errors']:>8}"
        )
    print(
        f"CPU seconds: server {extra['server_cpu_s']:.1f}, load generator "
        f"{extra['client_cpu_s']:.1f}, other processes {extra['other_cpu_s']:.1f} "
        f"(of {psutil.cpu_count() * measured:.0f} available on {psutil.cpu_count()} cores)"
    )
    for sample in results.error_samples:
        print(f"error sample: {sample}")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, help="store to reuse or seed [temp dir]")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="offered load in requests/s shared by the clients (Poisson arrivals); "
        "0 = each client sends its next request as soon as it has its answer",
    )
    parser.add_argument("--max-requests", type=int, default=2_000_000)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if not (1 <= args.clients <= 512 and 0 < args.seconds <= 3600 and 0 <= args.warmup <= 600):
        parser.error("--clients 1-512, --seconds up to 3600, --warmup up to 600")
    if not 0 <= args.rate <= 100_000:
        parser.error("--rate must be between 0 and 100000")

    tmp = None
    if args.data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="api-load-")
        args.data_dir = Path(tmp.name)
    data_dir: Path = args.data_dir
    started = time.perf_counter()
    seeded = seed_store(data_dir, args.people, args.seed)
    people_note = "seeded" if seeded.get("seeded") else "reused"
    print(f"store {people_note} in {time.perf_counter() - started:.1f} s: {data_dir}")
    pool = build_pool(data_dir, args.seed)
    tokens = create_tokens(data_dir, referent_groupements(pool), "api_load")
    try:
        with running(data_dir, args.workers, data_dir / "api_load.server.log") as server:
            proc = server.process
            server_cpu0 = cpu_seconds(proc)
            # A full collection of this process's set-up objects (the id pools) paused every
            # client for 40+ ms, counted as server latency: exempt them (gc.freeze).
            gc.collect()
            gc.freeze()
            client_cpu0 = time.process_time()
            machine0 = machine_busy()
            results, measured = uvloop.run(run_load(server.port, pool, tokens, args))
            busy = machine_busy() - machine0
            server_cpu = cpu_seconds(proc) - server_cpu0
            client_cpu = time.process_time() - client_cpu0
        extra = {
            "people": pool.n_people,
            "server_cpu_s": round(server_cpu, 1),
            "client_cpu_s": round(client_cpu, 1),
            # CPU used by everything else on the machine during the run (other work)
            "other_cpu_s": round(max(0.0, busy - server_cpu - client_cpu), 1),
            "peak_rss_client_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
        summary = report(results, measured, args, extra)
        if args.json:
            args.json.write_text(json.dumps(summary, indent=2))
    finally:
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
