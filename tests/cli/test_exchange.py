"""``passerelle import`` and ``passerelle export``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from graph.embedded import EmbeddedStore
from graph.model import Label, RelType
from tests.cli.conftest import run
from tests.exchange.conftest import FIXTURES


def test_dry_run_reports_and_writes_nothing(data_dir: Path) -> None:
    with EmbeddedStore(data_dir) as store:
        version = store.version
    code, out, _ = run(data_dir, "import", "--dry-run",
                       str(FIXTURES / "membres_virgule.csv"), str(FIXTURES / "liens.csv"))
    assert code == 0, out
    assert "Simulation" in out and "personnes" in out
    with EmbeddedStore(data_dir) as store:
        assert store.version == version


def test_import_then_again_changes_nothing(data_dir: Path) -> None:
    files = [str(FIXTURES / "membres_virgule.csv"), str(FIXTURES / "liens.csv")]
    code, out, _ = run(data_dir, "import", "--json", *files)
    assert code == 0 and json.loads(out)["written"] is True
    code, out, _ = run(data_dir, "import", *files)
    assert code == 0 and "déjà à jour" in out


def test_problems_exit_1_with_file_line_column(data_dir: Path) -> None:
    code, out, _ = run(data_dir, "import", "--json", str(FIXTURES / "membres_erreurs.csv"))
    assert code == 1
    report = json.loads(out)
    assert report["written"] is False
    assert {"file": "membres_erreurs.csv", "line": 2, "column": "date_depart",
            "value": "31/02/2027", "reason": report["problems"][0]["reason"]} in report["problems"]


def test_linkedin_needs_member_and_consent(data_dir: Path) -> None:
    conn = str(FIXTURES / "Basic_LinkedInDataExport.zip")
    code, _, err = run(data_dir, "import", "--linkedin", conn)
    assert code == 1 and "--member" in err
    code, _, err = run(data_dir, "import", "--linkedin", "--member", "cand-a", conn)
    assert code == 1 and "consenti" in err
    with EmbeddedStore(data_dir) as store:
        store.update_node(Label.PERSON, "cand-a", {"consent_social_import": True})
    code, out, _ = run(data_dir, "import", "--linkedin", "--member", "cand-a", conn)
    assert code == 0 and "à vérifier" in out
    with EmbeddedStore(data_dir) as store:
        tie = store.get_relationship(RelType.KNOWS, "cand-a", "work-1")
        assert tie is not None and tie.since == date(2023, 1, 2)


def test_export_writes_the_csv_files(data_dir: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "export"
    code, out, _ = run(data_dir, "export", "--groupement", "grp-a", "--out", str(out_dir))
    assert code == 0, out
    names = sorted(p.name for p in out_dir.iterdir())
    assert "membres.csv" in names and "liens.csv" in names
    members = (out_dir / "membres.csv").read_text(encoding="utf-8-sig")
    assert "cand-a" in members and "cand-b" not in members
    code, _, err = run(data_dir, "export", "--groupement", "nope", "--out", str(out_dir))
    assert code == 1 and "nope" in err
