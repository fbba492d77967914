"""The state machine of an introduction: pure functions from one value to the next.

Every allowed change is one function here; anything else raises
:class:`TransitionRefused` (a :class:`~graph.errors.Conflict`, 409 in the API) saying
what was asked and in which state. Each function returns the new
:class:`~graph.introductions.model.Introduction` (revision + 1) and the
:class:`Event` list the service turns into e-mails and feedback.

===================== ============================== =====================================
change                from                           to
===================== ============================== =====================================
start                 (new)                          requested (first hop pending)
accept (hop)          requested, in_progress         in_progress; introduced after the
                                                     contact
decline (hop)         requested, in_progress         declined
expire                requested, in_progress         expired
remind                requested, in_progress         (same; the pending hop is reminded
                                                     once)
withdraw              requested, in_progress,        withdrawn
                      declined, expired
reroute (new path)    declined, expired              requested, or in_progress when the
                                                     new path keeps accepted hops
record_outcome        introduced                     introduced (outcome: none → any;
                                                     interview → hired, not_retained,
                                                     no_follow_up; final ones stay)
===================== ============================== =====================================

Decisions:

* Only the **pending** hop may be answered: an old link (an earlier hop, or a path
  replaced by a reroute) is refused, and so is a second answer (single use).
* A reroute keeps the hops of the new path that were already accepted with exactly the
  same previous and next person (they agreed to *that* introduction); anyone else is
  asked afresh, so "a decline lets the référent choose another path without starting
  over". The candidate and the target stay those of the introduction.
* A reminder is sent once per hop; expiry is decided by the caller's clock
  (:mod:`graph.introductions.schedule`), never here.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from graph.errors import Conflict
from graph.introductions.model import (
    FINAL_OUTCOMES,
    OPEN_STATES,
    REROUTABLE,
    Hop,
    HopState,
    Introduction,
    Outcome,
    State,
)


class TransitionRefused(Conflict):
    """A change the state machine does not allow from the current state."""

    def __init__(self, action: str, state: str, message: str | None = None) -> None:
        self.action = action
        self.state = state
        super().__init__("state", message or f"cannot {action} an introduction that is {state}")


@dataclass(frozen=True)
class Event:
    """Something that happened, for the service: ``asked``, ``reminded``, ``accepted``,
    ``declined``, ``expired``, ``introduced``, ``withdrawn``, ``rerouted``, ``outcome``."""

    kind: str
    position: int | None = None


def new_nonce() -> str:
    return secrets.token_hex(8)


def _ask(hop: Hop, now: datetime) -> Hop:
    return replace(
        hop,
        state=HopState.PENDING,
        nonce=new_nonce(),
        link_digest=None,
        asked_at=now,
        reminded_at=None,
        answered_at=None,
        reason=None,
    )


def _moved(intro: Introduction, now: datetime, **changes: Any) -> Introduction:
    state = changes.get("state", intro.state)
    dates = dict(intro.state_dates)
    if state != intro.state or not dates:
        dates[str(state)] = now
    return replace(intro, **changes, state_dates=dates, updated_at=now, revision=intro.revision + 1)


def start(intro: Introduction, now: datetime) -> tuple[Introduction, list[Event]]:
    """Ask the first person of a new introduction (all hops ``waiting``)."""
    if intro.revision != 0 or any(h.state is not HopState.WAITING for h in intro.hops):
        raise TransitionRefused("start", str(intro.state), "the introduction has started")
    if not intro.hops:
        raise TransitionRefused("start", str(intro.state), "a path needs at least one person")
    hops = (_ask(intro.hops[0], now), *intro.hops[1:])
    started = _moved(intro, now, hops=hops, state=State.REQUESTED)
    return started, [Event("asked", 0)]


def _pending(intro: Introduction, action: str, position: int) -> Hop:
    if intro.state not in OPEN_STATES:
        raise TransitionRefused(action, str(intro.state))
    if not 0 <= position < len(intro.hops):
        raise TransitionRefused(action, str(intro.state), f"no hop {position}")
    hop = intro.hops[position]
    if hop.state is not HopState.PENDING:
        raise TransitionRefused(
            action, str(intro.state), f"hop {position} is {hop.state}, not awaiting an answer"
        )
    return hop


def _with(hops: Sequence[Hop], position: int, hop: Hop) -> tuple[Hop, ...]:
    return tuple(hop if h.position == position else h for h in hops)


def _cancel_rest(hops: Sequence[Hop], after: int) -> tuple[Hop, ...]:
    return tuple(
        replace(h, state=HopState.CANCELLED)
        if h.position > after and h.state in (HopState.WAITING, HopState.PENDING)
        else h
        for h in hops
    )


def accept(intro: Introduction, position: int, now: datetime) -> tuple[Introduction, list[Event]]:
    """The pending person agrees; the next one is asked, or all agreed: introduced."""
    hop = _pending(intro, "accept", position)
    hops = _with(intro.hops, position, replace(hop, state=HopState.ACCEPTED, answered_at=now))
    events = [Event("accepted", position)]
    if hop.is_contact:
        events.append(Event("introduced"))
        return _moved(intro, now, hops=hops, state=State.INTRODUCED), events
    nxt = hops[position + 1]
    hops = _with(hops, position + 1, _ask(nxt, now))
    events.append(Event("asked", position + 1))
    return _moved(intro, now, hops=hops, state=State.IN_PROGRESS), events


def decline(
    intro: Introduction, position: int, now: datetime, reason: str | None = None
) -> tuple[Introduction, list[Event]]:
    """The pending person declines (no penalty); the people after them are not asked."""
    hop = _pending(intro, "decline", position)
    done = replace(hop, state=HopState.DECLINED, answered_at=now, reason=reason)
    hops = _cancel_rest(_with(intro.hops, position, done), position)
    return _moved(intro, now, hops=hops, state=State.DECLINED), [Event("declined", position)]


def expire(intro: Introduction, now: datetime) -> tuple[Introduction, list[Event]]:
    """The pending person did not answer in time."""
    if intro.state not in OPEN_STATES or intro.current is None:
        raise TransitionRefused("expire", str(intro.state))
    hop = intro.current
    hops = _cancel_rest(_with(intro.hops, hop.position, replace(hop, state=HopState.EXPIRED)),
                        hop.position)  # fmt: skip
    return _moved(intro, now, hops=hops, state=State.EXPIRED), [Event("expired", hop.position)]


def remind(intro: Introduction, now: datetime) -> tuple[Introduction, list[Event]]:
    """Remind the pending person, once."""
    if intro.state not in OPEN_STATES or intro.current is None:
        raise TransitionRefused("remind", str(intro.state))
    hop = intro.current
    if hop.reminded_at is not None:
        raise TransitionRefused("remind", str(intro.state), "the reminder was already sent")
    hops = _with(intro.hops, hop.position, replace(hop, reminded_at=now))
    return _moved(intro, now, hops=hops), [Event("reminded", hop.position)]


def withdraw(intro: Introduction, now: datetime) -> tuple[Introduction, list[Event]]:
    """The référent gives up: whoever was asked is no longer."""
    if intro.state not in OPEN_STATES | REROUTABLE:
        raise TransitionRefused("withdraw", str(intro.state))
    hops = _cancel_rest(intro.hops, -1)
    return _moved(intro, now, hops=hops, state=State.WITHDRAWN), [Event("withdrawn")]


def reroute(
    intro: Introduction, path: dict[str, object], hops: Sequence[Hop], now: datetime
) -> tuple[Introduction, list[Event]]:
    """Another path for the same candidate and target after a decline or an expiry.

    ``hops`` are the new path's, all ``waiting``; those equal to an accepted hop of the
    current path (same person, previous and next) stay accepted, the first other is asked.
    """
    if intro.state not in REROUTABLE:
        raise TransitionRefused("reroute", str(intro.state))
    if not hops or hops[0].previous_id != intro.candidate_id:
        raise TransitionRefused("reroute", str(intro.state), "the path is not the candidate's")
    accepted = {
        (h.person_id, h.previous_id, h.next_id) for h in intro.hops if h.state is HopState.ACCEPTED
    }
    kept: list[Hop] = []
    for hop in hops:
        key = (hop.person_id, hop.previous_id, hop.next_id)
        if len(kept) == hop.position and key in accepted:
            old = next(h for h in intro.hops if (h.person_id, h.previous_id, h.next_id) == key)
            kept.append(replace(old, position=hop.position))
    if len(kept) == len(hops):
        raise TransitionRefused("reroute", str(intro.state), "every person already accepted")
    asked = _ask(hops[len(kept)], now)
    new_hops = (*kept, asked, *hops[len(kept) + 1 :])
    state = State.IN_PROGRESS if kept else State.REQUESTED
    moved = _moved(
        intro,
        now,
        hops=new_hops,
        path=path,
        earlier_paths=(*intro.earlier_paths, intro.path),
        state=state,
    )
    return moved, [Event("rerouted"), Event("asked", len(kept))]


def record_outcome(
    intro: Introduction, outcome: Outcome, day: date, now: datetime
) -> tuple[Introduction, list[Event]]:
    """What came of an introduction: interview, then a final outcome."""
    if intro.state is not State.INTRODUCED:
        raise TransitionRefused("record an outcome of", str(intro.state))
    if intro.outcome is not None and (intro.outcome in FINAL_OUTCOMES or outcome is intro.outcome):
        raise TransitionRefused(
            "record an outcome of",
            str(intro.state),
            f"the outcome {intro.outcome} is already recorded",
        )
    dates = {**intro.outcome_dates, str(outcome): day}
    return _moved(intro, now, outcome=outcome, outcome_dates=dates), [Event("outcome")]
