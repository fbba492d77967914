"""``bench/coverage_rows.py`` end to end on a small seeded store, with a baseline tree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from graph.embedded import EmbeddedStore
from seed.demo.generator import generate

ROOT = Path(__file__).resolve().parents[2]


def test_prints_both_trees_side_by_side(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path / "store") as store, store.bulk():
        for batch in generate(1500, 7):
            store.write(batch)
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "coverage_rows.py"), "--data-dir",
         str(tmp_path / "store"), "--repeat", "3", "--baseline-tree", str(ROOT)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    rows = {line.split()[0]: line.split() for line in lines if line.startswith(("this", "base"))}
    assert set(rows) == {"this", "baseline"}
    for name, cells in rows.items():
        shift = 2 if name == "this" else 1  # "this checkout" is two words
        count, p50, p95, p99 = cells[shift : shift + 4]
        assert int(count) > 100  # groupements, départements and régions
        assert 0 < float(p50) <= float(p95) <= float(p99)
