"""``passerelle member export|erase``, ``passerelle retention`` and ``passerelle audit``:
results, audit entries, exit codes and one-line French errors."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date
from pathlib import Path

from graph.audit import AuditFilter, AuditLog
from graph.embedded import EmbeddedStore
from tests.cli.conftest import run


def _audit(data_dir: Path, **where: str) -> list[dict]:
    with AuditLog(data_dir / "audit.sqlite3") as log:
        return [e.to_dict() for e in log.all(AuditFilter(**where))]


def test_member_export_json_and_csv(data_dir: Path) -> None:
    code, out, _ = run(data_dir, "member", "export", "cand-a")
    assert code == 0
    record = json.loads(out)
    assert record["person"]["last_name"] == "Aubert"
    assert record["person"]["email"] == "anne.aubert@example.org"
    assert {m["other_id"] for m in record["memberships"]} == {"asso-a", "grp-a"}
    assert [t["other_id"] for t in record["ties"]] == ["help-a"]
    consents = record["consents"]
    assert consents["consent_directory"] is False and consents["consent_introducer"] is True
    # every purpose, each with its date (issue 17)
    purposes = ("introducer", "directory", "contact", "portal", "social_import")
    assert {f"consent_{p}" for p in purposes} | {f"consent_{p}_at" for p in purposes} == set(
        consents
    )

    target = data_dir / "out.zip"
    code, out, _ = run(data_dir, "member", "export", "cand-a", "--format", "csv", "-o", str(target))
    assert code == 0 and "out.zip" in out
    with zipfile.ZipFile(io.BytesIO(target.read_bytes())) as archive:
        names = set(archive.namelist())
        person = archive.read("personne.csv").decode("utf-8")
        ties = archive.read("liens.csv").decode("utf-8")
        journal = archive.read("journal.csv").decode("utf-8")
    assert {"personne.csv", "consentements.csv", "adhesions.csv", "liens.csv"} <= names
    assert person.startswith("\ufeffchamp;valeur")
    assert "nom;Aubert" in person and "accepte d'être intermédiaire;oui" in person
    assert ties.splitlines()[0].startswith("\ufefftype;identifiant lié;nature;sens")
    assert "01/01/2020" in ties  # the tie's since, as French spreadsheets write dates
    assert "export" in journal  # the first export is in the second one's journal
    exports = _audit(data_dir, person_id="cand-a")
    assert [(e["action"], e["operation"]) for e in exports] == [
        ("export", "passerelle member export")
    ] * 2
    assert exports[0]["actor"].startswith("cli:")


def test_member_export_errors(data_dir: Path) -> None:
    code, _, err = run(data_dir, "member", "export", "nobody")
    assert code == 1
    assert err.strip() == "erreur : aucune personne avec l'identifiant 'nobody'"
    code, _, err = run(data_dir, "member", "export", "emp-1")
    assert code == 1 and "aucune personne" in err
    code, _, err = run(data_dir, "member", "export", "cand-a", "--format", "csv")
    assert code == 1 and err.startswith("erreur : --format csv") and len(err.splitlines()) == 1
    assert not _audit(data_dir)


def test_member_erase(data_dir: Path) -> None:
    code, out, _ = run(data_dir, "member", "erase", "help-a", "--yes", "--json")
    assert code == 0
    done = json.loads(out)
    assert done["id"] == "help-a" and done["relationships"] == 3  # grp-a, 2 ties
    with EmbeddedStore(data_dir) as store:
        assert store.get("help-a") is None
        assert store.relationships("cand-a", None) != []
        assert all("help-a" not in (r.src, r.dst) for r in store.relationships("cand-a"))
    tombstone = _audit(data_dir, person_id="help-a")
    assert [(e["action"], e["kind"], e["id"]) for e in tombstone] == [
        ("erase", "person", done["audit_entry"])
    ]
    code, _, err = run(data_dir, "member", "erase", "help-a", "--yes")
    assert code == 1 and err.strip() == "erreur : aucune personne avec l'identifiant 'help-a'"


def test_member_erase_asks_first(data_dir: Path) -> None:
    code, _, _ = run(data_dir, "member", "erase", "help-a")  # no answer: not confirmed
    assert code == 1
    with EmbeddedStore(data_dir) as store:
        assert store.get("help-a") is not None


def test_retention_dry_run_then_erase(data_dir: Path) -> None:
    long_ago = date(date.today().year - 4, 1, 1)
    recently = date(date.today().year, 1, 1)
    with EmbeddedStore(data_dir) as store:
        store.update_node(store.get("cand-b").label, "cand-b", {"left_on": long_ago})
        store.update_node(store.get("help-b").label, "help-b", {"left_on": recently})
    code, out, _ = run(data_dir, "retention", "--dry-run", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["ids"] == ["cand-b"] and report["due"] == 1 and report["erased"] == 0
    assert report["months"] == 36
    with EmbeddedStore(data_dir) as store:
        assert store.get("cand-b") is not None
    code, out, _ = run(data_dir, "retention", "--months", "2")
    assert code == 0 and "2 membre(s)" in out and "effacé(s)" in out
    with EmbeddedStore(data_dir) as store:
        assert store.get("cand-b") is None and store.get("help-b") is None
        assert store.get("cand-a") is not None
    assert {e["person_ids"][0] for e in _audit(data_dir, action="erase")} == {"cand-b", "help-b"}
    code, _, _ = run(data_dir, "retention", "--months", "0")
    assert code == 2  # click's usage error


def test_audit_list_and_purge(data_dir: Path) -> None:
    run(data_dir, "member", "export", "cand-a")
    code, out, _ = run(data_dir, "audit", "list", "--person", "cand-a", "--json")
    assert code == 0
    listed = json.loads(out)
    assert listed["total"] == 1 and listed["items"][0]["action"] == "export"
    code, out, _ = run(data_dir, "audit", "list", "--since", "2000-01-01")
    assert code == 0 and "export person" in out
    # reading someone's entries is recorded too
    assert _audit(data_dir, kind="audit")[0]["person_ids"] == ["cand-a"]
    code, out, _ = run(data_dir, "audit", "purge", "--json")
    assert code == 0 and json.loads(out) == {"removed": 0}
    code, _, err = run(data_dir, "audit", "list", "--since", "hier")
    assert code == 1
    assert err.strip() == "erreur : --since : date attendue au format AAAA-MM-JJ (reçu 'hier')"


def test_seed_is_recorded(tmp_path: Path) -> None:
    code, _, _ = run(tmp_path, "seed", "--people", "50", "--json")
    assert code == 0
    [entry] = _audit(tmp_path)
    assert (entry["action"], entry["kind"], entry["operation"]) == (
        "write", "graph", "passerelle seed"
    )  # fmt: skip


def test_audit_list_names_the_token(data_dir: Path) -> None:
    from datetime import UTC, datetime

    from graph.access.tokens import TokenStore
    from graph.audit import Action, AuditEntry

    tokens = TokenStore(data_dir / "auth.sqlite3")
    created = tokens.create("referent", ["grp-a"], name="référent Gironde")
    tokens.close()
    with AuditLog(data_dir / "audit.sqlite3") as log:
        log.append(
            AuditEntry(datetime.now(UTC), created.info.id, "referent", Action.READ, "person",
                       "GET /api/v1/members/{person_id}", ("cand-a",))
        )  # fmt: skip
    code, out, _ = run(data_dir, "audit", "list", "--json")
    assert code == 0
    assert json.loads(out)["items"][0]["actor_name"] == "référent Gironde"
    code, out, _ = run(data_dir, "audit", "list")
    assert "« référent Gironde »" in out and "[cand-a]" in out
