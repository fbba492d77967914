"""The C heap under numpy's arrays: hand freed memory back, keep big arrays out of it.

Per-version arrays (a view's columns, a search index's ties) are megabytes each and die
as soon as no request reads their version. glibc serves such blocks with ``mmap`` and
returns them to the system when freed, but by default it *raises* that threshold each
time a mapped block is freed (up to 32 MiB), after which blocks of that size come from
the heap, where freed memory stays in the process. Under a stream of writes that showed
as worker RSS growing by half in five minutes at 100,000 people while the live data did
not grow.

Decisions:

* :func:`fix_thresholds` sets ``M_MMAP_THRESHOLD`` once (which also turns the dynamic
  raise off) and ``M_TRIM_THRESHOLD``: every block of 1 MiB or more is its own mapping,
  unmapped when freed. Called by long-running processes (server workers) at start; the
  cost is a page-fault per page of a new big array, which the arrays' builders pay
  anyway.
* ``M_ARENA_MAX`` is set to :data:`ARENAS`: glibc gives each thread that allocates at
  once its own heap (arena), up to eight per core, and memory freed in one arena serves
  only that arena's threads. A worker runs dozens of threads (the request pool, the
  dashboard's WSGI pool, background rebuilds), each allocating a new version's
  temporaries: with the default, worker RSS kept growing under writes (+15 % in two
  minutes at 20,000 people); with two arenas, +9 % and a lower level throughout.
* :func:`trim` asks glibc to return free heap pages now (after a full load, whose
  temporaries are a third of its peak); :func:`start_trimming` does it every
  :data:`TRIM_EVERY_S` seconds in a daemon thread (a server worker: what a burst of
  versions freed goes back to the system instead of waiting for the next burst).
* Both are no-ops where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from functools import cache
from typing import Any

#: mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8

MMAP_THRESHOLD = 1 << 20
TRIM_THRESHOLD = 8 << 20
ARENAS = 2
TRIM_EVERY_S = 10.0


@cache
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    return ctypes.CDLL(name) if name else None


def fix_thresholds() -> bool:
    """Keep blocks of :data:`MMAP_THRESHOLD` bytes or more out of the heap (see the
    module docstring). True when the C library took the settings."""
    mallopt = getattr(_libc(), "mallopt", None)
    if mallopt is None:
        return False
    return (
        bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
        and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
        and bool(mallopt(_M_ARENA_MAX, ARENAS))
    )


def trim() -> None:
    """Give the heap's free pages back to the system now."""
    malloc_trim = getattr(_libc(), "malloc_trim", None)
    if malloc_trim is not None:
        malloc_trim(0)


_trimming: threading.Thread | None = None
_trimming_lock = threading.Lock()
_stop = threading.Event()


def start_trimming(every_s: float = TRIM_EVERY_S) -> threading.Thread:
    """Trim every ``every_s`` seconds in one daemon thread per process (started once,
    until :func:`stop_trimming`)."""
    global _trimming
    with _trimming_lock:
        if _trimming is None or not _trimming.is_alive():
            _stop.clear()

            def run() -> None:
                while not _stop.wait(every_s):
                    trim()

            _trimming = threading.Thread(target=run, name="heap-trim", daemon=True)
            _trimming.start()
        return _trimming


def stop_trimming() -> None:
    """Stop the trimming thread, if any (tests)."""
    with _trimming_lock:
        _stop.set()
        if _trimming is not None:
            _trimming.join(timeout=5.0)
