"""``graph.coverage.state.CSR.union``: the items of some keys, once each, ascending, whether
it sorts them (few items, the largest far out) or marks them (many, or close together)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.coverage.state import _MARK_SPAN, CSR


@settings(deadline=None)  # the first call compiles gather (numba)
@given(
    groups=st.lists(
        st.lists(st.integers(min_value=0, max_value=5_000), max_size=40), min_size=1, max_size=12
    ),
    data=st.data(),
)
def test_union_is_the_sorted_distinct_items_of_the_keys(groups, data) -> None:
    keys = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    items = np.array([i for g in groups for i in g], dtype=np.int64)
    csr = CSR.of(keys, items, len(groups))
    chosen = data.draw(st.lists(st.integers(0, len(groups) - 1), max_size=len(groups)))
    expected = sorted({i for k in chosen for i in groups[k]})
    found = csr.union(np.array(chosen, dtype=np.int64))
    assert found.tolist() == expected
    assert found.dtype == items.dtype


def test_both_ways_are_taken() -> None:
    """A far-out item sorts, close items are marked: the same answer either way."""
    near = np.arange(0, 200, 2, dtype=np.int64)
    far = np.array([3, 1, 10 * _MARK_SPAN * 4, 3], dtype=np.int64)
    for items in (near, far):
        csr = CSR.of(np.zeros(len(items), dtype=np.int64), items, 1)
        assert csr.union(np.array([0])).tolist() == sorted(set(items.tolist()))
    empty = CSR.of(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), 1)
    assert len(empty.union(np.array([0]))) == 0
