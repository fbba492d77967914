"""An import killed (``kill -9``) while it writes leaves all of it or nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.import_csv import write_members_and_ties
from graph.embedded import EmbeddedStore
from graph.model import Label, RelType
from tests.api.conftest import build_world

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import sys
from graph.embedded import EmbeddedStore
from graph.exchange import SourceFile, run_import

def progress(stage, done, total):
    if stage == "écriture" and done == 0:
        print("WRITING", flush=True)

store = EmbeddedStore(sys.argv[1])
result = run_import(store, [SourceFile.from_path(f) for f in sys.argv[2:]], progress=progress)
print("DONE", result.written, flush=True)
"""


def _counts(data_dir: Path) -> tuple[int, int]:
    with EmbeddedStore(data_dir) as store:
        counts = store.counts()
        return counts.nodes.get(Label.PERSON, 0), counts.relationships.get(RelType.KNOWS, 0)


def test_kill_during_the_write_leaves_all_or_nothing(tmp_path: Path) -> None:
    data = tmp_path / "store"
    with EmbeddedStore(data) as store:
        build_world(store)
    before = _counts(data)
    files = write_members_and_ties(tmp_path / "files", 5_000, 50_000, [("grp-a", "asso-a", "33")])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    outcomes = set()
    for delay in (0.0, 0.2):
        proc = subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(data), *map(str, files)],
            stdout=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "WRITING"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        after = _counts(data)
        assert after in (before, (before[0] + 5_000, before[1] + 50_000)), after
        outcomes.add(after == before)
        if after != before:
            break
    # run to the end: everything is there, once
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(data), *map(str, files)],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    assert "DONE" in done.stdout
    assert _counts(data) == (before[0] + 5_000, before[1] + 50_000)
    # the first kill comes as the write begins (writing 50,000 ties takes far longer)
    assert True in outcomes
