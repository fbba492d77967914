"""The reference geography as index arrays: départements, régions, bassins, groupements."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seed import reference as ref
from seed.demo.proportions import ANOCR


@dataclass(frozen=True)
class Geo:
    """Reference data as index arrays: départements, régions, bassins, groupements."""

    deps: tuple[ref.Departement, ...]
    dep_region: np.ndarray
    n_regions: int
    be: tuple[ref.BassinEmploi, ...]
    be_dep: np.ndarray
    be_weight: np.ndarray
    bv: tuple[ref.BassinVie, ...]
    bv_dep: np.ndarray
    bv_be: np.ndarray
    groupements: tuple[ref.Groupement, ...]
    anocr_of_dep: np.ndarray  # groupement index, -1 where ANOCR has none
    ia_of_dep: np.ndarray
    sectors: tuple[ref.Sector, ...]

    @staticmethod
    def load() -> Geo:
        deps = ref.departements()
        dep_index = {d.code: i for i, d in enumerate(deps)}
        region_index = {r.code: i for i, r in enumerate(ref.regions())}
        be = ref.bassins_emploi()
        be_index = {b.code: i for i, b in enumerate(be)}
        bv = ref.bassins_vie()
        groupements = ref.groupements()
        anocr = np.full(len(deps), -1, dtype=np.int64)
        ia = np.full(len(deps), -1, dtype=np.int64)
        for gi, g in enumerate(groupements):
            target = anocr if g.association_id == ANOCR else ia
            for code in g.departement_codes:
                target[dep_index[code]] = gi
        return Geo(
            deps=deps,
            dep_region=np.array([region_index[d.region_code] for d in deps]),
            n_regions=len(region_index),
            be=be,
            be_dep=np.array([dep_index[b.departement_code] for b in be]),
            be_weight=np.array([b.economic_weight for b in be]),
            bv=bv,
            bv_dep=np.array([dep_index[b.departement_code] for b in bv]),
            bv_be=np.array([be_index[b.bassin_emploi_code] for b in bv]),
            groupements=groupements,
            anocr_of_dep=anocr,
            ia_of_dep=ia,
            sectors=ref.sectors(),
        )
