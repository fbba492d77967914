"""The coverage service's results as the JSON bodies of the coverage routes, for a viewer.

Small counts of people are withheld by :mod:`graph.coverage.privacy` (the rule is
:mod:`graph.access.counts`); ``own`` is true only for a référent reading their own
groupement (:func:`graph.access.coverage.own_groupement`). People named in gaps and
actions are checked against their current records when rendered
(:func:`graph.access.visibility.unname_gap`): who withdrew consent reads "un membre du
groupement" from the next answer on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graph.access import visibility
from graph.access.counts import count, pair
from graph.access.scope import GroupementView
from graph.coverage import privacy
from graph.coverage.gaps import Gap
from graph.coverage.metrics import Coverage, CoverageReport
from graph.coverage.service import RankedAction
from graph.model import NodeRecord
from graph.paths.explain import display_name
from graph.store import GraphStore


@dataclass(frozen=True)
class People:
    """The people some gaps name: their names as the texts hold them, their records now."""

    names: Mapping[str, str] = field(default_factory=dict)
    records: Mapping[str, NodeRecord | None] = field(default_factory=dict)


def people(store: GraphStore, found: Iterable[Gap]) -> People:
    """The current records of the people ``found`` names (one read)."""
    ids = sorted({p for g in found for p in visibility.gap_people(g.action.params)})
    records = store.get_many(ids) if ids else {}
    return People({i: display_name(r) for i, r in records.items()}, records)


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


def gap(found: Gap, own: bool, named: People) -> dict[str, Any]:
    """A gap for a viewer: small counts withheld outside ``own``, and nobody named who
    may not be named now."""
    out = privacy.render_gap(found, own_groupement=own)
    view = GroupementView.OWN if own else GroupementView.NATIONAL
    return visibility.unname_gap(out, found.action.params, named.names, named.records, view)


def what_if_pair(before: Coverage, after: Coverage, own: bool) -> tuple[dict, dict]:
    """A what-if row before and after, withheld on both sides where either is
    (:func:`graph.access.counts.pair`)."""
    return pair(row(before, own), row(after, own))


def action(found: RankedAction, named: People) -> dict[str, Any]:
    """A ranked action of the national list (never an own view)."""
    return {
        "rank": found.rank,
        "groupement_id": found.groupement_id,
        "groupement": found.groupement,
        "gap": gap(found.gap, False, named),
        "gain": count(found.gain, False),
        "candidates": count(found.candidates, False),
        "candidates_with_path": count(found.candidates_with_path, False),
    }
