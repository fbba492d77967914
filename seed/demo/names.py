"""Display tables for people: given names, surnames, grades and officer schools."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seed import reference as ref
from seed.demo.proportions import CATEGORIES, SERVICES


@dataclass(frozen=True)
class Names:
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
    def load() -> Names:
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
        return Names(
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
