"""Who works where (seed.demo.work)."""

from __future__ import annotations

from graph.model import RelType
from graph.view import NO_DATE, GraphView


def test_some_jobs_are_past_ones(view: GraphView) -> None:
    until = view.rel(RelType.WORKS_AT).columns["until"]
    assert 0.05 < (until != NO_DATE).mean() < 0.2
