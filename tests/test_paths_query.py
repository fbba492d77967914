"""A path query's arguments (graph.paths.query): checked in order, resolved on a view."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from graph.embedded import EmbeddedStore
from graph.errors import InvalidInput, NotFound
from graph.model import Employer, Label, Person
from graph.paths.policy import PathPolicy
from graph.paths.query import Target, check_query, node_of, target_set
from graph.paths.service import path_index


def test_checks_run_policy_then_target_then_date() -> None:
    with pytest.raises(InvalidInput) as info:
        check_query("not a target", "not a policy", "not a date")
    assert info.value.field == "policy"
    with pytest.raises(InvalidInput) as info:
        check_query("not a target", None, "not a date")
    assert info.value.field == "target"
    with pytest.raises(InvalidInput) as info:
        check_query(Target.employer(""), None, "not a date")
    assert info.value.field == "employer"
    with pytest.raises(InvalidInput) as info:
        check_query(Target.employer("e"), None, "2025-01-01")
    assert info.value.field == "as_of"


def test_defaults_are_the_default_policy_and_today() -> None:
    target, policy, as_of = check_query(Target.person("p"), None, None)
    assert (target, policy, as_of) == (Target.person("p"), PathPolicy(), date.today())


def test_a_sector_and_bassin_target_gives_both_codes() -> None:
    assert Target.sector_in_bassin("btp", "ZE-33-1").sector_and_bassin() == ("btp", "ZE-33-1")
    with pytest.raises(InvalidInput):
        Target.person("p").sector_and_bassin()


@pytest.fixture
def store(tmp_path: Path):
    with EmbeddedStore(tmp_path / "s") as s:
        s.upsert_nodes(
            [
                Person(id="c", first_name="Paul", last_name="Martin"),
                Employer(id="e", name="Thales"),
            ]
        )
        yield s


def test_node_of_names_the_field_and_the_kind(store: EmbeddedStore) -> None:
    view = store.view()
    assert node_of(view, "c", Label.PERSON, "candidate") == view.index["c"]
    with pytest.raises(NotFound) as found:
        node_of(view, "nobody", Label.PERSON, "candidate")
    assert found.value.field == "candidate"
    with pytest.raises(InvalidInput, match="'e' is an Employer, not a Person") as info:
        node_of(view, "e", Label.PERSON, "candidate")
    assert info.value.field == "candidate"
    with pytest.raises(InvalidInput, match="must be a Person id"):
        node_of(view, 7, Label.PERSON, "candidate")


def test_the_candidate_is_not_their_own_target(store: EmbeddedStore) -> None:
    view = store.view()
    index = path_index(store, view)
    c = view.index["c"]
    with pytest.raises(InvalidInput, match="the candidate themselves"):
        target_set(store, view, index, Target.person("c"), c, 0)
    with pytest.raises(InvalidInput, match="is a Person, not an Employer"):
        target_set(store, view, index, Target.employer("c"), c, 0)
