"""The feedback rules of graph/introductions/feedback.py, one test per rule."""

from __future__ import annotations

from datetime import date

import pytest

from graph.introductions import feedback
from graph.introductions.feedback import MAX_STRENGTH, MIN_STRENGTH, OUTCOME_DELTA, bounded
from graph.introductions.model import Outcome
from graph.model import Knows, Label, Person, RelType
from graph.paths import PathPolicy, find_paths
from graph.store import Batch
from tests.introductions.conftest import EMPLOYER, REFERENT, Net, links_of, make_service


def load(net: Net, pid: str) -> int:
    record = net.store.get(pid)
    assert isinstance(record, Person)
    return record.monthly_load


def strength(net: Net, a: str, b: str) -> float:
    rel = net.store.get_relationship(RelType.KNOWS, a, b) or net.store.get_relationship(
        RelType.KNOWS, b, a
    )
    assert isinstance(rel, Knows)
    return rel.strength


def introduce(net: Net) -> str:
    intro = net.service.request(REFERENT, candidate_id="cand-a", target=EMPLOYER)
    net.service.answer(links_of(net, intro.id)[0], accept=True)
    net.service.answer(links_of(net, intro.id)[1], accept=True)
    return intro.id


# -- rule 1: load ---------------------------------------------------------------------


def test_load_counts_open_requests_of_the_month(net: Net) -> None:
    net.store.update_node(Label.PERSON, "help-a", {"monthly_load": 0})
    first = net.service.request(REFERENT, candidate_id="cand-a", target=EMPLOYER)
    assert load(net, "help-a") == 1 and load(net, "work-1") == 1  # asked, and to be asked
    net.service.request(REFERENT, candidate_id="cand-a", target=EMPLOYER)
    assert load(net, "help-a") == 2
    net.service.answer(links_of(net, first.id)[0], accept=False)  # a decline frees the place
    assert load(net, "help-a") == 1 and load(net, "work-1") == 1


def test_deferred_loads_are_written_by_the_next_round(net: Net) -> None:
    """In the service, loads are marked with the change and written by the scheduler's
    next round, out of the request's way; a crash in between forgets nothing."""
    service = make_service(net.store, net.data_dir, net.clock, intro_defer_feedback=True)
    before = load(net, "help-a")
    service.request(REFERENT, candidate_id="cand-a", target=EMPLOYER)
    assert load(net, "help-a") == before
    again = make_service(net.store, net.data_dir, net.clock, intro_defer_feedback=True)
    assert again.tick()["loads"] >= 1
    assert load(net, "help-a") == 1 and again.tick()["loads"] == 0
    # so are the ties confirmed by an acceptance
    net.clock.advance(days=1)
    intro = service.db.search()[0][0]
    service.answer(service.token_of(intro, intro.hops[0]), accept=True)
    tie = net.store.get_relationship(RelType.KNOWS, "cand-a", "help-a")
    assert isinstance(tie, Knows) and tie.confirmed_at == date(2025, 1, 1)
    assert again.tick()["confirmed"] == 1 and again.tick()["confirmed"] == 0
    tie = net.store.get_relationship(RelType.KNOWS, "cand-a", "help-a")
    assert isinstance(tie, Knows) and tie.confirmed_at == date(2025, 6, 3)
    service.db.close()
    again.db.close()


def test_a_round_writes_all_its_loads_in_one_version(net: Net) -> None:
    """Every write is a new version that each worker's search index must follow: the
    scheduler's round writes the loads of all the people it marked at once."""
    service = make_service(net.store, net.data_dir, net.clock, intro_defer_feedback=True)
    for _ in range(3):
        service.request(REFERENT, candidate_id="cand-a", target=EMPLOYER)
    calls: list[tuple[str, int]] = []
    update_nodes, update_node = net.store.update_nodes, net.store.update_node
    net.store.update_nodes = lambda label, changes: (  # type: ignore[method-assign]
        calls.append(("update_nodes", len(changes))) or update_nodes(label, changes)
    )
    net.store.update_node = lambda *a: calls.append(("update_node", 1)) or update_node(*a)  # type: ignore[method-assign]
    version = net.store.version
    assert service.tick()["loads"] == 2
    assert calls == [("update_nodes", 2)]
    assert load(net, "help-a") == 3 and load(net, "work-1") == 3
    assert net.store.version > version
    service.db.close()


