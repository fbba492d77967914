"""Who the people are (seed.demo.people, seed.demo.person_batches): statuses, grades, contacts."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from graph.model import Label, PersonStatus, RelType
from graph.view import GraphView, day_number
from seed import reference as ref
from seed.demo import generate
from tests.seed.demo.conftest import AS_OF, has_status, status_of


def test_statuses_consents_and_capacity(view: GraphView) -> None:
    people = view.nodes_with_label(Label.PERSON)
    shares = np.bincount(status_of(view)[people], minlength=4) / len(people)
    assert shares == pytest.approx([0.35, 0.30, 0.05, 0.30], abs=0.04)
    helpers = people[has_status(view, people, PersonStatus.HELPER, PersonStatus.BOTH)]
    consent = view.column(Label.PERSON, "consent_introducer")[helpers]
    assert 0.7 < consent.mean() < 0.9  # not all helpers agreed to introduce
    capacity = view.column(Label.PERSON, "capacity")[helpers]
    load = view.column(Label.PERSON, "monthly_load")[helpers]
    assert ((capacity >= 1) & (capacity <= 6) | (capacity == -1)).all()
    assert (capacity == -1).any()
    assert ((capacity > 0) & (load >= capacity)).any()  # some are at or over capacity


def test_candidates_leave_within_the_window(view: GraphView) -> None:
    people = view.nodes_with_label(Label.PERSON)
    candidates = people[has_status(view, people, PersonStatus.CANDIDATE)]
    months = (view.column(Label.PERSON, "departure_date")[candidates] - day_number(AS_OF)) / 30.44
    assert (months >= -12.5).all() and (months <= 24.5).all()
    assert ((months >= 0) & (months <= 12)).mean() > 0.5


def test_officers_hold_a_promotion_of_a_school_of_their_service(seeded) -> None:
    batches = seeded[0]
    people = [n for b in batches for n in b.nodes if n.label == Label.PERSON]
    schools = {s.name: s.service for s in ref.schools() if s.grade_category == "officer"}
    officers = [p for p in people if p.grade_category.value == "officer"]
    assert 0.1 < len(officers) / len(people) < 0.35
    for person in officers:
        school, year = person.promotion.rsplit(" ", 1)
        assert schools[school] == person.service.value or person.service.value == "other"
        assert 1975 <= int(year) <= 2020
    assert all(p.promotion is None for p in people if p.grade_category.value != "officer")
    assert Counter(p.service.value for p in people).most_common(1)[0][0] == "terre"


def test_contact_details_are_synthetic(seeded) -> None:
    people = [n for b in seeded[0] for n in b.nodes if n.label == Label.PERSON]
    emails = [p.email for p in people if p.email]
    assert len(set(emails)) == len(emails) > 0.9 * len(people)
    assert all(e.endswith("@example.org") for e in emails)
    assert all(p.phone.startswith(("+33 6 ", "+33 7 ")) for p in people if p.phone)


def test_people_follow_military_weight() -> None:
    lives: Counter[str] = Counter()
    for batch in generate(20_000, 3):
        for frame in batch.frames:
            if frame.type == RelType.LIVES_IN:
                lives.update(np.asarray(frame.dst).tolist())
    # Toulon and Brest against Lozère, the smallest weight of metropolitan France
    assert lives["dep-83"] > 10 * lives["dep-48"]
    assert lives["dep-29"] > 10 * lives["dep-48"]
