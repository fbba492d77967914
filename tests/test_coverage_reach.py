"""Reachability's shared inputs (graph.coverage.reach.as_is): one per store version and day.

The propagation itself is checked against the path engine in
``tests/test_coverage_service_property.py`` and through the service in
``tests/test_coverage_service.py``.
"""

from __future__ import annotations

from pathlib import Path

from graph.coverage import reach as R
from graph.embedded import EmbeddedStore
from graph.model import Person
from graph.paths import path_index
from graph.view import day_number
from tests.coverage_net import AS_OF, build


def test_as_is_is_kept_per_store_version_and_day(tmp_path: Path) -> None:
    day = day_number(AS_OF)
    with EmbeddedStore(tmp_path / "a") as a, EmbeddedStore(tmp_path / "b") as b:
        build(a)
        build(b)
        index = path_index(a)
        kept = R.as_is(index, day, a)
        assert R.as_is(index, day, a) is kept
        assert R.as_is(index, day + 1, a) is not kept
        assert R.as_is(index, day) is not kept  # no store: built afresh, not kept
        assert R.as_is(path_index(b), day, b) is not kept  # another store
        a.upsert_nodes([Person(id="p-new", first_name="A", last_name="B")])
        newer = R.as_is(path_index(a), day, a)
        assert newer is not kept and newer.inputs.index.version == a.version
        R.clear_as_is(a)
        assert R.as_is(path_index(a), day, a) is not newer


def test_a_state_reuses_the_memo_only_for_its_own_inputs(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path / "s") as s:
        build(s)
        as_is = R.as_is(path_index(s), day_number(AS_OF), s)
        assert as_is.memo_of(as_is.inputs) is as_is.memo
        other = R.Inputs.build(as_is.inputs.index, as_is.inputs.day)
        assert as_is.memo_of(other) is None
