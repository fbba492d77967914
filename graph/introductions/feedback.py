"""What introductions teach the graph: real loads, confirmed ties, tie strengths.

The rules (the tests in ``tests/introductions/test_feedback.py`` check each):

1. **Load.** A person's ``monthly_load`` is the number of hops naming them in
   introductions *requested this calendar month (UTC)* that are waiting, pending or
   accepted: requests they are asked, will be asked, or took on. A decline, an expiry, a
   withdrawal or a change of path frees the place at once (a decline carries no
   penalty). The path search compares it with ``capacity`` as before, so helpers at
   their capacity are avoided. It is rewritten for the people of every changed
   introduction, and for everyone of last month's introductions when a month begins.
   People never asked keep the value they had (imports may carry history).
2. **Confirmed tie.** When someone accepts, the ``KNOWS`` tie between them and the
   person who passes the candidate to them gets ``confirmed_at`` = the day of the answer
   (they acted on it). Other hop kinds (mentors, référent, bridge) have no such date.
3. **Strength.** When the référent records an outcome, each ``KNOWS`` tie of the path
   (every hop accepted) moves by :data:`OUTCOME_DELTA`: hired +0.10, interview +0.05,
   not retained +0.02 (the tie worked, the job did not), no follow-up −0.05. A later
   outcome replaces the earlier one's change (interview then hired: +0.10 in all, not
   +0.15). The strength stays within [:data:`MIN_STRENGTH`, :data:`MAX_STRENGTH`]; a
   tie already outside keeps its value rather than jumping to the bound. A decline
   changes no strength.

Each adjustment comes back as an :class:`Adjustment` with a French explanation, for
the introduction's page. Writes go through the store port (both stores).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from graph.introductions.model import HopState, Introduction, Outcome
from graph.model import Knows, Label, Person, RelType
from graph.store import Batch, GraphStore

OUTCOME_DELTA: Mapping[Outcome, float] = {
    Outcome.HIRED: 0.10,
    Outcome.INTERVIEW: 0.05,
    Outcome.NOT_RETAINED: 0.02,
    Outcome.NO_FOLLOW_UP: -0.05,
}
MIN_STRENGTH = 0.1
MAX_STRENGTH = 1.0
_OUTCOME_WORDS = {
    Outcome.HIRED: "une embauche",
    Outcome.INTERVIEW: "un entretien",
    Outcome.NOT_RETAINED: "une candidature non retenue",
    Outcome.NO_FOLLOW_UP: "une mise en relation restée sans suite",
}


@dataclass(frozen=True)
class Adjustment:
    a: str
    b: str
    before: float
    after: float
    explanation: str


def month_start(now: datetime) -> datetime:
    """The first instant of ``now``'s month, UTC.

    >>> month_start(datetime(2025, 6, 17, 9, tzinfo=UTC)).isoformat()
    '2025-06-01T00:00:00+00:00'
    """
    now = now.astimezone(UTC)
    return datetime(now.year, now.month, 1, tzinfo=UTC)


def write_loads(store: GraphStore, loads: Mapping[str, int]) -> list[str]:
    """Rewrite ``monthly_load`` where it differs, in one write (one new version, however
    many people: each version costs every worker a step of its search index); returns
    the ids written (an id erased meanwhile is left out)."""
    records = store.get_many(sorted(loads))
    changes = {
        pid: {"monthly_load": min(load, 1000)}
        for pid, load in sorted(loads.items())
        if isinstance(record := records.get(pid), Person)
        and record.monthly_load != min(load, 1000)
    }
    return sorted(store.update_nodes(Label.PERSON, changes)) if changes else []


def _knows(store: GraphStore, a: str, b: str) -> Knows | None:
    for src, dst in ((a, b), (b, a)):
        rel = store.get_relationship(RelType.KNOWS, src, dst)
        if isinstance(rel, Knows):
            return rel
    return None


def confirm_tie(store: GraphStore, a: str, b: str, day: date) -> bool:
    """Set ``confirmed_at`` of the ``KNOWS`` tie between ``a`` and ``b`` to ``day``
    (rule 2); False when there is no such tie or it is already confirmed that day."""
    return confirm_ties(store, [(a, b, day)]) == 1


def confirm_ties(store: GraphStore, answers: Iterable[tuple[str, str, date]]) -> int:
    """:func:`confirm_tie` for many ``(a, b, day)`` answers, in one write (one version);
    a tie named twice takes its latest day. Returns how many ties changed."""
    latest: dict[str, tuple[str, str, date]] = {}
    for a, b, day in answers:
        key = tie_key(a, b)
        if key not in latest or latest[key][2] < day:
            latest[key] = (a, b, day)
    rels = []
    for a, b, day in latest.values():
        rel = _knows(store, a, b)
        if rel is None or (rel.confirmed_at is not None and rel.confirmed_at >= day):
            continue  # never moved back in time
        if rel.since is not None and rel.since > day:
            continue
        rels.append(rel.model_copy(update={"confirmed_at": day}))
    if rels:
        store.write(Batch(rels=rels))
    return len(rels)


def tie_key(a: str, b: str) -> str:
    return "|".join(sorted((a, b)))


def used_ties(intro: Introduction) -> list[tuple[str, str]]:
    """The ``KNOWS`` ties of the path that carried the introduction (accepted hops)."""
    return [
        (h.previous_id, h.person_id)
        for h in intro.hops
        if h.state is HopState.ACCEPTED and h.tie == "knows"
    ]


def adjust_strengths(
    store: GraphStore, intro: Introduction, outcome: Outcome
) -> tuple[list[Adjustment], dict[str, float]]:
    """Apply rule 3 for ``outcome``, undoing the change of the earlier outcome
    (``intro.applied``); returns the adjustments and the new ``applied`` map."""
    delta = OUTCOME_DELTA[outcome]
    adjustments: list[Adjustment] = []
    applied: dict[str, float] = {}
    rels = []
    for a, b in used_ties(intro):
        rel = _knows(store, a, b)
        if rel is None:
            continue
        key = tie_key(a, b)
        base = rel.strength - intro.applied.get(key, 0.0)
        target = bounded(base, delta)
        applied[key] = round(target - base, 6)
        if abs(target - rel.strength) > 1e-9:
            rels.append(rel.model_copy(update={"strength": round(target, 6)}))
        adjustments.append(
            Adjustment(a, b, rel.strength, round(target, 6), explain(outcome, rel.strength, target))
        )
    if rels:
        store.write(Batch(rels=rels))
    return adjustments, applied


def bounded(strength: float, delta: float) -> float:
    """``strength + delta`` within the bounds; a value already outside stays put.

    >>> bounded(0.95, 0.1), bounded(0.5, -0.05), bounded(0.12, -0.05), bounded(0.05, -0.05)
    (1.0, 0.45, 0.1, 0.05)
    """
    moved = strength + delta
    if delta > 0:
        return max(strength, min(moved, MAX_STRENGTH))
    return min(strength, max(moved, MIN_STRENGTH))


def explain(outcome: Outcome, before: float, after: float) -> str:
    """The French sentence shown for one tie's change."""
    words = _OUTCOME_WORDS[outcome]
    if abs(after - before) < 1e-9:
        return f"Lien inchangé ({before:.2f}) : {words}, mais la force est à sa borne."
    verb = "renforcé" if after > before else "affaibli"
    return f"Lien {verb} de {before:.2f} à {after:.2f} : {words} est passée par lui."


def load_people(intros: Iterable[Introduction]) -> list[str]:
    return sorted({h.person_id for i in intros for h in i.hops})
