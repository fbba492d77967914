"""Where candidates settle (lieu de repli, ``SETTLES_IN``) and what they look for (``TARGETS``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from seed.demo.draws import Picker, categorical
from seed.demo.geography import Geo
from seed.demo.people import People
from seed.demo.proportions import SECTOR_AFFINITY, SECTOR_WEIGHT, SERVICES
from seed.demo.streams import rng_for


def assign_targets(p: People, seed: int, geo: Geo, gap_sectors: Sequence[int]) -> None:
    """Lieu de repli (SETTLES_IN) and what candidates look for (TARGETS bassins and sectors)."""
    rng = rng_for(seed, "geo")
    cand = np.flatnonzero(p.candidateish)
    m = len(cand)
    n_deps = len(geo.deps)
    # "home" départements are where jobs and people are: weighted by economic weight
    dep_econ = np.bincount(geo.be_dep, weights=geo.be_weight, minlength=n_deps)
    home = rng.choice(n_deps, size=m, p=dep_econ / dep_econ.sum())
    repli_dep = np.where(rng.random(m) < 0.6, p.dep[cand], home)
    bv_pick = Picker(geo.bv_dep, np.ones(len(geo.bv)), n_deps)
    bv = bv_pick.draw(repli_dep, rng.random(m))
    p.settle_bv[cand] = bv
    be_dep_pick = Picker(geo.be_dep, geo.be_weight, n_deps)
    be_region_pick = Picker(geo.dep_region[geo.be_dep], geo.be_weight, geo.n_regions)
    first = np.where(
        (rng.random(m) < 0.75) & (bv >= 0), geo.bv_be[np.maximum(bv, 0)],
        be_dep_pick.draw(repli_dep, rng.random(m)),
    )
    second = be_region_pick.draw(geo.dep_region[repli_dep], rng.random(m))
    second = np.where((rng.random(m) < 0.4) & (second != first), second, -1)
    p.target_be[cand, 0], p.target_be[cand, 1] = first, second

    codes = [s.code for s in geo.sectors]
    base = np.array([SECTOR_WEIGHT.get(c, 1.0) for c in codes])
    probs = np.tile(base, (len(SERVICES), 1))
    for si, svc in enumerate(SERVICES):
        for code, factor in SECTOR_AFFINITY.get(svc, {}).items():
            if code in codes:
                probs[si, codes.index(code)] *= factor
    s1 = categorical(rng, probs[p.service[cand]])
    s2 = categorical(rng, probs[p.service[cand]])
    p.target_sector[cand, 0] = s1
    p.target_sector[cand, 1] = np.where((rng.random(m) < 0.4) & (s2 != s1), s2, -1)
    # make sure the gap sectors are wanted: a few candidates aim at each of them
    for k, sector in enumerate(gap_sectors):
        chosen = cand[k::max(1, len(gap_sectors) * 40)][:max(1, m // 200)]
        chosen = chosen[p.target_sector[chosen, 0] != sector]
        p.target_sector[chosen, 1] = sector
