"""The reproducible national demo seed: a realistic transition network of any size.

``generate(people, seed)`` streams :class:`~graph.store.Batch` objects: the reference
graph first, then employer sites and local charters, then people (nodes with their own
relationships, in chunks), then référents, mentors and job offers, and last the ``KNOWS``
ties, so that every relationship points to nodes written before or in the same batch.

Why it is built this way:

* Reproducible: every random draw comes from ``numpy.random.default_rng([seed, stream])``
  with one fixed stream number per concern, so the same ``(people, seed, as_of)`` gives
  byte-identical batches, and changing how, say, job offers are drawn leaves the ties
  unchanged.
* Scalable: a million people and ten million ties are numpy columns (a few hundred MB),
  never Python objects per tie; pydantic records are made per person, per chunk only.
  Ties are drawn for everybody at once with offset arithmetic inside sorted groups (same
  promotion, unit, event, région...), deduplicated globally (keeping the strongest source
  of a pair) and streamed as :class:`~graph.frames.RelFrame` chunks sorted by endpoint,
  the order in which the embedded store inserts fastest.
* Realistic where the product needs it: people live where the military does
  (``military_weight``), ties are clustered (rings of acquaintances within groups) with a
  heavy-ish tail of well-connected people, consent and capacity vary, and the network has
  real gaps (sectors and bassins with no contact, groupements without référent or local
  charter) for the coverage reports to find.

Run ``python -m seed.demo --people 100000 --seed 7 --dir /tmp/demo`` to write a store and
print timings.

>>> stats = DemoStats()
>>> n = sum(1 for _ in generate(300, 1, stats=stats))
>>> stats.nodes["Person"], 8 < 2 * stats.rels["KNOWS"] / 300 < 30
(300, True)
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path

import numpy as np
from pydantic import TypeAdapter

from graph.frames import RelFrame
from graph.model import (
    Career,
    Employer,
    GradeCategory,
    JobOffer,
    NodeRecord,
    OfferStatus,
    PartnerLevel,
    PartnerOf,
    Person,
    PersonStatus,
    ReferentOf,
    RelRecord,
    RelType,
    Service,
    TieSource,
)
from graph.store import Batch
from seed import reference as ref
from seed.reference_graph import (
    DEFAULT_AS_OF,
    add_months,
    bassin_emploi_id,
    bassin_vie_id,
    departement_id,
    reference_batches,
    sector_id,
)

MAX_PEOPLE = 9_999_999  # ids are p-0000001 … p-9999999

# --------------------------------------------------------------------------- proportions
# Plausible orders of magnitude for the people who join these networks, not official
# statistics: they shape the demo, the algorithms must not depend on them.

SERVICES: tuple[Service, ...] = tuple(Service)  # terre, marine, air, gendarmerie, sante, other
SERVICE_SHARE = np.array([0.45, 0.12, 0.20, 0.14, 0.05, 0.04])
#: naval ports (Toulon, Brest, Cherbourg, Lorient): most people there are sailors
NAVAL_DEPARTEMENTS = ("83", "29", "50", "56")
NAVAL_MARINE_BOOST = 4.0

CATEGORIES: tuple[GradeCategory, ...] = tuple(GradeCategory)  # officer, nco, enlisted, civilian
#: rows follow SERVICES; gendarmes are mostly NCOs, army doctors mostly officers
CATEGORY_SHARE = np.array(
    [
        [0.20, 0.42, 0.33, 0.05],
        [0.18, 0.50, 0.27, 0.05],
        [0.22, 0.50, 0.23, 0.05],
        [0.08, 0.80, 0.10, 0.02],
        [0.35, 0.40, 0.15, 0.10],
        [0.30, 0.30, 0.10, 0.30],
    ]
)

STATUSES: tuple[PersonStatus, ...] = (
    PersonStatus.CANDIDATE,
    PersonStatus.HELPER,
    PersonStatus.BOTH,
    PersonStatus.NEITHER,
)
STATUS_SHARE = np.array([0.35, 0.30, 0.05, 0.30])
_CAND, _HELP, _BOTH, _NEITHER = range(4)

CAREERS: tuple[Career, ...] = tuple(Career)  # career, contract, reserve, retired
#: rows follow STATUSES: helpers have mostly left (retired, reservists), candidates not yet
CAREER_SHARE = np.array(
    [
        [0.50, 0.45, 0.05, 0.00],
        [0.10, 0.10, 0.25, 0.55],
        [0.15, 0.15, 0.40, 0.30],
        [0.40, 0.30, 0.15, 0.15],
    ]
)

FEMALE_SHARE = 0.16

#: relative choice of officer schools within a service; schools not listed weigh 1
SCHOOL_WEIGHT = {
    "Saint-Cyr": 5.5,
    "EMIA": 3.5,
    "EMA (École militaire d'administration)": 1.0,
    "École de l'air": 2.5,
    "École militaire de l'air": 1.0,
    "Service de santé (Lyon-Bron)": 1.5,
    "École des commissaires des armées": 2.0,
}
#: the school association each alumnus may join (Épaulette: officers from the ranks)
SCHOOL_ASSOCIATION = {
    "Saint-Cyr": "asso-saint-cyrienne",
    "EMIA": "asso-epaulette",
    "EMA (École militaire d'administration)": "asso-epaulette",
    "École navale": "asso-aen",
    "École de l'air": "asso-aea",
    "École militaire de l'air": "asso-aea",
}
ANOCR = "asso-anocr"
IMPLICACTION = "asso-implicaction"
IMPLICACTION_FOUNDED = date(2009, 10, 8)

#: where second-career people go; service affinities below multiply these
SECTOR_WEIGHT = {
    "defense": 3.0, "securite": 3.0, "logistique": 2.5, "aeronautique": 2.0, "numerique": 2.0,
    "industrie": 2.0, "fonction-publique": 2.0, "energie": 1.5, "transport": 1.5,
    "conseil": 1.5, "btp": 1.0, "maritime": 1.0, "sante": 1.0, "banque-assurance": 1.0,
    "enseignement-formation": 1.0, "commerce": 1.0, "environnement": 0.8, "immobilier": 0.6,
    "associatif": 0.6,
}
SECTOR_AFFINITY = {
    Service.MARINE: {"maritime": 4.0},
    Service.AIR: {"aeronautique": 3.0},
    Service.GENDARMERIE: {"securite": 3.0},
    Service.SANTE: {"sante": 6.0},
    Service.TERRE: {"securite": 1.5, "logistique": 1.5},
}
#: sectors that may become the demo's "no helper at all" gap (two are picked per seed)
GAP_SECTOR_CHOICES = (
    "immobilier", "associatif", "enseignement-formation", "commerce", "banque-assurance",
    "environnement",
)

ROLES = (
    "Directeur de site", "Responsable sûreté", "Responsable HSE", "Chef de projet",
    "Responsable logistique", "Ingénieur d'affaires", "Responsable des ressources humaines",
    "Consultant", "Responsable d'exploitation", "Chargé de mission", "Directeur des opérations",
    "Formateur", "Technicien de maintenance", "Acheteur", "Responsable qualité", "Chef d'équipe",
)
EVENT_KINDS = (
    "Assemblée générale", "Journée reconversion", "Afterwork réseau", "Forum entreprises",
)

#: a few well-known units, by (département, service), to name the first units of a group
KNOWN_UNITS: dict[tuple[str, Service], tuple[str, ...]] = {
    ("57", Service.TERRE): ("1er RHC (Phalsbourg)",),
    ("83", Service.MARINE): ("Base navale de Toulon", "BAN Hyères Le Palyvestre"),
    ("29", Service.MARINE): ("Base navale de Brest", "BAN Landivisiau", "École navale (Lanvéoc)"),
    ("56", Service.MARINE): ("BAN Lann-Bihoué",),
    ("56", Service.TERRE): ("3e RIMa (Vannes)",),
    ("50", Service.MARINE): ("Base navale de Cherbourg",),
    ("40", Service.AIR): ("BA 118 Mont-de-Marsan",),
    ("13", Service.AIR): ("BA 701 Salon-de-Provence", "BA 125 Istres"),
    ("31", Service.TERRE): ("1er RTP (Toulouse)",),
    ("81", Service.TERRE): ("8e RPIMa (Castres)",),
    ("11", Service.TERRE): ("3e RPIMa (Carcassonne)", "4e RE (Castelnaudary)"),
    ("65", Service.TERRE): ("35e RAP (Tarbes)", "1er RHP (Tarbes)"),
    ("64", Service.TERRE): ("1er RPIMa (Bayonne)",),
    ("33", Service.AIR): ("BA 106 Bordeaux-Mérignac",),
    ("51", Service.TERRE): ("501e RCC (Mourmelon)",),
    ("54", Service.AIR): ("BA 133 Nancy-Ochey",),
    ("78", Service.AIR): ("BA 107 Villacoublay",),
    ("18", Service.AIR): ("BA 702 Avord",),
    ("84", Service.AIR): ("BA 115 Orange-Caritat",),
    ("2B", Service.TERRE): ("2e REP (Calvi)",),
    ("68", Service.TERRE): ("152e RI (Colmar)",),
    ("38", Service.TERRE): ("7e BCA (Varces)",),
    ("35", Service.TERRE): ("11e RAMa (Saint-Aubin-du-Cormier)",),
}
SERVICE_LABEL = {
    Service.TERRE: "Terre", Service.MARINE: "Marine", Service.AIR: "Air",
    Service.GENDARMERIE: "Gendarmerie", Service.SANTE: "Santé", Service.OTHER: "Interarmées",
}

# KNOWS: mean ties each person starts, per source; calibrated for an average degree near 20
# once duplicates between sources are merged (see tests/test_demo_seed.py).
TIES_PROMOTION = 8.0  # per officer
TIES_UNIT = 3.4
TIES_EVENT = 0.9  # per groupement or délégation a person belongs to
TIES_LINKEDIN_REGION = 1.0
TIES_LINKEDIN_NATIONAL = 0.6
TIES_DECLARED = 0.25
TARGET_DEGREE = 20  # reached by topping up with LinkedIn ties if short
CLOSURE_SHARE = 0.7  # of the top-up: contacts of contacts
MENTEE_SHARE = 0.04  # of candidates
#: (low, high) of tie strength by source, before noise
STRENGTH = {
    TieSource.PROMOTION: (0.5, 0.95), TieSource.UNIT: (0.5, 0.95), TieSource.EVENT: (0.3, 0.7),
    TieSource.LINKEDIN: (0.1, 0.5), TieSource.MENTORING: (0.6, 0.95),
    TieSource.DECLARED: (0.3, 0.9),
}
TIE_SOURCES: tuple[TieSource, ...] = tuple(TieSource)

# One random stream per concern, so that each part is reproducible on its own.
_STREAM = {
    "people": 1, "names": 2, "geo": 3, "members": 4, "sites": 5, "work": 6, "charters": 7,
    "referents": 8, "mentors": 9, "offers": 10, "ties": 11, "gap_sectors": 12, "contacts": 13,
    "gap_bassins": 14,
}
_NO_DAY = np.iinfo(np.int64).min  # NaT once viewed as datetime64[D]
_YEAR = 365.25


def _rng(seed: int, stream: str) -> np.random.Generator:
    return np.random.default_rng([seed, _STREAM[stream]])


def _day(d: date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


def _dates(days: np.ndarray) -> np.ndarray:
    """Day numbers (``_NO_DAY`` for none) as ``datetime64[D]`` with NaT."""
    return days.astype(np.int64).astype("datetime64[D]")


# --------------------------------------------------------------------------- stats


@dataclass
class DemoStats:
    """What a :func:`generate` run produced: counts by label and type, and the gaps.

    Filled while the batches are consumed; complete once the generator is exhausted.
    """

    people: int = 0
    seed: int = 0
    as_of: date = DEFAULT_AS_OF
    batches: int = 0
    nodes: Counter[str] = field(default_factory=Counter)
    rels: Counter[str] = field(default_factory=Counter)
    gaps: dict[str, list[str]] = field(default_factory=dict)

    def add(self, batch: Batch) -> Batch:
        """Count ``batch`` and return it unchanged."""
        self.batches += 1
        # counting classes, not enum members: enum hashing costs a Python call per node
        for model, count in Counter(map(type, batch.nodes)).items():
            self.nodes[model.label.value] += count
        for model, count in Counter(map(type, batch.rels)).items():
            self.rels[model.type.value] += count
        for frame in batch.frames:
            self.rels[frame.type.value] += len(frame)
        return batch

    def summary(self) -> str:
        """A few lines for people: counts, average degree and the planted gaps."""
        degree = 2 * self.rels["KNOWS"] / max(1, self.people)
        lines = [
            f"demo seed {self.seed}: {self.people:,} people as of {self.as_of}, "
            f"{self.batches} batches, average KNOWS degree {degree:.1f}",
            "nodes: " + ", ".join(f"{k} {v:,}" for k, v in sorted(self.nodes.items())),
            "relationships: " + ", ".join(f"{k} {v:,}" for k, v in sorted(self.rels.items())),
        ]
        lines += [f"gap {name}: {', '.join(v) or '-'}" for name, v in self.gaps.items()]
        return "\n".join(lines)


# --------------------------------------------------------------------------- helpers


class _Picker:
    """Weighted draws of one item within a group, for many draws at once.

    Items are sorted by group and their weights cumulated once; a draw is then one
    ``searchsorted`` in the right slice. A group with no weight yields -1.
    """

    def __init__(self, groups: np.ndarray, weights: np.ndarray, n_groups: int) -> None:
        self.order = np.argsort(groups, kind="stable")
        self.cum = np.cumsum(weights[self.order].astype(np.float64))
        counts = np.bincount(groups, minlength=n_groups)
        end = np.cumsum(counts)
        start = end - counts
        padded = np.concatenate([[0.0], self.cum])
        self.lo, self.hi = padded[start], padded[end]
        self.last = np.maximum(end - 1, 0)

    def draw(self, groups: np.ndarray, u: np.ndarray) -> np.ndarray:
        lo, hi = self.lo[groups], self.hi[groups]
        if len(self.cum) == 0:
            return np.full(len(groups), -1, dtype=np.int64)
        pos = np.searchsorted(self.cum, lo + u * (hi - lo), side="right")
        pos = np.minimum(pos, self.last[groups])
        return np.where(hi > lo, self.order[pos], -1)


def _categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of a (n, k) probability matrix."""
    cum = np.cumsum(probs, axis=1)
    cum /= cum[:, -1:]
    return np.minimum((rng.random(len(probs))[:, None] > cum).sum(axis=1), probs.shape[1] - 1)


