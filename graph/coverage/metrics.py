"""What coverage reports: one :class:`Coverage` per groupement and per roll-up.

Every number is defined once, in the comment above its field, and computed by
:func:`graph.coverage.state.measure`. Values here are exact; small counts are hidden
only when rendered for someone outside the groupement (:mod:`graph.coverage.privacy`).

Words used in the definitions:

* **candidate** of a groupement: a person with status ``candidate`` or ``both`` attached
  to it (``IN_GROUPEMENT``); **helper**: status ``helper`` or ``both``.
* **contact**: a person who currently works at an employer (``WORKS_AT`` current at the
  date: ``since`` empty or passed, ``until`` empty or after it) and consented to
  introduce: where a referral path can end (the path engine's rule).
* **territory** of a groupement: the départements it ``COVERS`` and the bassins
  d'emploi ``PART_OF`` them; an employer or offer is in it when it is ``LOCATED_IN`` one
  of those bassins.
* **path**: a valid referral path under the path engine's default rules, at most 3
  intermediaries (see :mod:`graph.coverage.reach`).
* **reached** by a groupement: a person at the end of a path from one of its
  candidates (or who is one of its candidates).
* **in force**: a ``PARTNER_OF`` with ``signed`` ≤ the date and ``expires`` empty or ≥ it.

Roll-ups (département, région, national) are computed on the union of the groupements
of the scope and of their people, never by adding up rows: someone attached to two
groupements counts once. A groupement covering several départements is counted in full
in each of them; its territory in a département roll-up is that département only.

>>> c = Coverage(scope="groupement", id="g", name="G", groupements=1, candidates=4,
...              candidates_with_path=3)
>>> c.share_with_path, c.referent_present
(0.75, True)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

SCOPES = ("groupement", "departement", "region", "national")


@dataclass(frozen=True)
class Coverage:
    """The coverage of one groupement or of a roll-up at one date (exact values)."""

    #: "groupement", "departement", "region" or "national"
    scope: str
    #: the groupement id, département code, région code, or "FR"
    id: str
    name: str
    #: groupements in the scope (1 for a groupement)
    groupements: int = 1
    #: groupements of kind "groupement" (ANOCR-like) with no ``REFERENT_OF`` at all;
    #: délégations and antennes are not asked to name one and never count here
    groupements_without_referent: int = 0
    #: groupements of the scope asked to name a référent (kind "groupement"); 0 for a
    #: délégation or an antenne, whose référent is then "not required"
    groupements_referent_required: int = 1
    #: groupements whose référents (one or more) none consented to introduce
    groupements_referent_without_consent: int = 0
    #: référents of the scope's groupements (people, distinct)
    referents: int = 0
    #: candidates of the scope's groupements (distinct people)
    candidates: int = 0
    #: of those, with a ``departure_date`` from the date to 12 months after it, inclusive
    candidates_departing_12m: int = 0
    #: of those, with no ``TARGETS`` at all (they cannot have a path to a target)
    candidates_without_target: int = 0
    #: helpers of the scope's groupements (distinct people)
    helpers: int = 0
    #: of those, who consented to introduce and are below their monthly capacity
    #: (``monthly_load`` < ``capacity``, or no capacity stated): the engine's "available"
    helpers_available: int = 0
    #: candidates with a path to a contact at an employer located in one of their target
    #: bassins or working in one of their target sectors (a sector target is national)
    candidates_with_path: int = 0
    #: employers in the territory
    employers: int = 0
    #: employers in the territory where no contact is reached by the scope's candidates
    #: (no consenting current employee at all, or none within reach)
    employers_without_contact: int = 0
    #: sectors targeted by at least one candidate of the scope
    sectors_targeted: int = 0
    #: of those, sectors with no contact at an employer of the sector in the territory
    sectors_without_helper: int = 0
    #: contacts who are the only way in: the only reached contact at an employer of the
    #: territory, or the only reached contact (anywhere) in a sector targeted by the
    #: scope's candidates (distinct people)
    single_points_of_failure: int = 0
    #: groupements or délégations of a partner association (a convention in force with
    #: the groupement's association) covering one of its départements, with no local
    #: charter in force with it (distinct pairs)
    partners_without_charter: int = 0
    #: open hidden job offers located in the territory
    hidden_offers: int = 0
    #: of those, offers none of whose contacts (the engine's offer contacts: the reporter
    #: and current employees of the offering employer, who consented) is reached
    hidden_offers_unreached: int = 0

    @property
    def referent_present(self) -> bool:
        """Every groupement of the scope that should have a référent has one."""
        return self.groupements_without_referent == 0

    @property
    def referent_consents(self) -> bool:
        """Every référent-bearing groupement has a référent who consented."""
        return self.referent_present and self.groupements_referent_without_consent == 0

    @property
    def referent_status(self) -> str:
        """The one answer to "has it a référent?" (:data:`REFERENT_WORDS` says it in
        French): ``not_required`` when no groupement of the scope is asked to name one
        (a délégation, an antenne), else ``missing``, ``without_consent`` or ``present``.

        >>> Coverage(scope="groupement", id="d", name="D",
        ...          groupements_referent_required=0).referent_status
        'not_required'
        >>> Coverage(scope="groupement", id="g", name="G",
        ...          groupements_without_referent=1).referent_status
        'missing'
        """
        if self.groupements_referent_required == 0:
            return "not_required"
        if self.groupements_without_referent:
            return "missing"
        if self.groupements_referent_without_consent:
            return "without_consent"
        return "present"

    @property
    def helper_ratio(self) -> float | None:
        """Available helpers per candidate; None without candidates."""
        return self.helpers_available / self.candidates if self.candidates else None

    @property
    def share_with_path(self) -> float | None:
        """``candidates_with_path / candidates``; None without candidates."""
        return self.candidates_with_path / self.candidates if self.candidates else None

    @property
    def candidates_without_path(self) -> int:
        return self.candidates - self.candidates_with_path

    def to_dict(self) -> dict[str, Any]:
        """Exact values, derived ones included (JSON-ready)."""
        out = asdict(self)
        out.update(
            referent_present=self.referent_present,
            referent_consents=self.referent_consents,
            referent_status=self.referent_status,
            helper_ratio=self.helper_ratio,
            share_with_path=self.share_with_path,
            candidates_without_path=self.candidates_without_path,
        )
        return out


#: :attr:`Coverage.referent_status` in French: what the dashboard, the CLI and the
#: exports print in their "Référent" column
REFERENT_WORDS = {
    "present": "oui",
    "missing": "non",
    "without_consent": "sans accord",
    "not_required": "non requis",
}


def referent_word(cov: Coverage) -> str:
    """:attr:`Coverage.referent_status` in French (:data:`REFERENT_WORDS`).

    >>> referent_word(Coverage(scope="groupement", id="d", name="D",
    ...                        groupements_referent_required=0))
    'non requis'
    """
    return REFERENT_WORDS[cov.referent_status]


#: counts of people: what the small-count rule protects (see :mod:`graph.coverage.privacy`)
PEOPLE_COUNTS = (
    "referents",
    "candidates",
    "candidates_departing_12m",
    "candidates_without_target",
    "helpers",
    "helpers_available",
    "candidates_with_path",
    "candidates_without_path",
    "single_points_of_failure",
)


@dataclass(frozen=True)
class CoverageReport:
    """Coverage of a scope: its groupements, its départements and régions, and the total."""

    as_of: date
    version: int
    scope: str
    scope_id: str
    groupements: tuple[Coverage, ...]
    departements: tuple[Coverage, ...] = ()
    regions: tuple[Coverage, ...] = ()
    total: Coverage | None = None
    notes: tuple[str, ...] = field(default=())
    #: when the state of ``version`` was computed
    computed_at: datetime | None = None
    #: False when a newer store version exists and its figures are being computed
    #: (``version`` and ``computed_at`` say which figures these are)
    current: bool = True
