"""Consent per purpose of the demo people (seed.demo.consents): plausible shares, dated."""

from __future__ import annotations

from datetime import timedelta

from graph.access.consent import FIELDS, date_field
from graph.model import Person
from tests.seed.demo.conftest import AS_OF, Seeded


def test_every_purpose_is_drawn_and_dated(seeded: Seeded) -> None:
    people = [n for b in seeded[0] for n in b.nodes if isinstance(n, Person)]
    assert len(people) == 3_000
    for field in FIELDS:
        given = [p for p in people if getattr(p, field)]
        assert 0.1 < len(given) / len(people) < 0.9, field  # some agreed, not everyone
        assert all(getattr(p, date_field(field)) is not None for p in given), field
        withdrawn = [p for p in people if not getattr(p, field) and getattr(p, date_field(field))]
        assert withdrawn, field  # a few withdrew: false, with the day they did
        for p in given + withdrawn:
            assert AS_OF - timedelta(days=3 * 365) < getattr(p, date_field(field)) <= AS_OF
    candidates = [p for p in people if p.status == "candidate"]
    others = [p for p in people if p.status == "neither"]
    share = sum(p.consent_portal for p in candidates) / len(candidates)
    assert share > 1.5 * sum(p.consent_portal for p in others) / len(others)
