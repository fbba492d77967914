"""The audit log's storage: a SQLite file of its own (``audit.sqlite3`` in the data dir).

Kept apart from the graph whichever store holds the graph (embedded or Neo4j), like the
token database. Two tables: ``entries`` (one row per entry) and ``entry_people`` (the
person ids of an entry, indexed by person for ``--person``).

Decisions:

* **Append-only**: the class offers :meth:`AuditLog.append` and :meth:`AuditLog.purge`
  and nothing that changes or removes an entry; triggers refuse any ``UPDATE`` of either
  table, so even a hand-written statement cannot rewrite history. Deleting is left to
  the purge (entries older than the retention), the one way entries leave.
* WAL mode, one connection per thread, as :class:`graph.access.tokens.TokenStore`:
  several API workers and the CLI append to the same file; writes serialise.
* The API appends through :class:`QueuedAudit` (a thread writing batches), so a
  request never waits for the file; :meth:`QueuedAudit.flush` waits for what was queued
  (before a listing, in tests, at shutdown).

>>> import tempfile, pathlib
>>> from datetime import UTC, datetime
>>> with tempfile.TemporaryDirectory() as tmp:
...     log = AuditLog(pathlib.Path(tmp) / "audit.sqlite3")
...     _ = log.append(AuditEntry(datetime(2025, 1, 2, tzinfo=UTC), "tok-1", "admin",
...                               Action.READ, "person", "GET /api/v1/members/{person_id}",
...                               ("p-1",)))
...     entries, total = log.list(AuditFilter(person_id="p-1"))
...     log.close()
>>> total, entries[0].action, entries[0].person_ids
(1, <Action.READ: 'read'>, ('p-1',))
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from graph.audit.entry import (
    RETENTION_MONTHS,
    Action,
    AuditEntry,
    AuditFilter,
    parse_stamp,
    purge_cutoff,
    stamp,
    utc_now,
)
from graph.errors import StoreUnavailable

AUDIT_FILE = "audit.sqlite3"

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS entries ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL,"
    " role TEXT NOT NULL, action TEXT NOT NULL, kind TEXT NOT NULL, operation TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS entries_at ON entries(at)",
    "CREATE TABLE IF NOT EXISTS entry_people ("
    " person TEXT NOT NULL, entry INTEGER NOT NULL, pos INTEGER NOT NULL,"
    " PRIMARY KEY (person, entry)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS entry_people_entry ON entry_people(entry)",
    "CREATE TRIGGER IF NOT EXISTS entries_append_only BEFORE UPDATE ON entries"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS entry_people_append_only BEFORE UPDATE ON entry_people"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
)
_INSERT = "INSERT INTO entries (at, actor, role, action, kind, operation) VALUES (?, ?, ?, ?, ?, ?)"
_INSERT_PERSON = "INSERT OR IGNORE INTO entry_people (person, entry, pos) VALUES (?, ?, ?)"
_PURGE_PEOPLE = "DELETE FROM entry_people WHERE entry IN (SELECT id FROM entries WHERE at < ?)"
_PURGE = "DELETE FROM entries WHERE at < ?"


_M = TypeVar("_M", bound=Callable[..., Any])


def _exclusive(method: _M) -> _M:
    """Run ``method`` holding the log's ``_busy`` lock."""

    @functools.wraps(method)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        with self._busy:
            return method(self, *args, **kwargs)

    return cast(_M, run)


def audit_path(data_dir: Path) -> Path:
    """Where the audit log of a data directory lives."""
    return Path(data_dir) / AUDIT_FILE