def _split_groups(
    rng: np.random.Generator, keys: np.ndarray, size_low: int, size_high: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut each group of ``keys`` (-1: none) into random subgroups of about the given size.

    Returns (subgroup of each item or -1, parent key of each subgroup, rank of each
    subgroup within its parent).
    """
    sub = np.full(len(keys), -1, dtype=np.int64)
    valid = np.flatnonzero(keys >= 0)
    if len(valid) == 0:
        return sub, np.empty(0, np.int64), np.empty(0, np.int64)
    k = keys[valid]
    order = np.lexsort((rng.random(len(valid)), k))
    ks = k[order]
    first = np.r_[True, ks[1:] != ks[:-1]]
    g = np.cumsum(first) - 1
    starts = np.flatnonzero(first)
    sizes = np.diff(np.r_[starts, len(ks)])
    target = rng.integers(size_low, size_high + 1, len(starts))
    n_sub = np.maximum(1, np.rint(sizes / target)).astype(np.int64)
    rank = np.arange(len(ks)) - starts[g]
    local = rank * n_sub[g] // sizes[g]
    offset = np.r_[0, np.cumsum(n_sub)[:-1]]
    sub[valid[order]] = offset[g] + local
    parents = np.repeat(ks[starts], n_sub)
    ranks = np.arange(n_sub.sum()) - np.repeat(offset, n_sub)
    return sub, parents, ranks


def _ring_ties(
    rng: np.random.Generator, keys: np.ndarray, mean: float, window: int, p_local: float
) -> tuple[np.ndarray, np.ndarray]:
    """Random ties within groups of ``keys`` (-1: none), by offset arithmetic.

    Members of a group are put on a random ring; each starts an overdispersed Poisson
    number of ties (mean ``mean``), to a near neighbour on the ring (within ``window``,
    with probability ``p_local``: this is what makes friends of friends friends) or to
    anyone of the group. Never a self-loop: the offset is in ``[1, size - 1]``.
    """
    valid = np.flatnonzero(keys >= 0)
    k = keys[valid]
    order = np.lexsort((rng.random(len(valid)), k))
    members, ks = valid[order], k[order]
    first = np.r_[True, ks[1:] != ks[:-1]] if len(ks) else np.empty(0, bool)
    starts = np.flatnonzero(first)
    sizes = np.diff(np.r_[starts, len(ks)])
    g = np.cumsum(first) - 1
    start, size = starts[g], sizes[g]
    counts = rng.poisson(mean * rng.gamma(2.0, 0.5, len(ks)))
    counts[size < 2] = 0
    rep = np.repeat(np.arange(len(ks)), counts)
    sz = size[rep]
    off_near = rng.integers(1, np.minimum(window, sz - 1) + 1)
    off_any = rng.integers(1, sz)
    off = np.where(rng.random(len(rep)) < p_local, off_near, off_any)
    other = start[rep] + (rep - start[rep] + off) % sz
    return members[rep], members[other]


def _values(members: Sequence[StrEnum]) -> np.ndarray:
    """Enum values as an object array, to turn codes into values with one take."""
    return np.array([m.value for m in members], dtype=object)


def _person_ids(n: int) -> np.ndarray:
    """``p-0000001`` … as a numpy string array (index i is person i + 1)."""
    return np.char.add("p-", np.char.zfill(np.arange(1, n + 1).astype("U7"), 7))


def _slug(text: str, limit: int = 40) -> str:
    return ref.slugify(text)[:limit].strip("-")


# --------------------------------------------------------------------------- geography


@dataclass(frozen=True)
class _Geo:
    """Reference data as index arrays: départements, régions, bassins, groupements."""

    deps: tuple[ref.Departement, ...]
    dep_region: np.ndarray
    n_regions: int
    be: tuple[ref.BassinEmploi, ...]
    be_dep: np.ndarray
    be_weight: np.ndarray
    bv: tuple[ref.BassinVie, ...]
    bv_dep: np.ndarray
    bv_be: np.ndarray
    groupements: tuple[ref.Groupement, ...]
    anocr_of_dep: np.ndarray  # groupement index, -1 where ANOCR has none
    ia_of_dep: np.ndarray
    sectors: tuple[ref.Sector, ...]

    @staticmethod
    def load() -> _Geo:
        deps = ref.departements()
        dep_index = {d.code: i for i, d in enumerate(deps)}
        region_index = {r.code: i for i, r in enumerate(ref.regions())}
        be = ref.bassins_emploi()
        be_index = {b.code: i for i, b in enumerate(be)}
        bv = ref.bassins_vie()
        groupements = ref.groupements()
        anocr = np.full(len(deps), -1, dtype=np.int64)
        ia = np.full(len(deps), -1, dtype=np.int64)
        for gi, g in enumerate(groupements):
            target = anocr if g.association_id == ANOCR else ia
            for code in g.departement_codes:
                target[dep_index[code]] = gi
        return _Geo(
            deps=deps,
            dep_region=np.array([region_index[d.region_code] for d in deps]),
            n_regions=len(region_index),
            be=be,
            be_dep=np.array([dep_index[b.departement_code] for b in be]),
            be_weight=np.array([b.economic_weight for b in be]),
            bv=bv,
            bv_dep=np.array([dep_index[b.departement_code] for b in bv]),
            bv_be=np.array([be_index[b.bassin_emploi_code] for b in bv]),
            groupements=groupements,
            anocr_of_dep=anocr,
            ia_of_dep=ia,
            sectors=ref.sectors(),
        )


# --------------------------------------------------------------------------- people


@dataclass
class _People:
    """Every person's attributes as columns (index i is person ``p-{i+1:07d}``)."""

    n: int
    dep: np.ndarray
    service: np.ndarray
    category: np.ndarray
    status: np.ndarray
    career: np.ndarray
    female: np.ndarray
    first_name: np.ndarray  # index into _Names.given
    last_name: np.ndarray
    grade: np.ndarray  # index into _Names.grades, -1 for none
    school: np.ndarray  # index into officer schools, -1 for none
    promo_year: np.ndarray
    departure: np.ndarray  # day numbers, _NO_DAY for none
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

    @property
    def helperish(self) -> np.ndarray:
        return (self.status == _HELP) | (self.status == _BOTH)

    @property
    def candidateish(self) -> np.ndarray:
        return (self.status == _CAND) | (self.status == _BOTH)


@dataclass(frozen=True)
class _Names:
    """Display tables: given names (F then M), surnames, grades, officer schools."""

    given: np.ndarray
    given_slug: list[str]
    n_female: int
    surnames: np.ndarray
    surname_slug: list[str]
    grades: np.ndarray
    grade_start: np.ndarray  # (service, category) -> first index, count
    grade_count: np.ndarray
    schools: tuple[ref.School, ...]

    @staticmethod
    def load() -> _Names:
        given_f, given_m, surnames = ref.names()
        grades = ref.grades()
        start = np.zeros((len(SERVICES), len(CATEGORIES)), dtype=np.int64)
        count = np.zeros_like(start)
        titles: list[str] = []
        for si, service in enumerate(SERVICES):
            for ci, category in enumerate(CATEGORIES):
                found = [
                    g.title for g in grades
                    if g.service == service.value and g.grade_category == category.value
                ]
                start[si, ci], count[si, ci] = len(titles), len(found)
                titles.extend(found)
        given = (*given_f, *given_m)
        return _Names(
            given=np.array(given, dtype=object),
            given_slug=[ref.slugify(x) for x in given],
            n_female=len(given_f),
            surnames=np.array(surnames, dtype=object),
            surname_slug=[ref.slugify(x) for x in surnames],
            grades=np.array([*titles, None], dtype=object),  # index -1 is None
            grade_start=start,
            grade_count=count,
            schools=tuple(s for s in ref.schools() if s.grade_category == "officer"),
        )


def _draw_people(n: int, seed: int, as_of: date, geo: _Geo, names: _Names) -> _People:
    """Who the people are: where they live, service, grade, status, consent."""
    rng = _rng(seed, "people")
    today = _day(as_of)
    dep_w = np.array([d.military_weight for d in geo.deps])
    dep = rng.choice(len(geo.deps), size=n, p=dep_w / dep_w.sum())
    naval = np.array([d.code in NAVAL_DEPARTEMENTS for d in geo.deps])
    service_p = np.tile(SERVICE_SHARE, (len(geo.deps), 1))
    service_p[naval, 1] *= NAVAL_MARINE_BOOST
    service = _categorical(rng, service_p[dep])
    category = _categorical(rng, CATEGORY_SHARE[service])
    status = rng.choice(4, size=n, p=STATUS_SHARE)
    career = _categorical(rng, CAREER_SHARE[status])
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
        [status == _CAND, status == _BOTH, status == _HELP],
        [
            rng.choice(3, n, p=[0.15, 0.65, 0.20]) * 12 + rng.uniform(-12, 0, n),
            rng.uniform(-24, 12, n),
            -rng.uniform(6, 300, n),
        ],
        default=rng.uniform(-240, 120, n),
    )
    departure = (today + months * _YEAR / 12).astype(np.int64)
    departure[(status == _NEITHER) & (rng.random(n) < 0.6)] = _NO_DAY

    # promotion year (1975-2020): 4 to 40 years before leaving, so that careers add up
    end_year = np.where(departure != _NO_DAY, as_of.year + months / 12, as_of.year)
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

    helperish = (status == _HELP) | (status == _BOTH)
    intro_p = np.select([helperish, status == _CAND], [0.80, 0.15], default=0.10)
    consent_introducer = rng.random(n) < intro_p
    dir_p = np.where(helperish, np.where(consent_introducer, 0.8, 0.3), 0.4)
    consent_directory = rng.random(n) < dir_p
    has_capacity = helperish & consent_introducer & (rng.random(n) < 0.9)
    drawn_capacity = rng.choice(np.arange(1, 7), n, p=[0.15, 0.3, 0.25, 0.15, 0.1, 0.05])
    capacity = np.where(has_capacity, drawn_capacity, -1)
    load = np.where(has_capacity, rng.binomial(np.maximum(capacity, 0) + 1, 0.35), 0)
    load = np.where(~has_capacity & helperish, rng.poisson(0.3, n), load)

    female = rng.random(n) < FEMALE_SHARE
    nrng = _rng(seed, "names")
    n_male = len(names.given) - names.n_female
    first = np.where(
        female, nrng.integers(0, names.n_female, n), names.n_female + nrng.integers(0, n_male, n)
    )
    last = nrng.integers(0, len(names.surnames), n)
    crng = _rng(seed, "contacts")
    has_email = crng.random(n) < 0.95
    phone = np.where(crng.random(n) < 0.85, crng.integers(0, 10**8, n), -1)
    phone = np.where(crng.random(n) < 0.8, phone, np.where(phone >= 0, phone + 10**8, phone))

    empty = np.full(n, -1, dtype=np.int64)
    return _People(
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
    )


