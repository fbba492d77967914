"""The reference data (geography, sectors, institutions) as graph records.

:mod:`seed.reference` holds plain dataclasses read from CSV files and the seed documents;
this module turns them into the nodes and relationships every seeded graph starts with:
régions, départements, bassins d'emploi and de vie (``PART_OF`` up the hierarchy),
sectors, associations, their national conventions (``PARTNER_OF``) and the ANOCR
groupements and Implic'Action délégations (``COVERS`` their départements).

Ids are stable, readable strings built from reference codes, so that a demo seed, a CSV
import and a test all name the same département ``dep-83``.

>>> batches = list(reference_batches())
>>> sum(len(b.nodes) for b in batches) > 400
True
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date

from graph.model import (
    Association,
    BassinEmploi,
    BassinVie,
    Covers,
    Departement,
    Groupement,
    NodeRecord,
    PartnerOf,
    PartOf,
    Region,
    RelRecord,
    Sector,
)
from graph.store import Batch
from seed import reference as ref

#: the date the demo graph describes; dates are computed from it, never from the clock
DEFAULT_AS_OF = date(2026, 11, 1)


def region_id(code: str) -> str:
    """Node id of a région.

    >>> region_id("53")
    'reg-53'
    """
    return f"reg-{code}"


def departement_id(code: str) -> str:
    """Node id of a département.

    >>> departement_id("2A")
    'dep-2A'
    """
    return f"dep-{code}"


def bassin_emploi_id(code: str) -> str:
    """Node id of a bassin d'emploi.

    >>> bassin_emploi_id("ZE-83-1")
    'be-ZE-83-1'
    """
    return f"be-{code}"


def bassin_vie_id(code: str) -> str:
    """Node id of a bassin de vie.

    >>> bassin_vie_id("BV-83-1")
    'bv-BV-83-1'
    """
    return f"bv-{code}"


def sector_id(code: str) -> str:
    """Node id of a sector.

    >>> sector_id("defense")
    'sec-defense'
    """
    return f"sec-{code}"


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months, clamped to the end of shorter months.

    >>> add_months(date(2024, 1, 31), 1)
    datetime.date(2024, 2, 29)
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def convention_expiry(convention: ref.Convention, as_of: date) -> date | None:
    """When a convention ends, seen from ``as_of``; None when it has no term.

    A renewable convention is modelled as renewed by tacit agreement at each anniversary:
    the ANOCR – Implic'Action agreement of 13 November 2014 was signed "for one year,
    renewable" and nothing in the sources says it was ever terminated, while both
    associations kept working together. Giving it its first expiry (November 2015) would
    make the national bridge between the two networks look dead and every coverage report
    would flag it; giving it no expiry would hide that it must be renewed. So it expires
    at the first anniversary after ``as_of``: current, with a visible renewal date, and
    reproducible because ``as_of`` is a parameter, not today's date.

    >>> anocr_ia = next(c for c in ref.conventions() if c.id == "conv-anocr-implicaction")
    >>> convention_expiry(anocr_ia, date(2026, 11, 1))
    datetime.date(2026, 11, 13)
    >>> convention_expiry(anocr_ia, date(2026, 11, 13))
    datetime.date(2027, 11, 13)
    """
    if not convention.duration_months:
        return None
    periods = 1
    expires = add_months(convention.signed, convention.duration_months)
    while convention.renewable and expires <= as_of:
        periods += 1
        expires = add_months(convention.signed, convention.duration_months * periods)
    return expires


def _geography() -> Batch:
    """Régions, départements and bassins, linked upwards by ``PART_OF``."""
    nodes: list[NodeRecord] = [
        Region(id=region_id(r.code), code=r.code, name=r.name) for r in ref.regions()
    ]
    rels: list[RelRecord] = []
    for d in ref.departements():
        nodes.append(
            Departement(
                id=departement_id(d.code), code=d.code, name=d.name,
                prefecture=d.prefecture, lat=d.lat, lon=d.lon,
            )
        )
        rels.append(PartOf(src=departement_id(d.code), dst=region_id(d.region_code)))
    for be in ref.bassins_emploi():
        nodes.append(
            BassinEmploi(id=bassin_emploi_id(be.code), code=be.code, name=be.name,
                         lat=be.lat, lon=be.lon)
        )
        rels.append(PartOf(src=bassin_emploi_id(be.code), dst=departement_id(be.departement_code)))
    for bv in ref.bassins_vie():
        nodes.append(
            BassinVie(id=bassin_vie_id(bv.code), code=bv.code, name=bv.name, lat=bv.lat, lon=bv.lon)
        )
        rels.append(PartOf(src=bassin_vie_id(bv.code), dst=departement_id(bv.departement_code)))
    nodes.extend(Sector(id=sector_id(s.code), code=s.code, name=s.name) for s in ref.sectors())
    return Batch(nodes=nodes, rels=rels)


def _institutions(as_of: date) -> Batch:
    """Associations, national conventions, groupements and délégations with their territory."""
    nodes: list[NodeRecord] = [
        Association(id=a.id, name=a.name, short_name=a.short_name, kind=a.kind, founded=a.founded)
        for a in ref.associations()
    ]
    rels: list[RelRecord] = [
        PartnerOf(
            src=c.party_a, dst=c.party_b, signed=c.signed, expires=convention_expiry(c, as_of),
            level=c.level, name=c.name_fr,
        )
        for c in ref.conventions()
    ]
    for g in ref.groupements():
        nodes.append(Groupement(id=g.id, name=g.name, association_id=g.association_id, kind=g.kind))
        rels.extend(Covers(src=g.id, dst=departement_id(code)) for code in g.departement_codes)
    return Batch(nodes=nodes, rels=rels)


def reference_batches(as_of: date = DEFAULT_AS_OF) -> Iterator[Batch]:
    """The reference graph as two batches: geography and sectors, then institutions.

    ``as_of`` only matters for renewable conventions (see :func:`convention_expiry`).

    >>> geo, inst = reference_batches()
    >>> any(r.src == "dep-83" and r.dst == "reg-93" for r in geo.rels)
    True
    """
    yield _geography()
    yield _institutions(as_of)
