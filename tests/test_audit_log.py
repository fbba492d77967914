"""The audit log's storage: append-only, filtered listings, the 12-month purge."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from graph.audit import Action, AuditEntry, AuditFilter, AuditLog, QueuedAudit, purge_cutoff


def entry(
    at: datetime, *ids: str, action: Action = Action.READ, actor: str = "tok-1"
) -> AuditEntry:
    return AuditEntry(at, actor, "admin", action, "person", "GET /api/v1/members/{person_id}", ids)


def test_purge_removes_only_entries_older_than_twelve_months(tmp_path) -> None:
    now = datetime(2025, 6, 1, 12, tzinfo=UTC)
    with AuditLog(tmp_path / "audit.sqlite3") as log:
        log.append(entry(datetime(2024, 5, 31, tzinfo=UTC), "p-old"))
        log.append(entry(datetime(2024, 6, 2, tzinfo=UTC), "p-kept"))
        log.append(entry(datetime(2025, 5, 1, tzinfo=UTC), "p-new"))
        assert log.purge(now) == 1
        entries, total = log.list()
        assert total == 2
        assert [e.person_ids for e in entries] == [("p-new",), ("p-kept",)]
        # the old entry's person index went with it
        assert log.list(AuditFilter(person_id="p-old"))[1] == 0
        assert log.purge(now) == 0
    assert purge_cutoff(now) == datetime(2024, 6, 1, 12, tzinfo=UTC)


def test_entries_cannot_be_changed(tmp_path) -> None:
    path = tmp_path / "audit.sqlite3"
    with AuditLog(path) as log:
        log.append(entry(datetime(2025, 1, 1, tzinfo=UTC), "p-1"))
    conn = sqlite3.connect(path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE entries SET actor = 'someone else'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE entry_people SET person = 'p-2'")
    conn.close()
    assert not hasattr(AuditLog, "delete") and not hasattr(AuditLog, "update")


def test_filters_and_pages(tmp_path) -> None:
    with AuditLog(tmp_path / "audit.sqlite3") as log:
        for day in range(1, 11):
            log.append(entry(datetime(2025, 3, day, tzinfo=UTC), f"p-{day}", "p-all",
                             action=Action.WRITE if day % 2 else Action.READ,
                             actor="tok-odd" if day % 2 else "tok-even"))  # fmt: skip
        page, total = log.list(AuditFilter(person_id="p-all"), limit=3, offset=3)
        assert total == 10
        assert [e.at.day for e in page] == [7, 6, 5]
        assert page[0].person_ids == ("p-7", "p-all")
        since = AuditFilter(since=datetime(2025, 3, 8, tzinfo=UTC))
        assert log.list(since)[1] == 3
        until = AuditFilter(until=datetime(2025, 3, 3, tzinfo=UTC))
        assert log.list(until)[1] == 2
        assert log.list(AuditFilter(action=Action.WRITE, actor="tok-odd"))[1] == 5
        assert log.list(AuditFilter(action=Action.WRITE, actor="tok-even"))[1] == 0
        assert len(list(log.all(AuditFilter(person_id="p-all"), page=4))) == 10


def test_queued_entries_are_written_by_flush(tmp_path) -> None:
    with AuditLog(tmp_path / "audit.sqlite3") as log:
        queued = QueuedAudit(log)
        queued.record(entry(datetime(2025, 1, 1, tzinfo=UTC), "p-1"))
        queued.record(lambda: entry(datetime(2025, 1, 2, tzinfo=UTC), "p-2"))
        queued.record(lambda: None)  # nothing to record

        def broken() -> AuditEntry:
            raise ValueError("bad extractor")

        queued.record(broken)
        queued.flush()
        assert log.list()[1] == 2
        queued.close()
