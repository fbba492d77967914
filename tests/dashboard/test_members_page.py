"""Mes membres (dashboard/pages/members.py), called directly on a demo seed of its own:
the page × role matrix of the dashboard, the roster's accent-insensitive search and
filters, a member's page and its forms going through graph.relations."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from dashboard.app import create_dash, render
from dashboard.pages import members
from graph.errors import InvalidInput, PasserelleError
from graph.model import InGroupement, Person, RelType
from graph.relations import messages
from graph.store import Batch
from tests.dashboard.conftest import OPTIONS, World, context, make_world
from tests.dashboard.test_pages import find, text

PEOPLE = 1500


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A demo seed of its own (these tests write), with a member of the référent's
    groupement whose name has accents, and one of another groupement."""
    w = make_world(tmp_path_factory.mktemp("members-page"), PEOPLE)
    w.store.write(
        Batch(
            nodes=[
                Person(id="p-helene", first_name="Hélène", last_name="Lefèvre-Œuvrard",
                       status="candidate", departure_date=date(2027, 3, 1)),
                Person(id="p-autre", first_name="Élodie", last_name="Ailleurs",
                       status="candidate"),
            ],
            rels=[InGroupement(src="p-helene", dst=w.own),
                  InGroupement(src="p-autre", dst=w.other)],
        )
    )  # fmt: skip
    yield w
    w.tokens.close()
    w.store.close()


@pytest.fixture(scope="module")
def runtime(world: World):
    app = create_dash(world.settings, lambda: world.store, lambda: world.tokens, options=OPTIONS)
    return app.server.extensions["passerelle_dashboard"]


#: (path, role) -> the id the page shows; every page of the dashboard, every role that may
#: log in (a portal's token may not: tests/dashboard/test_auth.py)
def _matrix(world: World) -> dict[tuple[str, str], str]:
    own, other = world.own, world.other
    pages = {
        "/dashboard/": dict.fromkeys(("admin", "national", "referent"), "page-national"),
        f"/dashboard/groupement/{own}": dict.fromkeys(
            ("admin", "national", "referent"), "page-groupement"
        ),
        "/dashboard/chemins": dict.fromkeys(("admin", "national", "referent"), "page-chemins"),
        "/dashboard/membres": {
            "admin": "page-membres", "national": "membres-refus", "referent": "page-membres"
        },
        "/dashboard/membres/p-helene": {
            "admin": "page-membre", "national": "membres-refus", "referent": "page-membre"
        },
        "/dashboard/membres/p-autre": {
            "admin": "page-membre", "national": "membres-refus", "referent": "introuvable"
        },
        f"/dashboard/membres/{other}": {  # a groupement's id is no person
            "admin": "introuvable", "national": "membres-refus", "referent": "introuvable"
        },
    }  # fmt: skip
    return {(path, role): id_ for path, by_role in pages.items() for role, id_ in by_role.items()}


def test_dashboard_page_role_matrix(world: World, runtime) -> None:
    for (path, role), expected in _matrix(world).items():
        page = render(runtime, context(world, role), path, "")
        assert find(page, expected) is not None, (path, role, expected)
        # the navigation offers "Mes membres" to those who read member records
        assert (find(page, "nav-membres") is not None) == (role != "national"), (path, role)


def test_search_ignores_accents_and_case(world: World) -> None:
    ctx = context(world, "referent")
    for query in ("helene lefevre", "HÉLÈNE lefevre", "oeuvrard", "lefèvre-œuvrard", "p-helene"):
        found = [p.id for p in members.roster(ctx, world.own, query)]
        assert found == ["p-helene"], query
    for person in members.roster(ctx, world.own, "HELÈNE"):  # others of the name too
        assert "helene" in members.fold(person.first_name + person.last_name)
    assert members.roster(ctx, world.own, "elodie ailleurs") == []  # not theirs
    # a référent never lists another groupement, whatever the URL says
    assert members.roster(ctx, world.other, "") == []
    page = members.layout(ctx, groupement=world.other)
    assert find(page, "membres-groupement").value == world.own


def test_filters_by_status_and_departure_date(world: World) -> None:
    ctx = context(world, "referent")
    everyone = members.roster(ctx, world.own)
    assert len(everyone) > 10
    candidates = members.roster(ctx, world.own, status="candidate")
    assert candidates and all(p.status.value == "candidate" for p in candidates)
    window = members.roster(ctx, world.own, after="2027-01-01", before="2027-06-30")
    assert "p-helene" in [p.id for p in window]
    assert all(date(2027, 1, 1) <= p.departure_date <= date(2027, 6, 30) for p in window)
    assert "p-helene" not in [p.id for p in members.roster(ctx, world.own, before="2026-12-31")]


def test_member_page_forms_write_through_the_relationship_service(world: World) -> None:
    ctx = context(world, "referent")
    helper = next(p for p in members.roster(ctx, world.own, status="helper"))
    done = members.act(ctx, "lien-ajouter", "p-helene",
                       {"lien-autre": helper.id, "lien-force": 0.9, "lien-source": "unit",
                        "lien-depuis": "2024-03-15"})  # fmt: skip
    assert done == "Lien ajouté."
    stored = world.store.get_relationship(RelType.KNOWS, "p-helene", helper.id)
    assert stored is not None and stored.props()["since"] == "2024-03-15"
    shown = text(members.lists(ctx, "p-helene"))
    assert helper.last_name in shown and "15/03/2024" in shown
    members.act(ctx, "consentements-enregistrer", "p-helene",
                {"consentements": ["consent_directory"]})  # fmt: skip
    assert world.store.get("p-helene").consent_directory is True
    # a refusal is one French line naming the form's field
    with pytest.raises(PasserelleError) as err:
        self_tie = {"lien-autre": "p-helene", "lien-force": 0.5, "lien-source": "unit"}
        members.act(ctx, "lien-ajouter", "p-helene", self_tie)
    assert messages.french(err.value, members.FIELD_NAMES).startswith("Personne : valeur refusée")
    with pytest.raises(InvalidInput):
        members.act(ctx, "emploi-ajouter", "p-helene", {})
    # the national cell writes nothing
    with pytest.raises(PasserelleError):
        members.act(context(world, "national"), "cible-retirer", "p-helene", {"cible-id": "x"})


def test_member_page_shows_consents_and_links(world: World) -> None:
    ctx = context(world, "referent")
    page = members.member_layout(ctx, "p-helene")
    assert find(page, "membre-nom").children == "Hélène Lefèvre-Œuvrard"
    assert "Accepte d'introduire" in text(find(page, "membre-identite"))
    for form in ("lien-ajouter", "emploi-terminer", "cible-ajouter", "consentements"):
        assert find(page, form) is not None
    assert find(page, "membre-chemins") is not None  # a candidate: link to the paths


def test_page_reads_nothing_for_a_national_viewer(world: World) -> None:
    page = members.layout(context(world, "national"))
    assert find(page, "membres-refus") is not None and find(page, "membres-table") is None
