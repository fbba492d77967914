"""The API tests' small world in an embedded store, and the fixture files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.embedded import EmbeddedStore
from graph.exchange.reading import SourceFile
from tests.api.conftest import build_world

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> SourceFile:
    return SourceFile.from_path(FIXTURES / name)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    with EmbeddedStore(tmp_path / "store") as s:
        build_world(s)
        yield s
