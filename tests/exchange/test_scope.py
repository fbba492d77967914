"""A référent imports into their groupements only; admin-only kinds are refused."""

from __future__ import annotations

from graph.access.roles import Principal, Role
from graph.embedded import EmbeddedStore
from graph.exchange import SourceFile, run_import
from tests.exchange.conftest import fixture

REF_A = Principal("t", Role.REFERENT, frozenset({"grp-a"}))
REF_B = Principal("t", Role.REFERENT, frozenset({"grp-b"}))


def test_referent_imports_members_of_their_groupement(store: EmbeddedStore) -> None:
    result = run_import(store, [fixture("membres_virgule.csv"), fixture("liens.csv")],
                        principal=REF_A)  # fmt: skip
    assert result.plan.ok and result.written


def test_other_referent_is_refused_and_writes_nothing(store: EmbeddedStore) -> None:
    version = store.version
    result = run_import(store, [fixture("membres_virgule.csv")], principal=REF_B)
    assert not result.written and store.version == version
    assert [(p.line, p.column) for p in result.plan.problems] == [(2, "groupement")]


def test_ties_need_one_end_in_scope(store: EmbeddedStore) -> None:
    ties = SourceFile("liens.csv", b"membre_1;membre_2\ncand-b;help-b\ncand-a;cand-b\n")
    result = run_import(store, [ties], principal=REF_A)
    assert [p.line for p in result.plan.problems] == [2]
    assert result.plan.problems[0].reason == "personne inconnue ou hors de vos groupements"


def test_changing_someone_elses_member_is_refused(store: EmbeddedStore) -> None:
    people = SourceFile("membres.csv", b"identifiant;prenom;nom\ncand-b;X;Y\n")
    result = run_import(store, [people], principal=REF_A)
    assert not result.plan.ok and store.get("cand-b").first_name == "Prénom"


def test_admin_only_kinds(store: EmbeddedStore) -> None:
    charters = SourceFile("chartes.csv", b"partenaire_1;partenaire_2;signee_le\ngrp-a;grp-b;"
                          b"01/01/2025\n")  # fmt: skip
    result = run_import(store, [charters], principal=REF_A)
    assert "votre rôle ne permet pas" in result.plan.problems[0].reason
    assert run_import(store, [charters]).written
