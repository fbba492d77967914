"""Membership of associations and groupements (``MEMBER_OF``, ``IN_GROUPEMENT``)."""

from __future__ import annotations

from datetime import date

import numpy as np

from seed import reference as ref
from seed.demo.days import NO_DAY, YEAR, day
from seed.demo.geography import Geo
from seed.demo.names import Names
from seed.demo.people import People
from seed.demo.proportions import IMPLICACTION_FOUNDED, SCHOOL_ASSOCIATION
from seed.demo.streams import rng_for


def assign_memberships(p: People, seed: int, as_of: date, geo: Geo, names: Names) -> None:
    """Associations and groupements: officers in ANOCR or their school's, most in Implic'Action."""
    rng = rng_for(seed, "members")
    n, today = p.n, day(as_of)
    officer = p.category == 0
    assoc_ids = [a.id for a in ref.associations()]
    school_assoc = np.array(
        [assoc_ids.index(SCHOOL_ASSOCIATION[s.name]) if SCHOOL_ASSOCIATION.get(s.name) in assoc_ids
         else -1 for s in names.schools] + [-1]
    )
    p.member_school = np.where(officer & (rng.random(n) < 0.75), school_assoc[p.school], -1)
    p.member_anocr = officer & (rng.random(n) < 0.55)
    ia_p = np.select([p.candidateish, p.helperish], [0.85, 0.80], default=0.15)
    p.member_ia = rng.random(n) < ia_p
    nothing = ~p.member_anocr & (p.member_school < 0) & ~p.member_ia
    p.member_anocr |= nothing & officer
    p.member_ia |= nothing & ~officer

    promo_day = np.array([day(date(y, 9, 1)) for y in range(1975, 2021)], dtype=np.int64)
    promo = promo_day[np.clip(p.promo_year - 1975, 0, len(promo_day) - 1)]  # officers only
    p.since_school = np.where(p.member_school >= 0, promo + rng.integers(0, 365, n), NO_DAY)
    anocr_from = np.maximum(promo, day(date(1990, 1, 1)))
    anocr_since = anocr_from + (rng.random(n) * (today - anocr_from)).astype(np.int64)
    p.since_anocr = np.where(p.member_anocr, anocr_since, NO_DAY)
    ia_from = day(IMPLICACTION_FOUNDED)
    ia_span = np.where(p.candidateish, 2 * YEAR, today - ia_from)
    ia_since = np.maximum(ia_from, today - (rng.random(n) * ia_span).astype(np.int64))
    p.since_ia = np.where(p.member_ia, ia_since, NO_DAY)
    p.anocr_grp = np.where(p.member_anocr, geo.anocr_of_dep[p.dep], -1)
    p.ia_grp = np.where(p.member_ia, geo.ia_of_dep[p.dep], -1)
