"""The command line's audit trail (cli/trail.py): reads of personal data and writes are
recorded once they succeeded, as ``cli:<user>``, with the people they concerned."""

from __future__ import annotations

from pathlib import Path

from cli import trail
from cli.main import main
from cli.relations import GROUPS
from graph.audit import AuditFilter, AuditLog
from tests.cli.conftest import run


def _entries(data_dir: Path, **where: object) -> list[dict]:
    with AuditLog(data_dir / "audit.sqlite3") as log:
        return [e.to_dict() for e in log.list(AuditFilter(**where), limit=100)[0]]  # type: ignore[arg-type]


def test_every_command_is_classified() -> None:
    """A new command adds its line to cli/trail.py (COMMANDS) or is a relationship group."""
    assert set(main.commands) - set(trail.COMMANDS) - set(GROUPS) == set()


def test_a_path_records_the_candidate_and_the_people_on_its_paths(data_dir: Path) -> None:
    code, _, err = run(data_dir, "path", "cand-a", "--employer", "emp-1")
    assert code == 0, err
    [entry] = _entries(data_dir)
    assert (entry["action"], entry["kind"], entry["operation"]) == (
        "read",
        "paths",
        "passerelle path",
    )
    assert entry["actor"].startswith("cli:") and entry["role"] == "admin"
    assert {"cand-a", "help-a", "work-1"} <= set(entry["person_ids"])
    assert "emp-1" not in entry["person_ids"]  # an employer is not a person


def test_relationship_writes_and_reads_are_recorded(data_dir: Path) -> None:
    code, _, err = run(
        data_dir, "tie", "add", "cand-a", "help-b", "--strength", "0.5", "--source", "declared"
    )
    assert code == 0, err
    assert run(data_dir, "tie", "list", "cand-a")[0] == 0
    entries = _entries(data_dir)
    assert [(e["action"], e["operation"]) for e in entries] == [
        ("read", "passerelle tie list"),
        ("write", "passerelle tie add"),
    ]
    assert set(entries[1]["person_ids"]) == {"cand-a", "help-b"}


def test_a_refused_command_and_a_dry_run_record_nothing(data_dir: Path, tmp_path: Path) -> None:
    assert run(data_dir, "tie", "add", "cand-a", "nobody")[0] != 0
    csv = tmp_path / "membres.csv"
    csv.write_text("identifiant;prenom;nom\nx-1;Jean;Neuf\n", encoding="utf-8")
    code, out, err = run(data_dir, "import", "--dry-run", str(csv))
    assert code == 0 and "Simulation" in out, err
    assert _entries(data_dir) == []
    code, _, err = run(data_dir, "import", str(csv))
    assert code == 0, err
    assert [(e["operation"], e["person_ids"]) for e in _entries(data_dir)] == [
        ("passerelle import", ["x-1"])
    ]

