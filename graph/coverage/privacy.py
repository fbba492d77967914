"""Coverage and gaps rendered for a viewer, with the small-count rule of
:mod:`graph.access.counts`: outside a groupement's own view, small counts of people
read "< 5".

The dashboard, the API and the CLI render coverage and gaps through these functions;
the dataclasses themselves always hold exact values.

Decisions:

* Which fields are counts of people is :data:`graph.coverage.metrics.PEOPLE_COUNTS`
  (candidates, helpers, référents, people affected by a gap, single points of failure);
  the other counts are of structures and shown as they are.
* Roll-ups (département, région, national) are never anyone's own view.
* A gap whose size is a count of people repeats no withheld count in its title.

>>> from graph.coverage.metrics import Coverage
>>> row = render_coverage(Coverage(scope="groupement", id="g", name="G", candidates=3))
>>> row["candidates"], row["suppressed"]
('< 5', True)
"""

from __future__ import annotations

from typing import Any

from graph.access.counts import SUPPRESSED, count, is_small, ratio_shown, share
from graph.coverage.gaps import PEOPLE_TITLE_KINDS, Gap, people_title
from graph.coverage.metrics import PEOPLE_COUNTS, Coverage


def render_coverage(cov: Coverage, own_groupement: bool = False) -> dict[str, Any]:
    """A JSON-ready dict of ``cov`` for a viewer (roll-ups are never an own view)."""
    own = own_groupement and cov.scope == "groupement"
    out = cov.to_dict()
    for name in PEOPLE_COUNTS:
        out[name] = count(out[name], own)
    out["share_with_path"] = share(cov.candidates_with_path, cov.candidates, own)
    out["helper_ratio"] = (
        cov.helper_ratio if ratio_shown(cov.helpers_available, cov.candidates, own) else None
    )
    out["suppressed"] = not own
    return out


def render_gap(gap: Gap, own_groupement: bool = False) -> dict[str, Any]:
    """A JSON-ready dict of ``gap`` for a viewer; its title repeats no suppressed count."""
    out = gap.to_dict()
    out["affected"] = count(gap.affected, own_groupement)
    if gap.size_is_people:
        out["size"] = count(gap.size, own_groupement)
        if not own_groupement and is_small(gap.size):
            out["title"] = (
                people_title(gap.kind, SUPPRESSED)
                if gap.kind in PEOPLE_TITLE_KINDS
                else gap.title.replace(str(gap.size), SUPPRESSED, 1)
            )
    return out


