"""Local charters (``PARTNER_OF``) between ANOCR groupements and Implic'Action délégations."""

from __future__ import annotations

from datetime import date

from graph.model import PartnerLevel, PartnerOf, RelRecord
from seed.demo.days import day
from seed.demo.geography import Geo
from seed.demo.proportions import ANOCR
from seed.demo.streams import rng_for
from seed.reference_graph import add_months


def draw_charters(seed: int, geo: Geo) -> tuple[list[RelRecord], list[str]]:
    """Local charters between ANOCR groupements and their région's délégation; 25% missing."""
    rng = rng_for(seed, "charters")
    dep_index = {d.code: i for i, d in enumerate(geo.deps)}
    anocr = [g for g in geo.groupements if g.association_id == ANOCR]
    missing = set(rng.permutation(len(anocr))[: max(1, round(0.25 * len(anocr)))].tolist())
    start, end = day(date(2015, 1, 1)), day(date(2025, 12, 31))
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