class AuditLog:
    """Entries in a SQLite file; see the module's decisions.

    ``lazy``: open the file on first use rather than now (a server starts even when the
    log cannot be opened yet; its entries wait in :class:`QueuedAudit` and a listing
    answers 503 meanwhile)."""

    def __init__(
        self, path: str | Path, *, busy_timeout_s: float = 10.0, lazy: bool = False
    ) -> None:
        self.path = Path(path)
        self._timeout = busy_timeout_s
        self._local = threading.local()
        self._lock = threading.Lock()
        #: held by every use of a connection, and by close: a connection is never closed
        #: while another thread uses it (SQLite crashes the process then)
        self._busy = threading.RLock()
        self._conns: list[sqlite3.Connection] = []
        self._closed = False
        self._ready = False
        if not lazy:
            self._conn()

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise StoreUnavailable("the audit log is closed")
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(
                    self.path, timeout=self._timeout, isolation_level=None,
                    check_same_thread=False,
                )  # fmt: skip
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                if not self._ready:
                    for statement in _SCHEMA:
                        conn.execute(statement)
                    self._ready = True
            except (OSError, sqlite3.Error) as exc:
                raise StoreUnavailable(f"cannot open the audit log {self.path}: {exc}") from None
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
        return conn

    def close(self) -> None:
        with self._busy, self._lock:
            self._closed = True
            for conn in self._conns:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._conns.clear()

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ writes

    def append(self, entry: AuditEntry) -> int:
        """Add one entry; its new id."""
        return self.append_many([entry])[0]

    @_exclusive
    def append_many(self, entries: Sequence[AuditEntry]) -> list[int]:
        """Add entries in one transaction; their ids, in order."""
        ids: list[int] = []
        try:
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                for e in entries:
                    cur = conn.execute(
                        _INSERT,
                        (stamp(e.at), e.actor, e.role, e.action.value, e.kind, e.operation),
                    )
                    entry_id = int(cur.lastrowid or 0)
                    conn.executemany(
                        _INSERT_PERSON, [(p, entry_id, i) for i, p in enumerate(e.person_ids)]
                    )
                    ids.append(entry_id)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot write the audit log: {exc}") from None
        return ids

    @_exclusive
    def purge(self, now: datetime | None = None, months: int = RETENTION_MONTHS) -> int:
        """Remove the entries older than ``months`` before ``now``; how many went."""
        cutoff = stamp(purge_cutoff(now or utc_now(), months))
        try:
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(_PURGE_PEOPLE, (cutoff,))
                removed = conn.execute(_PURGE, (cutoff,)).rowcount
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot purge the audit log: {exc}") from None
        return removed

    # ------------------------------------------------------------------ reads

    @_exclusive
    def list(
        self, where: AuditFilter | None = None, *, limit: int = 50, offset: int = 0
    ) -> tuple[list[AuditEntry], int]:
        """Entries matching ``where``, newest first, and how many match in all."""
        clauses, params = _where(where or AuditFilter())
        sql_where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        try:
            conn = self._conn()
            total = conn.execute(f"SELECT count(*) FROM entries e{sql_where}", params).fetchone()
            rows = conn.execute(
                "SELECT e.id, e.at, e.actor, e.role, e.action, e.kind, e.operation"
                f" FROM entries e{sql_where} ORDER BY e.at DESC, e.id DESC LIMIT ? OFFSET ?",
                [*params, limit, offset],
            ).fetchall()
            people = self._people(conn, [r[0] for r in rows])
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot read the audit log: {exc}") from None
        entries = [
            AuditEntry(
                at=parse_stamp(at),
                actor=actor,
                role=role,
                action=Action(action),
                kind=kind,
                operation=operation,
                person_ids=tuple(people.get(entry_id, ())),
                id=entry_id,
            )
            for entry_id, at, actor, role, action, kind, operation in rows
        ]
        return entries, int(total[0])

    def all(self, where: AuditFilter | None = None, page: int = 1000) -> Iterable[AuditEntry]:
        """Every entry matching ``where``, newest first, read a page at a time."""
        offset = 0
        while True:
            entries, _ = self.list(where, limit=page, offset=offset)
            yield from entries
            if len(entries) < page:
                return
            offset += page

    @staticmethod
    def _people(
        conn: sqlite3.Connection, entry_ids: builtins.list[int]
    ) -> dict[int, builtins.list[str]]:
        out: dict[int, builtins.list[str]] = {}
        if not entry_ids:
            return out
        marks = ",".join("?" * len(entry_ids))
        for person, entry in conn.execute(
            f"SELECT person, entry FROM entry_people WHERE entry IN ({marks}) ORDER BY entry, pos",
            entry_ids,
        ):
            out.setdefault(entry, []).append(person)
        return out


_Item = AuditEntry | Callable[[], AuditEntry | None] | threading.Event | None


def _where(f: AuditFilter) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if f.person_id is not None:
        clauses.append("e.id IN (SELECT entry FROM entry_people WHERE person = ?)")
        params.append(f.person_id)
    if f.since is not None:
        clauses.append("e.at >= ?")
        params.append(stamp(f.since))
    if f.until is not None:
        clauses.append("e.at < ?")
        params.append(stamp(f.until))
    for column, value in (("actor", f.actor), ("action", f.action), ("kind", f.kind)):
        if value is not None:
            clauses.append(f"e.{column} = ?")
            params.append(str(value))
    return clauses, params


class QueuedAudit:
    """Appends to an :class:`AuditLog` from a writer thread, in batches.

    ``record`` never blocks on the file; it takes an entry, or a function that makes one
    (or None: nothing to record), called in the writer thread, so the work of finding
    which people an answer named is not done on the request's time. ``flush`` waits until
    everything recorded before it is written; ``close`` flushes and stops the thread. A
    write that fails is retried with the next batch and reported through ``on_error``
    (the API logs it).
    """

    def __init__(
        self, log: AuditLog, on_error: Callable[[BaseException], None] | None = None
    ) -> None:
        self.log = log
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._on_error = on_error
        self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self._thread.start()

    def record(self, entry: AuditEntry | Callable[[], AuditEntry | None]) -> None:
        self._queue.put(entry)

    def flush(self, timeout: float = 10.0) -> None:
        done = threading.Event()
        self._queue.put(done)
        done.wait(timeout)

    def close(self) -> None:
        self.flush()
        self._queue.put(None)
        self._thread.join(timeout=10.0)

    def _run(self) -> None:
        pending: list[AuditEntry] = []
        while True:
            item = self._queue.get()
            waiters: list[threading.Event] = []
            stop = False
            while True:
                if item is None:
                    stop = True
                elif isinstance(item, threading.Event):
                    waiters.append(item)
                elif isinstance(item, AuditEntry):
                    pending.append(item)
                else:
                    try:
                        made = item()
                    except Exception as exc:  # a bad extractor must not stop the writer
                        made = None
                        if self._on_error is not None:
                            self._on_error(exc)
                    if made is not None:
                        pending.append(made)
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if pending:
                try:
                    self.log.append_many(pending)
                    pending = []
                except BaseException as exc:  # keep them for the next batch
                    if self._on_error is not None:
                        self._on_error(exc)
            for w in waiters:
                w.set()
            if stop:
                return
