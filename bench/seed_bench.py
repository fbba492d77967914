"""Seeding benchmark: time and peak memory to seed the demo network, and to reopen it.

Each measurement runs in a fresh child process so that its peak RSS is its own. For each
scale the same run also loads the same generated records into a plain networkx graph
(in memory only, nothing durable): the baseline.

    .venv/bin/python bench/seed_bench.py --people 100000 1000000 --seed 7

Prints a Markdown table; ``--out FILE`` also writes it (with the command) to FILE.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker(mode: str, people: int, seed: int, data_dir: str) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    started = time.perf_counter()
    if mode == "store":
        from graph.embedded import EmbeddedStore
        from seed.demo import generate

        store = EmbeddedStore(data_dir)
        records = 0
        with store.bulk():
            for batch in generate(people, seed):
                store.write(batch)
                records += len(batch)
        written = time.perf_counter()
        view = store.view()  # the in-memory graph the algorithms use, built once
        ties = sum(view.rel_counts.values())
        store.close()
        return {
            "seconds": time.perf_counter() - started,
            "write_seconds": written - started,
            "records": records,
            "ties": ties,
            "knows": len(view.rel(_knows())),
            "peak_rss_mib": _peak_rss_mib(),
        }
    if mode == "reopen":
        from graph.embedded import EmbeddedStore

        store = EmbeddedStore(data_dir)
        view = store.view()
        ties = sum(view.rel_counts.values())
        store.close()
        return {
            "seconds": time.perf_counter() - started,
            "ties": ties,
            "peak_rss_mib": _peak_rss_mib(),
        }
    if mode == "networkx":
        import networkx as nx
        import numpy as np

        from seed.demo import generate

        # The baseline holds what the algorithms need in memory: every node with its label
        # and the KNOWS ties with their properties, as networkx dictionaries.
        g = nx.Graph()
        knows = _knows()
        for batch in generate(people, seed):
            g.add_nodes_from((n.id, {"label": n.label.value}) for n in batch.nodes)
            for frame in batch.frames:
                if frame.type != knows:
                    continue
                names = list(frame.columns)
                cols = [np.asarray(frame.columns[name]).tolist() for name in names]
                g.add_edges_from(
                    (s, d, dict(zip(names, values, strict=True)))
                    for s, d, *values in zip(
                        np.asarray(frame.src).tolist(),
                        np.asarray(frame.dst).tolist(),
                        *cols,
                        strict=True,
                    )
                )
        return {
            "seconds": time.perf_counter() - started,
            "ties": g.number_of_edges(),
            "peak_rss_mib": _peak_rss_mib(),
        }
    raise SystemExit(f"unknown mode {mode}")


def _knows():  # imported late so that the parent process stays light
    from graph.model import RelType

    return RelType.KNOWS


def _run_child(mode: str, people: int, seed: int, data_dir: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", mode, str(people), str(seed), data_dir],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-baseline", action="store_true", help="do not run networkx")
    parser.add_argument("--work-dir", default=None, help="where to put the stores (default: tmp)")
    parser.add_argument("--out", default=None, help="also write the Markdown table here")
    parser.add_argument("--worker", nargs=4, metavar=("MODE", "PEOPLE", "SEED", "DIR"))
    args = parser.parse_args()
    if args.worker:
        mode, people, seed, data_dir = args.worker
        print(json.dumps(_worker(mode, int(people), int(seed), data_dir)))
        return

    command = "python bench/seed_bench.py " + " ".join(sys.argv[1:])
    lines = [
        f"Command: `{command}`  ",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, "
        f"{__import__('os').cpu_count()} cores",
        "",
        "| people | what | relationships | time (s) | peak RSS (MiB) |",
        "|---:|---|---:|---:|---:|",
    ]
    for people in args.people:
        work = Path(args.work_dir or tempfile.mkdtemp(prefix="passerelle-bench-"))
        data_dir = work / f"seed-{people}"
        shutil.rmtree(data_dir, ignore_errors=True)
        seeded = _run_child("store", people, args.seed, str(data_dir))
        lines.append(
            f"| {people:,} | embedded store: generate + write + build view | {seeded['ties']:,} "
            f"({seeded['knows']:,} KNOWS) "
            f"| {seeded['seconds']:.1f} (writes {seeded['write_seconds']:.1f}) "
            f"| {seeded['peak_rss_mib']:,.0f} |"
        )
        print(lines[-1], flush=True)
        reopened = _run_child("reopen", people, args.seed, str(data_dir))
        lines.append(
            f"| {people:,} | embedded store: reopen + rebuild view | {reopened['ties']:,} "
            f"| {reopened['seconds']:.1f} | {reopened['peak_rss_mib']:,.0f} |"
        )
        print(lines[-1], flush=True)
        if not args.skip_baseline:
            base = _run_child("networkx", people, args.seed, str(data_dir))
            lines.append(
                f"| {people:,} | baseline: nodes + KNOWS into networkx.Graph (memory only) "
                f"| {base['ties']:,} | {base['seconds']:.1f} | {base['peak_rss_mib']:,.0f} |"
            )
            print(lines[-1], flush=True)
        if args.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    table = "\n".join(lines)
    print(table)
    if args.out:
        Path(args.out).write_text(table + "\n")


if __name__ == "__main__":
    main()
