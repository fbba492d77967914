"""The reference graph (seed.reference_graph): conventions run to their next anniversary."""

from __future__ import annotations

from datetime import date, timedelta

from seed import reference as ref
from seed.reference_graph import convention_expiry, reference_batches


def test_renewable_convention_runs_to_the_next_anniversary() -> None:
    anocr_ia = next(c for c in ref.conventions() if c.id == "conv-anocr-implicaction")
    assert convention_expiry(anocr_ia, date(2026, 11, 1)) == date(2026, 11, 13)
    assert convention_expiry(anocr_ia, date(2027, 1, 1)) == date(2027, 11, 13)
    rels = [r for b in reference_batches(date(2030, 1, 1)) for r in b.rels]
    partner = next(r for r in rels if {r.src, r.dst} == {"asso-anocr", "asso-implicaction"})
    assert partner.expires == date(2030, 11, 13)
    assert partner.expires - date(2030, 1, 1) < timedelta(days=366)
