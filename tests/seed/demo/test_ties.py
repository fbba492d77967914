"""KNOWS ties (seed.demo.ties, seed.demo.tie_parts): unique, about twenty each, plausible."""

from __future__ import annotations

import numpy as np

from graph.model import Label, RelType, TieSource
from graph.view import NO_DATE, GraphView, day_number
from tests.seed.demo.conftest import AS_OF


def test_ties_are_unique_undirected_and_never_loops(view: GraphView) -> None:
    knows = view.rel(RelType.KNOWS)
    assert (knows.src != knows.dst).all()
    pairs = np.minimum(knows.src, knows.dst).astype(np.int64) << 32 | np.maximum(
        knows.src, knows.dst
    )
    assert len(np.unique(pairs)) == len(pairs)


def test_average_degree_is_about_twenty(view: GraphView) -> None:
    degree = 2 * len(view.rel(RelType.KNOWS)) / len(view.nodes_with_label(Label.PERSON))
    assert 15 <= degree <= 25


def test_tie_properties_are_plausible(view: GraphView) -> None:
    knows = view.rel(RelType.KNOWS)
    source, strength = knows.columns["source"], knows.columns["strength"]
    since, confirmed = knows.columns["since"], knows.columns["confirmed_at"]
    sources = list(TieSource)
    for s in (TieSource.PROMOTION, TieSource.UNIT, TieSource.EVENT, TieSource.LINKEDIN):
        assert (source == sources.index(s)).sum() > 0, s
    strong = np.isin(source, [sources.index(TieSource.PROMOTION), sources.index(TieSource.UNIT)])
    weak = source == sources.index(TieSource.LINKEDIN)
    assert strength[strong].mean() > 0.6 > 0.4 > strength[weak].mean()
    today = day_number(AS_OF)
    assert (since <= today).all()
    dated = confirmed != NO_DATE
    assert 0.05 < 1 - dated.mean() < 0.25  # some ties were never confirmed
    assert (confirmed[dated] >= since[dated]).all() and (confirmed[dated] <= today).all()
    stale = confirmed[dated] < today - 2 * 365
    assert 0.05 < stale.mean() < 0.5  # most confirmations are recent, some years old
