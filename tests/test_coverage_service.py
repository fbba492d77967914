"""Coverage on a hand-built network whose every metric is known (tests/coverage_net.py)."""

from __future__ import annotations

import gc
import weakref
from dataclasses import replace

import pytest

from graph.access import counts
from graph.coverage import privacy
from graph.coverage import service as S
from graph.coverage.service import Scope, coverage, gaps, national_actions, what_if
from graph.coverage.whatif import AddReferent, AddTie, SignCharter
from graph.embedded import EmbeddedStore
from graph.errors import InvalidInput, NotFound
from graph.model import Knows, Person
from graph.paths import path_index
from tests.coverage_net import AS_OF, build


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with EmbeddedStore(tmp_path_factory.mktemp("cov") / "store") as s:
        yield build(s)


def row(report, gid):
    return next(c for c in report.groupements if c.id == gid)


def test_every_metric_of_a_groupement(store):
    g = coverage(store, Scope.groupement("G"), AS_OF).total
    assert (g.scope, g.id, g.name) == ("groupement", "G", "ANOCR Gironde")
    assert g.referent_present and g.referent_consents and g.referents == 1
    assert g.candidates == 3  # c1, c2, c3
    assert g.candidates_departing_12m == 1  # c1 leaves in December; c2 in 2027
    assert g.candidates_without_target == 1  # c3
    assert g.helpers == 4  # h1, h2, h3, r
    assert g.helpers_available == 2  # h2 did not consent, h3 is at capacity
    assert g.helper_ratio == pytest.approx(2 / 3)
    assert g.candidates_with_path == 1  # c1 -> h1 at Thales (B1)
    assert g.share_with_path == pytest.approx(1 / 3)
    assert g.employers == 3  # E1, E2, E3 are in Gironde's bassins
    assert g.employers_without_contact == 2  # E2: h2 did not consent; E3: h3 has left
    assert (g.sectors_targeted, g.sectors_without_helper) == (1, 1)  # immobilier
    assert g.single_points_of_failure == 1  # h1 is the only way in to Thales
    assert g.partners_without_charter == 1  # délégation D, no local charter
    assert (g.hidden_offers, g.hidden_offers_unreached) == (2, 1)  # O1 has no contact


def test_second_groupement_and_rollups(store):
    report = coverage(store, Scope.national(), AS_OF)
    g2 = row(report, "G2")
    assert not g2.referent_present and g2.groupements_without_referent == 1
    assert (g2.candidates, g2.candidates_with_path) == (1, 1)  # c4 -> x -> y at Vinci
    assert (g2.employers, g2.employers_without_contact) == (2, 1)  # Foncia: b1 out of reach
    assert g2.single_points_of_failure == 1  # y at Vinci
    assert g2.partners_without_charter == 1
    d = row(report, "D")
    assert d.candidates == 0 and d.groupements_without_referent == 0  # a délégation
    assert d.partners_without_charter == 2  # G and G2
    total = report.total
    assert (total.scope, total.groupements, total.candidates) == ("national", 3, 4)
    assert total.candidates_with_path == 2
    assert total.partners_without_charter == 2  # distinct pairs, not 1 + 1 + 2
    assert [c.id for c in report.departements] == ["33", "40"]
    assert [c.id for c in report.regions] == ["75"]
    landes = report.departements[1]
    # G2 and D cover the Landes; D's territory is cut to the Landes in this roll-up
    assert (landes.groupements, landes.candidates, landes.employers) == (2, 1, 2)
    region = coverage(store, Scope.region("75"), AS_OF)
    assert region.total.candidates == 4 and len(region.departements) == 2
    dep = coverage(store, Scope.departement("33"), AS_OF)
    assert {c.id for c in dep.groupements} == {"G", "D"}


def test_one_groupement_from_a_cold_cache_is_focused_and_exact(tmp_path):
    """The first look at one groupement builds a state for it alone (not the national
    one), with the national figures and gaps of that groupement."""
    with EmbeddedStore(tmp_path / "s") as s:
        build(s)
        cold = {}
        for gid in ("G", "G2", "D"):
            S.clear_cache(s)
            cold[gid] = (
                coverage(s, Scope.groupement(gid), AS_OF).total,
                gaps(s, Scope.groupement(gid), AS_OF).gaps,
            )
            assert S.groupement_state(s, gid, AS_OF).focus is not None
        S.clear_cache(s)
        national = coverage(s, Scope.national(), AS_OF)
        assert S.groupement_state(s, "G", AS_OF).focus is None  # the national one, now cached
        for gid, (total, ranked) in cold.items():
            assert total == row(national, gid)
            assert ranked == gaps(s, Scope.groupement(gid), AS_OF).gaps


