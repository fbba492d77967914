"""The introductions service: what the API, the dashboard and the scheduler call.

:class:`IntroductionService` takes plain values and a principal, checks them (scope by
:mod:`graph.access.introductions`), runs the state machine
(:mod:`graph.introductions.transitions`) inside one transaction of the introductions
database together with the e-mails it causes (the outbox), then feeds the graph back
(:mod:`graph.introductions.feedback`) through the store port.

Decisions:

* **The path is found again on the server**: a request names the candidate, the target,
  the query's options and the rank of the path chosen (optionally the people the
  référent saw, to refuse with 409 if the path changed meanwhile). Nobody can make an
  introduction through a path the search would not give (people who did not consent,
  ties that do not exist). The path is stored as it was, explanations included.
* Every person on the path must be named (consented): an unnamed contact
  (``contact_must_consent`` off) cannot be asked, so such a path is refused.
* Graph feedback comes after the introduction's commit: it is derived data. A failure
  there (store down) leaves the answer recorded; loads are recomputed by the scheduler.
* Errors a person sees through their link are :class:`~graph.introductions.links.LinkError`
  with a French message; "not yours" and "does not exist" are the same
  :class:`~graph.errors.NotFound`.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from graph.access.introductions import address_shared, sees_introduction
from graph.access.roles import Principal
from graph.access.scope import groupements_of, person_in_scope
from graph.errors import Conflict, InvalidInput, NotFound
from graph.introductions import feedback, links, templates, transitions
from graph.introductions.db import IntroDB, NewMessage
from graph.introductions.model import (
    STATE_LABELS,
    Hop,
    HopState,
    Introduction,
    Outcome,
    State,
)
from graph.introductions.settings import IntroSettings
from graph.introductions.transitions import Event
from graph.model import NodeRecord, Person, RelType
from graph.paths import PathPolicy, Target, find_paths
from graph.store import GraphStore
from graph.wording import de

log = logging.getLogger("passerelle.introductions")
MAX_MESSAGE = 1000
MAX_REASON = 500


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class LinkView:
    """What the person holding a link may see: nothing more."""

    person: str
    candidate: str
    profile: str
    asker: str
    target: str
    next_person: str | None
    previous: str
    message: str
    expires: datetime
    is_contact: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "candidate": self.candidate,
            "profile": self.profile,
            "asker": self.asker,
            "target": self.target,
            "next_person": self.next_person,
            "previous": self.previous,
            "message": self.message,
            "expires": self.expires.isoformat(),
            "is_contact": self.is_contact,
        }


def display_name(record: NodeRecord | None) -> str:
    if not isinstance(record, Person):
        return "(personne effacée)"
    return f"{record.first_name} {record.last_name}"


_GRADES = {
    "officer": "officier",
    "nco": "sous-officier",
    "enlisted": "militaire du rang",
    "civilian": "civil de la défense",
}
_SERVICES = {
    "terre": "armée de Terre",
    "marine": "Marine nationale",
    "air": "armée de l'Air",
    "gendarmerie": "Gendarmerie",
    "sante": "Service de santé",
    "other": "autre service",
}


def profile(record: NodeRecord | None) -> str:
    """A candidate's short profile: grade, service, departure (no contact details).

    >>> profile(Person(id="p", first_name="A", last_name="B", grade_category="officer",
    ...                service="marine"))
    'officier, Marine nationale'
    """
    if not isinstance(record, Person):
        return ""
    grade = record.grade or _GRADES.get(str(record.grade_category), "")
    parts = [grade, _SERVICES.get(str(record.service), "")]
    if record.departure_date is not None:
        parts.append(f"départ prévu le {record.departure_date:%d/%m/%Y}")
    return ", ".join(p for p in parts if p)


class IntroductionService:
    def __init__(
        self,
        store: GraphStore,
        db: IntroDB,
        key: bytes,
        settings: IntroSettings,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.db = db
        self.key = key
        self.settings = settings
        self.clock = clock

    # ------------------------------------------------------------------ helpers

    @property
    def expiry(self) -> timedelta:
        return timedelta(days=self.settings.intro_expiry_days)

    @property
    def reminder(self) -> timedelta:
        return timedelta(days=self.settings.intro_reminder_days)

    def link_url(self, token: str) -> str:
        return f"{self.settings.public_url.rstrip('/')}/dashboard/reponse/{token}"

    def token_of(self, intro: Introduction, hop: Hop) -> str:
        """The link of a hop, rebuilt from the key (the hop keeps only its digest)."""
        assert hop.asked_at is not None
        expires = int((hop.asked_at + self.expiry).timestamp())
        return links.make_token(self.key, intro.id, hop.position, hop.nonce, expires)

    def _sign(self, intro: Introduction, events: Sequence[Event]) -> Introduction:
        asked = {e.position for e in events if e.kind == "asked"}
        if not asked:
            return intro
        hops = tuple(
            replace(h, link_digest=links.digest(self.token_of(intro, h)))
            if h.position in asked
            else h
            for h in intro.hops
        )
        return replace(intro, hops=hops)

    def _records(self, intro: Introduction) -> dict[str, NodeRecord]:
        return self.store.get_many(sorted(intro.people()))

    def _visible(self, principal: Principal, intro_id: str) -> Introduction:
        intro = self.db.get(intro_id)
        if not sees_introduction(principal, intro.groupements):
            raise NotFound("introduction", intro_id)
        return intro

    # ------------------------------------------------------------------ e-mails

    def _messages(
        self, intro: Introduction, events: Sequence[Event], people: Mapping[str, NodeRecord]
    ) -> list[NewMessage]:
        out: list[NewMessage] = []
        for event in events:
            if event.kind in ("asked", "reminded") and event.position is not None:
                out.append(self._ask(intro, intro.hops[event.position], people,
                                     reminder=event.kind == "reminded"))  # fmt: skip
            elif event.kind == "introduced":
                out.extend(self._introduced(intro, people))
            elif event.kind in ("declined", "expired"):
                out.extend(self._closed(intro, event, people))
        return out

    def _new(self, intro: Introduction, kind: str, person_id: str | None,
             people: Mapping[str, NodeRecord], mail: tuple[str, str, str],
             address: str | None = None) -> NewMessage:  # fmt: skip
        record = people.get(person_id) if person_id else None
        to = address or (record.email if isinstance(record, Person) else None)
        subject, text, html = mail
        message_id = f"<{intro.id}.{kind}.{secrets.token_hex(6)}@passerelle.local>"
        return NewMessage(message_id, intro.id, kind, person_id, to, subject, text, html)

    def _ask(self, intro: Introduction, hop: Hop, people: Mapping[str, NodeRecord], *,
             reminder: bool) -> NewMessage:  # fmt: skip
        assert hop.asked_at is not None
        mail = templates.ask(
            person=display_name(people.get(hop.person_id)),
            asker=intro.requester_label,
            candidate=display_name(people.get(intro.candidate_id)),
            profile=profile(people.get(intro.candidate_id)),
            target=str(intro.target.get("label", "")),
            next_person=None if hop.next_id is None else display_name(people.get(hop.next_id)),
            previous=display_name(people.get(hop.previous_id)),
            message=intro.message,
            expires=f"{hop.asked_at + self.expiry:%d/%m/%Y}",
            link=self.link_url(self.token_of(intro, hop)),
            reminder=reminder,
        )
        kind = "reminder" if reminder else "ask"
        return self._new(intro, kind, hop.person_id, people, mail)

    def _introduced(
        self, intro: Introduction, people: Mapping[str, NodeRecord]
    ) -> list[NewMessage]:
        chain = ", ".join(display_name(people.get(h.person_id)) for h in intro.hops[:-1])
        pairs = ((intro.candidate_id, intro.contact_id), (intro.contact_id, intro.candidate_id))
        out = []
        for me, other in pairs:
            other_record = people.get(other)
            address = (
                address_shared(other_record.consent_contact, other_record.email)
                if isinstance(other_record, Person)
                else None
            )
            mail = templates.introduced(
                person=display_name(people.get(me)),
                other=display_name(other_record),
                address=address,
                chain=chain or "votre référent",
            )
            out.append(self._new(intro, "introduced", me, people, mail))
        return out

    def _closed(
        self, intro: Introduction, event: Event, people: Mapping[str, NodeRecord]
    ) -> list[NewMessage]:
        hop = intro.hops[event.position or 0]
        who = display_name(people.get(hop.person_id))
        if event.kind == "declined":
            detail = f"{who} a décliné" + (f" : « {hop.reason} »." if hop.reason else ".")
        else:
            detail = f"{who} n'a pas répondu dans les {self.settings.intro_expiry_days} jours."
        mail = templates.closed(
            candidate=display_name(people.get(intro.candidate_id)),
            target=str(intro.target.get("label", "")),
            state=STATE_LABELS[intro.state],
            detail=detail,
            link=f"{self.settings.public_url.rstrip('/')}/dashboard/introductions",
        )
        out = []
        for gid in intro.groupements:
            for ref in self.store.neighbours(gid, RelType.REFERENT_OF, "in"):
                if isinstance(ref, Person) and ref.email:
                    out.append(self._new(intro, event.kind, ref.id, {ref.id: ref}, mail))
        return out

    # ------------------------------------------------------------------ the référent

    def request(
        self,
        principal: Principal,
        *,
        candidate_id: str,
        target: Target,
        policy: PathPolicy | None = None,
        rank: int = 1,
        people: Sequence[str] | None = None,
        message: str = "",
        requester_label: str = "Votre référent reconversion",
        as_of: date | None = None,
    ) -> Introduction:
        """Ask for an introduction along the ``rank``-th path the search gives now."""
        message = _text(message, "message", MAX_MESSAGE)
        view = self.store.view()
        nid = person_in_scope(view, principal, candidate_id, "candidate_id")
        path = self._path(candidate_id, target, policy or PathPolicy(), rank, people, as_of)
        ids = [candidate_id, *(h["to_id"] for h in path["hops"])]
        hops = tuple(
            Hop(
                position=i,
                person_id=ids[i + 1],
                previous_id=ids[i],
                next_id=ids[i + 2] if i + 2 < len(ids) else None,
                tie=path["hops"][i]["kind"],
            )
            for i in range(len(ids) - 1)
        )
        now = self.clock()
        intro = Introduction(
            id=f"intro-{secrets.token_hex(8)}",
            candidate_id=candidate_id,
            target=path.pop("_target"),
            groupements=tuple(groupements_of(view, nid)),
            requested_by=principal.token_id,
            requester_label=_text(requester_label, "requester_label", 200) or "Votre référent",
            message=message,
            path=path,
            hops=hops,
            state=State.REQUESTED,
            created_at=now,
            updated_at=now,
        )
        started, events = transitions.start(intro, now)
        started = self._sign(started, events)
        records = self._records(started)
        self.db.insert(started, self._messages(started, events, records), now)
        self._loads(started)
        return started

    def _path(
        self,
        candidate_id: str,
        target: Target,
        policy: PathPolicy,
        rank: int,
        people: Sequence[str] | None,
        as_of: date | None,
    ) -> dict[str, Any]:
        if not 1 <= rank <= policy.k:
            raise InvalidInput("rank", f"must be between 1 and k={policy.k} (got {rank})", rank)
        result = find_paths(self.store, candidate_id, target, policy, as_of)
        if rank > len(result.paths):
            raise Conflict("rank", f"there is no path {rank} any more ({len(result.paths)} found)")
        path = result.paths[rank - 1].to_dict()
        found = [h["to_id"] for h in path["hops"]]
        if any(pid is None for pid in found):
            raise InvalidInput(
                "target", "a person on this path may not be named: ask for consenting contacts"
            )
        if people is not None and list(people) != found:
            raise Conflict("people", "the path changed since it was shown: search again")
        path["_target"] = result.target.to_dict()
        return path

    def withdraw(self, principal: Principal, intro_id: str) -> Introduction:
        self._visible(principal, intro_id)
        return self._change(intro_id, lambda i, now: transitions.withdraw(i, now))

    def record_outcome(
        self, principal: Principal, intro_id: str, outcome: Outcome | str, day: date | None = None
    ) -> tuple[Introduction, list[feedback.Adjustment]]:
        """Record what came of an introduction; the ties of its path move (rule 3)."""
        try:
            outcome = Outcome(outcome)
        except ValueError:
            allowed = ", ".join(o.value for o in Outcome)
            raise InvalidInput("outcome", f"must be one of {allowed}", outcome) from None
        self._visible(principal, intro_id)
        now = self.clock()
        the_day = day or now.date()
        after = self._change(
            intro_id, lambda i, now: transitions.record_outcome(i, outcome, the_day, now)
        )
        adjustments, applied = feedback.adjust_strengths(self.store, after, outcome)
        if applied != after.applied:
            _, after = self.db.change(
                intro_id, lambda i: (replace(i, applied=applied, revision=i.revision + 1), ()), now
            )
        return after, adjustments

    def reroute(
        self,
        principal: Principal,
        intro_id: str,
        *,
        policy: PathPolicy | None = None,
        rank: int = 1,
        people: Sequence[str] | None = None,
        as_of: date | None = None,
    ) -> Introduction:
        """Another path after a decline or an expiry, keeping who already agreed."""
        intro = self._visible(principal, intro_id)
        target = _target_of(intro.target)
        path = self._path(intro.candidate_id, target, policy or PathPolicy(), rank, people, as_of)
        path.pop("_target")
        ids = [intro.candidate_id, *(h["to_id"] for h in path["hops"])]
        hops = [
            Hop(i, ids[i + 1], ids[i], ids[i + 2] if i + 2 < len(ids) else None,
                path["hops"][i]["kind"])
            for i in range(len(ids) - 1)
        ]  # fmt: skip
        return self._change(intro_id, lambda i, now: transitions.reroute(i, path, hops, now))

    def get(self, principal: Principal, intro_id: str) -> Introduction:
        return self._visible(principal, intro_id)

    def search(
        self,
        principal: Principal,
        *,
        state: str | None = None,
        candidate_id: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[Introduction], int]:
        if state is not None and state not in State.__members__.values():
            allowed = ", ".join(s.value for s in State)
            raise InvalidInput("state", f"must be one of {allowed}", state)
        scope = sorted(principal.groupements) if principal.scoped else None
        return self.db.search(
            groupements=scope, state=state, candidate_id=candidate_id, limit=limit, offset=offset
        )

    # ------------------------------------------------------------------ the person asked

    def _claim(self, token: str) -> tuple[links.LinkClaim, Introduction, Hop]:
        claim = links.read_token(self.key, token, int(self.clock().timestamp()))
        try:
            intro = self.db.get(claim.intro_id)
        except NotFound:
            raise links.LinkUsed() from None
        return claim, intro, _current_hop(intro, claim, token)

    def link_view(self, token: str) -> LinkView:
        """What the person asked sees through their link."""
        _, intro, hop = self._claim(token)
        people = self._records(intro)
        assert hop.asked_at is not None
        return LinkView(
            person=display_name(people.get(hop.person_id)),
            candidate=display_name(people.get(intro.candidate_id)),
            profile=profile(people.get(intro.candidate_id)),
            asker=intro.requester_label,
            target=str(intro.target.get("label", "")),
            next_person=None if hop.next_id is None else display_name(people.get(hop.next_id)),
            previous=display_name(people.get(hop.previous_id)),
            message=intro.message,
            expires=hop.asked_at + self.expiry,
            is_contact=hop.is_contact,
        )

    def holder(self, token: str) -> tuple[str, tuple[str, ...]]:
        """Who holds a link, as the audit log names them, and the people its page names
        (the person asked, the candidate, the one before and the one after).

        Only the signature and the date are checked: it also names the holder of a link
        that has just been answered."""
        claim = links.read_token(self.key, token, int(self.clock().timestamp()))
        try:
            intro = self.db.get(claim.intro_id)
        except NotFound:
            raise links.LinkUsed() from None
        hop = next((h for h in intro.hops if h.position == claim.position), None)
        named = [intro.candidate_id]
        if hop is not None:
            named += [i for i in (hop.person_id, hop.previous_id, hop.next_id) if i]
        return link_actor(claim.intro_id, claim.position), tuple(dict.fromkeys(named))

    def answer(self, token: str, accept: bool, reason: str | None = None) -> Introduction:
        """Accept or decline through a personal link (once)."""
        reason = _text(reason or "", "reason", MAX_REASON) or None
        claim, _, _ = self._claim(token)

        def change(intro: Introduction, now: datetime) -> tuple[Introduction, list[Event]]:
            hop = _current_hop(intro, claim, token)  # again, inside the transaction
            if accept:
                return transitions.accept(intro, hop.position, now)
            return transitions.decline(intro, hop.position, now, reason)

        return self._change(claim.intro_id, change)

    # ------------------------------------------------------------------ the machinery

    def _change(
        self,
        intro_id: str,
        transition: Callable[[Introduction, datetime], tuple[Introduction, list[Event]]],
    ) -> Introduction:
        now = self.clock()
        people: dict[str, NodeRecord] = {}

        def fn(intro: Introduction) -> tuple[Introduction, list[NewMessage]]:
            after, events = transition(intro, now)
            after = self._sign(after, events)
            people.update(self._records(after))
            return after, self._messages(after, events, people)

        _, after = self.db.change(intro_id, fn, now)
        self._loads(after)
        return after

    def _loads(self, intro: Introduction) -> None:
        """The feedback of a change (marked in its transaction: loads of its people, ties
        to confirm): written now, or by the scheduler's next round
        (``intro_defer_feedback``)."""
        if self.settings.intro_defer_feedback:
            return
        try:
            self.flush_loads()
            self.flush_confirmations()
        except Exception as exc:  # derived data: the scheduler writes it later
            log.warning("feedback not written", extra={"error_type": type(exc).__name__})

    def flush_confirmations(self) -> int:
        """Confirm the ties of the hops accepted since the last flush (rule 2)."""
        done = 0
        for _ in range(100):
            rows = self.db.tie_confirmations()
            if not rows:
                break
            answers = [(a, b, date.fromisoformat(day)) for _intro, _pos, a, b, day in rows]
            done += feedback.confirm_ties(self.store, answers)
            self.db.confirmed(rows)
        return done

    def flush_loads(self) -> int:
        """Write the loads of the people marked since the last flush; returns how many
        records changed."""
        written = 0
        for _ in range(100):
            marked = self.db.dirty_loads()
            if not marked:
                break
            loads = self.db.loads([p for p, _ in marked], feedback.month_start(self.clock()))
            written += len(feedback.write_loads(self.store, loads))
            self.db.clean_loads(marked)
        return written

    def tick(self) -> dict[str, int]:
        """One round of the scheduler: reminders, expiries, a new month's loads."""
        now = self.clock()
        done = {"reminded": 0, "expired": 0, "loads": 0, "confirmed": 0}
        last = self.db.meta("feedback_at")
        every = timedelta(seconds=self.settings.intro_feedback_s)
        if last is None or now - datetime.fromisoformat(last) >= every:
            done["loads"] = self.flush_loads()
            done["confirmed"] = self.flush_confirmations()
            self.db.set_meta("feedback_at", now.isoformat())  # fmt: skip
        for intro_id in self.db.due(now - self.expiry, unreminded=False):
            try:
                self._change(intro_id, lambda i, t: transitions.expire(i, t))
                done["expired"] += 1
            except (Conflict, NotFound):
                continue  # answered or erased meanwhile
        for intro_id in self.db.due(now - self.reminder, unreminded=True):
            try:
                self._change(intro_id, lambda i, t: transitions.remind(i, t))
                done["reminded"] += 1
            except (Conflict, NotFound):
                continue
        month = f"{now:%Y-%m}"
        if self.db.meta("load_month") != month:
            start = feedback.month_start(now)
            earlier = feedback.month_start(start - timedelta(days=1))
            pids = self.db.people_since(earlier)
            done["loads"] += len(feedback.write_loads(self.store, self.db.loads(pids, start)))
            self.db.set_meta("load_month", month)
        return done

    def funnel(self) -> dict[str, dict[str, int]]:
        """Per groupement: requested, accepted, introduced, hired (exact counts; the
        entry points show them through :func:`graph.access.introductions.funnel_counts`)."""
        return self.db.funnel()

    def erase_person(self, person_id: str) -> list[str]:
        """Erase every introduction naming the person (article 17), with its e-mails."""
        return self.db.erase_person(person_id)


