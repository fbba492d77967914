"""Who the people are: where they live, service, grade, status, consent, contacts.

Decisions: people are columns (:class:`People`), index ``i`` being person ``p-{i+1:07d}``;
records are made only when a batch is built (:mod:`seed.demo.person_batches`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from seed.demo.consents import draw_consents
from seed.demo.days import NO_DAY, YEAR, day
from seed.demo.draws import categorical
from seed.demo.geography import Geo
from seed.demo.names import Names
from seed.demo.proportions import (
    BOTH,
    CAND,
    CAREER_SHARE,
    CATEGORY_SHARE,
    FEMALE_SHARE,
    HELP,
    NAVAL_DEPARTEMENTS,
    NAVAL_MARINE_BOOST,
    NEITHER,
    SCHOOL_WEIGHT,
    SERVICE_SHARE,
    SERVICES,
    STATUS_SHARE,
)
from seed.demo.streams import rng_for

MAX_PEOPLE = 9_999_999  # ids are p-0000001 … p-9999999 (see person_ids)


@dataclass
class People:
    """Every person's attributes as columns (index i is person ``p-{i+1:07d}``)."""

    n: int
    dep: np.ndarray
    service: np.ndarray
    category: np.ndarray
    status: np.ndarray
    career: np.ndarray
    female: np.ndarray
    first_name: np.ndarray  # index into Names.given
    last_name: np.ndarray
    grade: np.ndarray  # index into Names.grades, -1 for none
    school: np.ndarray  # index into officer schools, -1 for none
    promo_year: np.ndarray
    departure: np.ndarray  # day numbers, NO_DAY for none
    consent_introducer: np.ndarray
    consent_directory: np.ndarray
    capacity: np.ndarray  # -1 for none
    load: np.ndarray
    has_email: np.ndarray
    phone: np.ndarray  # 8 digits as an int, -1 for none
    # associations and groupements
    member_anocr: np.ndarray
    member_school: np.ndarray  # index into associations of SCHOOL_ASSOCIATION, -1 none
    member_ia: np.ndarray
    since_anocr: np.ndarray
    since_school: np.ndarray
    since_ia: np.ndarray
    anocr_grp: np.ndarray  # groupement index or -1
    ia_grp: np.ndarray
    # candidates
    settle_bv: np.ndarray  # -1 for none
    target_be: np.ndarray  # (n, 2), -1 for none
    target_sector: np.ndarray  # (n, 2), -1 for none
    # work
    site: np.ndarray  # -1 for none
    role: np.ndarray
    work_since: np.ndarray
    work_until: np.ndarray
    # consent per purpose (seed.demo.consents): flags, and day numbers (NO_DAY: no date)
    consents: dict[str, np.ndarray] = field(default_factory=dict)
    consent_days: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def helperish(self) -> np.ndarray:
        return (self.status == HELP) | (self.status == BOTH)

    @property
    def candidateish(self) -> np.ndarray:
        return (self.status == CAND) | (self.status == BOTH)


