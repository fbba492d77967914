"""CSV imports with the awkward inputs of real spreadsheets: one fixture per case."""

from __future__ import annotations

from datetime import date

import pytest

from graph.embedded import EmbeddedStore
from graph.exchange import SourceFile, run_import
from graph.exchange.plan import Problem
from graph.model import Person, RelType
from tests.exchange.conftest import fixture


def _person(store: EmbeddedStore, number: str) -> Person:
    found = [p for p in store.export_nodes(Person.label) for p in p if p.member_number == number]
    assert len(found) == 1, number
    return found[0]


@pytest.mark.parametrize(
    ("name", "number", "first", "last", "encoding", "delimiter"),
    [
        ("membres_virgule.csv", "IA-001", "Claire", "Lefèvre", "utf-8", ","),
        ("membres_bom.csv", "IA-002", "Émile", "Roux", "utf-8-sig", ";"),
        ("membres_cp1252.csv", "IA-003", "Hélène", "Béranger", "cp1252", ";"),
        ("membres_dates.csv", "IA-004", "Paul", "Martin", "utf-8", ";"),
        ("membres_espaces.csv", "IA-005", "Sophie", "Durand", "utf-8", ";"),
    ],
)
def test_awkward_member_files_import(
    store: EmbeddedStore, name: str, number: str, first: str, last: str, encoding: str,
    delimiter: str,
) -> None:  # fmt: skip
    result = run_import(store, [fixture(name)])
    assert result.plan.ok, [str(p) for p in result.plan.problems]
    assert result.written
    assert (result.plan.files[0].encoding, result.plan.files[0].delimiter) == (encoding, delimiter)
    person = _person(store, number)
    assert (person.first_name, person.last_name) == (first, last)
    assert store.get_relationship(RelType.IN_GROUPEMENT, person.id, "grp-a") is not None
    assert store.get_relationship(RelType.LIVES_IN, person.id, "dep-33") is not None
    assert person.id in result.plan.person_ids


def test_french_iso_and_short_dates(store: EmbeddedStore) -> None:
    run_import(store, [fixture("membres_dates.csv")])
    person = _person(store, "IA-004")
    assert person.departure_date == date(2027, 3, 15)
    assert store.get_relationship(RelType.MEMBER_OF, person.id, "asso-a").since == date(2019, 9, 1)
    assert store.get_relationship(RelType.IN_GROUPEMENT, person.id, "grp-a").since == date(
        2019, 9, 1
    )


def test_accents_and_case_match_an_existing_person(store: EmbeddedStore) -> None:
    """"prénom AUBERT" is the stored "Prénom Aubert": changed, not created."""
    result = run_import(store, [fixture("membres_accents.csv")])
    assert result.plan.ok, result.plan.problems
    assert result.plan.counts["Person"].created == 0
    assert result.plan.person_ids == {"cand-a"}
    person = store.get("cand-a")
    assert person.status == "candidate" and person.consent_introducer
    # columns left out of the file keep their stored values
    assert person.email == "anne.aubert@example.org"


def test_blank_lines_are_skipped_and_lines_counted_as_shown(store: EmbeddedStore) -> None:
    result = run_import(store, [fixture("membres_lignes_vides.csv")])
    assert result.plan.ok, result.plan.problems
    assert result.plan.counts["Person"].created == 2
    _person(store, "IA-006"), _person(store, "IA-007")


def test_duplicate_rows_are_noted_and_a_person_may_take_two_lines(store: EmbeddedStore) -> None:
    result = run_import(store, [fixture("membres_doublons.csv")])
    assert result.plan.ok, result.plan.problems
    assert [n.line for n in result.plan.notes] == [3]
    person = _person(store, "IA-008")
    groups = {r.dst for r in store.relationships(person.id, RelType.IN_GROUPEMENT)}
    assert groups == {"grp-a", "grp-b"}
    assert result.plan.counts["Person"].created == 1


