"""Gaps: named shortfalls, ranked, each with a concrete suggested action.

A :class:`Gap` says what is missing (``title``, in French), how big it is (``size``: in
``unit``), how many candidates it affects (``affected``) and what to do
(:class:`Action`: a machine-readable ``kind`` with ``params`` of node ids, and the French
``text``). Kinds, from the :class:`~graph.coverage.state.Details` of a scope:

* ``no_referent`` → ``name_referent``: affects the groupement's candidates;
* ``referent_without_consent`` → ``ask_referent_consent``: the groupement's candidates;
* ``candidates_without_path`` → ``recruit_helpers``: those candidates;
* ``candidates_without_target`` → ``ask_targets``: those candidates;
* ``sector_without_helper`` → ``recruit_helpers``: candidates targeting the sector;
* ``employers_without_contact`` (per bassin) → ``recruit_helpers``: candidates targeting
  the bassin;
* ``single_point_of_failure`` → ``second_contact``: candidates targeting the employer's
  bassin (or the sector, for a sector's only contact);
* ``missing_charter`` → ``sign_charter``: the groupement's candidates;
* ``offer_unreached`` → ``share_offer``: candidates targeting the offer's bassin.

Decisions:

* ``name_referent`` suggests a person: the available helper of the groupement with the
  most personal ties (ties broken by id); none when it has no available helper.
* ``recruit_helpers`` for candidates without a path names the (sector, bassin) pair
  most common among their targets; for a sector without helper, the bassin most
  targeted by the candidates who want that sector, in the territory first.
* Référent and charter gaps are raised for groupements of kind "groupement" only (the
  structures asked to name a référent and to sign local charters); a délégation's
  missing charters appear on the groupement's side, so no pair is listed twice.
* Ranking: most candidates affected first, then the larger size, then the kind in the
  order of the table, then the groupement id and the title.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from graph.coverage.state import CoverageState, Details
from graph.wording import de, is_plural, plural

KINDS = (
    "no_referent",
    "referent_without_consent",
    "candidates_without_path",
    "candidates_without_target",
    "sector_without_helper",
    "employers_without_contact",
    "single_point_of_failure",
    "missing_charter",
    "offer_unreached",
)


@dataclass(frozen=True)
class Action:
    """A suggested action: ``kind`` and ``params`` (node ids) for machines, ``text`` for people."""

    kind: str
    params: Mapping[str, str | None]
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "params": dict(self.params), "text": self.text}


@dataclass(frozen=True)
class Gap:
    """A named shortfall of one groupement, with its size, the candidates it affects and a fix."""

    kind: str
    groupement_id: str
    groupement: str
    title: str
    #: how big the shortfall is, in ``unit`` ("candidats", "employeurs", "référent"...)
    size: int
    unit: str
    #: candidates of the groupement the shortfall affects
    affected: int
    action: Action
    rank: int = 0
    #: whether ``size`` counts people (then the small-count rule applies to it)
    size_is_people: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "kind": self.kind,
            "groupement_id": self.groupement_id,
            "groupement": self.groupement,
            "title": self.title,
            "size": self.size,
            "unit": self.unit,
            "affected": self.affected,
            "action": self.action.to_dict(),
        }


@dataclass(frozen=True)
class Labels:
    """How gaps name things: node number -> French label (id when unknown)."""

    name: Callable[[int], str]
    person: Callable[[int], str]
    node_id: Callable[[int], str]
    extra: dict[str, Any] = field(default_factory=dict)


#: titles of the gaps whose size is a count of people, by kind (agreed in number; a
#: withheld count, "< 5", takes the plural: :func:`people_title`)
_PEOPLE_TITLES = {
    "candidates_without_path": (
        "{n} candidat sans chemin vers ses cibles",
        "{n} candidats sans chemin vers leurs cibles",
    ),
    "candidates_without_target": (
        "{n} candidat sans bassin ni secteur visé",
        "{n} candidats sans bassin ni secteur visé",
    ),
}


#: the kinds :func:`people_title` writes
PEOPLE_TITLE_KINDS = frozenset(_PEOPLE_TITLES)


def people_title(kind: str, n: int | str) -> str:
    """The title of a gap of ``kind`` counting ``n`` people, agreed in number.

    >>> people_title("candidates_without_path", 1)
    '1 candidat sans chemin vers ses cibles'
    >>> people_title("candidates_without_target", "< 5")
    '< 5 candidats sans bassin ni secteur visé'
    """
    one, many = _PEOPLE_TITLES[kind]
    return (many if is_plural(n) else one).format(n=n)


def gaps_of(state: CoverageState, details: Details, candidates: int, labels: Labels) -> list[Gap]:
    """The gaps of one groupement (``details`` of a single-groupement scope), unranked."""
    (g,) = details.groupements.tolist()
    gid, gname = labels.node_id(g), labels.name(g)
    out: list[Gap] = []

    def add(
        kind: str,
        title: str,
        size: int,
        unit: str,
        affected: int,
        action: Action,
        people: bool = False,
    ) -> None:
        out.append(Gap(kind, gid, gname, title, size, unit, affected, action, 0, people))

    bearing = g in set(details.referent_bearing.tolist())
    if bearing:
        refs = details.referents.get(g, [])
        if not refs:
            person = suggest_referent(state, g)
            who = (
                f" (par exemple {labels.person(person)}, aidant disponible)" if person >= 0 else ""
            )
            add(
                "no_referent",
                "Pas de référent reconversion",
                1,
                "référent",
                candidates,
                Action(
                    "name_referent",
                    {"groupement": gid, "person": labels.node_id(person) if person >= 0 else None},
                    f"Nommer un référent reconversion pour {gname}{who}",
                ),
            )
        elif not any(ok for _, ok in refs):
            person = refs[0][0]
            add(
                "referent_without_consent",
                "Le référent n'a pas accepté de présenter des candidats",
                1,
                "référent",
                candidates,
                Action(
                    "ask_referent_consent",
                    {"groupement": gid, "person": labels.node_id(person)},
                    f"Demander à {labels.person(person)} son accord pour présenter des candidats",
                ),
            )
    uncovered = candidates - _with_path(state, details)
    no_target = int((~_has_target(state, details)).sum())
    without_path = uncovered - no_target
    if without_path > 0 and details.no_path_targets:
        (sector, bassin), _ = max(
            details.no_path_targets.items(), key=lambda kv: (kv[1], -kv[0][0], -kv[0][1])
        )
        add(
            "candidates_without_path",
            people_title("candidates_without_path", without_path),
            without_path,
            "candidats",
            without_path,
            recruit(labels, sector, bassin),
            people=True,
        )
    if no_target > 0:
        add(
            "candidates_without_target",
            people_title("candidates_without_target", no_target),
            no_target,
            "candidats",
            no_target,
            Action(
                "ask_targets",
                {"groupement": gid},
                "Demander aux candidats de déclarer les bassins et secteurs qu'ils visent",
            ),
            people=True,
        )
    local = set(details.territory_bassins.tolist())
    for sector, bassin in details.sectors_without_helper:
        # the bassin to recruit in is the one its candidates target most: outside the
        # groupement's territory when they settle elsewhere (their lieu de repli)
        elsewhere = bassin >= 0 and bassin not in local
        where = f" ; ses candidats visent le bassin {de(labels.name(bassin))}" if elsewhere else ""
        add(
            "sector_without_helper",
            f"Aucun aidant du secteur {labels.name(sector)} sur le territoire {de(gname)}{where}",
            1,
            "secteur",
            details.wanted.get(sector, 0),
            recruit(labels, sector, bassin, elsewhere),
        )
    for bassin, employers in sorted(details.employers_without_contact.items()):
        names = ", ".join(labels.name(e) for e in employers[:3])
        more = "…" if len(employers) > 3 else ""
        add(
            "employers_without_contact",
            f"{plural(len(employers), 'employeur')} sans contact dans le bassin "
            f"{labels.name(bassin)}",
            len(employers),
            "employeurs",
            details.wanted.get(bassin, 0),
            Action(
                "recruit_helpers",
                {
                    "sector": None,
                    "bassin": labels.node_id(bassin),
                    "employers": ",".join(labels.node_id(e) for e in employers),
                },
                f"Recruter des aidants chez {names}{more} (bassin {labels.name(bassin)})",
            ),
        )
    for person, employer, sector in details.single_points:
        where = f"le secteur {labels.name(sector)}" if sector >= 0 else labels.name(employer)
        affected = (
            details.wanted.get(sector, 0)
            if sector >= 0
            else details.wanted.get(int(state.index.bassin_of[employer]), 0)
        )
        add(
            "single_point_of_failure",
            f"{labels.person(person)} est le seul contact joignable pour {where}",
            1,
            "aidant",
            affected,
            Action(
                "second_contact",
                {
                    "helper": labels.node_id(person),
                    "employer": labels.node_id(employer),
                    "sector": labels.node_id(sector) if sector >= 0 else None,
                },
                f"Demander à {labels.person(person)} de présenter un second contact chez "
                f"{labels.name(employer)}",
            ),
        )
    if bearing:
        for _, partner in details.partners_missing:
            add(
                "missing_charter",
                f"Pas de charte locale en vigueur avec {labels.name(partner)}",
                1,
                "charte",
                candidates,
                Action(
                    "sign_charter",
                    {"groupement": gid, "delegation": labels.node_id(partner)},
                    f"Signer la charte locale avec la délégation {labels.name(partner)}",
                ),
            )
    for offer, bassin in details.offers_unreached:
        add(
            "offer_unreached",
            f"Offre cachée « {labels.name(offer)} » sans candidat joignable",
            1,
            "offre",
            details.wanted.get(bassin, 0),
            Action(
                "share_offer",
                {"offer": labels.node_id(offer), "bassin": labels.node_id(bassin)},
                f"Relayer l'offre « {labels.name(offer)} » auprès des candidats visant le bassin "
                f"{labels.name(bassin)}",
            ),
        )
    return out


def rank(gaps: list[Gap], limit: int | None = None) -> tuple[Gap, ...]:
    """Gaps in ranking order (see the module docstring), numbered from 1."""
    order = sorted(
        gaps, key=lambda g: (-g.affected, -g.size, KINDS.index(g.kind), g.groupement_id, g.title)
    )
    if limit is not None:
        order = order[:limit]
    return tuple(_with_rank(g, i) for i, g in enumerate(order, start=1))


def _with_rank(gap: Gap, rank_: int) -> Gap:
    return replace(gap, rank=rank_)


def recruit(labels: Labels, sector: int, bassin: int, elsewhere: bool = False) -> Action:
    """ "Recruit helpers in sector S in bassin B" (either may be missing: -1);
    ``elsewhere``: B is outside the groupement's territory."""
    parts = []
    if sector >= 0:
        parts.append(f"dans le secteur {labels.name(sector)}")
    if bassin >= 0:
        outside = " (hors du territoire, visé par les candidats)" if elsewhere else ""
        parts.append(f"dans le bassin {labels.name(bassin)}{outside}")
    return Action(
        "recruit_helpers",
        {
            "sector": labels.node_id(sector) if sector >= 0 else None,
            "bassin": labels.node_id(bassin) if bassin >= 0 else None,
        },
        "Recruter des aidants " + " ".join(parts) if parts else "Recruter des aidants",
    )


def suggest_referent(state: CoverageState, groupement: int) -> int:
    """The available helper of ``groupement`` with the most ties (smallest id on a tie)."""
    bit = int(state.gbit[groupement])
    helpers = state.group_helpers.of_key(bit)
    helpers = np.unique(helpers[state.available[helpers]])
    if len(helpers) == 0:
        return -1
    deg = state.index.deg[helpers]
    best = helpers[deg == deg.max()]
    return int(best[np.argmin(state.index.rank[best])])


def _with_path(state: CoverageState, details: Details) -> int:
    return int(state.back.covered[details.cand].sum())


def _has_target(state: CoverageState, details: Details) -> np.ndarray:
    return (state.back.wants[:, details.cand] != 0).any(axis=0)
