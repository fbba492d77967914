"""Référents of ANOCR groupements (``REFERENT_OF``), with some missing or not consenting."""

from __future__ import annotations

from datetime import date

import numpy as np

from graph.model import ReferentOf, RelRecord
from seed.demo.days import day
from seed.demo.geography import Geo
from seed.demo.people import People
from seed.demo.proportions import ANOCR
from seed.demo.streams import rng_for


def members_of(groups: np.ndarray, n_groups: int) -> list[np.ndarray]:
    """People of each group (CSR split of the people sorted by group)."""
    has = np.flatnonzero(groups >= 0)
    order = has[np.argsort(groups[has], kind="stable")]
    bounds = np.cumsum(np.bincount(groups[has], minlength=n_groups))
    return np.split(order, bounds[:-1])


def draw_referents(
    p: People, seed: int, as_of: date, geo: Geo, pid: np.ndarray
) -> tuple[list[RelRecord], list[str], list[str]]:
    """REFERENT_OF: most ANOCR groupements have one; ~10% none, a few without consent.

    Returns the relationships, the groupements left without référent and those whose
    référent did not consent to introduce.
    """
    rng = rng_for(seed, "referents")
    today = day(as_of)
    anocr = [i for i, g in enumerate(geo.groupements) if g.association_id == ANOCR]
    perm = rng.permutation(len(anocr))
    n_none = max(1, round(0.10 * len(anocr)))
    n_unconsented = max(1, round(0.05 * len(anocr))) if len(anocr) >= 10 else 0
    none = {anocr[i] for i in perm[:n_none].tolist()}
    unconsented = {anocr[i] for i in perm[n_none : n_none + n_unconsented].tolist()}
    members = members_of(p.anocr_grp, len(geo.groupements))
    rels: list[RelRecord] = []
    without: list[str] = []
    not_consenting: list[str] = []
    for gi in anocr:
        pool = members[gi][p.helperish[members[gi]]]
        consenting = pool[p.consent_introducer[pool]]
        if gi in unconsented:
            # a référent named before consent was asked: flagged, not hidden
            pool = pool[~p.consent_introducer[pool]] if len(consenting) < len(pool) else pool
        else:
            pool = consenting
        if gi in none or len(pool) == 0:
            without.append(geo.groupements[gi].id)
            continue
        chosen = int(rng.choice(pool))
        if not p.consent_introducer[chosen]:
            not_consenting.append(geo.groupements[gi].id)
        since = date.fromordinal(date(1970, 1, 1).toordinal() + today - int(rng.integers(30, 2200)))
        rels.append(ReferentOf(src=str(pid[chosen]), dst=geo.groupements[gi].id, since=since))
    return rels, without, not_consenting
