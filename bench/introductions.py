"""Introductions under load: request and answer API calls while ``bench/api_load.py``'s
mix runs, against ``passerelle serve --workers 2``.

    .venv/bin/python bench/introductions.py --people 100000 --seconds 60 --rate 5

1. Seeds a store (``passerelle seed --people N --if-empty``) or reuses ``--data-dir``,
   creates the tokens (:mod:`bench.server`) and starts the server (no SMTP: the e-mails
   stay in the outbox, where this benchmark reads the personal links, as a demo does).
2. Finds ``--pairs`` (candidate, employer) pairs with a path, candidates of the référent
   token's groupements, by asking ``POST /api/v1/paths`` before the measure.
3. For ``--seconds`` after ``--warmup``, at the same time:

   * ``--clients`` clients of ``bench/api_load.py``'s mix (closed loop);
   * introductions at ``--rate`` per second (open loop, Poisson arrivals, latency from the
     scheduled time): as a référent does on the dashboard, ``POST /api/v1/paths`` (not
     measured) and, on the same connection, ``POST /api/v1/introductions`` for the first
     path as shown (its ``people``; with ``--cold``, without the search first, so the
     request runs its own search; latency then from the scheduled time), then, for each
     person asked in turn, their link read from the outbox and
     ``POST /api/v1/introductions/answer/{token}`` (accept).

4. Prints p50/p95/p99 of requests and answers (the issue's goal: p99 under 50 ms), errors,
   and the mix's figures beside them. ``--json`` writes everything.

Decisions:
    * Reading the link from the outbox (the SQLite file beside the store) is not counted:
      in real life the person reads an e-mail; what is measured is the API's two calls.
    * Every loop is bounded in time and count; only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import uvloop

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.api_load import (  # noqa: E402
    Connection,
    Results,
    build_pool,
    pct,
    referent_groupements,
    run_load,
)
from bench.server import HOST, create_tokens, running, seed_store  # noqa: E402
from graph.access.scope import groupements_of  # noqa: E402
from graph.embedded import EmbeddedStore  # noqa: E402

LINK = re.compile(r"/dashboard/reponse/([A-Za-z0-9_.-]+)")
MAX_IN_FLIGHT = 32


def scoped_candidates(data_dir: Path, candidates: list[str], groupements: list[str]) -> list[str]:
    """The candidates of the référent token's groupements."""
    wanted = set(groupements)
    with EmbeddedStore(data_dir) as store:
        view = store.view()
        return [
            c for c in candidates
            if (nid := view.index.get(c)) is not None and wanted & set(groupements_of(view, nid))
        ]  # fmt: skip


async def find_pairs(
    port: int, token: str, candidates: list[str], employers: list[str], n: int, seed: int
) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    conn = Connection(HOST, port)
    pairs: list[tuple[str, str]] = []
    try:
        for _ in range(min(20 * n, 4000)):
            if len(pairs) >= n:
                break
            c, e = rng.choice(candidates), rng.choice(employers)
            body = {"candidate_id": c, "target": {"kind": "employer", "id": e}, "k": 1}
            status, payload = await conn.request(
                "POST", "/api/v1/paths", token, json.dumps(body).encode()
            )
            if status == 200 and json.loads(payload)["paths"]:
                pairs.append((c, e))
    finally:
        await conn.close()
    return pairs


def newest_link(db: sqlite3.Connection, intro_id: str) -> str | None:
    row = db.execute(
        "SELECT text FROM outbox WHERE intro_id = ? AND kind = 'ask' ORDER BY id DESC LIMIT 1",
        (intro_id,),
    ).fetchone()
    found = LINK.search(row[0]) if row and row[0] else None
    return found.group(1) if found else None


class Measures:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {"request": [], "answer": []}
        self.errors: Counter[str] = Counter()
        self.samples: list[str] = []
        self.introduced = 0

    def fail(self, what: str, detail: str) -> None:
        self.errors[what] += 1
        if len(self.samples) < 5:
            self.samples.append(detail)


async def one_introduction(
    port: int,
    token: str,
    pair: tuple[str, str],
    due: float,
    start_at: float,
    db: sqlite3.Connection,
    m: Measures,
    search_first: bool,
) -> None:
    conn = Connection(HOST, port)
    counted = due >= start_at
    try:
        body = {"candidate_id": pair[0], "target": {"kind": "employer", "id": pair[1]},
                "message": "banc d'essai"}  # fmt: skip
        if search_first:
            # What a référent does: see the paths (k=3, the dashboard's default), then ask
            # for the first one as shown, on the same connection (so the same worker).
            query = {"candidate_id": pair[0], "target": body["target"], "k": 3}
            status, payload = await conn.request(
                "POST", "/api/v1/paths", token, json.dumps(query).encode()
            )
            found = json.loads(payload).get("paths") if status == 200 else None
            if not found:
                m.fail("search", f"{status} {payload[:200]!r}")
                return
            body["people"] = [h["to_id"] for h in found[0]["hops"]]
            due = time.perf_counter()
        status, payload = await conn.request(
            "POST", "/api/v1/introductions", token, json.dumps(body).encode()
        )
        elapsed = (time.perf_counter() - due) * 1000
        if status != 201:
            m.fail("request", f"{status} {payload[:200]!r}")
            return
        if counted:
            m.latencies["request"].append(elapsed)
        intro = json.loads(payload)
        for _ in intro["hops"]:
            link = await asyncio.to_thread(newest_link, db, intro["id"])
            if link is None:
                m.fail("answer", "no link in the outbox")
                return
            t0 = time.perf_counter()
            status, payload = await conn.request(
                "POST", f"/api/v1/introductions/answer/{link}", token,
                json.dumps({"decision": "accept"}).encode(),
            )  # fmt: skip
            if status != 200:
                m.fail("answer", f"{status} {payload[:200]!r}")
                return
            if counted:
                m.latencies["answer"].append((time.perf_counter() - t0) * 1000)
        m.introduced += 1
    except (TimeoutError, OSError, asyncio.IncompleteReadError, RuntimeError) as exc:
        m.fail("transport", type(exc).__name__)
    finally:
        await conn.close()


