"""graph.access.visibility: whose name a viewer may see."""

from __future__ import annotations

import itertools

import pytest

from graph.access.scope import GroupementView
from graph.access.visibility import may_be_named, named_in_lists, names_in_gaps
from graph.model import Person, PersonStatus


def person(status: str = "helper", introducer: bool = False, directory: bool = False) -> Person:
    return Person(
        id="p-1",
        first_name="Anne",
        last_name="Roux",
        status=status,
        consent_introducer=introducer,
        consent_directory=directory,
    )


@pytest.mark.parametrize(
    ("introducer", "directory"), list(itertools.product([False, True], repeat=2))
)
def test_named_with_either_consent(introducer: bool, directory: bool) -> None:
    assert may_be_named(person(introducer=introducer, directory=directory)) is (
        introducer or directory
    )


@pytest.mark.parametrize("status", [s.value for s in PersonStatus])
@pytest.mark.parametrize("consents", [False, True])
def test_named_in_lists(status: str, consents: bool) -> None:
    p = person(status, introducer=consents)
    candidate = status in ("candidate", "both")
    assert named_in_lists(p, GroupementView.OWN)  # the référent knows their people
    for view in (GroupementView.NATIONAL, GroupementView.OTHER):
        assert named_in_lists(p, view) is (consents and not candidate)


def test_names_in_gaps_are_hidden_from_another_referent_only() -> None:
    assert [v for v in GroupementView if not names_in_gaps(v)] == [GroupementView.OTHER]
