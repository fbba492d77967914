"""graph.access.coverage: which coverage scopes a caller reads and which what-if they ask."""

from __future__ import annotations

from typing import Any, get_args

import pytest

from graph.access.coverage import (
    NOT_THEIR_GROUPEMENT,
    NOT_THEIR_PERSON,
    ScopeKind,
    check_changes,
    may_read_actions,
    may_read_scope,
    own_groupement,
)
from graph.errors import AccessDenied
from graph.view import GraphView
from tests.access.conftest import ADMIN, NATIONAL, REFERENT_A, UNSCOPED

KINDS: tuple[ScopeKind, ...] = get_args(ScopeKind)


def test_a_referent_reads_groupements_only() -> None:
    assert [k for k in KINDS if may_read_scope(REFERENT_A, k)] == ["groupement"]
    assert not may_read_actions(REFERENT_A)
    for principal in UNSCOPED:
        assert all(may_read_scope(principal, k) for k in KINDS)
        assert may_read_actions(principal)


def test_own_groupement() -> None:
    assert own_groupement(REFERENT_A, "grp-a", "groupement_id") is True
    for principal in UNSCOPED:  # never an own view, never refused here
        assert own_groupement(principal, "grp-b", "groupement_id") is False
    with pytest.raises(AccessDenied) as refused:
        own_groupement(REFERENT_A, "grp-b", "id")
    assert (refused.value.field, refused.value.message) == ("id", NOT_THEIR_GROUPEMENT)
    assert str(refused.value) == f"id: {NOT_THEIR_GROUPEMENT}"


#: changes a référent of grp-a may ask about
ALLOWED: list[dict[str, Any]] = [
    {"kind": "add_referent", "groupement_id": "grp-a", "person_id": "p-a"},
    {"kind": "add_helper", "person_id": "p-ab", "employer_id": "emp-1"},
    {"kind": "add_tie", "a_id": "p-a", "b_id": "p-ab"},
    # the partner of a charter is the other party: any groupement
    {"kind": "sign_charter", "groupement_id": "grp-a", "partner_id": "grp-b"},
    {"kind": "grant_consent", "person_id": "p-a"},
]


def test_changes_within_the_referents_scope_pass(view: GraphView) -> None:
    check_changes(view, REFERENT_A, ALLOWED)
    check_changes(view, REFERENT_A, [])


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"kind": "add_referent", "groupement_id": "grp-b", "person_id": "p-a"},
         "groupement_id", NOT_THEIR_GROUPEMENT),
        ({"kind": "sign_charter", "groupement_id": "grp-b", "partner_id": "grp-a"},
         "groupement_id", NOT_THEIR_GROUPEMENT),
        ({"kind": "add_tie", "a_id": "p-a", "b_id": "p-b"}, "b_id", NOT_THEIR_PERSON),
        ({"kind": "add_helper", "person_id": "p-none", "employer_id": "emp-1"},
         "person_id", NOT_THEIR_PERSON),
    ],
)  # fmt: skip
def test_a_change_outside_the_scope_is_refused_naming_its_field(
    view: GraphView, change: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(AccessDenied) as refused:
        check_changes(view, REFERENT_A, [ALLOWED[0], change])
    assert (refused.value.field, refused.value.message) == (f"changes[1].{field}", message)
    for principal in (ADMIN, NATIONAL):  # nothing to check for them
        check_changes(view, principal, [change])


@pytest.mark.parametrize("pid", ["p-b", "p-ghost", "emp-1", "grp-a"])
def test_someone_elses_person_reads_like_an_unknown_id(view: GraphView, pid: str) -> None:
    with pytest.raises(AccessDenied) as refused:
        check_changes(view, REFERENT_A, [{"kind": "grant_consent", "person_id": pid}])
    assert str(refused.value) == f"changes[0].person_id: {NOT_THEIR_PERSON}"
