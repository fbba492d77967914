"""The planted gaps (seed.demo.gaps): wanted sectors and bassins that no helper reaches."""

from __future__ import annotations

import numpy as np

from graph.model import Label, PersonStatus, RelType
from graph.view import GraphView
from tests.seed.demo.conftest import has_status


def _targeted_by_candidates(view: GraphView, label: Label) -> set[int]:
    targets = view.rel(RelType.TARGETS)
    wanted = (view.labels[targets.dst] == list(Label).index(label)) & has_status(
        view, targets.src, PersonStatus.CANDIDATE, PersonStatus.BOTH
    )
    return set(targets.dst[wanted].tolist())


def _helped_employers(view: GraphView) -> np.ndarray:
    works = view.rel(RelType.WORKS_AT)
    return works.dst[has_status(view, works.src, PersonStatus.HELPER, PersonStatus.BOTH)]


def test_a_targeted_sector_has_no_helper_at_all(view: GraphView) -> None:
    in_sector = view.rel(RelType.IN_SECTOR)
    helped = set(in_sector.dst[np.isin(in_sector.src, _helped_employers(view))].tolist())
    assert _targeted_by_candidates(view, Label.SECTOR) - helped


def test_a_targeted_bassin_has_employers_but_no_helper_working_there(view: GraphView) -> None:
    located = view.rel(RelType.LOCATED_IN)
    employers = view.labels[located.src] == list(Label).index(Label.EMPLOYER)
    with_sites = set(located.dst[employers].tolist())
    helped = set(located.dst[employers & np.isin(located.src, _helped_employers(view))].tolist())
    assert (_targeted_by_candidates(view, Label.BASSIN_EMPLOI) & with_sites) - helped
