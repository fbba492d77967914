"""The retention rule: members who left more than N months ago are erased.

"Left" is the person's ``left_on`` date (:class:`graph.model.Person`): the day they left
the network's associations, set by their référent or the admin (a PATCH of the member).
A person is due when ``left_on`` is more than ``months`` calendar months before today
(``PASSERELLE_RETENTION_MONTHS``, default 36). ``passerelle retention --dry-run`` lists
who is due; without ``--dry-run`` each is erased (:func:`graph.rights.erase.erase_person`).

Decisions:

* Why a date on the person, not on ``MEMBER_OF``: a membership carries only ``since``,
  and a new relationship property needs a storage migration of both stores; a person
  property does not. ``departure_date`` is the day they leave the forces (when the
  transition starts), not the day they leave the association, so it is not used.
* Nobody without ``left_on`` is ever erased by the rule: a missing date never counts as
  "left long ago".
* The scan reads every person through the port (:func:`graph.store.find_all`): a daily
  or monthly job, a few seconds at a million people, the same on both stores.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from graph.audit import months_before
from graph.model import Label, Person
from graph.rights.erase import Erasure, forget_traces
from graph.store import GraphStore, find_all

DEFAULT_RETENTION_MONTHS = 36


@dataclass(frozen=True)
class Due:
    person_id: str
    left_on: date


@dataclass
class RetentionReport:
    cutoff: date
    months: int
    due: list[Due]
    erased: list[Erasure] = field(default_factory=list)
    dry_run: bool = True

    def to_dict(self) -> dict[str, object]:
        return {
            "cutoff": self.cutoff.isoformat(),
            "months": self.months,
            "dry_run": self.dry_run,
            "due": len(self.due),
            "ids": [d.person_id for d in self.due],
            "erased": len(self.erased),
        }


def retention_cutoff(today: date, months: int) -> date:
    """People who left before this day are due.

    >>> retention_cutoff(date(2025, 6, 1), 36)
    datetime.date(2022, 6, 1)
    """
    return months_before(datetime(today.year, today.month, today.day, tzinfo=UTC), months).date()


def due_for_erasure(store: GraphStore, today: date, months: int) -> list[Due]:
    """The people whose ``left_on`` is before the cutoff, by id."""
    cutoff = retention_cutoff(today, months)
    return [
        Due(p.id, p.left_on)
        for p in find_all(store, Label.PERSON)
        if isinstance(p, Person) and p.left_on is not None and p.left_on < cutoff
    ]


def apply_retention(
    store: GraphStore,
    today: date,
    months: int,
    erase: Callable[[str], Erasure],
    *,
    dry_run: bool,
) -> RetentionReport:
    """Who is due, and unless ``dry_run``, each erased with ``erase(person_id)`` (which
    may leave the store's traces: they are forgotten once at the end)."""
    due = due_for_erasure(store, today, months)
    report = RetentionReport(retention_cutoff(today, months), months, due, dry_run=dry_run)
    if not dry_run:
        try:
            report.erased = [erase(d.person_id) for d in due]
        finally:
            if due:
                forget_traces(store)
    return report
