"""The compiled kernels of the path search against plain Python references."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.paths import kernels as K


def reference_layer(dst, cost, link, kind, aux, prev_order, rank, forward):
    """Per node the smallest (cost, parent rank, kind, aux, link); ranks as documented."""
    best: dict[int, tuple] = {}
    for e in range(len(dst)):
        key = (cost[e], prev_order[link[e]], kind[e], aux[e], link[e])
        if dst[e] not in best or key < best[dst[e]]:
            best[dst[e]] = key
    nodes = sorted(best)
    rows = [best[d] for d in nodes]
    if forward:
        by = sorted(range(len(nodes)), key=lambda j: (rows[j][1], rank[nodes[j]]))
        order = [0] * len(nodes)
        for position, j in enumerate(by):
            order[j] = position
    else:
        order = [int(rank[d]) for d in nodes]
    return (
        nodes,
        [r[0] for r in rows],
        [r[4] for r in rows],
        [r[2] for r in rows],
        [r[3] for r in rows],
        order,
    )


@st.composite
def entries(draw):
    n_nodes = draw(st.integers(1, 3000))
    m = draw(st.integers(0, 600))
    n_prev = draw(st.integers(1, 40))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    # few distinct costs and kinds, so that ties are common
    dst = rng.integers(0, n_nodes, m).astype(np.int64)
    cost = rng.integers(1, 4, m).astype(np.int64)
    link = rng.integers(0, n_prev, m).astype(np.int64)
    kind = rng.integers(0, 2, m).astype(np.int8)
    aux = rng.integers(0, 3, m).astype(np.int64)
    prev_order = rng.permutation(n_prev).astype(np.int64)
    rank = rng.permutation(n_nodes).astype(np.int32)
    return n_nodes, (dst, cost, link, kind, aux), prev_order, rank, seed


@settings(max_examples=150, deadline=None)
@given(entries(), st.booleans())
def test_reduce_layer_matches_reference_whatever_the_input_order(case, forward) -> None:
    n_nodes, cols, prev_order, rank, seed = case
    expected = reference_layer(*cols, prev_order, rank, forward)
    slots = np.full(n_nodes, -1, dtype=np.int64)
    perm = np.random.default_rng(seed + 1).permutation(len(cols[0]))
    for order in (np.arange(len(cols[0])), perm):
        got = K.reduce_layer(*(c[order] for c in cols), prev_order, rank, forward, slots)
        assert [g.tolist() for g in got] == [list(map(int, x)) for x in expected]
        assert (slots == -1).all()  # the scratch is left as it was found


@pytest.mark.parametrize("m", [0, 1, 255, 256, 5000, 40000])
def test_radix_argsort_sorts(m: int) -> None:
    keys = np.random.default_rng(m).choice(2**40, size=m, replace=False).astype(np.int64)
    assert (K._argsort(keys, 40) == np.argsort(keys, kind="stable")).all()


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(0, 60), unique=True, max_size=40),
    st.lists(st.integers(0, 60), unique=True, max_size=40),
    st.lists(st.integers(0, 60), unique=True, max_size=5),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)
def test_meet_finds_every_cheapest_meeting(f, b, excluded, check, seed) -> None:
    rng = np.random.default_rng(seed)
    f_node, b_node = np.array(sorted(f), dtype=np.int64), np.array(sorted(b), dtype=np.int64)
    f_cost = rng.integers(1, 4, len(f_node)).astype(np.int64)
    b_cost = rng.integers(0, 4, len(b_node)).astype(np.int64)
    mask = rng.random(61) < 0.7
    excl = np.array(sorted(excluded), dtype=np.int64)
    meetings = [
        (int(f_cost[i] + b_cost[j]), i, j)
        for i, x in enumerate(f_node.tolist())
        for j, y in enumerate(b_node.tolist())
        if x == y and (not check or (mask[x] and x not in excluded))
    ]
    cost, fi, bi = K.meet(f_node, f_cost, b_node, b_cost, mask, excl, check)
    if not meetings:
        assert len(fi) == 0
        return
    best = min(c for c, _, _ in meetings)
    assert cost == best
    assert list(zip(fi.tolist(), bi.tolist(), strict=True)) == [
        (i, j) for c, i, j in meetings if c == best
    ]


def test_candidates_skip_the_candidate_and_the_excluded() -> None:
    # CSR of 0-1, 0-2, 0-3 (both ways); tie numbers: 0 and 1 are KNOWS, 2 MENTORS
    ptr = np.array([0, 3, 4, 5, 6], dtype=np.int64)
    nbr = np.array([1, 2, 3, 0, 0, 0], dtype=np.int32)
    tie = np.array([0, 1, 2, 0, 1, 2], dtype=np.int32)
    costs = np.array([5, 6, 7, 5, 6, 7], dtype=np.int32)
    none = np.empty(0, dtype=np.int64)
    got = K.candidates(
        ptr, nbr, tie, costs, 2, np.array([0], dtype=np.int64), np.array([10], dtype=np.int64),
        np.array([0], dtype=np.int64), np.array([3, 1], dtype=np.int64),
        np.array([1, 1], dtype=np.int64), np.array([0, 0], dtype=np.int64),
        np.array([2, 2], dtype=np.int8), np.array([9, 9], dtype=np.int64), 1,
        np.array([2], dtype=np.int64),
    )  # fmt: skip
    dst, cost, link, kind, aux = (x.tolist() for x in got)
    assert dst == [3, 3] and cost == [17, 1] and kind == [1, 2] and aux == [2, 9]
    assert link == [0, 0]
    nothing = K.candidates(
        ptr, nbr, tie, costs, 2, none, none, none, none, none, none, np.empty(0, np.int8),
        none, 0, none,
    )  # fmt: skip
    assert [len(x) for x in nothing] == [0] * 5