def test_a_groupement_is_at_hand_once_the_national_report_holds_it(tmp_path):
    """``at_hand``: the API answers a groupement's coverage and gaps on its event loop
    only when they are lookups in the national state of the current version."""
    with EmbeddedStore(tmp_path / "s") as s:
        build(s)
        S.clear_cache(s)

        def at_hand(gid: str, kind: str = "groupement", as_of=AS_OF) -> bool:
            return S.at_hand(s, s.view(), Scope(kind, gid), as_of)

        assert not at_hand("G")  # cold
        coverage(s, Scope.groupement("G"), AS_OF)
        assert not at_hand("G")  # a state focused on G is not the national one
        coverage(s, Scope.national(), AS_OF)
        assert not at_hand("G")  # rows, but no gaps yet
        ranked = gaps(s, Scope.national(), AS_OF).gaps
        assert at_hand("G") and at_hand("G2")
        assert not at_hand("G", as_of=AS_OF.replace(year=AS_OF.year + 1))  # another date
        assert not at_hand("nope") and not at_hand("c1")  # unknown id, not a groupement
        assert not at_hand("33", "departement")  # only groupements
        # the memoized gaps are the ones a cold computation gives
        memo = gaps(s, Scope.groupement("G"), AS_OF).gaps
        unranked = [replace(g, rank=0) for g in memo]
        assert unranked and unranked == [
            replace(g, rank=0) for g in ranked if g.groupement_id == "G"
        ]
        S.clear_cache(s)
        assert gaps(s, Scope.groupement("G"), AS_OF).gaps == memo
        coverage(s, Scope.national(), AS_OF)
        gaps(s, Scope.national(), AS_OF)
        assert at_hand("G")
        s.upsert_nodes([Person(id="p-new", first_name="A", last_name="B")])
        assert not at_hand("G")  # a write: another version


def test_the_candidates_without_a_path_are_named_for_the_own_view(tmp_path):
    with EmbeddedStore(tmp_path / "s") as s:
        build(s)
        S.clear_cache(s)
        focused = S.candidates_without_path(s, "G", AS_OF)  # from a state focused on G
        assert focused == ("c2", "c3")  # c1 reaches Thales; c2, c3 have no path
        S.coverage_state(s, AS_OF)
        assert S.candidates_without_path(s, "G", AS_OF) == focused  # from the national one
        assert S.candidates_without_path(s, "G2", AS_OF) == ()
        with pytest.raises(NotFound, match="groupement"):
            S.candidates_without_path(s, "nope", AS_OF)


def test_unknown_scopes_are_named(store):
    with pytest.raises(NotFound, match="groupement"):
        coverage(store, Scope.groupement("nope"), AS_OF)
    with pytest.raises(NotFound, match="departement"):
        coverage(store, Scope.departement("99"), AS_OF)
    with pytest.raises(InvalidInput, match=r"scope\.kind"):
        coverage(store, Scope("planet", "x"), AS_OF)


