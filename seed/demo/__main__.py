"""``python -m seed.demo``: write a demo seed into an embedded store and print timings."""

from __future__ import annotations

import argparse
import contextlib
import resource
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from seed.demo.generator import generate
from seed.demo.stats import DemoStats
from seed.reference_graph import DEFAULT_AS_OF


def main(argv: Sequence[str] | None = None) -> int:
    """Write a demo seed into an embedded store and print what it took."""
    from graph.embedded import EmbeddedStore

    parser = argparse.ArgumentParser(prog="python -m seed.demo", description=main.__doc__)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--as-of", type=date.fromisoformat, default=DEFAULT_AS_OF)
    parser.add_argument("--dir", type=Path, required=True, help="store directory (created)")
    args = parser.parse_args(argv)
    stats = DemoStats()
    started = time.perf_counter()
    generating = 0.0
    with EmbeddedStore(args.dir) as store:
        bulk = getattr(store, "bulk", contextlib.nullcontext)
        with bulk():
            batches = generate(args.people, args.seed, args.as_of, stats=stats)
            while True:
                t = time.perf_counter()
                batch = next(batches, None)
                generating += time.perf_counter() - t
                if batch is None:
                    break
                store.write(batch)
        written = time.perf_counter()
        store.view()
    done = time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(stats.summary())
    print(
        f"generate {generating:.1f} s, write {written - started - generating:.1f} s, "
        f"first view {done - written:.1f} s, total {done - started:.1f} s, peak RSS {rss:.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
