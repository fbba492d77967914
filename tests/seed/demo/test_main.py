"""``python -m seed.demo`` (seed.demo.__main__): writes a store and prints what it made."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from graph.embedded import EmbeddedStore
from graph.model import Label

#: ``seed.demo.__main__`` by name: a plain ``import`` of a ``__main__`` module reads oddly
demo_command = importlib.import_module("seed.demo.__main__")


def test_main_writes_the_seed_and_prints_its_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert demo_command.main(["--people", "400", "--seed", "2", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("demo seed 2: 400 people as of ")
    assert "peak RSS" in out
    with EmbeddedStore(tmp_path) as store:
        assert store.view().node_counts[Label.PERSON] == 400
