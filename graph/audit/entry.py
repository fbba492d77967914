"""What one audit entry says, and the pure rules about entries (dates, the purge cutoff).

An entry records that someone did something to personal data: **who** (the token id, or
``cli:<user>`` for the command line), their **role**, **when** (UTC), the **action**
(read, write, export, erase), the **kind** of record (person, paths, coverage, offer…),
the **operation** (a route template such as ``PATCH /api/v1/members/{person_id}`` or a
command such as ``passerelle member export``) and **which person ids** it concerned.

Decisions:

* **Minimal**: no names, no field values, no query strings; only ids, which are opaque
  without the graph. The operation is a template, never the raw path.
* **Retention**: 12 months (:data:`RETENTION_MONTHS`, the top of CNIL's 6-12 months for
  access logs); :func:`purge_cutoff` is a pure function of the clock, so tests control it.
* An erasure leaves a tombstone entry (action ``erase``, kind ``person``, the person id):
  no personal data, and it says who erased whom and when. Earlier entries naming the
  same id are kept until their own 12 months are over: they are the record of who
  accessed the data, which is what the log is for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

#: months an entry is kept (CNIL, logging recommendation of 2021: 6 months to a year)
RETENTION_MONTHS = 12


class Action(StrEnum):
    READ = "read"
    WRITE = "write"
    EXPORT = "export"
    ERASE = "erase"


@dataclass(frozen=True)
class AuditEntry:
    """One access to, or change of, personal data (``id`` is given by the log)."""

    at: datetime
    actor: str
    role: str
    action: Action
    kind: str
    operation: str
    person_ids: tuple[str, ...] = ()
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": stamp(self.at),
            "actor": self.actor,
            "role": self.role,
            "action": self.action.value,
            "kind": self.kind,
            "operation": self.operation,
            "person_ids": list(self.person_ids),
        }


@dataclass(frozen=True)
class AuditFilter:
    """Which entries a listing wants; None: any."""

    person_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    actor: str | None = None
    action: Action | None = None
    kind: str | None = None


def utc_now() -> datetime:
    return datetime.now(UTC)


def stamp(at: datetime) -> str:
    """The stored form of an instant: UTC, fixed width, so text order is time order.

    >>> stamp(datetime(2025, 3, 1, 12, 0, tzinfo=UTC))
    '2025-03-01T12:00:00.000000Z'
    """
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_stamp(text: str) -> datetime:
    """The instant :func:`stamp` wrote.

    >>> parse_stamp('2025-03-01T12:00:00.000000Z').isoformat()
    '2025-03-01T12:00:00+00:00'
    """
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def months_before(at: datetime, months: int) -> datetime:
    """The same instant ``months`` calendar months earlier (the day clipped to the month).

    >>> months_before(datetime(2025, 3, 31, tzinfo=UTC), 1).date().isoformat()
    '2025-02-28'
    >>> months_before(datetime(2025, 1, 15, tzinfo=UTC), 12).date().isoformat()
    '2024-01-15'
    """
    total = at.year * 12 + (at.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    last = _days_in_month(year, month)
    return at.replace(year=year, month=month, day=min(at.day, last))


def _days_in_month(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (datetime(year, month + 1, 1) - datetime(year, month, 1)).days


def purge_cutoff(now: datetime, months: int = RETENTION_MONTHS) -> datetime:
    """Entries strictly older than this are purged.

    >>> purge_cutoff(datetime(2025, 6, 1, tzinfo=UTC)).date().isoformat()
    '2024-06-01'
    """
    return months_before(now, months)


def unique_ids(ids: Sequence[str]) -> tuple[str, ...]:
    """Ids once each, in first-seen order.

    >>> unique_ids(["b", "a", "b"])
    ('b', 'a')
    """
    return tuple(dict.fromkeys(i for i in ids if i))