async def introductions(
    port: int,
    token: str,
    pairs: list[tuple[str, str]],
    data_dir: Path,
    start_at: float,
    stop_at: float,
    args: argparse.Namespace,
    m: Measures,
) -> None:
    rng = random.Random(args.seed + 17)
    db = sqlite3.connect(data_dir / "introductions.sqlite3", check_same_thread=False)
    tasks: set[asyncio.Task[None]] = set()
    due = time.perf_counter()
    try:
        while due < stop_at:
            now = time.perf_counter()
            if due > now:
                await asyncio.sleep(due - now)
            if len(tasks) < MAX_IN_FLIGHT:
                task = asyncio.create_task(
                    one_introduction(
                        port, token, rng.choice(pairs), due, start_at, db, m, not args.cold
                    )
                )
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            else:
                m.fail("skipped", "too many introductions in flight")
            due += rng.expovariate(args.rate)
        await asyncio.gather(*tasks)
    finally:
        db.close()


async def run(port: int, tokens: dict[str, str], pool: Any, pairs: list, data_dir: Path,
              args: argparse.Namespace) -> tuple[Measures, Results]:  # fmt: skip
    m = Measures()
    started = time.perf_counter()
    start_at, stop_at = started + args.warmup, started + args.warmup + args.seconds
    mix = argparse.Namespace(seed=args.seed, clients=args.clients, rate=0.0,
                             warmup=args.warmup, seconds=args.seconds,
                             max_requests=2_000_000)  # fmt: skip
    load, _ = await asyncio.gather(
        run_load(port, pool, tokens, mix),
        introductions(port, tokens["referent"], pairs, data_dir, start_at, stop_at, args, m),
    )
    return m, load[0]


def row(name: str, values: list[float]) -> dict[str, Any]:
    return {
        "kind": name,
        "count": len(values),
        "p50_ms": round(pct(values, 50), 1) if values else None,
        "p95_ms": round(pct(values, 95), 1) if values else None,
        "p99_ms": round(pct(values, 99), 1) if values else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, help="store to reuse or seed [temp dir]")
    parser.add_argument("--clients", type=int, default=8, help="clients of the api_load mix")
    parser.add_argument("--rate", type=float, default=5.0, help="introductions per second")
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--cold",
        action="store_true",
        help="request without searching first (the request's own search is measured)",
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if not (0 < args.rate <= 200 and 0 < args.seconds <= 3600 and 0 <= args.clients <= 256):
        parser.error("--rate up to 200, --seconds up to 3600, --clients up to 256")
    tmp = None
    if args.data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="intro-bench-")
        args.data_dir = Path(tmp.name)
    try:
        t = time.perf_counter()
        seeded = seed_store(args.data_dir, args.people, args.seed)
        print(f"store {'seeded' if seeded.get('seeded') else 'reused'} in "
              f"{time.perf_counter() - t:.1f} s: {args.data_dir}")  # fmt: skip
        pool = build_pool(args.data_dir, args.seed)
        groupements = referent_groupements(pool)
        tokens = create_tokens(args.data_dir, groupements, "introductions bench")
        candidates = scoped_candidates(args.data_dir, pool.candidates, groupements)
        with running(args.data_dir, args.workers, args.data_dir / "intro.server.log") as server:
            pairs = uvloop.run(find_pairs(server.port, tokens["referent"], candidates,
                                          pool.employers, args.pairs, args.seed))  # fmt: skip
            if not pairs:
                raise SystemExit("no (candidate, employer) pair with a path was found")
            print(f"{len(pairs)} pairs with a path; measuring {args.seconds:.0f} s")
            m, load = uvloop.run(run(server.port, tokens, pool, pairs, args.data_dir, args))
        rows = [row(k, v) for k, v in m.latencies.items()]
        mix = {k: row(k, v) for k, v in load.latencies.items()}
        summary = {
            "people": pool.n_people,
            "rate": args.rate,
            "clients": args.clients,
            "seconds": args.seconds,
            "search_first": not args.cold,
            "introductions": rows,
            "introduced": m.introduced,
            "errors": dict(m.errors),
            "error_samples": m.samples,
            "mix": mix,
            "mix_errors": dict(load.errors),
        }
        for r in rows:
            print(f"{r['kind']:>8}: n={r['count']} p50={r['p50_ms']} p95={r['p95_ms']} "
                  f"p99={r['p99_ms']} ms")  # fmt: skip
        all_mix = [v for values in load.latencies.values() for v in values]
        print(f"introduced: {m.introduced}, errors: {dict(m.errors)} {m.samples}")
        print(f"mix: n={len(all_mix)} p50={pct(all_mix, 50):.1f} p99={pct(all_mix, 99):.1f} ms, "
              f"errors {dict(load.errors)}")  # fmt: skip
        if args.json:
            args.json.write_text(json.dumps(summary, indent=2))
    finally:
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
