"""Every ``KNOWS`` tie, drawn by source (promotion, unit, event, LinkedIn, declared, mentoring).

Decisions: ties are rings of acquaintances within groups (:func:`~seed.demo.draws.ring_ties`)
plus triangle-closing top-ups, so the network is clustered with a heavy-ish tail of
well-connected people; they are streamed in chunks of :class:`~graph.frames.RelFrame`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import numpy as np

from graph.frames import RelFrame
from graph.model import RelType, TieSource
from graph.store import Batch
from seed.demo.days import YEAR, dates, day
from seed.demo.draws import ring_ties, split_groups
from seed.demo.geography import Geo
from seed.demo.names import Names
from seed.demo.people import People
from seed.demo.proportions import (
    CLOSURE_SHARE,
    EVENT_KINDS,
    KNOWN_UNITS,
    SERVICE_LABEL,
    SERVICES,
    TARGET_DEGREE,
    TIE_SOURCES,
    TIES_DECLARED,
    TIES_EVENT,
    TIES_LINKEDIN_NATIONAL,
    TIES_LINKEDIN_REGION,
    TIES_PROMOTION,
    TIES_UNIT,
)
from seed.demo.streams import rng_for
from seed.demo.tie_parts import TieParts, Ties


def draw_ties(p: People, seed: int, as_of: date, geo: Geo, names: Names,
               mentoring: tuple[np.ndarray, np.ndarray, np.ndarray]) -> Ties:
    """Every KNOWS tie, vectorised by source, then merged."""
    rng = rng_for(seed, "ties")
    today = day(as_of)
    parts = TieParts(rng, today)
    n = p.n

    # promotion: officers of the same school and year
    promo_key = np.where(p.school >= 0, p.school * 100 + (p.promo_year - 1975), -1)
    labels = [f"{s.name} {y}" for s in names.schools for y in range(1975, 2075)]
    promo_ctx = parts.context_table(labels)
    a, b = ring_ties(rng, promo_key, TIES_PROMOTION, window=15, p_local=0.5)
    school_start = np.array([day(date(y, 9, 1)) for y in range(1975, 2021)])
    since = school_start[p.promo_year[a] - 1975] + rng.integers(0, 3 * 365, len(a))
    parts.add(a, b, TieSource.PROMOTION, since, promo_ctx[promo_key[a]])

    # unit: same service in the same département, in units of about 50 to 300
    unit, parent, rank = split_groups(rng, p.dep * len(SERVICES) + p.service, 50, 300)
    unit_names = []
    for key, r in zip(parent.tolist(), rank.tolist(), strict=True):
        d, s = geo.deps[key // len(SERVICES)], SERVICES[key % len(SERVICES)]
        known = KNOWN_UNITS.get((d.code, s), ())
        generic = f"Unité {r + 1} ({SERVICE_LABEL[s]}) – {d.name}"
        unit_names.append(known[r] if r < len(known) else generic)
    unit_ctx = parts.context_table(unit_names)
    a, b = ring_ties(rng, unit, TIES_UNIT, window=10, p_local=0.7)
    since = today - rng.integers(180, int(15 * YEAR), len(a))
    parts.add(a, b, TieSource.UNIT, since, unit_ctx[unit[a]])

    # event: people who met at the same event of their groupement or délégation
    for grp in (p.anocr_grp, p.ia_grp):
        event, parent, _ = split_groups(rng, grp, 40, 150)
        years = rng.integers(2015, as_of.year + 1, len(parent))
        kinds = rng.integers(0, len(EVENT_KINDS), len(parent))
        event_ctx = parts.context_table([
            f"{EVENT_KINDS[k]} {y} – {geo.groupements[g].name}"
            for k, y, g in zip(kinds.tolist(), years.tolist(), parent.tolist(), strict=True)
        ])
        a, b = ring_ties(rng, event, TIES_EVENT, window=8, p_local=0.6)
        year_start = np.array([day(date(int(y), 1, 1)) for y in years], dtype=np.int64)
        since = year_start[event[a]] + rng.integers(0, 365, len(a))
        parts.add(a, b, TieSource.EVENT, since, event_ctx[event[a]])

    # linkedin: mostly within the région, some national
    linked_since = day(date(2008, 1, 1))
    a, b = ring_ties(rng, geo.dep_region[p.dep], TIES_LINKEDIN_REGION, window=1, p_local=0.0)
    parts.add(a, b, TieSource.LINKEDIN, rng.integers(linked_since, today, len(a)))
    m = rng.poisson(TIES_LINKEDIN_NATIONAL * n)
    a, b = rng.integers(0, n, m), rng.integers(0, n, m)
    parts.add(a, b, TieSource.LINKEDIN, rng.integers(linked_since, today, m))

    # declared by the people themselves, within the département
    a, b = ring_ties(rng, p.dep, TIES_DECLARED, window=1, p_local=0.0)
    parts.add(a, b, TieSource.DECLARED, today - rng.integers(0, int(10 * YEAR), len(a)))

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
        a, b = closure_ties(rng, low, high, n, int(CLOSURE_SHARE * 1.1 * deficit))
        parts.add(a, b, TieSource.LINKEDIN, rng.integers(linked_since, today, len(a)))
        mean = (1 - CLOSURE_SHARE) * 1.1 * deficit / n
        a, b = ring_ties(rng, geo.dep_region[p.dep], mean, window=1, p_local=0.0)
        parts.add(a, b, TieSource.LINKEDIN, rng.integers(linked_since, today, len(a)))
    return parts.build(n)


def closure_ties(
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


def tie_batches(ties: Ties, pid: np.ndarray, per_batch: int) -> Iterator[Batch]:
    """The ties as batches of one ``KNOWS`` frame of at most ``per_batch`` ties each."""
    sources = np.array([s.value for s in TIE_SOURCES], dtype=object)
    for lo in range(0, len(ties), per_batch):
        s = slice(lo, lo + per_batch)
        frame = RelFrame(
            RelType.KNOWS, pid[ties.a[s]], pid[ties.b[s]],
            {
                "strength": ties.strength[s],
                "source": sources[ties.source[s]],
                "since": dates(ties.since[s]),
                "confirmed_at": dates(ties.confirmed[s]),
                "context": ties.contexts[ties.context[s]],
            },
        )
        yield Batch(frames=[frame])
