"""The order the demo graph is generated in, and how many batches that makes.

Decisions: batches are yielded so that every relationship points to nodes written before
or in the same batch (reference graph, employers and charters, people, référents, mentors
and offers, ties last). The people columns are dropped before the ties are streamed, to
keep the peak memory of a million-person seed down.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import numpy as np

from graph.frames import RelFrame
from graph.model import RelType
from graph.store import Batch
from seed.demo.charters import draw_charters
from seed.demo.days import dates
from seed.demo.employers import draw_sites, employer_batch
from seed.demo.gaps import draw_gap_bassins, draw_gap_sectors
from seed.demo.geography import Geo
from seed.demo.memberships import assign_memberships
from seed.demo.mentors import draw_mentors
from seed.demo.names import Names
from seed.demo.offers import offers_batch
from seed.demo.people import MAX_PEOPLE, draw_people, person_ids
from seed.demo.person_batches import person_batch
from seed.demo.proportions import TARGET_DEGREE
from seed.demo.referents import draw_referents
from seed.demo.stats import DemoStats
from seed.demo.targets import assign_targets
from seed.demo.ties import draw_ties, tie_batches
from seed.demo.work import assign_work
from seed.reference_graph import DEFAULT_AS_OF, reference_batches


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

    geo, names = Geo.load(), Names.load()
    gap_sectors, gap_bassins = draw_gap_sectors(seed, geo), draw_gap_bassins(seed, geo)
    sites = draw_sites(people, seed, geo, gap_sectors, gap_bassins)
    charters, without_charter = draw_charters(seed, geo)
    employers = employer_batch(geo, sites)
    yield stats.add(Batch(nodes=employers.nodes, rels=charters, frames=employers.frames))

    p = draw_people(people, seed, as_of, geo, names)
    assign_memberships(p, seed, as_of, geo, names)
    assign_targets(p, seed, geo, gap_sectors)
    assign_work(p, seed, as_of, geo, sites)
    pid = person_ids(people)
    for lo in range(0, people, people_per_batch):
        hi = min(people, lo + people_per_batch)
        yield stats.add(person_batch(p, lo, hi, pid, geo, names, sites))

    referents, without_referent, unconsented = draw_referents(p, seed, as_of, geo, pid)
    mentoring = draw_mentors(p, seed, as_of, geo)
    offers = offers_batch(p, seed, as_of, geo, sites, pid)
    mentor, mentee, since = mentoring
    mentors = RelFrame(RelType.MENTORS, pid[mentor], pid[mentee], {"since": dates(since)})
    yield stats.add(Batch(nodes=offers.nodes, rels=referents, frames=[*offers.frames, mentors]))

    stats.gaps = {
        "sectors without any helper": [geo.sectors[i].code for i in gap_sectors],
        "bassins where no helper works": [geo.be[i].code for i in gap_bassins],
        "groupements without référent": without_referent,
        "référents who did not consent": unconsented,
        "groupements without local charter": without_charter,
    }
    ties = draw_ties(p, seed, as_of, geo, names, mentoring)
    del p
    yield from (stats.add(b) for b in tie_batches(ties, pid, ties_per_batch))


def estimated_batches(
    people: int, people_per_batch: int = 20_000, ties_per_batch: int = 500_000
) -> int:
    """About how many batches :func:`generate` yields (for progress bars; ties are estimated).

    >>> estimated_batches(1_000_000)
    75
    """
    ties = int(TARGET_DEGREE * people * 0.51)  # the top-up lands a little above the target
    return 4 + -(-people // people_per_batch) + max(1, -(-ties // ties_per_batch))
