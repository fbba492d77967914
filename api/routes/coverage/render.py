"""The coverage service's results as the JSON bodies of the coverage routes, for a viewer.

Small counts of people are withheld by :mod:`graph.coverage.privacy` (the rule is
:mod:`graph.access.counts`); ``own`` is true only for a référent reading their own
groupement (:func:`graph.access.coverage.own_groupement`).
"""

from __future__ import annotations

from typing import Any

from graph.access.counts import count
from graph.coverage import privacy
from graph.coverage.gaps import Gap
from graph.coverage.metrics import Coverage, CoverageReport
from graph.coverage.service import RankedAction


def row(cov: Coverage, own: bool) -> dict[str, Any]:
    return privacy.render_coverage(cov, own_groupement=own)


def report(found: CoverageReport, own: bool) -> dict[str, Any]:
    """``own``: the groupement's own view (exact rows for a groupement scope only)."""
    return {
        "as_of": found.as_of,
        "version": found.version,
        "computed_at": found.computed_at,
        "current": found.current,
        "scope": found.scope,
        "scope_id": found.scope_id,
        "groupements": [row(c, own) for c in found.groupements],
        "departements": [row(c, False) for c in found.departements],
        "regions": [row(c, False) for c in found.regions],
        "total": None if found.total is None else row(found.total, own),
        "notes": list(found.notes),
    }


def gap(found: Gap, own: bool) -> dict[str, Any]:
    return privacy.render_gap(found, own_groupement=own)


def action(found: RankedAction) -> dict[str, Any]:
    """A ranked action of the national list (never an own view)."""
    return {
        "rank": found.rank,
        "groupement_id": found.groupement_id,
        "groupement": found.groupement,
        "gap": gap(found.gap, False),
        "gain": count(found.gain, False),
        "candidates": count(found.candidates, False),
        "candidates_with_path": count(found.candidates_with_path, False),
    }
