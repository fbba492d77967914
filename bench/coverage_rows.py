"""What the national coverage report costs once a write has made its rows stale.

    .venv/bin/passerelle --data-dir /tmp/p100k seed --people 100000
    git worktree add /tmp/baseline <commit>
    .venv/bin/python bench/coverage_rows.py --data-dir /tmp/p100k --baseline-tree /tmp/baseline

After a write, the national report measures its rows again: every département and région
(a national groupement's change can move any of them) and the groupements the write may
have moved. This times :func:`graph.coverage.service.coverage` for the whole country with
every row of the current state's entry forgotten before each call (the state itself is
kept: its derivation is timed by ``bench/write_cost.py --coverage``), ``--repeat`` times,
and prints median, p95 and p99.

Each code tree runs in its own child process, this checkout's first, then
``--baseline-tree`` (an older checkout, put first on ``PYTHONPATH``) when given, on the
same store, and the two are printed side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2025, 6, 1)


def _child(data_dir: Path, repeat: int) -> dict[str, object]:
    import graph
    from graph.coverage import service
    from graph.embedded import EmbeddedStore

    national = service.Scope.national()
    with EmbeddedStore(data_dir) as store:
        service.coverage(store, national, AS_OF, exact=True)
        entry = service._entry(store, AS_OF, exact=True)
        times = []
        for _ in range(repeat):
            entry.rows.clear()
            entry.areas.clear()
            entry.national = None
            started = time.perf_counter()
            report = service.coverage(store, national, AS_OF, exact=True)
            times.append((time.perf_counter() - started) * 1000)
        rows = len(report.groupements) + len(report.departements) + len(report.regions)
    return {"code": str(Path(graph.__file__).parent.parent), "rows": rows, "ms": times}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _run(tree: Path, data_dir: Path, repeat: int) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), str(ROOT)])}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child"]
    cmd += ["--data-dir", str(data_dir), "--repeat", str(repeat)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{tree}: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="a seeded embedded store")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--baseline-tree", type=Path, help="an older checkout to compare")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.data_dir, args.repeat)))
        return
    trees = [("this checkout", ROOT)]
    if args.baseline_tree:
        trees.append(("baseline", args.baseline_tree.resolve()))
    results = [(name, _run(tree, args.data_dir, args.repeat)) for name, tree in trees]
    print(f"national report, every row measured again, {args.repeat} times ({args.data_dir})")
    print(f"{'':15s} {'rows':>5s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s}  code")
    for name, found in results:
        ms = [float(v) for v in found["ms"]]  # type: ignore[attr-defined]
        print(
            f"{name:15s} {found['rows']:>5} {statistics.median(ms):8.1f}"
            f" {_percentile(ms, 0.95):8.1f} {_percentile(ms, 0.99):8.1f}  {found['code']}"
        )


if __name__ == "__main__":
    main()
