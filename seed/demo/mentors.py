"""Parrainage: candidates with a consenting helper of their groupement as mentor (``MENTORS``)."""

from __future__ import annotations

from datetime import date

import numpy as np

from seed.demo.days import day
from seed.demo.draws import Picker
from seed.demo.geography import Geo
from seed.demo.people import People
from seed.demo.proportions import MENTEE_SHARE
from seed.demo.streams import rng_for


def draw_mentors(
    p: People, seed: int, as_of: date, geo: Geo
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parrainage: a few candidates get a consenting helper of their groupement as mentor."""
    rng = rng_for(seed, "mentors")
    today = day(as_of)
    mentees = np.flatnonzero(p.candidateish & (rng.random(p.n) < MENTEE_SHARE))
    able = (p.helperish & p.consent_introducer).astype(np.float64)
    group = np.where(p.anocr_grp >= 0, p.anocr_grp, p.ia_grp)
    n_groups = len(geo.groupements)
    # people outside any groupement go to an extra bucket that no mentee draws from
    by_group = Picker(np.where(group >= 0, group, n_groups), able, n_groups + 1)
    by_dep = Picker(p.dep, able, len(geo.deps))
    mine = group[mentees]
    mentor = np.where(mine >= 0, by_group.draw(np.maximum(mine, 0), rng.random(len(mentees))), -1)
    mentor = np.where(mentor < 0, by_dep.draw(p.dep[mentees], rng.random(len(mentees))), mentor)
    keep = (mentor >= 0) & (mentor != mentees)
    since = today - rng.integers(0, 730, len(mentees))
    return mentor[keep], mentees[keep], since[keep]
