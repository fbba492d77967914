"""A member's LinkedIn connections: notes lines, BOM, zip, companies matched or listed."""

from __future__ import annotations

from datetime import date

import pytest

from graph.access.roles import Principal, Role
from graph.embedded import EmbeddedStore
from graph.errors import AccessDenied, NotFound
from graph.exchange.apply import write_plan
from graph.exchange.linkedin import EmployerMatcher, plan_linkedin
from graph.model import Employer, Label, RelType
from tests.exchange.conftest import fixture


def _consent(store: EmbeddedStore, pid: str = "cand-a") -> None:
    store.update_node(Label.PERSON, pid, {"consent_social_import": True,
                                          "consent_social_import_at": date(2025, 1, 1)})


@pytest.mark.parametrize("name", ["Connections.csv", "Basic_LinkedInDataExport.zip"])
def test_member_connections_become_linkedin_ties(store: EmbeddedStore, name: str) -> None:
    _consent(store)
    plan = plan_linkedin(store, "cand-a", fixture(name))
    assert plan.ok
    info = plan.extra["linkedin"]
    # Bernard (help-a) is already tied to cand-a; Fournier, Dumont, Estienne are members
    assert (info["rows"], info["members"], info["non_members"]) == (5, 4, 1)
    assert info["already_tied"] == 1
    result = write_plan(store, plan)
    assert result.written
    tie = store.get_relationship(RelType.KNOWS, "cand-a", "work-1")
    assert tie is not None and tie.source == "linkedin" and tie.since == date(2023, 1, 2)
    # the existing tie is left alone
    assert store.get_relationship(RelType.KNOWS, "cand-a", "help-a").source == "unit"
    # strangers are never stored, nor named in the report
    assert "Inconnu" not in str(plan.to_dict())
    assert store.find(Label.PERSON, {"last_name": "Personne"}) == []


def test_companies_matched_with_confidence_or_listed(store: EmbeddedStore) -> None:
    _consent(store)
    plan = plan_linkedin(store, "cand-a", fixture("Connections.csv"))
    info = plan.extra["linkedin"]
    applied = {m["company"]: m for m in info["companies_applied"]}
    review = {m["company"]: m for m in info["companies_to_review"]}
    # "THALES" is the brand of one site: applied (0.9); "Thales (Bordeaux)" exact name (1.0)
    assert applied["THALES"]["employer_id"] == "emp-1"
    assert applied["THALES"]["confidence"] == 0.9
    assert applied["Thales (Bordeaux)"]["confidence"] == 1.0
    # a near spelling is proposed, not applied; an unknown company is listed
    assert review["Thalès Group"]["applied"] is False
    assert review["Boulangerie Martin"]["employer_id"] is None
    write_plan(store, plan)
    job = store.get_relationship(RelType.WORKS_AT, "help-a", "emp-1")
    assert job is not None and job.role == "Ingénieur"
    assert store.get_relationship(RelType.WORKS_AT, "cand-b", "emp-1") is None


def test_reimport_changes_nothing(store: EmbeddedStore) -> None:
    _consent(store)
    write_plan(store, plan_linkedin(store, "cand-a", fixture("Connections.csv")))
    version = store.version
    again = write_plan(store, plan_linkedin(store, "cand-a", fixture("Connections.csv")))
    assert not again.written and store.version == version


def test_needs_the_members_consent(store: EmbeddedStore) -> None:
    with pytest.raises(AccessDenied, match="consenti"):
        plan_linkedin(store, "cand-a", fixture("Connections.csv"))


def test_a_referent_imports_for_their_members_only(store: EmbeddedStore) -> None:
    _consent(store)
    other = Principal("t", Role.REFERENT, frozenset({"grp-b"}))
    with pytest.raises(NotFound):
        plan_linkedin(store, "cand-a", fixture("Connections.csv"), principal=other)
    mine = Principal("t", Role.REFERENT, frozenset({"grp-a"}))
    assert plan_linkedin(store, "cand-a", fixture("Connections.csv"), principal=mine).ok


def test_brand_with_several_sites_is_listed_not_guessed() -> None:
    sites = [Employer(id="e1", name="Safran (Bordeaux)", brand="Safran"),
             Employer(id="e2", name="Safran (Toulouse)", brand="Safran")]  # fmt: skip
    match = EmployerMatcher(sites).match("SAFRAN")
    assert not match.applied and match.candidates == ["e1", "e2"]
