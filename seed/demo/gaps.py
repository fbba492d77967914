"""The planted gaps: sectors with no helper at all, bassins where no helper works.

Decisions: a realistic demo must have real holes for the coverage reports to find, so a
few are chosen per seed on purpose (their own random streams) rather than hoped for.
"""

from __future__ import annotations

import numpy as np

from seed.demo.geography import Geo
from seed.demo.proportions import GAP_SECTOR_CHOICES
from seed.demo.streams import rng_for


def draw_gap_sectors(seed: int, geo: Geo) -> list[int]:
    """Two sectors candidates want but no helper works in (indices into ``geo.sectors``)."""
    rng = rng_for(seed, "gap_sectors")
    codes = [s.code for s in geo.sectors]
    choices = [codes.index(c) for c in GAP_SECTOR_CHOICES if c in codes]
    return sorted(rng.choice(choices, size=min(2, len(choices)), replace=False).tolist())


def draw_gap_bassins(seed: int, geo: Geo) -> list[int]:
    """A few small bassins where families settle but no helper works: a real gap."""
    rng = rng_for(seed, "gap_bassins")
    lived = np.zeros(len(geo.be), bool)
    lived[geo.bv_be] = True
    biggest = np.zeros(len(geo.be), bool)
    for d in range(len(geo.deps)):
        members = np.flatnonzero(geo.be_dep == d)
        if len(members):
            biggest[members[np.argmax(geo.be_weight[members])]] = True
    pool = np.flatnonzero(lived & ~biggest)
    k = int(np.clip(round(0.03 * len(geo.be)), 2, 10))
    return sorted(rng.choice(pool, size=min(k, len(pool)), replace=False).tolist())