def _assign_memberships(p: _People, seed: int, as_of: date, geo: _Geo, names: _Names) -> None:
    """Associations and groupements: officers in ANOCR or their school's, most in Implic'Action."""
    rng = _rng(seed, "members")
    n, today = p.n, _day(as_of)
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

    promo_day = np.array([_day(date(y, 9, 1)) for y in range(1975, 2021)], dtype=np.int64)
    promo = promo_day[np.clip(p.promo_year - 1975, 0, len(promo_day) - 1)]  # officers only
    p.since_school = np.where(p.member_school >= 0, promo + rng.integers(0, 365, n), _NO_DAY)
    anocr_from = np.maximum(promo, _day(date(1990, 1, 1)))
    anocr_since = anocr_from + (rng.random(n) * (today - anocr_from)).astype(np.int64)
    p.since_anocr = np.where(p.member_anocr, anocr_since, _NO_DAY)
    ia_from = _day(IMPLICACTION_FOUNDED)
    ia_span = np.where(p.candidateish, 2 * _YEAR, today - ia_from)
    ia_since = np.maximum(ia_from, today - (rng.random(n) * ia_span).astype(np.int64))
    p.since_ia = np.where(p.member_ia, ia_since, _NO_DAY)
    p.anocr_grp = np.where(p.member_anocr, geo.anocr_of_dep[p.dep], -1)
    p.ia_grp = np.where(p.member_ia, geo.ia_of_dep[p.dep], -1)


