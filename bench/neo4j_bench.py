"""The embedded store and Neo4j 5.26 Community side by side, in one run, on the demo seed.

    .venv/bin/python bench/neo4j_bench.py --people 100000 --seed 7 --pairs 200 --k 3

Starts the throw-away Neo4j server of ``tools/neo4j`` (heap 1 GB, page cache 512 MiB,
loopback, no auth; or reuses the one ``make neo4j`` started, **emptying it**), then:

1. **seed**: streams the same demo network (:func:`seed.demo.generate`) into a fresh
   embedded store and into Neo4j, each inside ``bulk()``: wall time, and the peak RSS of
   this Python process and of the Neo4j JVM during each (sampled every 0.1 s with psutil);
2. **view**: a new store object on each, then ``view()``: for Neo4j the whole graph
   streamed over Bolt into the numpy view, for the embedded store read from disk;
3. **paths**: ``--pairs`` (candidate, employer) queries, ``k`` paths, at most 3
   intermediaries, answered three ways: the in-memory engine on the embedded store, the
   same engine on the view streamed from Neo4j, and evaluated in Neo4j
   (:func:`graph.neo4j.paths.find_paths_in_db`, ``PASSERELLE_NEO4J_PATHS_IN_DATABASE``).
   Median and p95 per query, after one warm-up query each (the engine's index is built
   then; its time is reported apart). Every answer must equal the embedded store's
   (version aside): the count of differences is printed and must be 0;
4. **write**: ``--writes`` single-person upserts on each store, median and p95.

Prints a Markdown table; ``--out FILE`` also writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import random
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from graph.embedded import EmbeddedStore  # noqa: E402
from graph.model import Label, Person, PersonStatus, RelType  # noqa: E402
from graph.neo4j import Neo4jStore  # noqa: E402
from graph.neo4j.paths import find_paths_in_db  # noqa: E402
from graph.paths import PathPolicy, Target, find_paths  # noqa: E402
from seed.demo import generate  # noqa: E402
from seed.reference_graph import DEFAULT_AS_OF  # noqa: E402

MIB = 1024 * 1024


def _server_module() -> Any:
    spec = importlib.util.spec_from_file_location("neo4j_server", ROOT / "tools/neo4j/server.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Peaks:
    """Peak RSS of some processes, sampled every 0.1 s in a thread, per phase."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.procs = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.peak = dict.fromkeys(pids, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            self._once()

    def _once(self) -> None:
        for name, proc in self.procs.items():
            with suppress(psutil.Error):
                self.peak[name] = max(self.peak[name], proc.memory_info().rss)

    @contextmanager
    def phase(self) -> Iterator[dict[str, float]]:
        """Peaks (MiB) reached inside the block, filled in when it ends."""
        out: dict[str, float] = {}
        self._once()
        self.peak = {name: proc.memory_info().rss for name, proc in self.procs.items()}
        yield out
        self._once()
        out.update({name: round(value / MIB) for name, value in self.peak.items()})

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def seed_into(store: Any, people: int, seed: int) -> float:
    started = time.perf_counter()
    with store.bulk():
        for batch in generate(people, seed):
            store.write(batch)
    return time.perf_counter() - started


def draw_pairs(store: EmbeddedStore, n: int, seed: int) -> list[tuple[str, str]]:
    """``n`` (candidate, employer with a current employee) pairs, drawn with ``seed``."""
    rng = random.Random(seed)
    view = store.view()
    persons = view.nodes_with_label(Label.PERSON)
    status = view.column(Label.PERSON, "status")
    codes = [list(PersonStatus).index(s) for s in (PersonStatus.CANDIDATE, PersonStatus.BOTH)]
    candidates = [view.ids[i] for i in persons[np.isin(status[persons], codes)].tolist()]
    works = view.rel(RelType.WORKS_AT)
    current = works.columns["until"] == np.iinfo(np.int32).min
    employers = sorted({view.ids[e] for e in works.dst[current].tolist()})
    return [(rng.choice(candidates), rng.choice(employers)) for _ in range(n)]


def comparable(result: Any) -> str:
    data = result.to_dict()
    data.pop("version")
    return json.dumps(data, sort_keys=True, default=str)


