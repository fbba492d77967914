"""Big arrays freed go back to the system once the thresholds are fixed (glibc)."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROGRAM = """
import sys
import numpy as np
import psutil
from graph import native_heap

if sys.argv[1] == "fixed":
    assert native_heap.fix_thresholds()
big = np.ones(16 << 20, dtype=np.uint8)  # a mapped block: freeing it raises the threshold
del big
big_ones, kept = [], []
for i in range(40):  # 8 MiB arrays, each followed by a small one that stays alive
    big_ones.append(np.ones(8 << 20, dtype=np.uint8))
    kept.append(np.ones(64 << 10, dtype=np.uint8))
del big_ones  # freed, but in the heap between live blocks unless they were mapped
print(psutil.Process().memory_info().rss >> 20)
"""


def _rss_mib(mode: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", PROGRAM, mode], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_freed_big_arrays_leave_the_process_with_fixed_thresholds() -> None:
    fixed = _rss_mib("fixed")
    default = _rss_mib("default")
    # 40 freed blocks of 8 MiB stay in the default process, not in the fixed one
    assert default - fixed > 200, (fixed, default)


def test_the_trimming_thread_is_started_once_and_trims(monkeypatch) -> None:
    import threading

    from graph import native_heap

    calls = threading.Event()
    monkeypatch.setattr(native_heap, "trim", calls.set)
    monkeypatch.setattr(native_heap, "_trimming", None)
    first = native_heap.start_trimming(every_s=0.01)
    try:
        assert native_heap.start_trimming(every_s=0.01) is first and first.daemon
        assert calls.wait(5.0)
    finally:
        native_heap.stop_trimming()
    assert not first.is_alive()