def link_actor(intro_id: str, position: int) -> str:
    """The audit log's name for the holder of a personal link: no token, the link is the
    authority, and the introduction and hop say whose it is.

    >>> link_actor("intro-1", 2)
    'link:intro-1#2'
    """
    return f"link:{intro_id}#{position}"


def next_action(intro: Introduction, names: Mapping[str, str], settings: IntroSettings) -> str:
    """What the référent can do next, in French (the "Mes introductions" page and API)."""
    hop = intro.current
    if hop is not None and hop.asked_at is not None:
        who = names.get(hop.person_id, "la personne sollicitée")
        remind = hop.asked_at + timedelta(days=settings.intro_reminder_days)
        expires = hop.asked_at + timedelta(days=settings.intro_expiry_days)
        when = "relancée" if hop.reminded_at else f"relance le {remind:%d/%m}"
        return f"Attendre la réponse {de(who)} ({when}, expiration le {expires:%d/%m})."
    if intro.state in (State.DECLINED, State.EXPIRED):
        return "Choisir un autre chemin (les accords donnés sont gardés) ou retirer la demande."
    if intro.state is State.INTRODUCED:
        if intro.outcome is None:
            return "Noter la suite : entretien, embauche, non retenu ou sans suite."
        if intro.outcome is Outcome.INTERVIEW:
            return "Noter l'issue de l'entretien."
    return "Aucune : la demande est close."


def _current_hop(intro: Introduction, claim: links.LinkClaim, token: str) -> Hop:
    if not 0 <= claim.position < len(intro.hops):
        raise links.LinkUsed()
    hop = intro.hops[claim.position]
    if (
        hop.state is not HopState.PENDING
        or hop.nonce != claim.nonce
        or hop.link_digest is None
        or not secrets.compare_digest(hop.link_digest, links.digest(token))
    ):
        raise links.LinkUsed()
    return hop


def _target_of(target: Mapping[str, Any]) -> Target:
    if target["kind"] == "set":
        return Target.sector_in_bassin(target["sector"], target["bassin"])
    return Target(target["kind"], id=target["id"])


def _text(value: str, field: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise InvalidInput(field, f"must be at most {limit} characters", len(value))
    return value
