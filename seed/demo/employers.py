"""Employer sites, one per (brand, bassin), and the batch of their nodes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from graph.frames import RelFrame
from graph.model import Employer, RelType
from graph.store import Batch
from seed import reference as ref
from seed.demo.geography import Geo
from seed.demo.streams import rng_for
from seed.reference_graph import bassin_emploi_id, sector_id


@dataclass(frozen=True)
class Sites:
    """Employer sites: one per (brand, bassin)."""

    brand: np.ndarray  # index into brands
    be: np.ndarray
    size: np.ndarray
    workable: np.ndarray  # False for sites in the planted gaps: nobody works there
    brands: tuple[ref.EmployerBrand, ...]
    ids: list[str]


def draw_sites(
    n_people: int, seed: int, geo: Geo, gap_sectors: Sequence[int], gap_bassins: Sequence[int]
) -> Sites:
    """Sites of each brand: national brands in big bassins, others in their départements."""
    rng = rng_for(seed, "sites")
    brands = ref.employer_brands()
    target = int(np.clip(n_people // 150, 300, 10_000))
    weights = np.array([b.size_weight for b in brands])
    dep_index = {d.code: i for i, d in enumerate(geo.deps)}
    pairs: list[tuple[int, int]] = []
    for bi, brand in enumerate(brands):
        k = max(1, round(target * brand.size_weight / weights.sum()))
        if brand.scope is None:
            cand = np.arange(len(geo.be))
            chosen: list[int] = []
        else:
            scope_deps = [dep_index[c] for c in brand.scope]
            cand = np.flatnonzero(np.isin(geo.be_dep, scope_deps))
            # the main bassin of each département of the scope always has a site
            chosen = []
            for d in scope_deps:
                in_dep = cand[geo.be_dep[cand] == d]
                chosen.append(int(in_dep[np.argmax(geo.be_weight[in_dep])]))
        rest = np.setdiff1d(cand, chosen)
        w = geo.be_weight[rest]
        extra = min(max(0, k - len(chosen)), int((w > 0).sum()))
        if extra:
            chosen += rng.choice(rest, size=extra, replace=False, p=w / w.sum()).tolist()
        pairs += [(bi, b) for b in sorted(chosen)]
    # every gap bassin gets at least one site: an employer there with no contact at all
    national = [i for i, b in enumerate(brands) if b.scope is None]
    have = {b for _, b in pairs}
    for b in gap_bassins:
        if b not in have:
            pairs.append((int(rng.choice(national)), b))
    brand_of = np.array([bi for bi, _ in pairs])
    be_of = np.array([b for _, b in pairs])
    size = np.maximum(
        5, np.rint(weights[brand_of] * geo.be_weight[be_of] * rng.lognormal(2.5, 0.8, len(pairs)))
    ).astype(np.int64)
    sector_index = {s.code: i for i, s in enumerate(geo.sectors)}
    brand_sector = np.array([sector_index[b.sector_code] for b in brands])
    workable = ~np.isin(brand_sector[brand_of], gap_sectors) & ~np.isin(be_of, gap_bassins)
    ids = [f"emp-{_slug(brands[bi].name)}-{geo.be[b].code}" for bi, b in pairs]
    if len(set(ids)) != len(ids):
        raise ValueError("two employer sites got the same id: make the brand slugs distinct")
    return Sites(brand_of, be_of, size, workable, brands, ids)


def employer_batch(geo: Geo, sites: Sites) -> Batch:
    """The employer nodes with where they are (``LOCATED_IN``) and their sector."""
    nodes = [
        Employer(
            id=sid, name=f"{sites.brands[bi].name} ({geo.be[b].name})",
            brand=sites.brands[bi].name, size=int(size),
        )
        for sid, bi, b, size in zip(sites.ids, sites.brand.tolist(), sites.be.tolist(),
                                    sites.size.tolist(), strict=True)
    ]
    ids = np.array(sites.ids, dtype=object)
    be_ids = np.array([bassin_emploi_id(b.code) for b in geo.be], dtype=object)
    brand_sector = np.array([sector_id(b.sector_code) for b in sites.brands], dtype=object)
    frames = [
        RelFrame(RelType.LOCATED_IN, ids, be_ids[sites.be]),
        RelFrame(RelType.IN_SECTOR, ids, brand_sector[sites.brand]),
    ]
    return Batch(nodes=nodes, frames=frames)


def _slug(text: str, limit: int = 40) -> str:
    """A brand's name as it appears in its sites' ids."""
    return ref.slugify(text)[:limit].strip("-")