def _assign_targets(p: _People, seed: int, geo: _Geo, gap_sectors: Sequence[int]) -> None:
    """Lieu de repli (SETTLES_IN) and what candidates look for (TARGETS bassins and sectors)."""
    rng = _rng(seed, "geo")
    cand = np.flatnonzero(p.candidateish)
    m = len(cand)
    n_deps = len(geo.deps)
    # "home" départements are where jobs and people are: weighted by economic weight
    dep_econ = np.bincount(geo.be_dep, weights=geo.be_weight, minlength=n_deps)
    home = rng.choice(n_deps, size=m, p=dep_econ / dep_econ.sum())
    repli_dep = np.where(rng.random(m) < 0.6, p.dep[cand], home)
    bv_pick = _Picker(geo.bv_dep, np.ones(len(geo.bv)), n_deps)
    bv = bv_pick.draw(repli_dep, rng.random(m))
    p.settle_bv[cand] = bv
    be_dep_pick = _Picker(geo.be_dep, geo.be_weight, n_deps)
    be_region_pick = _Picker(geo.dep_region[geo.be_dep], geo.be_weight, geo.n_regions)
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
    s1 = _categorical(rng, probs[p.service[cand]])
    s2 = _categorical(rng, probs[p.service[cand]])
    p.target_sector[cand, 0] = s1
    p.target_sector[cand, 1] = np.where((rng.random(m) < 0.4) & (s2 != s1), s2, -1)
    # make sure the gap sectors are wanted: a few candidates aim at each of them
    for k, sector in enumerate(gap_sectors):
        chosen = cand[k::max(1, len(gap_sectors) * 40)][:max(1, m // 200)]
        chosen = chosen[p.target_sector[chosen, 0] != sector]
        p.target_sector[chosen, 1] = sector


# --------------------------------------------------------------------------- employers


@dataclass(frozen=True)
class _Sites:
    """Employer sites: one per (brand, bassin)."""

    brand: np.ndarray  # index into brands
    be: np.ndarray
    size: np.ndarray
    workable: np.ndarray  # False for sites in the planted gaps: nobody works there
    brands: tuple[ref.EmployerBrand, ...]
    ids: list[str]


def _gap_sectors(seed: int, geo: _Geo) -> list[int]:
    rng = _rng(seed, "gap_sectors")
    codes = [s.code for s in geo.sectors]
    choices = [codes.index(c) for c in GAP_SECTOR_CHOICES if c in codes]
    return sorted(rng.choice(choices, size=min(2, len(choices)), replace=False).tolist())


def _gap_bassins(seed: int, geo: _Geo) -> list[int]:
    """A few small bassins where families settle but no helper works: a real gap."""
    rng = _rng(seed, "gap_bassins")
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


def _draw_sites(
    n_people: int, seed: int, geo: _Geo, gap_sectors: Sequence[int], gap_bassins: Sequence[int]
) -> _Sites:
    """Sites of each brand: national brands in big bassins, others in their départements."""
    rng = _rng(seed, "sites")
    brands = ref.employer_brands()
    target = int(np.clip(n_people // 150, 300, 10_000))
    weights = np.array([b.size_weight for b in brands])
    dep_index = {d.code: i for i, d in enumerate(geo.deps)}
    pairs: list[tuple[int, int]] = []
    for bi, brand in enumerate(brands):
        k = max(1, round(target * brand.size_weight / weights.sum()))
        if brand.scope is None:
            cand = np.arange(len(geo.be))
            chosen: list[int] = []
        else:
            scope_deps = [dep_index[c] for c in brand.scope]
            cand = np.flatnonzero(np.isin(geo.be_dep, scope_deps))
            # the main bassin of each département of the scope always has a site
            chosen = []
            for d in scope_deps:
                in_dep = cand[geo.be_dep[cand] == d]
                chosen.append(int(in_dep[np.argmax(geo.be_weight[in_dep])]))
        rest = np.setdiff1d(cand, chosen)
        w = geo.be_weight[rest]
        extra = min(max(0, k - len(chosen)), int((w > 0).sum()))
        if extra:
            chosen += rng.choice(rest, size=extra, replace=False, p=w / w.sum()).tolist()
        pairs += [(bi, b) for b in sorted(chosen)]
    # every gap bassin gets at least one site: an employer there with no contact at all
    national = [i for i, b in enumerate(brands) if b.scope is None]
    have = {b for _, b in pairs}
    for b in gap_bassins:
        if b not in have:
            pairs.append((int(rng.choice(national)), b))
    brand_of = np.array([bi for bi, _ in pairs])
    be_of = np.array([b for _, b in pairs])
    size = np.maximum(
        5, np.rint(weights[brand_of] * geo.be_weight[be_of] * rng.lognormal(2.5, 0.8, len(pairs)))
    ).astype(np.int64)
    sector_index = {s.code: i for i, s in enumerate(geo.sectors)}
    brand_sector = np.array([sector_index[b.sector_code] for b in brands])
    workable = ~np.isin(brand_sector[brand_of], gap_sectors) & ~np.isin(be_of, gap_bassins)
    ids = [f"emp-{_slug(brands[bi].name)}-{geo.be[b].code}" for bi, b in pairs]
    if len(set(ids)) != len(ids):
        raise ValueError("two employer sites got the same id: make the brand slugs distinct")
    return _Sites(brand_of, be_of, size, workable, brands, ids)


def _assign_work(p: _People, seed: int, as_of: date, geo: _Geo, sites: _Sites) -> None:
    """WORKS_AT: helpers (and some others) at a site mostly near home; 10% are past jobs."""
    rng = _rng(seed, "work")
    n, today = p.n, _day(as_of)
    work_p = np.select(
        [p.status == _HELP, p.status == _BOTH, p.status == _NEITHER], [1.0, 0.5, 0.2]
    )
    workers = np.flatnonzero(rng.random(n) < work_p)
    m = len(workers)
    weight = np.where(sites.workable, sites.size, 0).astype(np.float64)
    site_dep = geo.be_dep[sites.be]
    by_dep = _Picker(site_dep, weight, len(geo.deps))
    by_region = _Picker(geo.dep_region[site_dep], weight, geo.n_regions)
    national = _Picker(np.zeros(len(weight), np.int64), weight, 1)
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
        (left != _NO_DAY) & (left < today - 30),
        left + rng.integers(0, 365, m),
        today - rng.integers(30, int(12 * _YEAR), m),
    )
    start = np.minimum(start, today - 30)
    p.work_since[workers] = start
    past = rng.random(m) < 0.10
    until = start + 1 + (rng.uniform(0.1, 1.0, m) * (today - start - 1)).astype(np.int64)
    p.work_until[workers] = np.where(past, until, _NO_DAY)


# --------------------------------------------------------------------------- batches


def _employer_batch(geo: _Geo, sites: _Sites) -> Batch:
    nodes = [
        Employer(
            id=sid, name=f"{sites.brands[bi].name} ({geo.be[b].name})",
            brand=sites.brands[bi].name, size=int(size),
        )
        for sid, bi, b, size in zip(sites.ids, sites.brand.tolist(), sites.be.tolist(),
                                    sites.size.tolist(), strict=True)
    ]
    ids = np.array(sites.ids, dtype=object)
    be_ids = np.array([bassin_emploi_id(b.code) for b in geo.be], dtype=object)
    brand_sector = np.array([sector_id(b.sector_code) for b in sites.brands], dtype=object)
    frames = [
        RelFrame(RelType.LOCATED_IN, ids, be_ids[sites.be]),
        RelFrame(RelType.IN_SECTOR, ids, brand_sector[sites.brand]),
    ]
    return Batch(nodes=nodes, frames=frames)


def _charters(seed: int, geo: _Geo) -> tuple[list[RelRecord], list[str]]:
    """Local charters between ANOCR groupements and their région's délégation; 25% missing."""
    rng = _rng(seed, "charters")
    dep_index = {d.code: i for i, d in enumerate(geo.deps)}
    anocr = [g for g in geo.groupements if g.association_id == ANOCR]
    missing = set(rng.permutation(len(anocr))[: max(1, round(0.25 * len(anocr)))].tolist())
    start, end = _day(date(2015, 1, 1)), _day(date(2025, 12, 31))
    rels: list[RelRecord] = []
    without: list[str] = []
    for gi, g in enumerate(anocr):
        delegation = geo.ia_of_dep[dep_index[g.departement_codes[0]]]
        signed_day, open_ended, months = (
            int(rng.integers(start, end)), rng.random() < 0.25, int(rng.integers(12, 61))
        )
        if gi in missing or delegation < 0:
            without.append(g.id)
            continue
        signed = date.fromordinal(date(1970, 1, 1).toordinal() + signed_day)
        d = geo.groupements[delegation]
        rels.append(
            PartnerOf(
                src=g.id, dst=d.id, signed=signed,
                expires=None if open_ended else add_months(signed, months),
                level=PartnerLevel.LOCAL, name=f"Charte locale {g.name} – {d.name}",
            )
        )
    return rels, without


def _person_batch(
    p: _People, lo: int, hi: int, pid: np.ndarray, geo: _Geo, names: _Names, sites: _Sites
) -> Batch:
    """People ``lo:hi`` with the relationships that start from them."""
    idx = np.arange(lo, hi)
    nodes = _person_records(p, idx, pid, names)
    ids = pid[idx]
    dep_ids = np.array([departement_id(d.code) for d in geo.deps], dtype=object)
    frames = [RelFrame(RelType.LIVES_IN, ids, dep_ids[p.dep[idx]])]

    settle = p.settle_bv[idx] >= 0
    bv_ids = np.array([bassin_vie_id(b.code) for b in geo.bv], dtype=object)
    frames.append(RelFrame(RelType.SETTLES_IN, ids[settle], bv_ids[p.settle_bv[idx][settle]]))

    be_ids = np.array([bassin_emploi_id(b.code) for b in geo.be], dtype=object)
    sec_ids = np.array([sector_id(s.code) for s in geo.sectors], dtype=object)
    t_src, t_dst = [], []
    for table, targets in ((be_ids, p.target_be[idx]), (sec_ids, p.target_sector[idx])):
        for col in range(targets.shape[1]):
            has = targets[:, col] >= 0
            t_src.append(ids[has])
            t_dst.append(table[targets[:, col][has]])
    frames.append(RelFrame(RelType.TARGETS, np.concatenate(t_src), np.concatenate(t_dst)))

    assoc_ids = np.array([a.id for a in ref.associations()], dtype=object)
    m_src, m_dst, m_since = [ids[p.member_anocr[idx]]], [], []
    m_dst.append(np.full(len(m_src[0]), ANOCR, dtype=object))
    m_since.append(p.since_anocr[idx][p.member_anocr[idx]])
    school = p.member_school[idx]
    m_src.append(ids[school >= 0])
    m_dst.append(assoc_ids[school[school >= 0]])
    m_since.append(p.since_school[idx][school >= 0])
    m_src.append(ids[p.member_ia[idx]])
    m_dst.append(np.full(len(m_src[-1]), IMPLICACTION, dtype=object))
    m_since.append(p.since_ia[idx][p.member_ia[idx]])
    frames.append(
        RelFrame(RelType.MEMBER_OF, np.concatenate(m_src), np.concatenate(m_dst),
                 {"since": _dates(np.concatenate(m_since))})
    )

    grp_ids = np.array([g.id for g in geo.groupements], dtype=object)
    g_src, g_dst, g_since = [], [], []
    for grp, since in ((p.anocr_grp[idx], p.since_anocr[idx]), (p.ia_grp[idx], p.since_ia[idx])):
        has = grp >= 0
        g_src.append(ids[has])
        g_dst.append(grp_ids[grp[has]])
        g_since.append(since[has])
    frames.append(
        RelFrame(RelType.IN_GROUPEMENT, np.concatenate(g_src), np.concatenate(g_dst),
                 {"since": _dates(np.concatenate(g_since))})
    )

    works = p.site[idx] >= 0
    site_ids = np.array(sites.ids, dtype=object)
    roles = np.array(ROLES, dtype=object)
    frames.append(
        RelFrame(
            RelType.WORKS_AT, ids[works], site_ids[p.site[idx][works]],
            {
                "role": roles[p.role[idx][works]],
                "since": _dates(p.work_since[idx][works]),
                "until": _dates(p.work_until[idx][works]),
            },
        )
    )
    return Batch(nodes=nodes, frames=[f for f in frames if len(f)])


def _person_records(p: _People, idx: np.ndarray, pid: np.ndarray, names: _Names) -> list[Person]:
    """Pydantic Person records for the people ``idx`` (validated: one per person is cheap)."""
    first = names.given[p.first_name[idx]].tolist()
    last = names.surnames[p.last_name[idx]].tolist()
    first_slug = [names.given_slug[i] for i in p.first_name[idx].tolist()]
    last_slug = [names.surname_slug[i] for i in p.last_name[idx].tolist()]
    has_email = p.has_email[idx].tolist()
    emails = [
        f"{f}.{s}.{i + 1}@example.org" if ok else None
        for f, s, i, ok in zip(first_slug, last_slug, idx.tolist(), has_email, strict=True)
    ]
    phones = [
        None if v < 0 else f"+33 {6 + v // 10**8} {v // 10**6 % 100:02d} {v // 10**4 % 100:02d} "
        f"{v // 100 % 100:02d} {v % 100:02d}"
        for v in p.phone[idx].tolist()
    ]
    school_names = [s.name for s in names.schools]
    promotions = [
        None if s < 0 else f"{school_names[s]} {y}"
        for s, y in zip(p.school[idx].tolist(), p.promo_year[idx].tolist(), strict=True)
    ]
    columns = {
        "id": pid[idx].tolist(),
        "first_name": first,
        "last_name": last,
        "civility": np.where(p.female[idx], "Mme", "M.").tolist(),
        "grade": names.grades[p.grade[idx]].tolist(),
        "grade_category": _values(CATEGORIES)[p.category[idx]].tolist(),
        "service": _values(SERVICES)[p.service[idx]].tolist(),
        "career": _values(CAREERS)[p.career[idx]].tolist(),
        "status": _values(STATUSES)[p.status[idx]].tolist(),
        "departure_date": _dates(p.departure[idx]).tolist(),
        "promotion": promotions,
        "consent_introducer": p.consent_introducer[idx].tolist(),
        "consent_directory": p.consent_directory[idx].tolist(),
        "capacity": [None if c < 0 else c for c in p.capacity[idx].tolist()],
        "monthly_load": p.load[idx].tolist(),
        "email": emails,
        "phone": phones,
    }
    keys = list(columns)
    rows = [dict(zip(keys, row, strict=True)) for row in zip(*columns.values(), strict=True)]
    return _PERSON_LIST.validate_python(rows)


#: validating a list in one call is about 30% faster than one Person(...) call per person
_PERSON_LIST = TypeAdapter(list[Person])


def _members_of(groups: np.ndarray, n_groups: int) -> list[np.ndarray]:
    """People of each group (CSR split of the people sorted by group)."""
    has = np.flatnonzero(groups >= 0)
    order = has[np.argsort(groups[has], kind="stable")]
    bounds = np.cumsum(np.bincount(groups[has], minlength=n_groups))
    return np.split(order, bounds[:-1])


def _referents(
    p: _People, seed: int, as_of: date, geo: _Geo, pid: np.ndarray
) -> tuple[list[RelRecord], list[str], list[str]]:
    """REFERENT_OF: most ANOCR groupements have one; ~10% none, a few without consent.

    Returns the relationships, the groupements left without référent and those whose
    référent did not consent to introduce.
    """
    rng = _rng(seed, "referents")
    today = _day(as_of)
    anocr = [i for i, g in enumerate(geo.groupements) if g.association_id == ANOCR]
    perm = rng.permutation(len(anocr))
    n_none = max(1, round(0.10 * len(anocr)))
    n_unconsented = max(1, round(0.05 * len(anocr))) if len(anocr) >= 10 else 0
    none = {anocr[i] for i in perm[:n_none].tolist()}
    unconsented = {anocr[i] for i in perm[n_none : n_none + n_unconsented].tolist()}
    members = _members_of(p.anocr_grp, len(geo.groupements))
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


def _mentors(
    p: _People, seed: int, as_of: date, geo: _Geo
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parrainage: a few candidates get a consenting helper of their groupement as mentor."""
    rng = _rng(seed, "mentors")
    today = _day(as_of)
    mentees = np.flatnonzero(p.candidateish & (rng.random(p.n) < MENTEE_SHARE))
    able = (p.helperish & p.consent_introducer).astype(np.float64)
    group = np.where(p.anocr_grp >= 0, p.anocr_grp, p.ia_grp)
    n_groups = len(geo.groupements)
    # people outside any groupement go to an extra bucket that no mentee draws from
    by_group = _Picker(np.where(group >= 0, group, n_groups), able, n_groups + 1)
    by_dep = _Picker(p.dep, able, len(geo.deps))
    mine = group[mentees]
    mentor = np.where(mine >= 0, by_group.draw(np.maximum(mine, 0), rng.random(len(mentees))), -1)
    mentor = np.where(mentor < 0, by_dep.draw(p.dep[mentees], rng.random(len(mentees))), mentor)
    keep = (mentor >= 0) & (mentor != mentees)
    since = today - rng.integers(0, 730, len(mentees))
    return mentor[keep], mentees[keep], since[keep]


def _offers_batch(p: _People, seed: int, as_of: date, geo: _Geo, sites: _Sites,
                  pid: np.ndarray) -> Batch:
    """Hidden job offers at sites where someone works or worked, reported by one of them."""
    rng = _rng(seed, "offers")
    today = _day(as_of)
    n_offers = max(10, p.n // 100)
    worked = p.site >= 0
    staff = np.bincount(p.site[worked], minlength=len(sites.ids)).astype(np.float64)
    if staff.sum() == 0:
        return Batch()
    site = rng.choice(len(sites.ids), size=n_offers, p=staff / staff.sum())
    # reported by a helper who works or worked there, else by anyone who does
    site_of = np.where(worked, p.site, len(sites.ids))
    helpers_there = _Picker(site_of, (worked & p.helperish).astype(float), len(sites.ids) + 1)
    anyone_there = _Picker(site_of, worked.astype(float), len(sites.ids) + 1)
    u = rng.random(n_offers)
    reporter = helpers_there.draw(site, u)
    reporter = np.where(reporter < 0, anyone_there.draw(site, u), reporter)
    # one in five offers is reported by a helper of the département who "knows the employer"
    site_dep = geo.be_dep[sites.be[site]]
    by_dep = _Picker(p.dep, p.helperish.astype(float), len(geo.deps))
    local = by_dep.draw(site_dep, rng.random(n_offers))
    reporter = np.where((rng.random(n_offers) < 0.2) & (local >= 0), local, reporter)
    posted = today - rng.integers(0, 180, n_offers)
    at = np.minimum(today, posted + rng.integers(0, 30, n_offers))
    status = rng.choice(3, size=n_offers, p=[0.75, 0.15, 0.10])
    hidden = rng.random(n_offers) < 0.85
    role = rng.integers(0, len(ROLES), n_offers)
    offer_ids = np.array([f"off-{i + 1}" for i in range(n_offers)], dtype=object)
    statuses = (OfferStatus.OPEN, OfferStatus.FILLED, OfferStatus.CLOSED)
    posted_dates = _dates(posted).tolist()
    nodes: list[NodeRecord] = [
        JobOffer(id=oid, title=f"{ROLES[r]} (H/F)", status=statuses[s], hidden=h, posted=d)
        for oid, r, s, h, d in zip(offer_ids.tolist(), role.tolist(), status.tolist(),
                                   hidden.tolist(), posted_dates, strict=True)
    ]
    site_ids = np.array(sites.ids, dtype=object)
    be_ids = np.array([bassin_emploi_id(b.code) for b in geo.be], dtype=object)
    frames = [
        RelFrame(RelType.OFFERS, site_ids[site], offer_ids),
        RelFrame(RelType.LOCATED_IN, offer_ids, be_ids[sites.be[site]]),
        RelFrame(RelType.REPORTED, pid[reporter], offer_ids, {"at": _dates(at)}),
    ]
    return Batch(nodes=nodes, frames=frames)


# --------------------------------------------------------------------------- ties


@dataclass(frozen=True)
class _Ties:
    """Deduplicated KNOWS ties as columns, sorted by (a, b) with a < b."""

    a: np.ndarray
    b: np.ndarray
    source: np.ndarray  # index into TIE_SOURCES
    strength: np.ndarray
    since: np.ndarray
    confirmed: np.ndarray
    context: np.ndarray  # index into contexts, -1 for none
    contexts: np.ndarray  # object array, last element None

    def __len__(self) -> int:
        return len(self.a)


class _TieParts:
    """Ties of every source, accumulated before the global deduplication."""

    def __init__(self, rng: np.random.Generator, today: int) -> None:
        self.rng, self.today = rng, today
        self.parts: list[tuple[np.ndarray, ...]] = []
        self.contexts: list[str] = []
        self.merged = False

    def context_table(self, names: Sequence[str]) -> np.ndarray:
        """Register context strings; returns their indices."""
        first = len(self.contexts)
        self.contexts.extend(names)
        return np.arange(first, first + len(names))

    def add(self, a: np.ndarray, b: np.ndarray, source: TieSource, since: np.ndarray,
            context: np.ndarray | None = None) -> None:
        low, high = STRENGTH[source]
        n = len(a)
        strength = self.rng.uniform(low, high, n) + self.rng.normal(0, 0.03, n)
        since = np.minimum(since, self.today)
        ctx = np.full(n, -1, np.int64) if context is None else context
        code = np.full(n, TIE_SOURCES.index(source), np.int8)
        strength = np.round(np.clip(strength, 0.01, 1.0), 3)
        self.merged = False
        self.parts.append((
            a.astype(np.int32), b.astype(np.int32), code, strength,
            since.astype(np.int32), ctx.astype(np.int32),
        ))

    def merge(self, n_people: int) -> int:
        """Deduplicate all ties so far into one part; returns how many remain.

        A pair met through several sources is one tie: the strongest source wins. The
        result is sorted by (smaller end, larger end), the order the store inserts fastest.
        """
        if len(self.parts) == 1 and self.merged:
            return len(self.parts[0][0])
        columns = zip(*self.parts, strict=True)
        a, b, source, strength, since, ctx = (np.concatenate(c) for c in columns)
        keep = a != b
        low, high = np.minimum(a, b)[keep], np.maximum(a, b)[keep]
        strength = strength[keep]
        # one int64 sort key: the pair (at most 2**47), then the strength, strongest first
        pair = low.astype(np.int64) * n_people + high
        key = (pair << 10) | (1023 - np.rint(strength * 1000).astype(np.int64))
        order = np.argsort(key, kind="stable")
        pair = pair[order]
        pick = order[np.r_[True, pair[1:] != pair[:-1]]] if len(pair) else order
        self.parts = [(
            low[pick], high[pick], source[keep][pick], strength[pick], since[keep][pick],
            ctx[keep][pick],
        )]
        self.merged = True
        return len(pick)

    def build(self, n_people: int) -> _Ties:
        self.merge(n_people)
        low, high, source, strength, since, ctx = self.parts[0]
        since = since.astype(np.int64)
        return _Ties(
            a=low, b=high, source=source, strength=strength, since=since,
            confirmed=self._confirmed(since), context=ctx,
            contexts=np.array([*self.contexts, None], dtype=object),
        )

    def _confirmed(self, since: np.ndarray) -> np.ndarray:
        """Last confirmation: recent for most, years old for some, never for a few."""
        n, rng, today = len(since), self.rng, self.today
        u = rng.random(n)
        recent = np.maximum(since, today - rng.integers(0, 365, n))
        stale_end = np.maximum(since, today - 730)
        stale = since + (rng.random(n) * (stale_end - since)).astype(np.int64)
        out = np.where(u < 0.30, stale, recent)
        return np.where(u < 0.12, _NO_DAY, out)


def _draw_ties(p: _People, seed: int, as_of: date, geo: _Geo, names: _Names,
               mentoring: tuple[np.ndarray, np.ndarray, np.ndarray]) -> _Ties:
    """Every KNOWS tie, vectorised by source, then merged."""
    rng = _rng(seed, "ties")
    today = _day(as_of)
    parts = _TieParts(rng, today)
    n = p.n

    # promotion: officers of the same school and year
    promo_key = np.where(p.school >= 0, p.school * 100 + (p.promo_year - 1975), -1)
    labels = [f"{s.name} {y}" for s in names.schools for y in range(1975, 2075)]
    promo_ctx = parts.context_table(labels)
    a, b = _ring_ties(rng, promo_key, TIES_PROMOTION, window=15, p_local=0.5)
    school_start = np.array([_day(date(y, 9, 1)) for y in range(1975, 2021)])
    since = school_start[p.promo_year[a] - 1975] + rng.integers(0, 3 * 365, len(a))
    parts.add(a, b, TieSource.PROMOTION, since, promo_ctx[promo_key[a]])

    # unit: same service in the same département, in units of about 50 to 300
    unit, parent, rank = _split_groups(rng, p.dep * len(SERVICES) + p.service, 50, 300)
    unit_names = []
    for key, r in zip(parent.tolist(), rank.tolist(), strict=True):
        d, s = geo.deps[key // len(SERVICES)], SERVICES[key % len(SERVICES)]
        known = KNOWN_UNITS.get((d.code, s), ())
        generic = f"Unité {r + 1} ({SERVICE_LABEL[s]}) – {d.name}"
        unit_names.append(known[r] if r < len(known) else generic)
    unit_ctx = parts.context_table(unit_names)
    a, b = _ring_ties(rng, unit, TIES_UNIT, window=10, p_local=0.7)
    since = today - rng.integers(180, int(15 * _YEAR), len(a))
    parts.add(a, b, TieSource.UNIT, since, unit_ctx[unit[a]])

    # event: people who met at the same event of their groupement or délégation
    for grp in (p.anocr_grp, p.ia_grp):
        event, parent, _ = _split_groups(rng, grp, 40, 150)
        years = rng.integers(2015, as_of.year + 1, len(parent))
        kinds = rng.integers(0, len(EVENT_KINDS), len(parent))
        event_ctx = parts.context_table([
            f"{EVENT_KINDS[k]} {y} – {geo.groupements[g].name}"
            for k, y, g in zip(kinds.tolist(), years.tolist(), parent.tolist(), strict=True)
        ])
        a, b = _ring_ties(rng, event, TIES_EVENT, window=8, p_local=0.6)
        year_start = np.array([_day(date(int(y), 1, 1)) for y in years], dtype=np.int64)
        since = year_start[event[a]] + rng.integers(0, 365, len(a))
        parts.add(a, b, TieSource.EVENT, since, event_ctx[event[a]])

    # linkedin: mostly within the région, some national
    linked_since = _day(date(2008, 1, 1))
    a, b = _ring_ties(rng, geo.dep_region[p.dep], TIES_LINKEDIN_REGION, window=1, p_local=0.0)
    parts.add(a, b, TieSource.LINKEDIN, rng.integers(linked_since, today, len(a)))
    m = rng.poisson(TIES_LINKEDIN_NATIONAL * n)
    a, b = rng.integers(0, n, m), rng.integers(0, n, m)
    parts.add(a, b, TieSource.LINKEDIN, rng.integers(linked_since, today, m))

    # declared by the people themselves, within the département
    a, b = _ring_ties(rng, p.dep, TIES_DECLARED, window=1, p_local=0.0)
    parts.add(a, b, TieSource.DECLARED, today - rng.integers(0, int(10 * _YEAR), len(a)))

    mentor, mentee, since = mentoring
    parts.add(mentor, mentee, TieSource.MENTORING, since)

    # Top up to the target degree with LinkedIn ties, most of them between contacts of
    # contacts (what makes a network clustered), the rest within the région. Small
    # networks need more: their promotions and units are small.
    target = TARGET_DEGREE * n // 2
    for _ in range(3):
        deficit = target - parts.merge(n)
        if deficit < 0.01 * target:
            break
        low, high = parts.parts[0][:2]
        a, b = _closure_ties(rng, low, high, n, int(CLOSURE_SHARE * 1.1 * deficit))
        parts.add(a, b, TieSource.LINKEDIN, rng.integers(linked_since, today, len(a)))
        mean = (1 - CLOSURE_SHARE) * 1.1 * deficit / n
        a, b = _ring_ties(rng, geo.dep_region[p.dep], mean, window=1, p_local=0.0)
        parts.add(a, b, TieSource.LINKEDIN, rng.integers(linked_since, today, len(a)))
    return parts.build(n)


def _closure_ties(
    rng: np.random.Generator, low: np.ndarray, high: np.ndarray, n: int, m: int
) -> tuple[np.ndarray, np.ndarray]:
    """``m`` ties closing triangles: a random tie (a, b), then a random contact c of b.

    Ties between people with a common contact are what makes a real network clustered.
    A pair closed twice or already tied is merged away later; a == c is dropped then too.
    """
    if len(low) == 0 or m <= 0:
        return np.empty(0, np.int32), np.empty(0, np.int32)
    ends = np.concatenate([low, high])
    others = np.concatenate([high, low])
    order = np.argsort(ends, kind="stable")
    adjacency = others[order]
    degree = np.bincount(ends, minlength=n)
    start = np.concatenate([[0], np.cumsum(degree)[:-1]])
    edge = rng.integers(0, len(ends), m)
    a, b = ends[edge], others[edge]
    c = adjacency[start[b] + (rng.random(m) * degree[b]).astype(np.int64)]
    return a, c


def _tie_batches(ties: _Ties, pid: np.ndarray, per_batch: int) -> Iterator[Batch]:
    sources = np.array([s.value for s in TIE_SOURCES], dtype=object)
    for lo in range(0, len(ties), per_batch):
        s = slice(lo, lo + per_batch)
        frame = RelFrame(
            RelType.KNOWS, pid[ties.a[s]], pid[ties.b[s]],
            {
                "strength": ties.strength[s],
                "source": sources[ties.source[s]],
                "since": _dates(ties.since[s]),
                "confirmed_at": _dates(ties.confirmed[s]),
                "context": ties.contexts[ties.context[s]],
            },
        )
        yield Batch(frames=[frame])


# --------------------------------------------------------------------------- entry points


def generate(
    people: int,
    seed: int,
    as_of: date = DEFAULT_AS_OF,
    *,
    stats: DemoStats | None = None,
    people_per_batch: int = 20_000,
    ties_per_batch: int = 500_000,
) -> Iterator[Batch]:
    """Stream the demo graph as batches to write in order; same arguments, same batches.

    ``stats``, when given, is filled as the batches are consumed (see :class:`DemoStats`).

    >>> first = next(generate(100, 3))
    >>> sorted({n.label.value for n in first.nodes})[:2]
    ['BassinEmploi', 'BassinVie']
    """
    if isinstance(people, bool) or not isinstance(people, int | np.integer) or not (
        1 <= people <= MAX_PEOPLE
    ):
        raise ValueError(f"people: expected an integer in [1, {MAX_PEOPLE}], got {people!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed: expected a non-negative integer, got {seed!r}")
    people, seed = int(people), int(seed)
    if people_per_batch < 1 or ties_per_batch < 1:
        raise ValueError("people_per_batch and ties_per_batch must be positive")
    stats = stats if stats is not None else DemoStats()
    stats.people, stats.seed, stats.as_of = people, seed, as_of
    for batch in reference_batches(as_of):
        yield stats.add(batch)

    geo, names = _Geo.load(), _Names.load()
    gap_sectors, gap_bassins = _gap_sectors(seed, geo), _gap_bassins(seed, geo)
    sites = _draw_sites(people, seed, geo, gap_sectors, gap_bassins)
    charters, without_charter = _charters(seed, geo)
    employers = _employer_batch(geo, sites)
    yield stats.add(Batch(nodes=employers.nodes, rels=charters, frames=employers.frames))

    p = _draw_people(people, seed, as_of, geo, names)
    _assign_memberships(p, seed, as_of, geo, names)
    _assign_targets(p, seed, geo, gap_sectors)
    _assign_work(p, seed, as_of, geo, sites)
    pid = _person_ids(people)
    for lo in range(0, people, people_per_batch):
        hi = min(people, lo + people_per_batch)
        yield stats.add(_person_batch(p, lo, hi, pid, geo, names, sites))

    referents, without_referent, unconsented = _referents(p, seed, as_of, geo, pid)
    mentoring = _mentors(p, seed, as_of, geo)
    offers = _offers_batch(p, seed, as_of, geo, sites, pid)
    mentor, mentee, since = mentoring
    mentors = RelFrame(RelType.MENTORS, pid[mentor], pid[mentee], {"since": _dates(since)})
    yield stats.add(Batch(nodes=offers.nodes, rels=referents, frames=[*offers.frames, mentors]))

    stats.gaps = {
        "sectors without any helper": [geo.sectors[i].code for i in gap_sectors],
        "bassins where no helper works": [geo.be[i].code for i in gap_bassins],
        "groupements without référent": without_referent,
        "référents who did not consent": unconsented,
        "groupements without local charter": without_charter,
    }
    ties = _draw_ties(p, seed, as_of, geo, names, mentoring)
    del p
    yield from (stats.add(b) for b in _tie_batches(ties, pid, ties_per_batch))


def estimated_batches(
    people: int, people_per_batch: int = 20_000, ties_per_batch: int = 500_000
) -> int:
    """About how many batches :func:`generate` yields (for progress bars; ties are estimated).

    >>> estimated_batches(1_000_000)
    75
    """
    ties = int(TARGET_DEGREE * people * 0.51)  # the top-up lands a little above the target
    return 4 + -(-people // people_per_batch) + max(1, -(-ties // ties_per_batch))


def main(argv: Sequence[str] | None = None) -> int:
    """Write a demo seed into an embedded store and print what it took."""
    from graph.embedded import EmbeddedStore

    parser = argparse.ArgumentParser(prog="python -m seed.demo", description=main.__doc__)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--as-of", type=date.fromisoformat, default=DEFAULT_AS_OF)
    parser.add_argument("--dir", type=Path, required=True, help="store directory (created)")
    args = parser.parse_args(argv)
    stats = DemoStats()
    started = time.perf_counter()
    generating = 0.0
    with EmbeddedStore(args.dir) as store:
        bulk = getattr(store, "bulk", contextlib.nullcontext)
        with bulk():
            batches = generate(args.people, args.seed, args.as_of, stats=stats)
            while True:
                t = time.perf_counter()
                batch = next(batches, None)
                generating += time.perf_counter() - t
                if batch is None:
                    break
                store.write(batch)
        written = time.perf_counter()
        store.view()
    done = time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(stats.summary())
    print(
        f"generate {generating:.1f} s, write {written - started - generating:.1f} s, "
        f"first view {done - written:.1f} s, total {done - started:.1f} s, peak RSS {rss:.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
