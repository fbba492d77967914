"""Small counts of people are sensitive: outside a groupement's own view they read "< 5".

The one place that owns the rule: the coverage rendering (:mod:`graph.coverage.privacy`),
the API's response models, the dashboard and the CLI all take the threshold, the text
shown and the checks from here.

Decisions:

* A **count of people** from 0 to 4 (:data:`THRESHOLD` = 5) is shown as the string
  :data:`SUPPRESSED` unless the viewer has the groupement's own view. Zero is withheld
  too: "nobody" is a small count like the others. Counts of structures (employers,
  sectors, offers, groupements, charters) are not about people and are shown as they are.
* A **share** or ratio of people counts is withheld (``None``) outside the own view when
  its numerator, its denominator or their difference is small: 97 % of 100 would
  otherwise give away "3 without a path".
* **Before and after** (what-if): a figure withheld on one side is withheld on both
  (:func:`pair`). "< 5 → 5" after adding one helper would otherwise say there were
  exactly 4. Two figures shown on both sides (5 or more each) may differ by a small
  number: that difference is the effect of a hypothetical change (how many candidates it
  would reach), not a count of people of the network.
* **Where** the rule applies: coverage rows, gaps and actions (API, dashboard, CLI);
  the head counts of ``GET /api/v1/groupements`` (exact only for the groupement's own
  référent); what-if rows. Nowhere else are counts of people given.
* The text is a ``Literal`` type (:data:`Suppressed`) as well as a constant, so response
  models can declare ``int | Suppressed`` and a type checker follows it.

>>> count(3, own_groupement=False), count(3, own_groupement=True), count(12, False)
('< 5', 3, 12)
>>> share(97, 100, own_groupement=False) is None, share(95, 100, own_groupement=False)
(True, 0.95)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal

#: the type of a withheld count
Suppressed = Literal["< 5"]
#: how a withheld count of people reads
SUPPRESSED: Final[Suppressed] = "< 5"
#: counts of people below this are withheld outside the own view
THRESHOLD: Final = 5
#: a count of people as a viewer may see it
ShownCount = int | Suppressed


def is_small(value: int) -> bool:
    """Whether a count of people is too small to show outside the own view.

    >>> is_small(4), is_small(5), is_small(0)
    (True, False, True)
    """
    return value < THRESHOLD


def count(value: int, own_groupement: bool) -> ShownCount:
    """A count of people as a viewer may see it."""
    return value if own_groupement or not is_small(value) else SUPPRESSED


def share(numerator: int, denominator: int, own_groupement: bool) -> float | None:
    """``numerator / denominator``, withheld when it would reveal a small count."""
    if denominator == 0:
        return None
    if not own_groupement and is_small(min(numerator, denominator, denominator - numerator)):
        return None
    return numerator / denominator


def ratio_shown(numerator: int, denominator: int, own_groupement: bool) -> bool:
    """Whether a ratio of two counts of people (helpers per candidate) may be shown:
    in the own view, or when neither count is small.

    >>> ratio_shown(12, 3, own_groupement=False), ratio_shown(12, 3, own_groupement=True)
    (False, True)
    """
    return own_groupement or not is_small(min(numerator, denominator))


def pair(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two rendered rows (before and after a change) where every figure withheld on one
    side (``"< 5"``, or ``None`` for a share or ratio) is withheld on the other too.

    >>> pair({"helpers": "< 5", "share": 0.5}, {"helpers": 5, "share": None})
    ({'helpers': '< 5', 'share': None}, {'helpers': '< 5', 'share': None})
    >>> pair({"helpers": 7}, {"helpers": 9})
    ({'helpers': 7}, {'helpers': 9})
    """
    b, a = dict(before), dict(after)
    for key in b.keys() & a.keys():
        x, y = b[key], a[key]
        if x == SUPPRESSED or y == SUPPRESSED:
            b[key] = a[key] = SUPPRESSED
        elif (x is None) != (y is None) and isinstance(x if y is None else y, int | float):
            b[key] = a[key] = None
    return b, a
