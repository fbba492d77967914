"""The state machine: every allowed transition, and every refused one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from graph.errors import Conflict
from graph.introductions import transitions as T
from graph.introductions.model import (
    Hop,
    HopState,
    Introduction,
    Outcome,
    State,
)

NOW = datetime(2025, 6, 2, 9, tzinfo=UTC)
LATER = NOW + timedelta(days=1)
DAY = date(2025, 7, 1)


def new(people: tuple[str, ...] = ("i1", "i2", "c")) -> Introduction:
    ids = ("cand", *people)
    hops = tuple(
        Hop(i, ids[i + 1], ids[i], ids[i + 2] if i + 2 < len(ids) else None, "knows")
        for i in range(len(ids) - 1)
    )
    return Introduction(
        id="intro-1", candidate_id="cand", target={"kind": "employer", "id": "e", "label": "E"},
        groupements=("g",), requested_by="tok", message="m", path={"hops": []}, hops=hops,
        state=State.REQUESTED, created_at=NOW, updated_at=NOW,
    )  # fmt: skip


def started(people: tuple[str, ...] = ("i1", "i2", "c")) -> Introduction:
    return T.start(new(people), NOW)[0]


def states(intro: Introduction) -> list[HopState]:
    return [h.state for h in intro.hops]


def test_start_asks_the_first_person_only() -> None:
    intro, events = T.start(new(), NOW)
    assert intro.state is State.REQUESTED and intro.revision == 1
    assert states(intro) == [HopState.PENDING, HopState.WAITING, HopState.WAITING]
    assert intro.hops[0].asked_at == NOW and intro.hops[0].nonce
    assert events == [T.Event("asked", 0)]
    assert intro.state_dates == {"requested": NOW}
    with pytest.raises(T.TransitionRefused):
        T.start(intro, NOW)


def test_accept_moves_hop_by_hop_to_introduced() -> None:
    intro = started()
    intro, events = T.accept(intro, 0, LATER)
    assert intro.state is State.IN_PROGRESS
    assert states(intro) == [HopState.ACCEPTED, HopState.PENDING, HopState.WAITING]
    assert events == [T.Event("accepted", 0), T.Event("asked", 1)]
    intro, _ = T.accept(intro, 1, LATER)
    assert intro.state is State.IN_PROGRESS
    intro, events = T.accept(intro, 2, LATER)
    assert intro.state is State.INTRODUCED
    assert events == [T.Event("accepted", 2), T.Event("introduced")]
    assert set(intro.state_dates) == {"requested", "in_progress", "introduced"}
    assert intro.current is None


def test_a_path_straight_to_the_contact_is_introduced_at_once() -> None:
    intro, _ = T.accept(started(("c",)), 0, LATER)
    assert intro.state is State.INTRODUCED


def test_decline_closes_and_cancels_the_rest() -> None:
    intro, _ = T.accept(started(), 0, LATER)
    intro, events = T.decline(intro, 1, LATER, "pas le moment")
    assert intro.state is State.DECLINED
    assert states(intro) == [HopState.ACCEPTED, HopState.DECLINED, HopState.CANCELLED]
    assert intro.hops[1].reason == "pas le moment"
    assert events == [T.Event("declined", 1)]


def test_expire_and_remind() -> None:
    intro = started()
    intro, events = T.remind(intro, LATER)
    assert intro.hops[0].reminded_at == LATER and events == [T.Event("reminded", 0)]
    assert intro.state is State.REQUESTED
    with pytest.raises(T.TransitionRefused, match="already sent"):
        T.remind(intro, LATER)
    intro, events = T.expire(intro, LATER)
    assert intro.state is State.EXPIRED
    assert states(intro) == [HopState.EXPIRED, HopState.CANCELLED, HopState.CANCELLED]


@pytest.mark.parametrize("how", ["requested", "in_progress", "declined", "expired"])
def test_withdraw_from_every_open_or_reroutable_state(how: str) -> None:
    intro = started()
    if how == "in_progress":
        intro, _ = T.accept(intro, 0, LATER)
    elif how == "declined":
        intro, _ = T.decline(intro, 0, LATER)
    elif how == "expired":
        intro, _ = T.expire(intro, LATER)
    assert intro.state == how
    intro, _ = T.withdraw(intro, LATER)
    assert intro.state is State.WITHDRAWN
    assert HopState.PENDING not in states(intro) and HopState.WAITING not in states(intro)


def test_reroute_keeps_who_agreed_to_the_same_introduction() -> None:
    intro, _ = T.accept(started(), 0, LATER)  # i1 agreed to pass on to i2
    intro, _ = T.accept(intro, 1, LATER)  # i2 agreed to pass on to c
    intro, _ = T.decline(intro, 2, LATER)  # c declines
    other = new(("i1", "i2", "c2")).hops  # i2 must now pass on to c2: asked again
    moved, events = T.reroute(intro, {"hops": ["new"]}, other, LATER)
    assert moved.state is State.IN_PROGRESS
    assert states(moved) == [HopState.ACCEPTED, HopState.PENDING, HopState.WAITING]
    assert moved.hops[1].person_id == "i2" and moved.hops[1].next_id == "c2"
    assert moved.earlier_paths == ({"hops": []},) and moved.path == {"hops": ["new"]}
    assert events == [T.Event("rerouted"), T.Event("asked", 1)]


def test_reroute_through_other_people_starts_at_the_first() -> None:
    intro, _ = T.decline(started(), 0, LATER)
    moved, _ = T.reroute(intro, {}, new(("j1", "c")).hops, LATER)
    assert moved.state is State.REQUESTED
    assert states(moved) == [HopState.PENDING, HopState.WAITING]


def test_outcomes_interview_then_final() -> None:
    intro, _ = T.accept(started(("c",)), 0, LATER)
    intro, _ = T.record_outcome(intro, Outcome.INTERVIEW, DAY, LATER)
    intro, _ = T.record_outcome(intro, Outcome.HIRED, DAY + timedelta(days=20), LATER)
    assert intro.outcome is Outcome.HIRED
    assert intro.outcome_dates == {"interview": DAY, "hired": DAY + timedelta(days=20)}
    assert intro.state is State.INTRODUCED


@pytest.mark.parametrize("final", [Outcome.HIRED, Outcome.NOT_RETAINED, Outcome.NO_FOLLOW_UP])
def test_a_final_outcome_stays(final: Outcome) -> None:
    intro, _ = T.accept(started(("c",)), 0, LATER)
    intro, _ = T.record_outcome(intro, final, DAY, LATER)
    for other in Outcome:
        with pytest.raises(T.TransitionRefused, match="already recorded"):
            T.record_outcome(intro, other, DAY, LATER)


def _in(state: str) -> Introduction:
    intro = started(("i1", "c"))
    if state == "in_progress":
        return T.accept(intro, 0, LATER)[0]
    if state == "introduced":
        return T.accept(T.accept(intro, 0, LATER)[0], 1, LATER)[0]
    if state == "declined":
        return T.decline(intro, 0, LATER)[0]
    if state == "expired":
        return T.expire(intro, LATER)[0]
    if state == "withdrawn":
        return T.withdraw(intro, LATER)[0]
    return intro


OTHER_PATH = new(("j1", "c")).hops
ACTIONS = {
    "accept": lambda i: T.accept(i, 0 if i.current is None else i.current.position, LATER),
    "decline": lambda i: T.decline(i, 0 if i.current is None else i.current.position, LATER),
    "expire": lambda i: T.expire(i, LATER),
    "remind": lambda i: T.remind(i, LATER),
    "withdraw": lambda i: T.withdraw(i, LATER),
    "reroute": lambda i: T.reroute(i, {}, OTHER_PATH, LATER),
    "outcome": lambda i: T.record_outcome(i, Outcome.INTERVIEW, DAY, LATER),
}
ALLOWED = {
    "requested": {"accept", "decline", "expire", "remind", "withdraw"},
    "in_progress": {"accept", "decline", "expire", "remind", "withdraw"},
    "introduced": {"outcome"},
    "declined": {"withdraw", "reroute"},
    "expired": {"withdraw", "reroute"},
    "withdrawn": set(),
}


@pytest.mark.parametrize("state", list(ALLOWED))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_the_whole_table(state: str, action: str) -> None:
    """Each action from each state: allowed ones move, the others raise a clear 409."""
    intro = _in(state)
    assert intro.state == state
    if action in ALLOWED[state]:
        after, _ = ACTIONS[action](intro)
        assert after.revision == intro.revision + 1
    else:
        with pytest.raises(T.TransitionRefused) as refused:
            ACTIONS[action](intro)
        assert isinstance(refused.value, Conflict) and refused.value.field == "state"
        assert state in str(refused.value) or "hop" in str(refused.value)


def test_only_the_pending_hop_may_answer() -> None:
    intro, _ = T.accept(started(), 0, LATER)
    for position in (0, 2, 7):
        with pytest.raises(T.TransitionRefused):
            T.accept(intro, position, LATER)
        with pytest.raises(T.TransitionRefused):
            T.decline(intro, position, LATER)
