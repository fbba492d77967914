"""What to do when a query finds no path: :class:`~graph.paths.results.NextSteps`.

A pure function of the search index at a date (plus the explainer, which reads the few
records it names), computed by :func:`graph.paths.service.find_paths` with ``no_path``:

* **employers**: the nearest employers like the target that the candidate can reach
  (the engine's alternatives: same sector, same bassin or its département);
* **helpers**: helpers of the candidate's groupements, available (consented to
  introduce, below their capacity), who currently work at an employer of the target's
  sector, anywhere: they know the trade and may know someone at the target;
* **referents**: the référents of the groupements and délégations covering the
  target's bassin (its département): the people to ask for a local introduction.

The target's sector and bassin: given for a sector-in-bassin target; an employer's
(``IN_SECTOR``, ``LOCATED_IN``); an offer's employer's; a person's current employers'.

People are named as every path names them (:meth:`Explainer.person`, i.e.
:func:`graph.access.visibility.may_be_named`): a référent who did not consent is
"une personne (nom non communiqué)", with their groupement's name.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from graph.model import BassinEmploi, Groupement, Label, RelType, Sector
from graph.paths.engine import TargetSet
from graph.paths.explain import Explainer
from graph.paths.index import PathIndex, out_of
from graph.paths.results import Alternative, NextSteps, PersonRef, Place, Referent
from graph.view import LABEL_CODE, NO_DATE
from graph.wording import de

#: at most this many helpers and référents are listed
LISTED = 5


def target_places(index: PathIndex, target: TargetSet, day: int) -> tuple[np.ndarray, int]:
    """(sector nids, bassin nid or -1) of ``target``."""
    if target.kind == "set":
        return np.array([target.sector], dtype=np.int64), target.bassin
    if target.kind == "person":
        employers = index.current_employers(target.node, day)
    elif target.kind == "employer":
        employers = np.array([target.node], dtype=np.int64)
    else:
        employers = np.asarray(target.employers, dtype=np.int64)
    sectors = [index.sectors_of(int(e)) for e in employers.tolist()]
    found = np.unique(np.concatenate(sectors)) if sectors else np.empty(0, dtype=np.int64)
    bassins = [int(index.bassin_of[int(e)]) for e in employers.tolist()]
    bassin = next((b for b in bassins if b >= 0), -1)
    return found.astype(np.int64), bassin


def sector_helpers(index: PathIndex, candidate: int, sectors: np.ndarray, day: int) -> list[int]:
    """Available helpers of the candidate's groupements working in one of ``sectors``,
    in id order."""
    if len(sectors) == 0:
        return []
    members = index.view.rel(RelType.IN_GROUPEMENT)
    groups = index.groupements_of(candidate)
    people = (
        np.unique(np.concatenate([members.sources(int(g)) for g in groups]))
        if len(groups)
        else np.empty(0, dtype=np.int64)
    )
    people = people[(people != candidate) & index.helper[people] & index.available[people]]
    # vectorised (a groupement has hundreds of helpers): their current employments, then
    # the employers in one of the sectors
    works = index.view.rel(RelType.WORKS_AT)
    pos, owner = out_of(works, people.astype(np.int64))
    since, until = works.columns["since"][pos], works.columns["until"][pos]
    current = ((since == NO_DATE) | (since <= day)) & ((until == NO_DATE) | (until > day))
    pos, owner = pos[current], owner[current]
    in_sector = index.view.rel(RelType.IN_SECTOR)
    sector_pos, employer_of = out_of(in_sector, works.dst[pos].astype(np.int64))
    hit = np.isin(in_sector.dst[sector_pos], sectors)
    found = np.unique(people[owner[employer_of[hit]]])
    return sorted(found.tolist(), key=lambda p: int(index.rank[p]))


def bassin_referents(index: PathIndex, bassin: int) -> list[tuple[int, int]]:
    """(groupement, référent) pairs of the groupements covering ``bassin``'s département."""
    if bassin < 0:
        return []
    view = index.view
    depts = view.rel(RelType.PART_OF).targets(bassin)
    depts = depts[view.labels[depts] == LABEL_CODE[Label.DEPARTEMENT]]
    covers = view.rel(RelType.COVERS)
    groups = (
        np.unique(np.concatenate([covers.sources(int(d)) for d in depts]))
        if len(depts)
        else np.empty(0, dtype=np.int64)
    )
    pairs = [(int(g), int(r)) for g in groups.tolist() for r in index.referents_of(int(g))]
    return sorted(pairs, key=lambda gr: (int(index.rank[gr[0]]), int(index.rank[gr[1]])))


def _names(people: Sequence[PersonRef]) -> str:
    names = [p.name for p in people]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " et " + names[-1]


def next_steps(
    explainer: Explainer,
    target: TargetSet,
    alternatives: Sequence[Alternative],
    day: int,
) -> NextSteps:
    """The next steps of a query of ``explainer``'s candidate that found no path."""
    index, candidate = explainer.index, explainer.candidate
    sectors, bassin = target_places(index, target, day)
    sector_nodes = [explainer.node(int(s)) for s in sectors.tolist()]
    sector_names = [s.name for s in sector_nodes if isinstance(s, Sector)]
    bassin_node = explainer.node(bassin) if bassin >= 0 else None
    bassin_name = bassin_node.name if isinstance(bassin_node, BassinEmploi) else None
    helper_ids = sector_helpers(index, candidate, sectors, day)
    explainer.load(helper_ids[:LISTED])
    helpers = tuple(explainer.person(p) for p in helper_ids[:LISTED])
    pairs = bassin_referents(index, bassin)[:LISTED]
    explainer.load([n for pair in pairs for n in pair])
    referents = []
    for g, r in pairs:
        group = explainer.node(g)
        referents.append(
            Referent(
                explainer.ids[g] or "",
                group.name if isinstance(group, Groupement) else "un groupement",
                explainer.person(r),
            )
        )
    employers = tuple(Place(a.employer_id, a.employer) for a in alternatives)
    who = explainer.person(candidate).name
    sector_text = " ou ".join(sector_names) if sector_names else None
    advice: list[str] = []
    if employers:
        advice.append(
            f"Viser un employeur proche que {who} peut déjà joindre : "
            + ", ".join(e.name for e in employers)
        )
    if helpers and sector_text:
        advice.append(
            f"Solliciter un aidant du groupement qui travaille dans le secteur {sector_text} : "
            f"{_names(helpers)}"
        )
    elif sector_text:
        advice.append(
            f"Aucun aidant disponible du groupement ne travaille dans le secteur {sector_text} : "
            "en recruter un"
        )
    where = f"du bassin {de(bassin_name)}" if bassin_name else "du bassin visé"
    if referents:
        named = ", ".join(f"{r.person.name} ({r.groupement})" for r in referents)
        advice.append(f"Demander au référent {where} une mise en relation locale : {named}")
    elif bassin_name:
        advice.append(f"Aucun référent ne couvre le bassin {de(bassin_name)}")
    return NextSteps(
        sector=sector_text,
        bassin=bassin_name,
        employers=employers,
        helpers=helpers,
        referents=tuple(referents),
        advice=tuple(advice),
    )
