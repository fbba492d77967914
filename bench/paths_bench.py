"""Benchmark of the referral-path engine against plain networkx, on the seeded national network.

    .venv/bin/python bench/paths_bench.py --people 100000 --seed 7 --pairs 200 --k 3

Seeds a store with :func:`seed.demo.generate` (or reuses ``--data-dir`` when it already
holds people), draws ``--pairs`` random (candidate, target) pairs for each of the four
target kinds, and prints median and p95 latency of k-path queries for:

* **engine**: :func:`graph.paths.engine.find` on the cached index (target resolution,
  the k diverse paths, and on a miss the reason and the alternatives), i.e. what
  :func:`graph.paths.find_paths` spends outside the store's record lookups;
* **service**: :func:`graph.paths.find_paths` end to end (employer queries; adds
  reading names and ties from SQLite and writing the French explanations);
* **networkx k**: ``networkx.shortest_simple_paths`` with the same hop costs on the
  graph of people who consented (plus the candidate), ending at a sink joined to the
  target's eligible contacts, keeping paths within the hop limit until k are found;
* **networkx 1**: one unweighted ``networkx.bidirectional_shortest_path`` on that graph.

The networkx queries take seconds each, so they run on the first ``--baseline-pairs``
pairs of each kind (the same pairs the engine answers), and give up on a query after
``--baseline-paths`` paths generated. Peak RSS is reported after each phase.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

import networkx as nx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from graph.embedded import EmbeddedStore  # noqa: E402
from graph.model import Label, PersonStatus, RelType  # noqa: E402
from graph.paths import (  # noqa: E402
    PathPolicy,
    Target,
    engine,
    find_paths,
    path_index,
)
from graph.paths.index import PathIndex  # noqa: E402
from graph.view import day_number  # noqa: E402
from seed.demo import generate  # noqa: E402
from seed.reference_graph import DEFAULT_AS_OF  # noqa: E402

KINDS = ("employer", "offer", "person", "set")
#: a target's node number, or (sector, bassin) node numbers for a "set" target
TargetNodes = int | tuple[int, int]
T = TypeVar("T")


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed_store(data_dir: Path, people: int, seed: int) -> EmbeddedStore:
    store = EmbeddedStore(data_dir)
    if store.counts().nodes.get(Label.PERSON, 0) > 0:
        print(f"reusing the seeded store in {data_dir}")
        return store
    started = time.perf_counter()
    for batch in generate(people, seed):
        store.write(batch)
    print(f"seeded {people:,} people in {time.perf_counter() - started:.1f} s into {data_dir}")
    return store


def draw_pairs(
    index: PathIndex, n: int, seed: int, day: int
) -> dict[str, list[tuple[int, TargetNodes]]]:
    """``n`` random (candidate, target) pairs per kind; targets have someone inside."""
    view = index.view
    rng = np.random.default_rng(seed)
    persons = view.nodes_with_label(Label.PERSON)
    status = view.column(Label.PERSON, "status")
    codes = [list(PersonStatus).index(s) for s in (PersonStatus.CANDIDATE, PersonStatus.BOTH)]
    candidates = persons[np.isin(status[persons], codes)]
    works = view.rel(RelType.WORKS_AT)
    current = works.columns["until"] == np.iinfo(np.int32).min
    staffed = np.unique(works.dst[current])
    offers = view.nodes_with_label(Label.JOB_OFFER)
    in_sector = view.rel(RelType.IN_SECTOR)
    sets = sorted(
        {
            (int(s), int(index.bassin_of[e]))
            for e, s in zip(in_sector.src, in_sector.dst, strict=True)
            if index.bassin_of[e] >= 0 and e in set(staffed.tolist())
        }
    )
    pairs: dict[str, list[tuple[int, TargetNodes]]] = {k: [] for k in KINDS}
    for _ in range(n):
        pairs["employer"].append((int(rng.choice(candidates)), int(rng.choice(staffed))))
        pairs["offer"].append((int(rng.choice(candidates)), int(rng.choice(offers))))
        pairs["person"].append((int(rng.choice(candidates)), int(rng.choice(persons))))
        pairs["set"].append((int(rng.choice(candidates)), sets[int(rng.integers(len(sets)))]))
    for i, (c, p) in enumerate(pairs["person"]):
        if c == p:
            pairs["person"][i] = (c, int(persons[(np.searchsorted(persons, p) + 1) % len(persons)]))
    return pairs


def target_set(index: PathIndex, kind: str, target: TargetNodes, day: int) -> engine.TargetSet:
    if isinstance(target, tuple):  # kind "set"
        sector, bassin = target
        return engine.set_target(index, sector, bassin, day)
    if kind == "employer":
        return engine.employer_target(index, target, day)
    if kind == "offer":
        return engine.offer_target(index, target, day)
    return engine.person_target(index, target)


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    t = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t) * 1000, out


def stats(ms: list[float]) -> str:
    if not ms:
        return "-"
    return f"{np.median(ms):,.1f} / {np.percentile(ms, 95):,.1f}"


def build_networkx(index: PathIndex, policy: PathPolicy, day: int) -> nx.Graph:
    """Consenting people and the ties between them, weighted by the engine's hop costs."""
    costs = index.costs(policy.costs, day)
    src = np.repeat(np.arange(index.n), np.diff(index.ptr))
    keep = (src < index.nbr) & index.consent[src] & index.consent[index.nbr]
    g = nx.Graph()
    g.add_nodes_from(np.flatnonzero(index.consent).tolist())
    edges = sorted(
        zip(src[keep].tolist(), index.nbr[keep].tolist(), costs[keep].tolist(), strict=True),
        key=lambda e: -e[2],
    )  # the cheaper of parallel ties is added last and kept
    g.add_weighted_edges_from(edges)
    return g


