"""``passerelle bassins`` and ``passerelle secteurs``: the codes the other commands take."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import run


def test_bassins_lists_codes_names_and_places(data_dir: Path) -> None:
    code, out, err = run(data_dir, "bassins")
    assert code == 0, err
    header, row = out.splitlines()
    assert header.split()[:2] == ["Code", "Bassin"]
    assert row.split() == ["ZE-33-1", "Bordeaux", "Gironde", "(33)", "Nouvelle-Aquitaine"]
    code, out, _ = run(data_dir, "bassins", "--region", "75", "--json")
    assert code == 0
    assert json.loads(out) == [
        {
            "code": "ZE-33-1",
            "name": "Bordeaux",
            "departement": "33",
            "departement_name": "Gironde",
            "region": "75",
            "region_name": "Nouvelle-Aquitaine",
        }
    ]
    code, out, _ = run(data_dir, "bassins", "--departement", "71")
    assert code == 0 and out.strip() == "Aucun bassin d'emploi."


def test_secteurs_lists_codes_the_path_command_takes(data_dir: Path) -> None:
    code, out, err = run(data_dir, "secteurs", "--json")
    assert code == 0, err
    assert json.loads(out) == [{"code": "defense", "name": "Défense"}]
    code, out, err = run(data_dir, "secteurs")
    assert code == 0 and "defense" in out and "Défense" in out
    for bassin in ("ZE-33-1", "be-ZE-33-1"):  # the code, or the node id (compatibility)
        code, out, err = run(
            data_dir, "path", "cand-a", "--sector", "defense", "--bassin", bassin, "--json"
        )
        assert code == 0, err