def test_gap_ranking_and_actions(store):
    ranked = gaps(store, Scope.groupement("G"), AS_OF).gaps
    assert [(g.kind, g.affected, g.size) for g in ranked] == [
        ("missing_charter", 3, 1),
        ("candidates_without_path", 1, 1),
        ("candidates_without_target", 1, 1),
        ("sector_without_helper", 1, 1),
        ("employers_without_contact", 1, 1),  # E2 in Bordeaux, which c1 targets
        ("single_point_of_failure", 1, 1),
        ("employers_without_contact", 0, 1),  # E3 in Arcachon
        ("offer_unreached", 0, 1),
    ]
    assert [g.rank for g in ranked] == list(range(1, 9))
    charter = ranked[0].action
    assert charter.kind == "sign_charter"
    assert charter.params == {"groupement": "G", "delegation": "D"}
    assert charter.text == "Signer la charte locale avec la délégation IA Nouvelle-Aquitaine"
    assert ranked[1].action.params == {"sector": "S3", "bassin": None}
    assert ranked[1].action.text == "Recruter des aidants dans le secteur Immobilier"
    spof = ranked[5].action
    assert spof.kind == "second_contact" and spof.params["helper"] == "h1"
    assert spof.text == "Demander à M. H1 de présenter un second contact chez Thales"
    g2 = gaps(store, Scope.groupement("G2"), AS_OF).gaps
    assert g2[0].kind == "no_referent"
    assert g2[0].action.params == {"groupement": "G2", "person": "h4"}
    assert "Nommer un référent reconversion pour ANOCR Landes" in g2[0].action.text
    national = gaps(store, Scope.national(), AS_OF, limit=3).gaps
    assert [(g.groupement_id, g.kind) for g in national] == [
        ("G", "missing_charter"),  # 3 candidates affected
        ("G2", "no_referent"),  # 1 affected; the kinds' order breaks the tie
        ("G", "candidates_without_path"),
    ]


def test_small_counts_hidden_outside_the_own_view(store):
    g = coverage(store, Scope.groupement("G"), AS_OF).total
    outside = privacy.render_coverage(g, own_groupement=False)
    assert outside["candidates"] == "< 5" and outside["helpers_available"] == "< 5"
    assert outside["share_with_path"] is None and outside["helper_ratio"] is None
    assert outside["employers"] == 3  # not a count of people
    own = privacy.render_coverage(g, own_groupement=True)
    assert own["candidates"] == 3 and own["share_with_path"] == pytest.approx(1 / 3)
    total = coverage(store, Scope.national(), AS_OF).total
    # a roll-up is nobody's own view
    assert privacy.render_coverage(total, own_groupement=True)["candidates"] == "< 5"
    gap = gaps(store, Scope.groupement("G"), AS_OF).gaps[1]
    hidden = privacy.render_gap(gap, own_groupement=False)
    assert hidden["affected"] == "< 5" and hidden["size"] == "< 5"
    assert "1" not in hidden["title"] and "< 5" in hidden["title"]
    assert privacy.render_gap(gap, own_groupement=True)["affected"] == 1
    assert counts.count(5, False) == 5 and counts.count(0, False) == "< 5"


def test_what_if_is_exact_and_writes_nothing(store):
    version, counts = store.version, store.counts()
    result = what_if(store, [SignCharter("G", "D")], AS_OF)
    before = {c.id: c for c in result.before}
    after = {c.id: c for c in result.after}
    assert set(before) == {"G", "D"}
    assert (before["G"].candidates_with_path, after["G"].candidates_with_path) == (1, 2)
    assert (before["G"].partners_without_charter, after["G"].partners_without_charter) == (1, 0)
    # b1, now reached over the bridge, is the only contact in the sector c2 wants
    assert (before["G"].single_points_of_failure, after["G"].single_points_of_failure) == (1, 2)
    assert (before["D"].partners_without_charter, after["D"].partners_without_charter) == (2, 1)
    assert result.national_after.candidates_with_path == 3
    assert store.version == version and store.counts() == counts
    # the cached coverage is untouched
    assert coverage(store, Scope.groupement("G"), AS_OF).total.candidates_with_path == 1


def test_what_if_matches_the_same_change_written(tmp_path):
    """After == the coverage of a store where the change was really written."""
    from graph.model import Knows, ReferentOf
    from graph.store import Batch

    with EmbeddedStore(tmp_path / "a") as a, EmbeddedStore(tmp_path / "b") as b:
        build(a)
        build(b)
        changes = [AddReferent("G2", "h4"), AddTie("c2", "b1")]
        result = what_if(a, changes, AS_OF)
        b.write(
            Batch(
                rels=[
                    ReferentOf(src="h4", dst="G2"),
                    Knows(src="c2", dst="b1", strength=0.5, source="declared"),
                ]
            )
        )
        real = coverage(b, Scope.national(), AS_OF)
        for after in result.after:
            assert after == row(real, after.id)
        assert result.national_after == real.total
        assert {c.id for c in result.after} >= {"G", "G2"}


