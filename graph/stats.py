"""Counts of the graph, overall and per groupement: pure functions over a view."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from graph.model import Label, PersonStatus, RelType
from graph.view import GraphView

_STATUS = list(PersonStatus)


@dataclass(frozen=True)
class GroupementCounts:
    """Members of one groupement by status, and how many référents it has."""

    id: str
    members: int
    candidates: int
    helpers: int
    referents: int

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def groupement_counts(view: GraphView) -> list[GroupementCounts]:
    """Per groupement: members, candidates, helpers (``both`` counts in each) and référents.

    Ordered by groupement id.
    """
    status = view.column(Label.PERSON, "status")
    membership = view.rel(RelType.IN_GROUPEMENT)
    referents = view.rel(RelType.REFERENT_OF).in_degree()
    member_status = status[membership.src]
    is_candidate = np.isin(
        member_status, [_STATUS.index(PersonStatus.CANDIDATE), _STATUS.index(PersonStatus.BOTH)]
    )
    is_helper = np.isin(
        member_status, [_STATUS.index(PersonStatus.HELPER), _STATUS.index(PersonStatus.BOTH)]
    )
    n = view.n_slots
    members = np.bincount(membership.dst, minlength=n)
    candidates = np.bincount(membership.dst, weights=is_candidate, minlength=n)
    helpers = np.bincount(membership.dst, weights=is_helper, minlength=n)
    out = [
        GroupementCounts(
            id=view.ids[g],
            members=int(members[g]),
            candidates=int(candidates[g]),
            helpers=int(helpers[g]),
            referents=int(referents[g]),
        )
        for g in view.nodes_with_label(Label.GROUPEMENT)
    ]
    return sorted(out, key=lambda c: c.id)