def test_errors_name_file_line_column_value_and_reason(store: EmbeddedStore) -> None:
    version = store.version
    result = run_import(store, [fixture("membres_erreurs.csv")])
    assert not result.written and store.version == version
    found = {(p.line, p.column, p.value) for p in result.plan.problems}
    assert found == {
        (2, "date_depart", "31/02/2027"),
        (3, "prenom", ""),
        (3, "intermediaire", "peut-être"),
        (4, "statut", "astronaute"),
        (4, "groupement", "grp-zz"),
    }
    assert all(p.file == "membres_erreurs.csv" for p in result.plan.problems)
    reasons = {p.column: p.reason for p in result.plan.problems}
    assert reasons["date_depart"].startswith("date invalide")
    assert reasons["prenom"] == "valeur obligatoire manquante"
    assert "oui ou non" in reasons["intermediaire"]


def test_a_model_error_is_reported_on_its_column(store: EmbeddedStore) -> None:
    bad = SourceFile("membres.csv", b"prenom;nom;email\nJean;Blanc;pas-un-email\n")
    result = run_import(store, [bad])
    assert [(p.line, p.column, p.value) for p in result.plan.problems] == [
        (2, "email", "pas-un-email")
    ]
    assert str(result.plan.problems[0]).startswith("membres.csv, ligne 2, colonne email")


def test_dry_run_writes_nothing(store: EmbeddedStore) -> None:
    version = store.version
    result = run_import(store, [fixture("membres_virgule.csv"), fixture("liens.csv")],
                        dry_run=True)  # fmt: skip
    assert result.plan.ok and not result.written
    assert result.plan.counts["Person"].created == 1
    assert result.plan.counts["KNOWS"].created == 2
    assert store.version == version
    assert store.find(Person.label, {"member_number": "IA-001"}) == []


def test_ties_refer_to_people_by_number_email_and_name(store: EmbeddedStore) -> None:
    result = run_import(store, [fixture("membres_virgule.csv"), fixture("liens.csv")])
    assert result.plan.ok, result.plan.problems
    claire = _person(store, "IA-001")
    tie = store.get_relationship(RelType.KNOWS, claire.id, "cand-a")
    assert tie is not None and tie.strength == 0.7 and tie.source == "promotion"
    assert tie.since == date(2015, 3, 15)
    other = store.get_relationship(RelType.KNOWS, "help-a", claire.id)
    assert other is not None and other.source == "unit" and other.strength == 0.6


def test_reimport_changes_nothing(store: EmbeddedStore) -> None:
    files = [fixture(n) for n in ("membres_virgule.csv", "membres_doublons.csv", "liens.csv")]
    first = run_import(store, files)
    assert first.written
    version = store.version
    again = run_import(store, files)
    assert again.plan.ok and not again.written
    assert store.version == version
    assert all(c.created == c.changed == 0 for c in again.plan.counts.values())


def test_a_failing_import_writes_nothing(store: EmbeddedStore) -> None:
    """One bad file among good ones: nothing of the good ones is written either."""
    version = store.version
    result = run_import(store, [fixture("membres_virgule.csv"), fixture("membres_erreurs.csv")])
    assert not result.written and store.version == version
    assert store.find(Person.label, {"member_number": "IA-001"}) == []


def test_unknown_file_kind_and_missing_column(store: EmbeddedStore) -> None:
    result = run_import(store, [SourceFile("x.csv", b"a;b\n1;2\n"),
                                SourceFile("liens.csv", b"membre_1;force\ncand-a;1\n")])
    reasons = [(p.file, p.column, p.reason) for p in result.plan.problems]
    assert reasons[0][0] == "x.csv" and "type de fichier inconnu" in reasons[0][2]
    assert reasons[1] == ("liens.csv", "membre_2", "colonne obligatoire absente")


def test_conflicting_duplicate_tie_is_a_problem(store: EmbeddedStore) -> None:
    ties = SourceFile(
        "liens.csv", b"membre_1;membre_2;force\ncand-a;help-b;0,5\nhelp-b;cand-a;0,6\n"
    )
    result = run_import(store, [ties])
    assert [(p.line, "avec d'autres valeurs" in p.reason) for p in result.plan.problems] == [
        (3, True)
    ]


def test_problem_to_dict() -> None:
    p = Problem("f.csv", 3, "force", "2", "trop grand")
    assert p.to_dict() == {
        "file": "f.csv", "line": 3, "column": "force", "value": "2", "reason": "trop grand"
    }
