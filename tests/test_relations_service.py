"""graph.relations: every relationship kind written, changed, ended or deleted, under every
role, on every store adapter (the embedded store always; Neo4j when ``NEO4J_URI`` is set).

The world is the API tests' (``tests/api/conftest.py``): grp-a holds cand-a, help-a and
ref-a; grp-b holds cand-b and help-b; work-1 (no groupement, listed in the directory)
works at emp-1. "referent" holds grp-a, "other" holds grp-b.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from graph.access.roles import Principal, Role
from graph.errors import AccessDenied, Conflict, InvalidInput, NotFound
from graph.model import BassinVie, InGroupement, Person, RelType
from graph.paths import Target, find_paths
from graph.relations import SPECS, Kind, add, end, get_relation, list_relations, remove, update
from graph.store import Batch, GraphStore
from tests.api.conftest import AS_OF, build_world
from tests.test_store_contract import ADAPTERS, adapter_params

ADMIN = Principal("t-admin", Role.ADMIN)
NATIONAL = Principal("t-nat", Role.NATIONAL)
PORTAL = Principal("t-portal", Role.PORTAL)
REFERENT = Principal("t-ref", Role.REFERENT, frozenset({"grp-a"}))
OTHER = Principal("t-other", Role.REFERENT, frozenset({"grp-b"}))


@pytest.fixture(params=adapter_params())
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    opened = ADAPTERS[request.param](tmp_path)
    build_world(opened)  # type: ignore[arg-type]
    opened.write(
        Batch(
            nodes=[
                Person(id="cand-new", first_name="Noé", last_name="Nouveau", status="candidate"),
                Person(id="hidden-b", first_name="Ina", last_name="Cachée", status="helper"),
                BassinVie(id="bv-33", code="BV-33", name="Bordeaux"),
            ],
            rels=[
                InGroupement(src="cand-new", dst="grp-a"),
                InGroupement(src="hidden-b", dst="grp-b"),
            ],
        )
    )
    yield opened
    opened.close()


TIE = {"strength": 0.8, "source": "declared", "since": "2024-03-15"}

#: kind -> (anchor, other, properties) of a valid new relationship the admin may add
VALID = {
    Kind.TIE: ("cand-new", "help-a", TIE),
    Kind.MENTOR: ("cand-new", "ref-a", {"since": "2024-01-01"}),
    Kind.EMPLOYMENT: ("help-a", "emp-1", {"role": "Acheteur", "since": "2020-01-01"}),
    Kind.TARGET: ("cand-new", "be-ZE-33-1", {}),
    Kind.HOME: ("cand-new", "dep-33", {}),
    Kind.SETTLEMENT: ("cand-new", "bv-33", {}),
    Kind.GROUPEMENT: ("cand-b", "grp-a", {}),
    Kind.ASSOCIATION: ("cand-new", "asso-a", {"since": "2023-05-01"}),
    Kind.REFERENT: ("grp-b", "help-b", {"since": "2024-09-01"}),
    Kind.CHARTER: (
        "grp-a", "grp-b", {"signed": "2024-01-10", "expires": "2025-01-10", "level": "local"}
    ),
    Kind.CONVENTION: ("asso-a", "asso-b", {"signed": "2014-11-13", "level": "national"}),
}  # fmt: skip


def test_every_kind_has_a_valid_example() -> None:
    assert set(VALID) == set(Kind)


@pytest.mark.parametrize("kind", list(Kind))
def test_admin_adds_lists_updates_and_removes_or_ends_every_kind(
    store: GraphStore, kind: Kind
) -> None:
    anchor, other, props = VALID[kind]
    spec = SPECS[kind]
    change = add(store, ADMIN, kind, anchor, other, props)
    assert change.action == "created"
    assert [r.other_id for r in list_relations(store, ADMIN, kind, anchor)].count(other) == 1
    src, dst = spec.record_ends(anchor, other)
    assert store.get_relationship(spec.rel_type, src, dst) is not None
    # the view (what paths and coverage read) has it at once
    view = store.view()
    rel = view.rel(spec.rel_type)
    a, b = view.index[src], view.index[dst]
    assert b in rel.targets(a).tolist() or a in rel.targets(b).tolist()
    with pytest.raises(Conflict):
        add(store, ADMIN, kind, anchor, other, props)
    if "since" in spec.properties:
        changed = update(store, ADMIN, kind, anchor, other, {"since": "2019-02-03"})
        assert changed.relation.props["since"] == "2019-02-03"
        assert get_relation(store, ADMIN, kind, anchor, other).props["since"] == "2019-02-03"
    if spec.ended:
        with pytest.raises(InvalidInput):
            remove(store, ADMIN, kind, anchor, other)
        ended = end(store, ADMIN, kind, anchor, other, date(2025, 1, 31))
        assert ended.action == "ended"
        stored = store.get_relationship(spec.rel_type, src, dst)
        assert stored is not None and stored.props()["until"] == "2025-01-31"
        with pytest.raises(Conflict):
            end(store, ADMIN, kind, anchor, other)
    else:
        assert remove(store, ADMIN, kind, anchor, other).action == "deleted"
        assert store.get_relationship(spec.rel_type, src, dst) is None
        with pytest.raises(NotFound) as err:
            remove(store, ADMIN, kind, anchor, other)
        assert err.value.field == spec.other_field


def test_change_names_the_people_it_touches(store: GraphStore) -> None:
    assert add(store, ADMIN, Kind.TIE, "cand-new", "help-a", TIE).people == ("cand-new", "help-a")
    assert add(store, ADMIN, Kind.TARGET, "cand-new", "sec-defense").people == ("cand-new",)
    assert add(store, ADMIN, Kind.REFERENT, "grp-b", "help-b").people == ("help-b",)
    charter = {"signed": "2024-01-10", "level": "local"}
    assert add(store, ADMIN, Kind.CHARTER, "grp-a", "grp-b", charter).people == ()


# --------------------------------------------------------------------------- roles


@pytest.mark.parametrize("kind", [k for k in Kind if not SPECS[k].organisation])
def test_national_and_portal_may_not_read_or_write_member_relationships(
    store: GraphStore, kind: Kind
) -> None:
    anchor, other, props = VALID[kind]
    for who in (NATIONAL, PORTAL):
        with pytest.raises(AccessDenied):
            list_relations(store, who, kind, anchor)
        with pytest.raises(AccessDenied):
            add(store, who, kind, anchor, other, props)


@pytest.mark.parametrize("kind", [k for k in Kind if SPECS[k].organisation])
def test_organisation_relationships_are_read_by_many_and_written_by_the_admin(
    store: GraphStore, kind: Kind
) -> None:
    anchor, other, props = VALID[kind]
    for who in (NATIONAL, REFERENT, OTHER):
        list_relations(store, who, kind, anchor)
        with pytest.raises(AccessDenied):
            add(store, who, kind, anchor, other, props)
    with pytest.raises(AccessDenied):
        list_relations(store, PORTAL, kind, anchor)
    add(store, ADMIN, kind, anchor, other, props)


#: person kinds a référent of grp-a may add on their own cand-new
REFERENT_VALID = {k: v for k, v in VALID.items() if not SPECS[k].organisation}
REFERENT_VALID[Kind.GROUPEMENT] = ("cand-new", "grp-a", {})  # already there: see below


@pytest.mark.parametrize("kind", [k for k in REFERENT_VALID if k is not Kind.GROUPEMENT])
def test_referent_edits_their_own_people_and_not_others(store: GraphStore, kind: Kind) -> None:
    anchor, other, props = REFERENT_VALID[kind]
    spec = SPECS[kind]
    # the other référent: cand-new is not theirs, answered as an unknown person
    with pytest.raises(NotFound) as theirs:
        add(store, OTHER, kind, anchor, other, props)
    with pytest.raises(NotFound) as unknown:
        add(store, OTHER, kind, "nobody", other, props)
    assert str(theirs.value).replace(anchor, "X") == str(unknown.value).replace("nobody", "X")
    with pytest.raises(NotFound):
        list_relations(store, OTHER, kind, anchor)
    assert add(store, REFERENT, kind, anchor, other, props).action == "created"
    assert other in [r.other_id for r in list_relations(store, REFERENT, kind, anchor)]
    if spec.ended:
        end(store, REFERENT, kind, anchor, other)
    else:
        remove(store, REFERENT, kind, anchor, other)


def test_referent_ties_reach_their_people_and_consenting_ones_only(store: GraphStore) -> None:
    # work-1 is in no groupement but listed in the directory: reachable
    add(store, REFERENT, Kind.TIE, "cand-new", "work-1", TIE)
    # hidden-b (grp-b, no consent) is refused exactly like an id that names nobody
    with pytest.raises(InvalidInput) as hidden:
        add(store, REFERENT, Kind.TIE, "cand-new", "hidden-b", TIE)
    with pytest.raises(InvalidInput) as ghost:
        add(store, REFERENT, Kind.TIE, "cand-new", "ghost-1", TIE)
    assert hidden.value.field == ghost.value.field == "other_id"
    assert hidden.value.message.replace("hidden-b", "X") == ghost.value.message.replace(
        "ghost-1", "X"
    )
    # cand-b consented, but a candidate is never named outside their groupement
    with pytest.raises(InvalidInput):
        add(store, REFERENT, Kind.TIE, "cand-new", "cand-b", TIE)
    # help-b (grp-b, consented helper) is reachable
    add(store, REFERENT, Kind.TIE, "cand-new", "help-b", TIE)
    # the admin reaches anyone
    add(store, ADMIN, Kind.TIE, "cand-new", "hidden-b", TIE)


def test_referent_memberships_stay_in_their_groupements(store: GraphStore) -> None:
    with pytest.raises(AccessDenied) as err:
        add(store, REFERENT, Kind.GROUPEMENT, "cand-new", "grp-b")
    assert err.value.field == "groupement_id"
    with pytest.raises(AccessDenied):
        add(store, REFERENT, Kind.ASSOCIATION, "cand-new", "asso-b")
    add(store, REFERENT, Kind.ASSOCIATION, "cand-new", "asso-a")
    # leaving their groupement takes the person out of their scope
    remove(store, REFERENT, Kind.GROUPEMENT, "cand-new", "grp-a")
    with pytest.raises(NotFound):
        list_relations(store, REFERENT, Kind.TIE, "cand-new")


# --------------------------------------------------------------------------- validation


def test_bad_input_names_the_field(store: GraphStore) -> None:
    cases = [
        (Kind.TIE, "cand-new", "cand-new", TIE, "other_id"),  # self-tie
        (Kind.TIE, "cand-new", "emp-1", TIE, "other_id"),  # wrong label
        (Kind.TIE, "cand-new", "help-a", {**TIE, "strength": 2}, "strength"),
        (Kind.TIE, "cand-new", "help-a", {"source": "declared"}, "strength"),
        (Kind.TIE, "cand-new", "help-a", {**TIE, "colour": "red"}, "colour"),
        (Kind.TIE, "cand-new", "help-a", {**TIE, "confirmed_at": "2020-01-01"}, "confirmed_at"),
        (Kind.EMPLOYMENT, "help-a", "be-ZE-33-1", {}, "employer_id"),
        (Kind.EMPLOYMENT, "help-a", "emp-1", {"since": "2024-01-01", "until": "2023-01-01"},
         "until"),
        (Kind.TARGET, "cand-new", "dep-33", {}, "target_id"),
        (Kind.HOME, "cand-new", "bv-33", {}, "departement_id"),
        (Kind.CHARTER, "grp-a", "asso-b", {"signed": "2024-01-01", "level": "local"},
         "partner_id"),
        (Kind.CHARTER, "grp-a", "grp-b", {"signed": "2024-01-01", "expires": "2023-01-01",
                                          "level": "local"}, "expires"),
        (Kind.REFERENT, "grp-a", "emp-1", {}, "person_id"),
    ]  # fmt: skip
    for kind, anchor, other, props, field in cases:
        with pytest.raises(InvalidInput) as err:
            add(store, ADMIN, kind, anchor, other, props)
        assert err.value.field == field, (kind, other, err.value)
    with pytest.raises(NotFound) as missing:
        add(store, ADMIN, Kind.REFERENT, "grp-zz", "help-a")
    assert missing.value.field == "groupement_id"
    with pytest.raises(NotFound):
        add(store, ADMIN, Kind.TIE, "emp-1", "help-a", TIE)  # anchor of the wrong label


def test_update_validates_the_whole_record(store: GraphStore) -> None:
    add(store, ADMIN, Kind.EMPLOYMENT, "help-a", "emp-1", {"since": "2020-01-01"})
    with pytest.raises(InvalidInput) as err:
        update(store, ADMIN, Kind.EMPLOYMENT, "help-a", "emp-1", {"until": "2019-01-01"})
    assert err.value.field == "until"
    with pytest.raises(InvalidInput):
        update(store, ADMIN, Kind.EMPLOYMENT, "help-a", "emp-1", {"src": "x"})
    with pytest.raises(NotFound) as absent:
        update(store, ADMIN, Kind.TIE, "cand-new", "help-b", {"strength": 0.1})
    assert absent.value.field == "other_id"


def test_one_home_at_a_time(store: GraphStore) -> None:
    from graph.model import Departement

    store.upsert_nodes([Departement(id="dep-24", code="24", name="Dordogne")])
    add(store, ADMIN, Kind.HOME, "cand-new", "dep-33")
    with pytest.raises(Conflict) as err:
        add(store, ADMIN, Kind.HOME, "cand-new", "dep-24")
    assert err.value.field == "departement_id"
    remove(store, ADMIN, Kind.HOME, "cand-new", "dep-33")
    add(store, ADMIN, Kind.HOME, "cand-new", "dep-24")


def test_a_tie_added_is_followed_by_the_next_path_query(store: GraphStore) -> None:
    target = Target.employer("emp-1")
    assert not find_paths(store, "cand-new", target, as_of=AS_OF).paths
    add(store, REFERENT, Kind.TIE, "cand-new", "help-a", TIE)
    found = find_paths(store, "cand-new", target, as_of=AS_OF)
    assert found.paths and "help-a" in [p.id for p in found.paths[0].intermediaries]
    remove(store, REFERENT, Kind.TIE, "help-a", "cand-new")  # either end anchors a tie
    assert not find_paths(store, "cand-new", target, as_of=AS_OF).paths
    assert store.get_relationship(RelType.KNOWS, "cand-new", "help-a") is None
