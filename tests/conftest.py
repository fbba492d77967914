"""Fixtures for the whole suite."""

from __future__ import annotations

import pytest

from graph.coverage import service as coverage_service


@pytest.fixture(autouse=True)
def coverage_derived_at_every_write(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests check coverage write by write: each write's state is derived on the next
    request. The rationing of derivations under a stream of writes (a server's rate
    policy) is tested on its own, where it is set back (tests/test_coverage_follow.py)."""
    monkeypatch.setattr(coverage_service, "REBUILD_GAP_S", 0.0)
    monkeypatch.setattr(coverage_service, "REBUILD_RATIO", 0.0)
