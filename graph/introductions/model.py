"""An introduction: a référent's request to pass a candidate along a path, hop by hop.

An :class:`Introduction` records the candidate, the target, the path as it was when it
was asked for (its JSON, explanations included), who asked and when, and one
:class:`Hop` per person asked: each intermediary in turn (will you pass the candidate
on to the next person?), then the final contact (will you meet the candidate?).

States of an introduction (:class:`State`), each with the date it was entered:

* ``requested``: the first person has been asked;
* ``in_progress``: at least one person accepted, the next one is asked;
* ``introduced``: everybody accepted; the candidate and the contact are put in touch;
* ``declined``: someone declined (the référent may choose another path: *reroute*);
* ``expired``: someone did not answer in time (reroute is allowed too);
* ``withdrawn``: the référent gave up.

Once introduced, the référent records an :class:`Outcome` (interview, then hired, not
retained or no follow-up), each with its date.

Decisions:

* Plain frozen dataclasses; every change is a new value made by
  :mod:`graph.introductions.transitions` (the state machine), so the rules are pure and
  the storage (:mod:`graph.introductions.db`) only compares revisions.
* Times are aware UTC datetimes; outcome dates are days (a référent records "hired on").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class State(StrEnum):
    REQUESTED = "requested"
    IN_PROGRESS = "in_progress"
    INTRODUCED = "introduced"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


#: states in which someone is waiting for an answer
OPEN_STATES = frozenset({State.REQUESTED, State.IN_PROGRESS})
#: states from which the référent may choose another path
REROUTABLE = frozenset({State.DECLINED, State.EXPIRED})


class HopState(StrEnum):
    #: not asked yet: an earlier person must accept first
    WAITING = "waiting"
    #: asked, the answer is awaited (the person's link works)
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    #: no longer asked: withdrawn, or an earlier person declined, or another path chosen
    CANCELLED = "cancelled"


class Outcome(StrEnum):
    INTERVIEW = "interview"
    HIRED = "hired"
    NOT_RETAINED = "not_retained"
    NO_FOLLOW_UP = "no_follow_up"


#: outcomes after which no other may be recorded
FINAL_OUTCOMES = frozenset({Outcome.HIRED, Outcome.NOT_RETAINED, Outcome.NO_FOLLOW_UP})

STATE_LABELS = {
    State.REQUESTED: "demandée",
    State.IN_PROGRESS: "en cours",
    State.INTRODUCED: "mise en relation faite",
    State.DECLINED: "déclinée",
    State.EXPIRED: "expirée",
    State.WITHDRAWN: "retirée",
}
OUTCOME_LABELS = {
    Outcome.INTERVIEW: "entretien",
    Outcome.HIRED: "embauché",
    Outcome.NOT_RETAINED: "non retenu",
    Outcome.NO_FOLLOW_UP: "sans suite",
}
HOP_LABELS = {
    HopState.WAITING: "pas encore sollicité",
    HopState.PENDING: "réponse attendue",
    HopState.ACCEPTED: "a accepté",
    HopState.DECLINED: "a décliné",
    HopState.EXPIRED: "sans réponse",
    HopState.CANCELLED: "annulé",
}


@dataclass(frozen=True)
class Hop:
    """One person asked: ``previous_id`` passes the candidate to ``person_id``, who passes
    them on to ``next_id`` (None: ``person_id`` is the final contact, asked to meet)."""

    position: int
    person_id: str
    previous_id: str
    next_id: str | None
    #: how ``previous_id`` and ``person_id`` are linked: knows, mentors, referent, bridge
    tie: str
    state: HopState = HopState.WAITING
    #: a fresh random value each time the person is asked: it is part of their link
    nonce: str = ""
    #: the SHA-256 of their link (never the link itself)
    link_digest: str | None = None
    asked_at: datetime | None = None
    reminded_at: datetime | None = None
    answered_at: datetime | None = None
    reason: str | None = None

    @property
    def is_contact(self) -> bool:
        return self.next_id is None


@dataclass(frozen=True)
class Introduction:
    id: str
    candidate_id: str
    #: the target as it was asked: kind, id, label (and sector, bassin for a set)
    target: dict[str, Any]
    #: the candidate's groupements when asked (scope and per-groupement counts)
    groupements: tuple[str, ...]
    #: the token id of whoever asked
    requested_by: str
    message: str
    #: the path as it was (the path service's JSON), the latest chosen
    path: dict[str, Any]
    hops: tuple[Hop, ...]
    state: State
    created_at: datetime
    updated_at: datetime
    #: when each state was (last) entered
    state_dates: dict[str, datetime] = field(default_factory=dict)
    outcome: Outcome | None = None
    #: when each outcome was recorded (the day the référent gives)
    outcome_dates: dict[str, date] = field(default_factory=dict)
    #: paths tried before the current one (their JSON), oldest first
    earlier_paths: tuple[dict[str, Any], ...] = ()
    #: strength changes applied for the outcome, per tie "a|b" (undone when it changes)
    applied: dict[str, float] = field(default_factory=dict)
    #: how the e-mails name who asks ("Anne Roux, référente du groupement de Gironde")
    requester_label: str = ""
    revision: int = 0

    @property
    def current(self) -> Hop | None:
        """The hop whose answer is awaited, if any."""
        return next((h for h in self.hops if h.state is HopState.PENDING), None)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def contact_id(self) -> str:
        return self.hops[-1].person_id

    def people(self) -> set[str]:
        """Every person this introduction names: the candidate and everyone on its hops
        (earlier paths included), for erasure and the audit log."""
        found = {self.candidate_id}
        for hop in self.hops:
            found.add(hop.person_id)
        for path in self.earlier_paths:
            found.update(h.get("to_id") for h in path.get("hops", ()) if h.get("to_id"))
        return found