def test_accepted_requests_still_count_and_a_new_month_starts_at_zero(net: Net) -> None:
    introduce(net)
    assert load(net, "help-a") == 1
    net.clock.now = net.clock.now.replace(month=7, day=1, hour=0, minute=5)
    assert net.service.tick()["loads"] == 2
    assert load(net, "help-a") == 0 and load(net, "work-1") == 0
    assert net.service.tick()["loads"] == 0  # once a month


def test_path_search_avoids_a_helper_at_capacity(net: Net) -> None:
    """help-a (capacity 1) is the only way: the path is flagged over capacity."""
    net.store.update_node(Label.PERSON, "help-a", {"capacity": 1, "monthly_load": 0})
    before = find_paths(net.store, "cand-a", EMPLOYER, PathPolicy(), None)
    assert before.paths[0].over_capacity == ()
    net.service.request(REFERENT, candidate_id="cand-a", target=EMPLOYER)
    after = find_paths(net.store, "cand-a", EMPLOYER, PathPolicy(), None)
    assert "help-a" in after.paths[0].over_capacity


# -- rule 2: confirmed ties -------------------------------------------------------------


def test_accepting_confirms_the_tie_it_came_through(net: Net) -> None:
    net.clock.now = net.clock.now.replace(month=8)
    intro = net.service.request(REFERENT, candidate_id="cand-a", target=EMPLOYER)
    net.service.answer(links_of(net, intro.id)[0], accept=True)
    tie = net.store.get_relationship(RelType.KNOWS, "cand-a", "help-a")
    assert isinstance(tie, Knows) and tie.confirmed_at == date(2025, 8, 2)
    untouched = net.store.get_relationship(RelType.KNOWS, "help-a", "work-1")
    assert isinstance(untouched, Knows) and untouched.confirmed_at == date(2025, 1, 1)


def test_a_decline_confirms_nothing_and_changes_no_strength(net: Net) -> None:
    intro = net.service.request(REFERENT, candidate_id="cand-a", target=EMPLOYER)
    net.service.answer(links_of(net, intro.id)[0], accept=False)
    tie = net.store.get_relationship(RelType.KNOWS, "cand-a", "help-a")
    assert isinstance(tie, Knows) and tie.confirmed_at == date(2025, 1, 1)
    assert tie.strength == 0.9


# -- rule 3: strengths ------------------------------------------------------------------


@pytest.mark.parametrize("outcome", list(Outcome))
def test_each_outcome_moves_every_tie_of_the_path(net: Net, outcome: Outcome) -> None:
    net.store.write(Batch(rels=[
        Knows(src="cand-a", dst="help-a", strength=0.5, source="unit"),
        Knows(src="help-a", dst="work-1", strength=0.5, source="unit"),
    ]))  # fmt: skip
    intro_id = introduce(net)
    _, adjustments = net.service.record_outcome(REFERENT, intro_id, outcome)
    expected = round(0.5 + OUTCOME_DELTA[outcome], 6)
    assert strength(net, "cand-a", "help-a") == expected
    assert strength(net, "help-a", "work-1") == expected
    assert [(a.a, a.b, a.before, a.after) for a in adjustments] == [
        ("cand-a", "help-a", 0.5, expected),
        ("help-a", "work-1", 0.5, expected),
    ]
    word = "renforcé" if OUTCOME_DELTA[outcome] > 0 else "affaibli"
    assert all(word in a.explanation for a in adjustments)


def test_a_later_outcome_replaces_the_earlier_change(net: Net) -> None:
    net.store.write(Batch(rels=[Knows(src="cand-a", dst="help-a", strength=0.5, source="unit")]))
    intro_id = introduce(net)
    net.service.record_outcome(REFERENT, intro_id, Outcome.INTERVIEW)
    assert strength(net, "cand-a", "help-a") == 0.55
    net.service.record_outcome(REFERENT, intro_id, Outcome.HIRED)
    assert strength(net, "cand-a", "help-a") == 0.6  # +0.10 in all, not +0.15


def test_strength_stays_within_bounds(net: Net) -> None:
    intro_id = introduce(net)  # ties at 0.9
    net.store.write(Batch(rels=[Knows(src="cand-a", dst="help-a", strength=0.97, source="unit")]))
    _, adjustments = net.service.record_outcome(REFERENT, intro_id, Outcome.HIRED)
    assert strength(net, "cand-a", "help-a") == MAX_STRENGTH
    assert bounded(MIN_STRENGTH + 0.01, -0.05) == MIN_STRENGTH
    assert bounded(0.05, -0.05) == 0.05  # already below: kept, not raised to the bound
    assert bounded(1.0, 0.1) == 1.0
    assert "borne" in feedback.explain(Outcome.HIRED, 1.0, 1.0)
    assert len(adjustments) == 2
