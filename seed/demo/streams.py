"""One random stream per concern, so that each part of the demo is reproducible on its own.

>>> a, b = rng_for(7, "people").random(), rng_for(7, "people").random()
>>> a == b, a == rng_for(7, "ties").random()
(True, False)

Decisions:

* ``numpy.random.default_rng([seed, stream])`` with a fixed number per concern: the same
  seed gives the same draws, and changing how, say, job offers are drawn (more or fewer
  draws) leaves the people and the ties unchanged. Numbers are never reused: a new concern
  takes the next number.
"""

from __future__ import annotations

import numpy as np

_STREAM = {
    "people": 1, "names": 2, "geo": 3, "members": 4, "sites": 5, "work": 6, "charters": 7,
    "referents": 8, "mentors": 9, "offers": 10, "ties": 11, "gap_sectors": 12, "contacts": 13,
    "gap_bassins": 14, "consents": 15,
}


def rng_for(seed: int, concern: str) -> np.random.Generator:
    """The random generator of ``concern`` (a key of ``_STREAM``) for ``seed``."""
    return np.random.default_rng([seed, _STREAM[concern]])
