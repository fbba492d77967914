"""The rules of a referral-path query, with defaults a user may change per query.

Decisions written down here (see also :mod:`graph.paths.engine`):

* **Intermediaries must have consented** (``consent_introducer``). That rule is not a
  policy option: a référent may only see the names of people who agreed to help.
* **The final contact** inside an employer (or the reporter of an offer) is asked to
  introduce the candidate too, so by default they must have consented as well
  (``contact_must_consent``). When a *person* is the target, that person is where the path
  ends, not someone asked for a favour: no consent is required of them.
* **Capacity**: a helper whose ``monthly_load`` has reached ``capacity`` is avoided when
  an alternative exists, and used (and flagged) only when fewer than ``k`` paths exist
  without them (``avoid_over_capacity=False`` uses them freely, still flagged). It
  applies to intermediaries and to the final contact, never to a person target.
* **Hop cost**, in one place (:func:`hop_cost` and its numpy twin
  :func:`hop_costs`)::

      cost = base[source] + strength_weight * (1 - strength) + age_term
      age_term = per_year * min(years since last confirmed, age_cap_years)
                 or unconfirmed_penalty when the tie was never confirmed

  so a strong, recently confirmed promotion tie costs about 1 and a weak LinkedIn
  contact never confirmed costs about 7. ``MENTORS`` ties (parrainage) count as source
  ``mentoring`` with strength ``mentors_strength``, confirmed when the parrainage began.
  The référent of the candidate's groupement is one hop away at ``referent_cost``; the
  référent bridge to a helper of a partner association costs ``bridge_cost``.
* Costs are held as integers in thousandths (:data:`COST_SCALE`): sums are exact, ties
  between paths are real ties, and the order of paths never depends on float rounding.

>>> PathPolicy().max_intermediaries, PathPolicy().k
(3, 3)
>>> hop_cost(HopCosts(), "promotion", 1.0, 0.0)
1000
>>> PathPolicy(k=0)
Traceback (most recent call last):
...
graph.errors.InvalidInput: k: must be an integer between 1 and 10 (got 0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from graph.errors import InvalidInput
from graph.model import TieSource

#: costs are integers in thousandths of a unit
COST_SCALE = 1000
K_RANGE = (1, 10)
INTERMEDIARIES_RANGE = (1, 5)
_SOURCES: tuple[TieSource, ...] = tuple(TieSource)


@dataclass(frozen=True)
class HopCosts:
    """What one hop costs, from the tie's source, strength and age."""

    promotion: float = 1.0
    unit: float = 1.0
    mentoring: float = 0.8
    event: float = 2.0
    declared: float = 1.5
    linkedin: float = 3.0
    strength_weight: float = 2.0
    per_year: float = 0.25
    age_cap_years: float = 10.0
    unconfirmed_penalty: float = 2.5
    mentors_strength: float = 0.8
    referent_cost: float = 1.0
    bridge_cost: float = 3.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
            ):
                raise InvalidInput(
                    f"costs.{f.name}", f"must be a finite number (got {value!r})", value
                )
            if value < 0:
                raise InvalidInput(
                    f"costs.{f.name}", f"must not be negative (got {value!r})", value
                )
        # Positive hop costs are what makes every cheapest walk a simple path.
        for name in (*(s.value for s in _SOURCES), "referent_cost", "bridge_cost"):
            if getattr(self, name) < 1 / COST_SCALE:
                raise InvalidInput(
                    f"costs.{name}",
                    f"must be at least {1 / COST_SCALE} (got {getattr(self, name)!r})",
                )
        if self.mentors_strength > 1:
            raise InvalidInput(
                "costs.mentors_strength", "must be between 0 and 1", self.mentors_strength
            )

    def base(self, source: str) -> float:
        return float(getattr(self, source))

    def scaled(self, value: float) -> int:
        return max(1, round(value * COST_SCALE))


def hop_cost(costs: HopCosts, source: str, strength: float, age_years: float | None) -> int:
    """Cost of one tie in thousandths; ``age_years`` None means never confirmed.

    >>> hop_cost(HopCosts(), "linkedin", 0.5, None)
    6500
    """
    if age_years is None:
        age = costs.unconfirmed_penalty
    else:
        age = costs.per_year * min(max(age_years, 0.0), costs.age_cap_years)
    return costs.scaled(costs.base(source) + costs.strength_weight * (1.0 - strength) + age)


def hop_costs(
    costs: HopCosts,
    source_code: np.ndarray,
    strength: np.ndarray,
    confirmed_day: np.ndarray,
    as_of_day: int,
    no_date: int,
) -> np.ndarray:
    """:func:`hop_cost` over columns (source as enum codes, dates as day numbers), int64.

    Rounding and clamping match :func:`hop_cost` exactly, so the two never disagree.
    """
    base = np.array([costs.base(s.value) for s in _SOURCES], dtype=np.float64)
    src = np.asarray(source_code).astype(np.int64)
    b = np.where(src >= 0, base[np.clip(src, 0, None)], costs.declared)
    years = (as_of_day - np.asarray(confirmed_day, dtype=np.int64)) / 365.25
    age = costs.per_year * np.minimum(np.maximum(years, 0.0), costs.age_cap_years)
    age = np.where(np.asarray(confirmed_day) == no_date, costs.unconfirmed_penalty, age)
    s = np.nan_to_num(np.asarray(strength, dtype=np.float64), nan=0.0)
    value = (b + costs.strength_weight * (1.0 - s) + age) * COST_SCALE
    # Python's round() is half-to-even, like numpy's rint.
    return np.maximum(np.rint(value), 1).astype(np.int64)


def age_in_years(as_of_day: int, confirmed_day: int | None) -> float | None:
    return None if confirmed_day is None else (as_of_day - confirmed_day) / 365.25


@dataclass(frozen=True)
class PathPolicy:
    """The rules of one query; every field has a default and is checked on creation.

    ``k`` paths (1..10) with at most ``max_intermediaries`` people between the candidate
    and the final contact (1..5). Errors raise :class:`~graph.errors.InvalidInput`
    naming the field.

    >>> PathPolicy(max_intermediaries=2).max_hops
    3
    >>> PathPolicy(max_intermediaries=6)
    Traceback (most recent call last):
    ...
    graph.errors.InvalidInput: max_intermediaries: must be an integer between 1 and 5 (got 6)
    """

    k: int = 3
    max_intermediaries: int = 3
    contact_must_consent: bool = True
    avoid_over_capacity: bool = True
    referent_bridge: bool = True
    costs: HopCosts = field(default_factory=HopCosts)

    def __post_init__(self) -> None:
        _check_int("k", self.k, K_RANGE)
        _check_int("max_intermediaries", self.max_intermediaries, INTERMEDIARIES_RANGE)
        for name in ("contact_must_consent", "avoid_over_capacity", "referent_bridge"):
            if not isinstance(getattr(self, name), bool):
                raise InvalidInput(name, f"must be true or false (got {getattr(self, name)!r})")
        if not isinstance(self.costs, HopCosts):
            raise InvalidInput("costs", "must be a HopCosts")

    @property
    def max_hops(self) -> int:
        return self.max_intermediaries + 1

    def with_(self, **changes: Any) -> PathPolicy:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "costs"}
        out["costs"] = {f.name: getattr(self.costs, f.name) for f in fields(self.costs)}
        return out


def _check_int(name: str, value: Any, bounds: tuple[int, int]) -> None:
    lo, hi = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise InvalidInput(name, f"must be an integer between {lo} and {hi} (got {value!r})", value)