def timings(fn: Callable[[str, str], Any], pairs: list[tuple[str, str]]) -> tuple[list, dict]:
    """Answers and per-query milliseconds (after one warm-up query, timed apart)."""
    started = time.perf_counter()
    fn(*pairs[0])
    warm_ms = (time.perf_counter() - started) * 1000
    answers, ms = [], []
    for candidate, employer in pairs:
        started = time.perf_counter()
        answers.append(fn(candidate, employer))
        ms.append((time.perf_counter() - started) * 1000)
    return answers, {
        "first_ms": round(warm_ms, 1),
        "median_ms": round(float(np.median(ms)), 1),
        "p95_ms": round(float(np.percentile(ms, 95)), 1),
        "found": sum(bool(a.paths) for a in answers),
    }


def write_latency(store: Any, n: int, prefix: str) -> dict[str, float]:
    ms = []
    for i in range(n):
        person = Person(id=f"{prefix}-{i:04d}", first_name="Bench", last_name="Write")
        started = time.perf_counter()
        store.upsert_nodes([person])
        ms.append((time.perf_counter() - started) * 1000)
    return {
        "median_ms": round(float(np.median(ms)), 1),
        "p95_ms": round(float(np.percentile(ms, 95)), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--writes", type=int, default=50)
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)

    server = _server_module()
    already = server._read_state()
    state = server.start(None, 300)
    started_here = not (already and already["pid"] == state["pid"])
    print(f"Neo4j {state['version']} Community at {state['uri']} (pid {state['pid']})")
    peaks = Peaks({"python": os.getpid(), "neo4j": state["pid"]})
    policy = PathPolicy(k=args.k, max_intermediaries=3)
    figures: dict[str, Any] = {
        "people": args.people,
        "seed": args.seed,
        "pairs": args.pairs,
        "k": args.k,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / MIB / 1024:.0f} GiB",
        "neo4j": f"{state['version']} Community, heap {server.HEAP},"
        f" page cache {server.PAGECACHE_MB} MiB",
    }
    try:
        with tempfile.TemporaryDirectory(prefix="neo4j-bench-") as tmp:
            data_dir = Path(tmp) / "embedded"
            neo = Neo4jStore(state["uri"], connect_timeout_s=60)
            _empty(state["uri"])
            # 1. seed
            embedded = EmbeddedStore(data_dir)
            with peaks.phase() as mem:
                seconds = seed_into(embedded, args.people, args.seed)
            figures["seed_embedded"] = {"seconds": round(seconds, 1), **_mem(mem)}
            print(f"seed embedded: {figures['seed_embedded']}")
            embedded.close()
            with peaks.phase() as mem:
                seconds = seed_into(neo, args.people, args.seed)
            figures["seed_neo4j"] = {"seconds": round(seconds, 1), **_mem(mem)}
            print(f"seed neo4j: {figures['seed_neo4j']}")
            neo.close()
            # 2. the view, from a new store object
            with peaks.phase() as mem:
                started = time.perf_counter()
                embedded = EmbeddedStore(data_dir)
                embedded.view()
                seconds = time.perf_counter() - started
            figures["view_embedded"] = {"seconds": round(seconds, 2), **_mem(mem)}
            print(f"view embedded: {figures['view_embedded']}")
            neo = Neo4jStore(state["uri"], connect_timeout_s=60)
            with peaks.phase() as mem:
                started = time.perf_counter()
                view = neo.view()
                seconds = time.perf_counter() - started
            figures["view_neo4j"] = {
                "seconds": round(seconds, 2),
                "nodes": len(view.ids),
                "relationships": int(sum(view.rel_counts.values())),
                **_mem(mem),
            }
            print(f"view neo4j: {figures['view_neo4j']}")
            # 3. paths
            pairs = draw_pairs(embedded, args.pairs, args.seed)
            as_of = DEFAULT_AS_OF

            def query(store: Any, db: bool) -> Callable[[str, str], Any]:
                run = find_paths_in_db if db else find_paths
                return lambda c, e: run(store, c, Target.employer(e), policy, as_of)

            reference, figures["paths_embedded"] = timings(query(embedded, False), pairs)
            print(f"paths embedded engine: {figures['paths_embedded']}")
            expected = [comparable(r) for r in reference]
            for name, fn in (
                ("paths_neo4j_view", query(neo, False)),
                ("paths_neo4j_in_database", query(neo, True)),
            ):
                with peaks.phase() as mem:
                    answers, figures[name] = timings(fn, pairs)
                figures[name]["different_answers"] = sum(
                    comparable(a) != e for a, e in zip(answers, expected, strict=True)
                )
                figures[name].update(_mem(mem))
                print(f"{name}: {figures[name]}")
            # 4. one write
            figures["write_embedded"] = write_latency(embedded, args.writes, "bench-e")
            figures["write_neo4j"] = write_latency(neo, args.writes, "bench-n")
            print(f"write: embedded {figures['write_embedded']}, neo4j {figures['write_neo4j']}")
            embedded.close()
            neo.close()
            _empty(state["uri"])
    finally:
        peaks.close()
        if started_here:
            server.stop()
    print()
    print(table(figures))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2) + "\n")
    bad = figures["paths_neo4j_view"]["different_answers"]
    bad += figures["paths_neo4j_in_database"]["different_answers"]
    return 1 if bad else 0


