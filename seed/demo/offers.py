"""Hidden job offers (``JobOffer``, ``OFFERS``, ``REPORTED``) at sites where someone works."""

from __future__ import annotations

from datetime import date

import numpy as np

from graph.frames import RelFrame
from graph.model import JobOffer, NodeRecord, OfferStatus, RelType
from graph.store import Batch
from seed.demo.days import dates, day
from seed.demo.draws import Picker
from seed.demo.employers import Sites
from seed.demo.geography import Geo
from seed.demo.people import People
from seed.demo.proportions import ROLES
from seed.demo.streams import rng_for
from seed.reference_graph import bassin_emploi_id


def offers_batch(p: People, seed: int, as_of: date, geo: Geo, sites: Sites,
                  pid: np.ndarray) -> Batch:
    """Hidden job offers at sites where someone works or worked, reported by one of them."""
    rng = rng_for(seed, "offers")
    today = day(as_of)
    n_offers = max(10, p.n // 100)
    worked = p.site >= 0
    staff = np.bincount(p.site[worked], minlength=len(sites.ids)).astype(np.float64)
    if staff.sum() == 0:
        return Batch()
    site = rng.choice(len(sites.ids), size=n_offers, p=staff / staff.sum())
    # reported by a helper who works or worked there, else by anyone who does
    site_of = np.where(worked, p.site, len(sites.ids))
    helpers_there = Picker(site_of, (worked & p.helperish).astype(float), len(sites.ids) + 1)
    anyone_there = Picker(site_of, worked.astype(float), len(sites.ids) + 1)
    u = rng.random(n_offers)
    reporter = helpers_there.draw(site, u)
    reporter = np.where(reporter < 0, anyone_there.draw(site, u), reporter)
    # one in five offers is reported by a helper of the département who "knows the employer"
    site_dep = geo.be_dep[sites.be[site]]
    by_dep = Picker(p.dep, p.helperish.astype(float), len(geo.deps))
    local = by_dep.draw(site_dep, rng.random(n_offers))
    reporter = np.where((rng.random(n_offers) < 0.2) & (local >= 0), local, reporter)
    posted = today - rng.integers(0, 180, n_offers)
    at = np.minimum(today, posted + rng.integers(0, 30, n_offers))
    status = rng.choice(3, size=n_offers, p=[0.75, 0.15, 0.10])
    hidden = rng.random(n_offers) < 0.85
    role = rng.integers(0, len(ROLES), n_offers)
    offer_ids = np.array([f"off-{i + 1}" for i in range(n_offers)], dtype=object)
    statuses = (OfferStatus.OPEN, OfferStatus.FILLED, OfferStatus.CLOSED)
    posted_dates = dates(posted).tolist()
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
        RelFrame(RelType.REPORTED, pid[reporter], offer_ids, {"at": dates(at)}),
    ]
    return Batch(nodes=nodes, frames=frames)
