"""graph.access.roles: the role table, the principal's scope and who sees contact details."""

from __future__ import annotations

import dataclasses
import re

import pytest

from graph.access import roles
from graph.access.roles import GRANTS, Permission, Principal, Role, may_open_dashboard
from tests.access.conftest import ADMIN, NATIONAL, PORTAL, REFERENT_A, UNSCOPED


def _documented_table() -> dict[Role, frozenset[Permission]]:
    """The role table of the module's docstring, "yes" and "scoped" read as granted."""
    lines = [line.split() for line in (roles.__doc__ or "").splitlines()]
    header = next(cells for cells in lines if cells[:1] == ["permission"])
    columns = [Role(name) for name in header[1:]]
    table: dict[Role, set[Permission]] = {role: set() for role in columns}
    for cells in lines:
        if cells and re.fullmatch(r"[a-z]+:[a-z]+", cells[0]):
            for role, cell in zip(columns, cells[1:], strict=True):
                if cell in ("yes", "scoped"):
                    table[role].add(Permission(cells[0]))
    return {role: frozenset(granted) for role, granted in table.items()}


def test_the_documented_table_is_the_grants() -> None:
    assert _documented_table() == GRANTS


def test_every_role_has_a_row_and_admin_may_do_everything() -> None:
    assert set(GRANTS) == set(Role)
    assert GRANTS[Role.ADMIN] == frozenset(Permission)
    assert all(grants <= GRANTS[Role.ADMIN] for grants in GRANTS.values())


@pytest.mark.parametrize("role", list(Role))
def test_can_follows_the_grants(role: Role) -> None:
    principal = Principal("tok", role)
    assert {p for p in Permission if principal.can(p)} == GRANTS[role]


def test_only_a_referent_is_scoped_and_only_a_portal_rate_limited() -> None:
    assert [r for r in Role if Principal("t", r).scoped] == [Role.REFERENT]
    assert [r for r in Role if Principal("t", r).rate_limited] == [Role.PORTAL]


def test_covers_a_person_of_one_of_the_referents_groupements() -> None:
    assert REFERENT_A.covers(["grp-a"]) and REFERENT_A.covers(["grp-b", "grp-a"])
    assert not REFERENT_A.covers(["grp-b"])
    assert not REFERENT_A.covers([])  # a person of no groupement is nobody's
    for principal in UNSCOPED:
        assert principal.covers([]) and principal.covers(["grp-b"])


@pytest.mark.parametrize(
    ("principal", "groupements", "sees"),
    [
        (ADMIN, [], True),
        (ADMIN, ["grp-b"], True),
        (REFERENT_A, ["grp-a"], True),
        (REFERENT_A, ["grp-b", "grp-a"], True),
        (REFERENT_A, ["grp-b"], False),
        (REFERENT_A, [], False),
        (NATIONAL, ["grp-a"], False),
        (PORTAL, ["grp-a"], False),
    ],
)
def test_contact_details_for_the_admin_and_the_persons_referent(
    principal: Principal, groupements: list[str], sees: bool
) -> None:
    assert principal.sees_contact(groupements) is sees


def test_the_dashboard_opens_to_the_roles_that_read_coverage() -> None:
    assert {r for r in Role if may_open_dashboard(r)} == {
        Role.ADMIN,
        Role.NATIONAL,
        Role.REFERENT,
    }
    assert not may_open_dashboard(Role.PORTAL)


def test_a_principal_is_an_immutable_value() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(REFERENT_A, "role", Role.ADMIN)  # noqa: B010 (mypy would refuse the plain form)
    assert Principal("tok-ref-a", Role.REFERENT, frozenset({"grp-a"})) == REFERENT_A