def test_what_if_rejects_bad_changes(store):
    with pytest.raises(InvalidInput, match=r"changes\[0\].kind"):
        what_if(store, [{"kind": "teleport"}], AS_OF)
    with pytest.raises(NotFound, match=r"changes\[0\].person_id"):
        what_if(store, [{"kind": "grant_consent", "person_id": "ghost"}], AS_OF)
    with pytest.raises(InvalidInput, match="changes"):
        what_if(store, [], AS_OF)


def test_national_actions_rank_the_most_useful_action(store):
    actions = national_actions(store, AS_OF)
    first = actions[0]
    assert (first.groupement_id, first.gain, first.gap.action.kind) == ("G", 1, "sign_charter")
    g2 = next(a for a in actions if a.groupement_id == "G2")
    assert g2.gap.action.kind == "name_referent" and g2.gain == 0


def test_after_a_write_the_answers_are_those_of_the_new_version(tmp_path):
    with EmbeddedStore(tmp_path / "s") as s:
        build(s)
        before = coverage(s, Scope.national(), AS_OF).total.candidates_with_path
        assert S.candidates_without_path(s, "G", AS_OF) == ("c2", "c3")
        # b1 is a consenting contact of c2's target (sector S3): one tie gives c2 a path
        s.upsert_relationships([Knows(src="c2", dst="b1", strength=0.9, source="unit")])
        assert coverage(s, Scope.national(), AS_OF).total.candidates_with_path == before + 1
        assert S.candidates_without_path(s, "G", AS_OF) == ("c3",)


def test_states_and_indexes_of_old_versions_are_released(tmp_path):
    """Kept values are bounded by version: two writes later, the first version's
    coverage state and path index are gone (they were kept forever before)."""
    with EmbeddedStore(tmp_path / "s") as s:
        build(s)
        state = S.coverage_state(s, AS_OF)
        index = path_index(s)
        assert state.index is index
        gone = [weakref.ref(state), weakref.ref(index)]
        del state, index
        for i in range(3):
            s.upsert_nodes([Person(id=f"p-new-{i}", first_name="A", last_name="B")])
            coverage(s, Scope.national(), AS_OF)
            coverage(s, Scope.groupement("G"), AS_OF.replace(year=2024))
        gc.collect()
        assert [ref() for ref in gone] == [None, None]
        assert S._STATES.kept_versions(s) == [s.version - 1, s.version]


def test_a_forgotten_store_releases_its_coverage_states(tmp_path):
    s = build(EmbeddedStore(tmp_path / "s"))
    state = weakref.ref(S.coverage_state(s, AS_OF))
    store = weakref.ref(s)
    s.close()
    del s
    gc.collect()
    assert store() is None and state() is None


def test_rows_come_by_id_whatever_order_the_store_numbers_nodes_in(tmp_path):
    """Départements and régions are listed by id, like groupements: the embedded store
    numbers nodes as they arrive, Neo4j's view by id, and both must answer alike (found
    running the API on Neo4j, tests/cli/test_serve_neo4j.py)."""
    from graph.model import Association, Covers, Departement, Groupement, PartOf, Region
    from graph.store import Batch

    with EmbeddedStore(tmp_path) as s:
        s.write(
            Batch(
                nodes=[
                    Region(id="reg-76", code="76", name="Occitanie"),
                    Departement(id="dep-40", code="40", name="Landes"),
                    Departement(id="dep-31", code="31", name="Haute-Garonne"),
                    Region(id="reg-75", code="75", name="Nouvelle-Aquitaine"),
                    Departement(id="dep-33", code="33", name="Gironde"),
                    Association(id="a", name="A", short_name="A", kind="partner"),
                    Groupement(id="g", name="G", association_id="a"),
                ],
                rels=[
                    PartOf(src="dep-40", dst="reg-75"),
                    PartOf(src="dep-33", dst="reg-75"),
                    PartOf(src="dep-31", dst="reg-76"),
                    *(Covers(src="g", dst=d) for d in ("dep-40", "dep-31", "dep-33")),
                ],
            )
        )
        report = coverage(s, Scope.national(), AS_OF)
    assert [c.id for c in report.departements] == ["31", "33", "40"]
    assert [c.id for c in report.regions] == ["75", "76"]
