"""Small counts of people are sensitive: outside a groupement's own view they read "< 5".

The dashboard, the API and the CLI render coverage and gaps through these functions;
the dataclasses themselves always hold exact values.

Rules (decisions):

* A **count of people** (candidates, helpers, référents, people affected by a gap, single
  points of failure: :data:`graph.coverage.metrics.PEOPLE_COUNTS`) from 0 to 4 is
  rendered as the string :data:`SUPPRESSED` unless the viewer is the groupement's own
  référent view (``own_groupement=True``). Zero is suppressed too: "nobody" is a small
  count like the others. Counts of structures (employers, sectors, offers, groupements,
  charters) are not about people and are shown as they are.
* A **share** computed from people counts is withheld (``None``) outside the own view when
  its numerator, its denominator or their difference is suppressed: 97 % of 100 would
  otherwise give away "3 without a path".
* Roll-ups (département, région, national) are never anyone's own view.

>>> count(3, own_groupement=False), count(3, own_groupement=True), count(12, False)
('< 5', 3, 12)
>>> share(95, 100, own_groupement=False) is None, share(50, 100, own_groupement=False)
(False, 0.5)
"""

from __future__ import annotations

from typing import Any

from graph.coverage.gaps import Gap
from graph.coverage.metrics import PEOPLE_COUNTS, Coverage

SUPPRESSED = "< 5"
THRESHOLD = 5


def count(value: int, own_groupement: bool) -> int | str:
    """A count of people as a viewer may see it."""
    return value if own_groupement or value >= THRESHOLD else SUPPRESSED


def share(numerator: int, denominator: int, own_groupement: bool) -> float | None:
    """``numerator / denominator``, withheld when it would reveal a small count."""
    if denominator == 0:
        return None
    if not own_groupement and min(numerator, denominator, denominator - numerator) < THRESHOLD:
        return None
    return numerator / denominator


def render_coverage(cov: Coverage, own_groupement: bool = False) -> dict[str, Any]:
    """A JSON-ready dict of ``cov`` for a viewer (roll-ups are never an own view)."""
    own = own_groupement and cov.scope == "groupement"
    out = cov.to_dict()
    for name in PEOPLE_COUNTS:
        out[name] = count(out[name], own)
    out["share_with_path"] = share(cov.candidates_with_path, cov.candidates, own)
    out["helper_ratio"] = (
        cov.helper_ratio if own or min(cov.helpers_available, cov.candidates) >= THRESHOLD else None
    )
    out["suppressed"] = not own
    return out


def render_gap(gap: Gap, own_groupement: bool = False) -> dict[str, Any]:
    """A JSON-ready dict of ``gap`` for a viewer; its title repeats no suppressed count."""
    out = gap.to_dict()
    out["affected"] = count(gap.affected, own_groupement)
    if gap.size_is_people:
        out["size"] = count(gap.size, own_groupement)
        if not own_groupement and gap.size < THRESHOLD:
            out["title"] = gap.title.replace(str(gap.size), SUPPRESSED, 1)
    return out
