"""Benchmark of coverage analytics on the seeded national network, with the naive baseline.

    .venv/bin/python bench/coverage_bench.py --people 100000 1000000 --seed 7 --data-dir /tmp/cov

Each size runs in its own child process (its own peak RSS). A store is reused from
``DATA_DIR/p{people}`` when it holds people, else seeded there with
``python -m seed.demo`` (about 3 minutes at 1M). Timed, at the seed's date:

* **load**: the view and the path engine's index (shared with path queries, cached per
  version; not coverage's own cost, shown apart);
* **state**: the coverage state (every candidate's reachability, forward reach of every
  groupement, lookups): what the first coverage call after a write pays;
* **national**: :func:`graph.coverage.service.coverage` for the whole country (every
  groupement, département and région, and the total) from a cold cache, state included;
* **one groupement**: coverage of one groupement from the cached state (median over
  ``--groupements``), and from a cold cache (state included, one run);
* **what-if**: one hypothetical change (a tie between two random people; a charter),
  median over ``--whatifs`` runs, before/after included;
* **naive baseline**: one path query per candidate and target
  (:func:`graph.paths.engine.find`, k=1, no alternatives, the same index), stopping at
  the first target found. It runs on ``--sample`` random candidates and is extrapolated
  to all candidates (time per candidate × candidates); the sample's answers are
  compared with the coverage state's.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from graph.coverage import service as S  # noqa: E402
from graph.coverage.whatif import AddTie, SignCharter  # noqa: E402
from graph.embedded import EmbeddedStore  # noqa: E402
from graph.model import Label, RelType  # noqa: E402
from graph.paths import PathPolicy, engine, path_index  # noqa: E402
from graph.view import day_number  # noqa: E402
from seed.reference_graph import DEFAULT_AS_OF  # noqa: E402


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ensure_store(people: int, seed: int, base: Path) -> Path:
    path = base / f"p{people}"
    if path.exists():
        with EmbeddedStore(path) as store:
            if store.counts().nodes.get(Label.PERSON, 0) >= people:
                return path
    cmd = [
        sys.executable,
        "-m",
        "seed.demo",
        "--people",
        str(people),
        "--seed",
        str(seed),
        "--dir",
        str(path),
    ]
    subprocess.run(cmd, check=True, cwd=ROOT)
    return path


def naive(store, state, sample: np.ndarray, as_of: date) -> tuple[float, list[bool]]:
    """One engine query per candidate and target, first success wins."""
    index = state.index
    day = day_number(as_of)
    view = state.view
    policy = PathPolicy(k=1)
    targets = state.back.targets
    employers = view.nodes_with_label(Label.EMPLOYER)
    sectors = view.rel(RelType.IN_SECTOR)
    answers = []
    t0 = time.perf_counter()
    for i in sample.tolist():
        c = int(state.members.cand[i])
        found = False
        for t in np.flatnonzero(
            [
                (state.back.wants[b >> 6, i] >> np.uint64(b & 63)) & np.uint64(1)
                for b in range(len(targets.nodes))
            ]
        ).tolist():
            node = int(targets.nodes[t])
            if targets.is_bassin[t]:
                emps = employers[index.bassin_of[employers] == node]
            else:
                emps = np.unique(sectors.sources(node))
            target = engine.employers_target(index, emps, day)
            if engine.find(index, c, target, policy, day, alternatives=False).paths:
                found = True
                break
        answers.append(found)
    return time.perf_counter() - t0, answers


def run_one(people: int, seed: int, base: Path, args: argparse.Namespace) -> dict:
    as_of = DEFAULT_AS_OF
    path = ensure_store(people, seed, base)
    out: dict = {"people": people}
    t0 = time.perf_counter()
    store = EmbeddedStore(path)
    view = store.view()
    index = path_index(store, view)
    index.warm(day_number(as_of))
    out["load_s"] = time.perf_counter() - t0
    out["rss_after_load_mib"] = peak_mib()

    t0 = time.perf_counter()
    report = S.coverage(store, S.Scope.national(), as_of)
    out["national_s"] = time.perf_counter() - t0
    out["groupements"] = len(report.groupements)
    out["candidates"] = report.total.candidates
    out["share_with_path"] = report.total.share_with_path
    S._STATES.clear()
    t0 = time.perf_counter()
    state = S.coverage_state(store, as_of)
    out["state_s"] = time.perf_counter() - t0
    S._STATES.clear()
    rng = np.random.default_rng(seed)
    ids = [g.id for g in report.groupements]
    t0 = time.perf_counter()
    S.coverage(store, S.Scope.groupement(ids[0]), as_of)
    out["one_groupement_cold_s"] = time.perf_counter() - t0
    times = []
    for gid in rng.choice(ids, size=min(args.groupements, len(ids)), replace=False).tolist():
        t0 = time.perf_counter()
        S.coverage(store, S.Scope.groupement(gid), as_of)
        times.append(time.perf_counter() - t0)
    out["one_groupement_warm_median_s"] = statistics.median(times)
    state = S.coverage_state(store, as_of)

    persons = view.nodes_with_label(Label.PERSON)
    times = []
    for _ in range(args.whatifs):
        a, b = rng.choice(persons, size=2, replace=False).tolist()
        t0 = time.perf_counter()
        S.what_if(store, [AddTie(view.ids[a], view.ids[b])], as_of)
        times.append(time.perf_counter() - t0)
    out["whatif_tie_median_s"] = statistics.median(times)
    gaps = S.gaps(store, S.Scope.national(), as_of).gaps
    charter = next((g for g in gaps if g.action.kind == "sign_charter"), None)
    if charter is not None:
        p = charter.action.params
        t0 = time.perf_counter()
        S.what_if(store, [SignCharter(str(p["groupement"]), str(p["delegation"]))], as_of)
        out["whatif_charter_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    S.national_actions(store, as_of)
    out["national_actions_s"] = time.perf_counter() - t0

    n_cand = len(state.members.cand)
    sample = rng.choice(n_cand, size=min(args.sample, n_cand), replace=False)
    spent, answers = naive(store, state, sample, as_of)
    out["naive_sample"] = len(sample)
    out["naive_sample_s"] = spent
    out["naive_all_extrapolated_s"] = spent / len(sample) * n_cand
    out["naive_agrees"] = bool(
        all(a == bool(state.back.covered[i]) for a, i in zip(answers, sample.tolist(), strict=True))
    )
    out["peak_rss_mib"] = peak_mib()
    store.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, nargs="+", default=[100_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/coverage-bench"))
    parser.add_argument("--groupements", type=int, default=9)
    parser.add_argument("--whatifs", type=int, default=3)
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(run_one(args.one, args.seed, args.data_dir, args)))
        return
    args.data_dir.mkdir(parents=True, exist_ok=True)
    for people in args.people:
        cmd = [
            sys.executable,
            __file__,
            "--one",
            str(people),
            "--seed",
            str(args.seed),
            "--data-dir",
            str(args.data_dir),
            "--groupements",
            str(args.groupements),
            "--whatifs",
            str(args.whatifs),
            "--sample",
            str(args.sample),
        ]
        line = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        result = json.loads(line.strip().splitlines()[-1])
        print(json.dumps(result, indent=2), flush=True)


if __name__ == "__main__":
    main()
