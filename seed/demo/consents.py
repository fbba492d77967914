"""Consent per purpose of the demo people, each with its date.

The two consents drawn with the people (``introducer``, ``directory``) are kept as they
are; the three others are drawn here from a stream of their own, so adding them moved
no other figure of the demo network (same seed, same people, ties, jobs).

Decisions (plausible shares, not measured ones):

* ``contact`` (e-mail and phone shared): 70 % of those who agreed to introduce, 25 % of
  the others; ``portal`` (reachable by portal searches): half of the candidates, 20 % of
  the others; ``social_import`` (imported from a LinkedIn export): 35 %.
* Each consent given is dated within the three years before ``as_of``; one consent not
  given in ten carries a date too: it was withdrawn that day.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from seed.demo.days import NO_DAY, day
from seed.demo.streams import rng_for

#: the purposes drawn here (introducer and directory come with the people)
DRAWN = ("contact", "portal", "social_import")
PURPOSES = ("introducer", "directory", *DRAWN)


def draw_consents(
    seed: int,
    as_of: date,
    introducer: np.ndarray,
    directory: np.ndarray,
    candidateish: np.ndarray,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per purpose: the flags and the day numbers (``NO_DAY``: no date) of ``n`` people.

    >>> flags, days = draw_consents(7, date(2025, 6, 1), np.ones(4, bool), np.zeros(4, bool),
    ...                             np.zeros(4, bool))
    >>> sorted(flags) == sorted(PURPOSES), bool(((days["introducer"] != NO_DAY)).all())
    (True, True)
    """
    n = len(introducer)
    rng = rng_for(seed, "consents")
    flags = {
        "introducer": introducer,
        "directory": directory,
        "contact": rng.random(n) < np.where(introducer, 0.7, 0.25),
        "portal": rng.random(n) < np.where(candidateish, 0.5, 0.2),
        "social_import": rng.random(n) < 0.35,
    }
    today = day(as_of)
    days = {}
    for purpose in PURPOSES:
        given = flags[purpose]
        drawn = today - rng.integers(0, 3 * 365, n)
        withdrawn = ~given & (rng.random(n) < 0.1)
        days[purpose] = np.where(given | withdrawn, drawn, NO_DAY).astype(np.int64)
    return flags, days