def _mem(mem: dict[str, float]) -> dict[str, float]:
    return {"peak_rss_python_mib": mem["python"], "peak_rss_neo4j_mib": mem["neo4j"]}


#: relationships first, then nodes, in bounded transactions (a transaction lives in the heap)
_WIPE = (
    "MATCH ()-[r]->() WITH r LIMIT 50000 DELETE r RETURN count(*) AS n",
    "MATCH (n) WITH n LIMIT 50000 DELETE n RETURN count(*) AS n",
)


def _empty(uri: str) -> None:
    """Empty the database (it is the throw-away server of tools/neo4j)."""
    import neo4j

    with neo4j.GraphDatabase.driver(uri, auth=None) as driver, driver.session() as session:
        for statement in _WIPE:
            while session.execute_write(lambda tx, q=statement: tx.run(q).single()["n"]):
                pass


def table(f: dict[str, Any]) -> str:
    def paths(key: str) -> str:
        p = f[key]
        extra = f" ({p['different_answers']} different)" if "different_answers" in p else ""
        return f"{p['median_ms']:,} / {p['p95_ms']:,} ms (first {p['first_ms']:,} ms){extra}"

    def mem(p: dict[str, Any], jvm: bool = True) -> str:
        python = f"Python {p['peak_rss_python_mib']:,} MiB"
        return f"{python} + JVM {p['peak_rss_neo4j_mib']:,} MiB" if jvm else python

    rows = [
        ("what", "embedded", "Neo4j"),
        ("---", "---", "---"),
        (
            f"seed {f['people']:,} people (s)",
            f"{f['seed_embedded']['seconds']:,}",
            f"{f['seed_neo4j']['seconds']:,}",
        ),
        ("peak RSS while seeding", mem(f["seed_embedded"], False), mem(f["seed_neo4j"])),
        (
            "view from a new store object (s)",
            f"{f['view_embedded']['seconds']:,}",
            f"{f['view_neo4j']['seconds']:,} (streamed over Bolt)",
        ),
        ("peak RSS while reading the view", mem(f["view_embedded"], False), mem(f["view_neo4j"])),
        (
            f"{f['pairs']} employer path queries, k={f['k']}: median / p95",
            f"engine: {paths('paths_embedded')}",
            f"engine on the streamed view: {paths('paths_neo4j_view')}",
        ),
        ("", "", f"in the database: {paths('paths_neo4j_in_database')}"),
        (
            "one person upsert: median / p95",
            f"{f['write_embedded']['median_ms']} / {f['write_embedded']['p95_ms']} ms",
            f"{f['write_neo4j']['median_ms']} / {f['write_neo4j']['p95_ms']} ms",
        ),
    ]
    return "\n".join("| " + " | ".join(r) + " |" for r in rows)


if __name__ == "__main__":
    sys.exit(main())
