"""What candidates look for (seed.demo.targets): one or two bassins and sectors each."""

from __future__ import annotations

import numpy as np

from graph.model import Label, PersonStatus, RelType
from graph.view import GraphView
from tests.seed.demo.conftest import has_status


def test_candidates_target_bassins_and_sectors(view: GraphView) -> None:
    targets = view.rel(RelType.TARGETS)
    labels = view.labels[targets.dst]
    sector_targets = targets.src[labels == list(Label).index(Label.SECTOR)]
    bassin_targets = targets.src[labels == list(Label).index(Label.BASSIN_EMPLOI)]
    people = view.nodes_with_label(Label.PERSON)
    candidates = people[has_status(view, people, PersonStatus.CANDIDATE, PersonStatus.BOTH)]
    for per_person in (np.bincount(sector_targets), np.bincount(bassin_targets)):
        counts = np.pad(per_person, (0, view.n_slots))[candidates]
        assert ((counts >= 1) & (counts <= 2)).mean() > 0.95
    assert has_status(view, targets.src, PersonStatus.CANDIDATE, PersonStatus.BOTH).all()
