"""What one write costs the next path query, on one process (no server).

    .venv/bin/passerelle --data-dir /tmp/p100k seed --people 100000
    .venv/bin/python bench/write_cost.py --data-dir /tmp/p100k --writes 50

Copies the store to a temporary directory, answers one path query (the index is built),
then for each kind of write (a member update, a new tie, a new employment) does
``--writes`` writes, each followed by a path query: the first query after a write pays for
the new version's view and search index. Prints median and p95 of the commit, of that
first query and of a second query on the same version, and the process RSS at the end.

``--neo4j-uri bolt://...`` measures a Neo4j store instead (seeded beforehand with
``PASSERELLE_STORE=neo4j NEO4J_URI=... passerelle seed --people 20000``; the writes stay
in that database, ``NEO4J_USER``/``NEO4J_PASSWORD`` are read as usual): the first query
after a write then also pays for reading the change log from the server.

``--coverage`` times the national coverage report instead of a path query, after a
member update (capacity and monthly load), a new tie and a consent withdrawal: the
first report after the write (labelled ``current=False`` when it comes from the newest
complete state while a rebuild runs: counted), then, when the code has background
rebuilds, the wait until the current version's figures are in (``exact``)::

    .venv/bin/python bench/write_cost.py --data-dir /tmp/p100k --writes 30 --coverage

``--rebuild`` declines every derived index (``PathIndex.updated`` returns None), so each
new version's index is built afresh, as before derived indexes; to measure an older
checkout as it was, put its tree first on ``PYTHONPATH`` (its ``graph`` is then imported).
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if importlib.util.find_spec("graph") is None:
    sys.path.insert(0, str(ROOT))

import graph  # noqa: E402
from graph.coverage import service as coverage_service  # noqa: E402
from graph.embedded import EmbeddedStore  # noqa: E402
from graph.model import Knows, Label, WorksAt  # noqa: E402
from graph.paths import PathPolicy, Target, find_paths  # noqa: E402
from graph.paths.index import PathIndex  # noqa: E402
from graph.store import GraphStore  # noqa: E402

AS_OF = date(2025, 6, 1)


def _ms(f: Callable[[], object]) -> float:
    t = time.perf_counter()
    f()
    return (time.perf_counter() - t) * 1000


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def _stats(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered):8.1f} ms   p95 {p95:8.1f} ms"


@contextmanager
def _store(data_dir: Path | None, neo4j_uri: str | None) -> Iterator[GraphStore]:
    """A copy of the embedded store at ``data_dir``, or the Neo4j store at ``neo4j_uri``."""
    if neo4j_uri:
        from graph.neo4j import Neo4jStore
        from graph.settings import Settings

        store = Neo4jStore.from_settings(Settings(store="neo4j", neo4j_uri=neo4j_uri))
        try:
            yield store
        finally:
            store.close()
        return
    assert data_dir is not None
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "store"
        shutil.copytree(data_dir, data)
        with EmbeddedStore(data) as embedded:
            yield embedded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--data-dir", type=Path, help="an embedded store (copied first)")
    where.add_argument("--neo4j-uri", help="a seeded Neo4j database (written to)")
    parser.add_argument("--writes", type=int, default=50)
    parser.add_argument("--rebuild", action="store_true", help="build every index afresh")
    parser.add_argument("--coverage", action="store_true", help="time national coverage")
    args = parser.parse_args()
    if args.rebuild:
        PathIndex.updated = lambda *a, **k: None  # type: ignore[method-assign]
    print(f"code: {Path(graph.__file__).parent.parent}  rebuild: {args.rebuild}")
    with _store(args.data_dir, args.neo4j_uri) as store:
        view = store.view()
        people = [str(view.ids[int(n)]) for n in view.nodes_with_label(Label.PERSON)]
        employers = [str(view.ids[int(n)]) for n in view.nodes_with_label(Label.EMPLOYER)]
        policy = PathPolicy()
        candidate, target = people[0], Target.employer(employers[0])

        def query() -> None:
            find_paths(store, candidate, target, policy, AS_OF)

        print(f"{len(people):,} people; first query (index built) {_ms(query):.0f} ms")
        n = args.writes
        if args.coverage:
            _coverage_mode(store, people, n)
            print(f"RSS at the end: {_rss_mb():,.0f} MB")
            return

        def member(i: int) -> None:
            record = store.get(people[1 + i])
            assert record is not None
            update = {"consent_introducer": i % 2 == 0, "monthly_load": i % 4}
            store.upsert_nodes([record.model_copy(update=update)])

        def tie(i: int) -> None:
            a, b = sorted((people[1 + i], people[len(people) // 2 + 7 * i]))
            store.upsert_relationships([Knows(src=a, dst=b, strength=0.8, source="event")])

        def employment(i: int) -> None:
            employer = employers[(3 * i + 1) % len(employers)]
            store.upsert_relationships([WorksAt(src=people[2 + 2 * i], dst=employer)])

        for name, write in (("member update", member), ("new tie", tie),
                            ("new employment", employment)):  # fmt: skip
            commits, firsts, seconds = [], [], []
            for i in range(n):
                commits.append(_ms(lambda i=i, write=write: write(i)))  # type: ignore[misc]
                firsts.append(_ms(query))
                seconds.append(_ms(query))
            print(f"{name:15s} commit          {_stats(commits)}")
            print(f"{'':15s} first query     {_stats(firsts)}")
            print(f"{'':15s} next query      {_stats(seconds)}")
        print(f"RSS at the end: {_rss_mb():,.0f} MB")


def _coverage_mode(store: EmbeddedStore, people: list[str], n: int) -> None:
    """National coverage right after each write (see the module docstring)."""
    scope = coverage_service.Scope.national()
    wait = getattr(coverage_service, "wait_for_rebuilds", None)

    def report() -> object:
        return coverage_service.coverage(store, scope, AS_OF)

    print(f"national coverage, cold: {_ms(report):.0f} ms; warm: {_ms(report):.1f} ms")
    consenting = [p for p in people[1:] if getattr(store.get(p), "consent_introducer", False)]

    def member(i: int) -> None:
        store.update_node(
            Label.PERSON, people[1 + i], {"capacity": 3 + i % 2, "monthly_load": i % 4}
        )

    def tie(i: int) -> None:
        a, b = sorted((people[1 + i], people[len(people) // 2 + 7 * i]))
        store.upsert_relationships([Knows(src=a, dst=b, strength=0.8, source="event")])

    def withdraw(i: int) -> None:
        store.update_node(Label.PERSON, consenting[i], {"consent_introducer": False})

    for name, write in (("member update", member), ("new tie", tie),
                        ("consent withdrawn", withdraw)):  # fmt: skip
        firsts, exact, labelled = [], [], 0
        for i in range(n):
            write(i)
            t = time.perf_counter()
            found = report()
            firsts.append((time.perf_counter() - t) * 1000)
            if not getattr(found, "current", True):
                labelled += 1
            if wait is not None:
                exact.append(_ms(wait) + firsts[-1])
            _ms(report)  # the current version's report, so the next write starts warm
        print(f"{name:17s} first report    {_stats(firsts)}   labelled {labelled}/{n}")
        if exact:
            print(f"{'':17s} until exact     {_stats(exact)}")


if __name__ == "__main__":
    main()