def draw_people(n: int, seed: int, as_of: date, geo: Geo, names: Names) -> People:
    """Who the people are: where they live, service, grade, status, consent."""
    rng = rng_for(seed, "people")
    today = day(as_of)
    dep_w = np.array([d.military_weight for d in geo.deps])
    dep = rng.choice(len(geo.deps), size=n, p=dep_w / dep_w.sum())
    naval = np.array([d.code in NAVAL_DEPARTEMENTS for d in geo.deps])
    service_p = np.tile(SERVICE_SHARE, (len(geo.deps), 1))
    service_p[naval, 1] *= NAVAL_MARINE_BOOST
    service = categorical(rng, service_p[dep])
    category = categorical(rng, CATEGORY_SHARE[service])
    status = rng.choice(4, size=n, p=STATUS_SHARE)
    career = categorical(rng, CAREER_SHARE[status])
    officer = category == 0

    # promotion: an officer school of the service (any officer school if none) and a year
    school = np.full(n, -1, dtype=np.int64)
    for si, svc in enumerate(SERVICES):
        idx = [i for i, s in enumerate(names.schools) if s.service == svc.value]
        idx = idx or list(range(len(names.schools)))
        w = np.array([SCHOOL_WEIGHT.get(names.schools[i].name, 1.0) for i in idx])
        who = np.flatnonzero(officer & (service == si))
        school[who] = np.array(idx)[rng.choice(len(idx), size=len(who), p=w / w.sum())]

    # departure from active duty: candidates soon (most within a year), helpers years ago
    months = np.select(
        [status == CAND, status == BOTH, status == HELP],
        [
            rng.choice(3, n, p=[0.15, 0.65, 0.20]) * 12 + rng.uniform(-12, 0, n),
            rng.uniform(-24, 12, n),
            -rng.uniform(6, 300, n),
        ],
        default=rng.uniform(-240, 120, n),
    )
    departure = (today + months * YEAR / 12).astype(np.int64)
    departure[(status == NEITHER) & (rng.random(n) < 0.6)] = NO_DAY

    # promotion year (1975-2020): 4 to 40 years before leaving, so that careers add up
    end_year = np.where(departure != NO_DAY, as_of.year + months / 12, as_of.year)
    first_year = np.clip(end_year - 40, 1975, 2020)
    last_year = np.clip(end_year - 4, 1975, 2020)
    drawn = first_year + rng.random(n) * (last_year - first_year + 1)
    promo_year = np.where(officer, np.minimum(drawn, last_year).astype(np.int64), -1)
    # seniority drives the grade: officers from their promotion, others at random
    years = np.where(officer, end_year - promo_year, rng.uniform(2, 30, n))
    frac = np.clip(years / 38 + rng.normal(0, 0.08, n), 0, 0.999) ** 1.3
    count = names.grade_count[service, category]
    rank = (frac * count).astype(np.int64)
    grade = np.where(count > 0, names.grade_start[service, category] + rank, -1)

    helperish = (status == HELP) | (status == BOTH)
    intro_p = np.select([helperish, status == CAND], [0.80, 0.15], default=0.10)
    consent_introducer = rng.random(n) < intro_p
    dir_p = np.where(helperish, np.where(consent_introducer, 0.8, 0.3), 0.4)
    consent_directory = rng.random(n) < dir_p
    has_capacity = helperish & consent_introducer & (rng.random(n) < 0.9)
    drawn_capacity = rng.choice(np.arange(1, 7), n, p=[0.15, 0.3, 0.25, 0.15, 0.1, 0.05])
    capacity = np.where(has_capacity, drawn_capacity, -1)
    load = np.where(has_capacity, rng.binomial(np.maximum(capacity, 0) + 1, 0.35), 0)
    load = np.where(~has_capacity & helperish, rng.poisson(0.3, n), load)

    female = rng.random(n) < FEMALE_SHARE
    nrng = rng_for(seed, "names")
    n_male = len(names.given) - names.n_female
    first = np.where(
        female, nrng.integers(0, names.n_female, n), names.n_female + nrng.integers(0, n_male, n)
    )
    last = nrng.integers(0, len(names.surnames), n)
    crng = rng_for(seed, "contacts")
    has_email = crng.random(n) < 0.95
    phone = np.where(crng.random(n) < 0.85, crng.integers(0, 10**8, n), -1)
    phone = np.where(crng.random(n) < 0.8, phone, np.where(phone >= 0, phone + 10**8, phone))

    empty = np.full(n, -1, dtype=np.int64)
    candidateish = (status == CAND) | (status == BOTH)
    consents, consent_days = draw_consents(
        seed, as_of, consent_introducer, consent_directory, candidateish
    )
    return People(
        n=n, dep=dep, service=service, category=category, status=status, career=career,
        female=female, first_name=first, last_name=last, grade=grade, school=school,
        promo_year=promo_year, departure=departure, consent_introducer=consent_introducer,
        consent_directory=consent_directory, capacity=capacity, load=load,
        has_email=has_email, phone=phone,
        member_anocr=np.zeros(n, bool), member_school=empty.copy(), member_ia=np.zeros(n, bool),
        since_anocr=empty.copy(), since_school=empty.copy(), since_ia=empty.copy(),
        anocr_grp=empty.copy(), ia_grp=empty.copy(), settle_bv=empty.copy(),
        target_be=np.full((n, 2), -1, dtype=np.int64),
        target_sector=np.full((n, 2), -1, dtype=np.int64),
        site=empty.copy(), role=empty.copy(), work_since=empty.copy(), work_until=empty.copy(),
        consents=consents, consent_days=consent_days,
    )


def person_ids(n: int) -> np.ndarray:
    """``p-0000001`` … as a numpy string array (index i is person i + 1).

    >>> person_ids(2).tolist()
    ['p-0000001', 'p-0000002']
    """
    return np.char.add("p-", np.char.zfill(np.arange(1, n + 1).astype("U7"), 7))
