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
  ``--groupements``), and from a cold cache: every coverage cache emptied before each
  call, so the call builds a state focused on that groupement (median over the same
  groupements, and the largest délégation on its own: the path index stays warm, it is
  shared with path queries, and so does the version's relay graph and contacts,
  :func:`graph.coverage.reach.as_is`); "colder": the same with the relay graph and
  contacts rebuilt too (``relay_graph_s`` alone);
* **what-if**: one hypothetical change, before/after included, from the cached national
  state: a tie between two random people (median over ``--whatifs`` runs), a charter
  (the first missing one of the national gaps), consent granted by / a job and helper
  status given to a random person who had not consented (median over ``--whatifs``),
  a référent named (the first ``name_referent`` gap). For a tie, a charter and a
  helper, the incremental result is compared with a full recompute of the state on the
  overlay (``whatif_agrees``); the memory the kept propagation layers take is reported;
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

from graph.coverage import reach as R  # noqa: E402
from graph.coverage import service as S  # noqa: E402
from graph.coverage import whatif as W  # noqa: E402
from graph.coverage.whatif import (  # noqa: E402
    AddHelper,
    AddReferent,
    AddTie,
    GrantConsent,
    SignCharter,
)
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


def same(a, b) -> bool:
    """Incremental and full what-if states agree: layers, paths, reach of contacts/offers."""
    layers = all(
        np.array_equal(x, y)
        for x, y in zip((*a.back.y, *a.fwd.x), (*b.back.y, *b.fwd.x), strict=True)
    )
    return bool(
        layers
        and np.array_equal(a.back.covered, b.back.covered)
        and np.array_equal(a.people_reach, b.people_reach)
        and np.array_equal(a.offer_reach, b.offer_reach)
    )


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
    S.clear_cache()
    t0 = time.perf_counter()
    state = S.coverage_state(store, as_of)
    out["state_s"] = time.perf_counter() - t0
    out["layers_mib"] = sum(a.nbytes for a in (*state.back.y, *state.fwd.x)) / 2**20
    rng = np.random.default_rng(seed)
    ids = [g.id for g in report.groupements]
    sizes = {g.id: g.candidates for g in report.groupements}
    sample = rng.choice(ids, size=min(args.groupements, len(ids)), replace=False).tolist()
    times = []
    for gid in sample:
        t0 = time.perf_counter()
        S.coverage(store, S.Scope.groupement(gid), as_of)
        times.append(time.perf_counter() - t0)
    out["one_groupement_warm_median_s"] = statistics.median(times)
    cold: dict[str, float] = {}
    cold_cpu: dict[str, float] = {}
    colder: dict[str, float] = {}
    largest = max(ids, key=lambda g: sizes[g])
    for gid in [*sample, largest]:
        S.clear_cache()
        t0, c0 = time.perf_counter(), time.process_time()
        got = S.coverage(store, S.Scope.groupement(gid), as_of).total
        cold[gid], cold_cpu[gid] = time.perf_counter() - t0, time.process_time() - c0
        assert got == next(c for c in report.groupements if c.id == gid)
        # colder: the relay graph and contacts of the version rebuilt too
        S.clear_cache()
        R.clear_as_is()
        t0 = time.perf_counter()
        S.coverage(store, S.Scope.groupement(gid), as_of)
        colder[gid] = time.perf_counter() - t0
    out["one_groupement_colder_median_s"] = statistics.median(colder[g] for g in sample)
    out["one_groupement_colder_max_s"] = max(colder[g] for g in sample)
    out["largest_colder_s"] = colder[largest]
    R.clear_as_is()
    t0 = time.perf_counter()
    R.as_is(index, day_number(as_of))
    out["relay_graph_s"] = time.perf_counter() - t0
    out["one_groupement_cold_median_s"] = statistics.median(cold[g] for g in sample)
    out["one_groupement_cold_median_cpu_s"] = statistics.median(cold_cpu[g] for g in sample)
    out["one_groupement_cold_max_s"] = max(cold[g] for g in sample)
    out["one_groupement_cold"] = sorted((sizes[g], round(cold[g], 3)) for g in sample)
    out["largest_cold_s"] = cold[largest]
    out["largest_cold_cpu_s"] = cold_cpu[largest]
    out["largest"] = f"{largest} ({sizes[largest]} candidates)"
    S.clear_cache()
    state = S.coverage_state(store, as_of)
    S.coverage(store, S.Scope.national(), as_of)  # the rows a what-if reports as "before"

    persons = view.nodes_with_label(Label.PERSON)
    employers = view.nodes_with_label(Label.EMPLOYER)
    pid = view.ids
    agrees = []

    cpu: dict[str, list[float]] = {}

    def timed(changes, check: bool = False) -> float:
        t0, c0 = time.perf_counter(), time.process_time()
        S.what_if(store, changes, as_of)
        spent = time.perf_counter() - t0
        cpu.setdefault(changes[0].kind, []).append(time.process_time() - c0)
        if check:
            agrees.append(same(W.apply(state, changes), W.apply_full(state, changes)))
        return spent

    ties = [rng.choice(persons, size=2, replace=False).tolist() for _ in range(args.whatifs)]
    out["whatif_tie_median_s"] = statistics.median(
        [timed([AddTie(pid[a], pid[b])], check=i == 0) for i, (a, b) in enumerate(ties)]
    )
    gaps = S.gaps(store, S.Scope.national(), as_of).gaps
    charter = next((g for g in gaps if g.action.kind == "sign_charter"), None)
    if charter is not None:
        p = charter.action.params
        change = [SignCharter(str(p["groupement"]), str(p["delegation"]))]
        out["whatif_charter_s"] = timed(change, check=True)
    quiet = persons[~state.index.consent[persons]]
    people = rng.choice(quiet, size=args.whatifs, replace=False).tolist()
    jobs = rng.choice(employers, size=args.whatifs).tolist()
    out["whatif_consent_median_s"] = statistics.median(
        timed([GrantConsent(pid[q])]) for q in people
    )
    out["whatif_helper_median_s"] = statistics.median(
        timed([AddHelper(pid[q], pid[e])], check=i == 0)
        for i, (q, e) in enumerate(zip(people, jobs, strict=True))
    )
    referent = next(
        (g for g in gaps if g.action.kind == "name_referent" and g.action.params.get("person")),
        None,
    )
    if referent is not None:
        p = referent.action.params
        out["whatif_referent_s"] = timed([AddReferent(str(p["groupement"]), str(p["person"]))])
    out["whatif_agrees"] = all(agrees)
    out["whatif_cpu_median_s"] = {k: statistics.median(v) for k, v in cpu.items()}
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