def networkx_query(
    g: nx.Graph,
    index: PathIndex,
    c: int,
    contacts: np.ndarray,
    costs: np.ndarray,
    k: int,
    max_hops: int,
    max_paths: int,
    weighted: bool,
) -> int:
    """Paths found by plain networkx for one query (the graph is restored afterwards)."""
    sink = -1
    # The candidate and a person target need not have consented: add them with their ties.
    added = [int(u) for u in {c, *(contacts.tolist() if len(contacts) == 1 else [])} if u not in g]
    for u in added:
        pos = np.arange(index.ptr[u], index.ptr[u + 1])
        g.add_node(u)
        g.add_weighted_edges_from(
            (u, int(v), int(w))
            for v, w in zip(index.nbr[pos], costs[pos], strict=True)
            if int(v) in g
        )
    g.add_weighted_edges_from((int(t), sink, 0) for t in contacts if int(t) != c)
    if sink not in g:
        g.add_node(sink)
    try:
        if not weighted:
            return int(bool(nx.bidirectional_shortest_path(g, c, sink)))
        found = 0
        for n, path in enumerate(nx.shortest_simple_paths(g, c, sink, weight="weight")):
            if len(path) - 2 <= max_hops:
                found += 1
            if found >= k or n + 1 >= max_paths:
                break
        return found
    except nx.NetworkXNoPath:
        return 0
    finally:
        g.remove_node(sink)
        g.remove_nodes_from(added)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pairs", type=int, default=200, help="random pairs per target kind")
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--max-intermediaries", type=int, default=3)
    parser.add_argument(
        "--data-dir", type=Path, help="store to reuse or to seed (default: a temp dir)"
    )
    parser.add_argument(
        "--baseline-pairs", type=int, default=30, help="pairs per kind for networkx"
    )
    parser.add_argument(
        "--baseline-paths",
        type=int,
        default=50,
        help="give up a networkx query after this many generated paths",
    )
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or Path(tmp) / "store"
        t, store = timed(lambda: seed_store(data_dir, args.people, args.seed))
        print(f"store open (or seed) and first view: {t / 1000:.1f} s")
        as_of: date = DEFAULT_AS_OF
        day = day_number(as_of)
        policy = PathPolicy(k=args.k, max_intermediaries=args.max_intermediaries)

        view = store.view()
        print(
            f"{view.node_counts[Label.PERSON]:,} people, "
            f"{view.rel_counts[RelType.KNOWS]:,} KNOWS ties; peak RSS {peak_rss_mib():,.0f} MiB"
        )
        t, index = timed(lambda: path_index(store, view))
        assert isinstance(index, PathIndex)
        # The service warms hop costs and référent bridges for today; the benchmark asks
        # at the seed's date, so it warms them for that day too before timing queries.
        t2, _ = timed(lambda: index.warm(day, policy.costs))
        print(
            f"path index: {t / 1000:.1f} s (built and warmed for today), "
            f"{t2 / 1000:.1f} s more to warm for {as_of}; peak RSS {peak_rss_mib():,.0f} MiB"
        )

        pairs = draw_pairs(index, args.pairs, args.seed, day)
        rows: dict[str, dict[str, str]] = {}
        found: dict[str, int] = {}
        engine_ms: dict[str, list[float]] = {}
        for kind in KINDS:
            ms = []
            hits = 0
            for c, target in pairs[kind]:
                elapsed, out = timed(
                    lambda c=c, target=target, kind=kind: engine.find(
                        index, c, target_set(index, kind, target, day), policy, day
                    )
                )
                ms.append(elapsed)
                hits += bool(out.paths)
            engine_ms[kind] = ms
            found[kind] = hits
            rows[kind] = {"engine": stats(ms)}
        service_ms = []
        for c, e in pairs["employer"]:
            elapsed, _ = timed(
                lambda c=c, e=e: find_paths(
                    store, view.ids[c], Target.employer(view.ids[e]), policy, as_of
                )
            )
            service_ms.append(elapsed)
        rows["employer"]["service"] = stats(service_ms)
        print(f"engine done; peak RSS {peak_rss_mib():,.0f} MiB")

        if not args.no_baseline:
            t, g = timed(lambda: build_networkx(index, policy, day))
            print(
                f"networkx graph: {t / 1000:.1f} s, {g.number_of_nodes():,} nodes, "
                f"{g.number_of_edges():,} edges; peak RSS {peak_rss_mib():,.0f} MiB"
            )
            costs = index.costs(policy.costs, day)
            for kind in KINDS:
                for weighted, name in ((True, "networkx k"), (False, "networkx 1")):
                    ms = []
                    for c, target in pairs[kind][: args.baseline_pairs]:
                        ts = target_set(index, kind, target, day)
                        contacts = (
                            ts.people if kind == "person" else ts.people[index.consent[ts.people]]
                        )
                        elapsed, _ = timed(
                            lambda c=c, contacts=contacts, weighted=weighted: networkx_query(
                                g,
                                index,
                                c,
                                contacts,
                                costs,
                                args.k,
                                policy.max_hops,
                                args.baseline_paths,
                                weighted,
                            )
                        )
                        ms.append(elapsed)
                    rows[kind][name] = stats(ms)
                    if weighted:
                        engine_median = float(np.median(engine_ms[kind][: args.baseline_pairs]))
                        rows[kind]["speed-up"] = f"{np.median(ms) / engine_median:,.0f}x"
                print(f"networkx {kind} done")

        print()
        print(
            f"{view.node_counts[Label.PERSON]:,} people, k={args.k}, at most "
            f"{args.max_intermediaries} intermediaries, {args.pairs} pairs per kind "
            f"(networkx: first {args.baseline_pairs}); median / p95 in ms; peak RSS "
            f"{peak_rss_mib():,.0f} MiB"
        )
        cols = ["engine", "service", "networkx k", "networkx 1", "speed-up"]
        print("| target | found | " + " | ".join(cols) + " |")
        print("|---|---|" + "---|" * len(cols))
        for kind in KINDS:
            cells = [rows[kind].get(col, "-") for col in cols]
            print(f"| {kind} | {found[kind]}/{args.pairs} | " + " | ".join(cells) + " |")
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
