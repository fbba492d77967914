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
* :func:`trim` asks glibc to return free heap pages now (after a full load, whose
  temporaries are a third of its peak).
* Both are no-ops where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache
from typing import Any

#: mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

MMAP_THRESHOLD = 1 << 20
TRIM_THRESHOLD = 8 << 20


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
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )


def trim() -> None:
    """Give the heap's free pages back to the system now."""
    malloc_trim = getattr(_libc(), "malloc_trim", None)
    if malloc_trim is not None:
        malloc_trim(0)
