"""Dates as day numbers since 1970-01-01, the way the generator computes with them.

>>> day(date(1970, 1, 11))
10
>>> dates(np.array([10, NO_DAY])).tolist()
[datetime.date(1970, 1, 11), None]

Decisions: "no date" is ``NO_DAY`` (the smallest int64), which becomes NaT once viewed as
``datetime64[D]``, so a column of optional dates stays one int64 array while drawing.
"""

from __future__ import annotations

from datetime import date

import numpy as np

NO_DAY = np.iinfo(np.int64).min  # NaT once viewed as datetime64[D]
YEAR = 365.25


def day(d: date) -> int:
    """The day number of ``d``."""
    return int(np.datetime64(d, "D").astype(np.int64))


def dates(days: np.ndarray) -> np.ndarray:
    """Day numbers (``NO_DAY`` for none) as ``datetime64[D]`` with NaT."""
    return days.astype(np.int64).astype("datetime64[D]")
