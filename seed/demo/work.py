"""Who works where (``WORKS_AT``): helpers and some others, mostly near home."""

from __future__ import annotations

from datetime import date

import numpy as np

from seed.demo.days import NO_DAY, YEAR, day
from seed.demo.draws import Picker
from seed.demo.employers import Sites
from seed.demo.geography import Geo
from seed.demo.people import People
from seed.demo.proportions import BOTH, HELP, NEITHER, ROLES
from seed.demo.streams import rng_for


def assign_work(p: People, seed: int, as_of: date, geo: Geo, sites: Sites) -> None:
    """WORKS_AT: helpers (and some others) at a site mostly near home; 10% are past jobs."""
    rng = rng_for(seed, "work")
    n, today = p.n, day(as_of)
    work_p = np.select(
        [p.status == HELP, p.status == BOTH, p.status == NEITHER], [1.0, 0.5, 0.2]
    )
    workers = np.flatnonzero(rng.random(n) < work_p)
    m = len(workers)
    weight = np.where(sites.workable, sites.size, 0).astype(np.float64)
    site_dep = geo.be_dep[sites.be]
    by_dep = Picker(site_dep, weight, len(geo.deps))
    by_region = Picker(geo.dep_region[site_dep], weight, geo.n_regions)
    national = Picker(np.zeros(len(weight), np.int64), weight, 1)
    level = rng.choice(3, size=m, p=[0.65, 0.25, 0.10])
    dep = p.dep[workers]
    site = np.where(level == 0, by_dep.draw(dep, rng.random(m)), -1)
    region = geo.dep_region[dep]
    site = np.where((site < 0) & (level <= 1), by_region.draw(region, rng.random(m)), site)
    site = np.where(site < 0, national.draw(np.zeros(m, np.int64), rng.random(m)), site)
    p.site[workers] = site
    p.role[workers] = rng.integers(0, len(ROLES), m)
    left = p.departure[workers]
    start = np.where(
        (left != NO_DAY) & (left < today - 30),
        left + rng.integers(0, 365, m),
        today - rng.integers(30, int(12 * YEAR), m),
    )
    start = np.minimum(start, today - 30)
    p.work_since[workers] = start
    past = rng.random(m) < 0.10
    until = start + 1 + (rng.uniform(0.1, 1.0, m) * (today - start - 1)).astype(np.int64)
    p.work_until[workers] = np.where(past, until, NO_DAY)
