"""``passerelle stats``: French tables, ids whole whatever the terminal's width."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.embedded import EmbeddedStore
from graph.model import Groupement
from tests.cli.conftest import run

LONG_ID = "del-implicaction-provence-alpes-cote-d-azur-nord"


def test_ids_are_never_cut(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with EmbeddedStore(data_dir) as store:
        store.upsert_nodes(
            [Groupement(id=LONG_ID, name="Implic'Action PACA", association_id="asso-a")]
        )
    monkeypatch.setenv("COLUMNS", "50")
    code, out, err = run(data_dir, "stats")
    assert code == 0, err
    assert "…" not in out
    assert LONG_ID in out.split() and "grp-a" in out.split()
    assert "Groupements" in out and "Membres" in out and "Nœuds" in out
