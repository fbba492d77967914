"""graph.access.scope: a référent's people and groupements, and how anyone sees a groupement."""

from __future__ import annotations

import pytest

from graph.access.roles import Principal
from graph.access.scope import (
    GroupementView,
    groupement_view,
    groupements_in_scope,
    groupements_of,
    is_theirs,
    person_in_scope,
)
from graph.errors import NotFound
from graph.view import GraphView
from tests.access.conftest import ADMIN, NATIONAL, PEOPLE, REFERENT_A, REFERENT_B, UNSCOPED


def test_groupement_view() -> None:
    assert groupement_view(REFERENT_A, "grp-a") is GroupementView.OWN
    assert groupement_view(REFERENT_A, "grp-b") is GroupementView.OTHER
    assert groupement_view(REFERENT_A, "grp-unknown") is GroupementView.OTHER
    for principal in UNSCOPED:
        assert groupement_view(principal, "grp-a") is GroupementView.NATIONAL
    # the views read as the words pages and ids use ("vue-own")
    assert [str(v) for v in GroupementView] == ["own", "national", "other"]


def test_groupements_in_scope_keeps_the_order_given() -> None:
    assert groupements_in_scope(REFERENT_B, ["grp-c", "grp-b", "grp-a"]) == ["grp-b"]
    assert groupements_in_scope(NATIONAL, ["grp-c", "grp-b"]) == ["grp-c", "grp-b"]
    assert groupements_in_scope(REFERENT_A, []) == []


@pytest.mark.parametrize("pid", list(PEOPLE))
def test_groupements_of(view: GraphView, pid: str) -> None:
    assert sorted(groupements_of(view, view.index[pid])) == sorted(PEOPLE[pid])


@pytest.mark.parametrize(
    ("principal", "theirs"),
    [
        (REFERENT_A, {"p-a", "p-ab"}),
        (REFERENT_B, {"p-b", "p-ab"}),
        (ADMIN, set(PEOPLE)),
        (NATIONAL, set(PEOPLE)),
    ],
)
def test_is_theirs(view: GraphView, principal: Principal, theirs: set[str]) -> None:
    assert {pid for pid in PEOPLE if is_theirs(view, principal, pid)} == theirs
    # an unknown id and an id that is not a person are nobody's
    assert not is_theirs(view, principal, "p-ghost")
    assert not is_theirs(view, principal, "emp-1")


def test_person_in_scope_gives_the_persons_number(view: GraphView) -> None:
    assert person_in_scope(view, REFERENT_A, "p-ab", "person_id") == view.index["p-ab"]
    assert person_in_scope(view, ADMIN, "p-none", "person_id") == view.index["p-none"]


@pytest.mark.parametrize("pid", ["p-b", "p-none", "p-ghost", "emp-1", "grp-a"])
def test_out_of_scope_is_refused_exactly_like_an_unknown_id(view: GraphView, pid: str) -> None:
    with pytest.raises(NotFound) as refused:
        person_in_scope(view, REFERENT_A, pid, "candidate_id")
    unknown = NotFound("Person", pid, "candidate_id")
    error = refused.value
    assert (error.kind, error.id, error.field, str(error)) == (
        unknown.kind,
        unknown.id,
        unknown.field,
        str(unknown),
    )
