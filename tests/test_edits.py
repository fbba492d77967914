"""Edits of sorted arrays (graph.edits) against a list-based reference."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.edits import Edit, counting_order, remap_split


@st.composite
def edits(draw, max_n: int = 80):
    """An array of distinct values, an edit of it, and the reference result."""
    n = draw(st.integers(0, max_n))
    removed = sorted(draw(st.sets(st.integers(0, max(n - 1, 0)), max_size=n)) if n else [])
    kept = n - len(removed)
    insert_at = sorted(draw(st.lists(st.integers(0, kept), max_size=60)))
    return Edit(np.array(removed, dtype=np.int64), np.array(insert_at, dtype=np.int64), n)


def _reference(edit: Edit) -> list[int]:
    """New position of each old position (-1 when removed), by editing a list of them."""
    old = list(range(edit.n_old))
    kept = [p for p in old if p not in set(edit.removed.tolist())]
    for k, at in enumerate(edit.insert_at.tolist()):
        kept.insert(at + k, -(k + 2))  # inserted values: negative markers
    where = {p: i for i, p in enumerate(kept) if p >= 0}
    return [where.get(p, -1) for p in old]


@settings(max_examples=300, deadline=None)
@given(edit=edits())
def test_an_edit_remaps_positions_like_editing_a_list(edit: Edit) -> None:
    """Short edits are scanned and long ones searched: both give the reference."""
    want = _reference(edit)
    assert edit.remap(np.arange(edit.n_old, dtype=np.int64)).tolist() == want
    assert edit.remap(np.arange(edit.n_old, dtype=np.int32)).tolist() == want
    values = np.arange(100, 100 + edit.n_old)
    inserted = -np.arange(len(edit.insert_at)) - 2
    out = edit.apply(values, inserted)
    assert len(out) == edit.n_new
    assert out[edit.added].tolist() == inserted.tolist()
    new = np.array(want, dtype=np.int64)
    kept = np.flatnonzero(new >= 0)
    assert out[new[kept]].tolist() == values[kept].tolist()


@settings(max_examples=100, deadline=None)
@given(first=edits(), second=edits())
def test_remap_split_remaps_two_arrays_numbered_one_after_the_other(
    first: Edit, second: Edit
) -> None:
    values = np.arange(first.n_old + second.n_old, dtype=np.int64)
    got = remap_split(values, first.n_old, first, second, first.n_new).tolist()
    tail = [-1 if p < 0 else first.n_new + p for p in _reference(second)]
    assert got == _reference(first) + tail


@given(st.lists(st.integers(0, 9), max_size=50))
def test_counting_order_is_a_stable_argsort(keys: list[int]) -> None:
    arr = np.array(keys, dtype=np.int32)
    ptr = np.zeros(11, dtype=np.int64)
    np.cumsum(np.bincount(arr, minlength=10), out=ptr[1:])
    assert counting_order(arr, ptr).tolist() == np.argsort(arr, kind="stable").tolist()
