"""Where introductions and their e-mails live: ``<data_dir>/introductions.sqlite3``.

One SQLite file holds the introductions (a JSON document per introduction, with the
columns queries need), the hops' people (loads, erasure), the **outbox** of e-mails
(:mod:`graph.introductions.outbox` reads and claims it) and the scheduler's leases.

Decisions:

* **Apart from the graph, for both stores.** An introduction is a workflow record, not
  a fact of the network: it changes many times, needs compare-and-set on its state and
  must be written in the same transaction as the e-mails it causes. SQLite gives that in
  one file whatever the graph store is (embedded or Neo4j), like the API's
  ``auth.sqlite3``; the graph only receives the *feedback* (loads, confirmed ties,
  strengths), through the store port. The price: the workers of a deployment must share
  the data directory (as they already do for the tokens).
* **Every change is one ``BEGIN IMMEDIATE`` transaction** that reads the introduction,
  applies the pure transition, writes it back only if its ``revision`` is unchanged
  (compare-and-set) and inserts the e-mails: two answers at once in two workers are
  serialised, neither is lost, and a stale one is refused by the state machine, not
  overwritten. WAL mode: reads never wait.
* Times are stored as ISO text in UTC, so they sort and compare as text.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from graph.errors import Conflict, NotFound, StoreUnavailable
from graph.introductions.model import Hop, HopState, Introduction, Outcome, State

DB_FILE = "introductions.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS introductions (
    id TEXT PRIMARY KEY, candidate_id TEXT NOT NULL, state TEXT NOT NULL, outcome TEXT,
    requested_by TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    accepted INTEGER NOT NULL DEFAULT 0, introduced INTEGER NOT NULL DEFAULT 0,
    revision INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS introductions_candidate ON introductions (candidate_id);
CREATE INDEX IF NOT EXISTS introductions_state ON introductions (state, updated_at);
CREATE TABLE IF NOT EXISTS intro_groupements (
    intro_id TEXT NOT NULL, groupement_id TEXT NOT NULL,
    PRIMARY KEY (intro_id, groupement_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS intro_groupements_g ON intro_groupements (groupement_id);
CREATE TABLE IF NOT EXISTS intro_hops (
    intro_id TEXT NOT NULL, position INTEGER NOT NULL, person_id TEXT NOT NULL,
    state TEXT NOT NULL, asked_at TEXT, reminded_at TEXT, requested_at TEXT NOT NULL,
    PRIMARY KEY (intro_id, position)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS intro_hops_person ON intro_hops (person_id, requested_at);
CREATE INDEX IF NOT EXISTS intro_hops_due ON intro_hops (state, asked_at);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT NOT NULL UNIQUE,
    intro_id TEXT, kind TEXT NOT NULL, to_person_id TEXT, to_addr TEXT,
    subject TEXT NOT NULL, text TEXT, html TEXT, status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT NOT NULL,
    lease_owner TEXT, lease_until TEXT, created_at TEXT NOT NULL, sent_at TEXT,
    last_error TEXT);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS outbox_intro ON outbox (intro_id);
CREATE TABLE IF NOT EXISTS leases (name TEXT PRIMARY KEY, owner TEXT, until TEXT);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS dirty_loads (person_id TEXT PRIMARY KEY, mark TEXT NOT NULL)
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tie_confirmations (
    intro_id TEXT NOT NULL, position INTEGER NOT NULL, a TEXT NOT NULL, b TEXT NOT NULL,
    day TEXT NOT NULL, done INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (intro_id, position, day)) WITHOUT ROWID;
"""


class StaleRevision(Conflict):
    """The introduction changed since it was read (compare-and-set failed)."""

    def __init__(self, intro_id: str) -> None:
        super().__init__("revision", f"introduction {intro_id!r} changed meanwhile")


@dataclass(frozen=True)
class NewMessage:
    """An e-mail to put in the outbox with a change."""

    message_id: str
    intro_id: str | None
    kind: str
    to_person_id: str | None
    to_addr: str | None
    subject: str
    text: str
    html: str


# --------------------------------------------------------------------------- (de)serialise


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def to_doc(intro: Introduction) -> str:
    doc = asdict(intro)
    doc["hops"] = [
        {**h, **{k: _iso(h[k]) for k in ("asked_at", "reminded_at", "answered_at")}}
        for h in doc["hops"]
    ]
    doc["created_at"] = _iso(intro.created_at)
    doc["updated_at"] = _iso(intro.updated_at)
    doc["state_dates"] = {k: _iso(v) for k, v in intro.state_dates.items()}
    doc["outcome_dates"] = {k: v.isoformat() for k, v in intro.outcome_dates.items()}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def from_doc(text: str) -> Introduction:
    doc = json.loads(text)
    hops = tuple(
        Hop(
            **{
                **h,
                "state": HopState(h["state"]),
                "asked_at": _dt(h["asked_at"]),
                "reminded_at": _dt(h["reminded_at"]),
                "answered_at": _dt(h["answered_at"]),
            }
        )
        for h in doc["hops"]
    )
    return Introduction(
        id=doc["id"],
        candidate_id=doc["candidate_id"],
        target=doc["target"],
        groupements=tuple(doc["groupements"]),
        requested_by=doc["requested_by"],
        message=doc["message"],
        path=doc["path"],
        hops=hops,
        state=State(doc["state"]),
        created_at=datetime.fromisoformat(doc["created_at"]),
        updated_at=datetime.fromisoformat(doc["updated_at"]),
        state_dates={k: datetime.fromisoformat(v) for k, v in doc["state_dates"].items()},
        outcome=Outcome(doc["outcome"]) if doc["outcome"] else None,
        outcome_dates={k: date.fromisoformat(v) for k, v in doc["outcome_dates"].items()},
        earlier_paths=tuple(doc["earlier_paths"]),
        applied=doc["applied"],
        revision=doc["revision"],
    )


# --------------------------------------------------------------------------- the database


class IntroDB:
    """The introductions database: WAL mode, one connection per thread."""

    def __init__(self, path: str | Path, *, busy_timeout_s: float = 10.0) -> None:
        self.path = Path(path)
        self._timeout = busy_timeout_s
        self._local = threading.local()
        self._lock = threading.Lock()
        self._conns: list[sqlite3.Connection] = []
        self._closed = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn().executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailable(f"cannot open {self.path}: {exc}") from None

    @classmethod
    def in_dir(cls, data_dir: str | Path) -> IntroDB:
        return cls(Path(data_dir) / DB_FILE)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise StoreUnavailable("the introductions database is closed")
            conn = sqlite3.connect(
                self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for conn in self._conns:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._conns.clear()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (``BEGIN IMMEDIATE``): writers queue."""
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot use the introductions database: {exc}") from None
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def read(self, query: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return self._conn().execute(query, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot use the introductions database: {exc}") from None

    # ------------------------------------------------------------------ introductions

    def insert(self, intro: Introduction, messages: Sequence[NewMessage], now: datetime) -> None:
        with self.transaction() as conn:
            self._save(conn, intro, expected=None)
            add_messages(conn, messages, now)

    def change(
        self,
        intro_id: str,
        fn: Callable[[Introduction], tuple[Introduction, Sequence[NewMessage]]],
        now: datetime,
    ) -> tuple[Introduction, Introduction]:
        """Read, change with ``fn`` and write one introduction (with its e-mails) in one
        transaction; returns (before, after). ``fn`` raises to change nothing."""
        with self.transaction() as conn:
            before = _get(conn, intro_id)
            after, messages = fn(before)
            self._save(conn, after, expected=before.revision)
            add_messages(conn, messages, now)
        return before, after

    def _save(self, conn: sqlite3.Connection, intro: Introduction, expected: int | None) -> None:
        accepted = int(
            any(h.state is HopState.ACCEPTED for h in intro.hops)
            or "in_progress" in intro.state_dates
            or "introduced" in intro.state_dates
        )
        introduced = int("introduced" in intro.state_dates)
        row = (
            intro.candidate_id, str(intro.state), intro.outcome and str(intro.outcome),
            intro.requested_by, _iso(intro.created_at), _iso(intro.updated_at), accepted,
            introduced, intro.revision, to_doc(intro),
        )  # fmt: skip
        if expected is None:
            conn.execute(
                "INSERT INTO introductions (candidate_id, state, outcome, requested_by,"
                " created_at, updated_at, accepted, introduced, revision, doc, id)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (*row, intro.id),
            )
            conn.executemany(
                "INSERT INTO intro_groupements VALUES (?, ?)",
                [(intro.id, g) for g in intro.groupements],
            )
        else:
            cur = conn.execute(
                "UPDATE introductions SET candidate_id=?, state=?, outcome=?, requested_by=?,"
                " created_at=?, updated_at=?, accepted=?, introduced=?, revision=?, doc=?"
                " WHERE id=? AND revision=?",
                (*row, intro.id, expected),
            )
            if cur.rowcount != 1:
                raise StaleRevision(intro.id)
            _mark_dirty(conn, intro.id)  # people of the path being replaced
            conn.execute("DELETE FROM intro_hops WHERE intro_id = ?", (intro.id,))
        conn.executemany(
            "INSERT INTO intro_hops VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (intro.id, h.position, h.person_id, str(h.state), _iso(h.asked_at),
                 _iso(h.reminded_at), _iso(intro.created_at))
                for h in intro.hops
            ],
        )  # fmt: skip
        _mark_dirty(conn, intro.id)
        conn.executemany(
            "INSERT OR IGNORE INTO tie_confirmations VALUES (?, ?, ?, ?, ?, 0)",
            [
                (intro.id, h.position, h.previous_id, h.person_id, h.answered_at.date().isoformat())
                for h in intro.hops
                if h.state is HopState.ACCEPTED and h.tie == "knows" and h.answered_at
            ],
        )

    def get(self, intro_id: str) -> Introduction:
        rows = self.read("SELECT doc FROM introductions WHERE id = ?", (intro_id,))
        if not rows:
            raise NotFound("introduction", intro_id)
        return from_doc(rows[0][0])

    def search(
        self,
        *,
        groupements: Sequence[str] | None = None,
        state: str | None = None,
        candidate_id: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[Introduction], int]:
        """Introductions, newest first; ``groupements`` (a référent's scope) keeps those of
        candidates of these groupements."""
        where: list[str] = ["1=1"]
        params: list[Any] = []
        if groupements is not None:
            marks = ",".join("?" * len(groupements)) or "NULL"
            where.append(
                f"id IN (SELECT intro_id FROM intro_groupements WHERE groupement_id IN ({marks}))"
            )
            params.extend(groupements)
        if state is not None:
            where.append("state = ?")
            params.append(state)
        if candidate_id is not None:
            where.append("candidate_id = ?")
            params.append(candidate_id)
        clause = " AND ".join(where)
        total = self.read(f"SELECT count(*) FROM introductions WHERE {clause}", params)[0][0]
        rows = self.read(
            f"SELECT doc FROM introductions WHERE {clause} ORDER BY created_at DESC, id"
            " LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [from_doc(r[0]) for r in rows], total

    def due(self, asked_before: datetime, *, unreminded: bool) -> list[str]:
        """Ids of introductions whose pending hop was asked before ``asked_before`` (and,
        with ``unreminded``, not reminded yet)."""
        query = "SELECT DISTINCT intro_id FROM intro_hops WHERE state = 'pending' AND asked_at < ?"
        if unreminded:
            query += " AND reminded_at IS NULL"
        return [r[0] for r in self.read(query + " ORDER BY intro_id", (_iso(asked_before),))]

    def loads(self, person_ids: Sequence[str], since: datetime) -> dict[str, int]:
        """Per person, the hops of introductions requested since ``since`` that are
        waiting, pending or accepted (:mod:`graph.introductions.feedback`)."""
        if not person_ids:
            return {}
        marks = ",".join("?" * len(person_ids))
        rows = self.read(
            f"SELECT person_id, count(*) FROM intro_hops WHERE person_id IN ({marks})"
            " AND requested_at >= ? AND state IN ('waiting', 'pending', 'accepted')"
            " GROUP BY person_id",
            (*person_ids, _iso(since)),
        )
        found = dict.fromkeys(person_ids, 0)
        found.update({pid: n for pid, n in rows})
        return found

    def dirty_loads(self, limit: int = 1000) -> list[tuple[str, str]]:
        """People whose load changed and is not written into the graph yet, with the mark
        of their latest change."""
        return [(r[0], r[1]) for r in self.read("SELECT person_id, mark FROM dirty_loads"
                                                " LIMIT ?", (limit,))]  # fmt: skip

    def clean_loads(self, marked: Sequence[tuple[str, str]]) -> None:
        """Forget the marks written; a person marked again meanwhile stays marked."""
        with self.transaction() as conn:
            conn.executemany("DELETE FROM dirty_loads WHERE person_id = ? AND mark = ?", marked)

    def tie_confirmations(self, limit: int = 1000) -> list[tuple[str, int, str, str, str]]:
        """Ties to confirm (accepted hops), oldest first: (intro, position, a, b, day)."""
        rows = self.read("SELECT intro_id, position, a, b, day FROM tie_confirmations"
                         " WHERE done = 0 ORDER BY day LIMIT ?", (limit,))  # fmt: skip
        return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    def confirmed(self, rows: Sequence[tuple[str, int, str, str, str]]) -> None:
        with self.transaction() as conn:
            conn.executemany("UPDATE tie_confirmations SET done = 1 WHERE intro_id = ?"
                             " AND position = ? AND a = ? AND b = ? AND day = ?", rows)  # fmt: skip

    def people_since(self, since: datetime) -> list[str]:
        """Everyone on a hop of an introduction requested since ``since``."""
        rows = self.read(
            "SELECT DISTINCT person_id FROM intro_hops WHERE requested_at >= ?", (_iso(since),)
        )
        return [r[0] for r in rows]

    def funnel(self) -> dict[str, dict[str, int]]:
        """Per groupement: introductions requested, with an accepted hop, introduced, hired."""
        rows = self.read(
            "SELECT g.groupement_id, count(*), sum(i.accepted), sum(i.introduced),"
            " sum(i.outcome = 'hired') FROM intro_groupements g"
            " JOIN introductions i ON i.id = g.intro_id GROUP BY g.groupement_id"
        )
        return {
            gid: {"requested": n, "accepted": a or 0, "introduced": i or 0, "hired": h or 0}
            for gid, n, a, i, h in rows
        }

    def erase_person(self, person_id: str) -> list[str]:
        """Delete every introduction naming ``person_id`` (as candidate or on a hop), with
        its e-mails; returns their ids."""
        with self.transaction() as conn:
            ids = {
                r[0]
                for r in conn.execute(
                    "SELECT id FROM introductions WHERE candidate_id = ? UNION"
                    " SELECT intro_id FROM intro_hops WHERE person_id = ?",
                    (person_id, person_id),
                )
            }
            # earlier paths are in the documents only
            for intro_id, doc in conn.execute("SELECT id, doc FROM introductions"):
                if intro_id not in ids and person_id in from_doc(doc).people():
                    ids.add(intro_id)
            for intro_id in ids:
                for table, col in (("introductions", "id"), ("intro_groupements", "intro_id"),
                                   ("intro_hops", "intro_id"), ("outbox", "intro_id")):  # fmt: skip
                    conn.execute(f"DELETE FROM {table} WHERE {col} = ?", (intro_id,))
            conn.execute("DELETE FROM outbox WHERE to_person_id = ?", (person_id,))
        return sorted(ids)

    # ------------------------------------------------------------------ meta and leases

    def meta(self, key: str) -> str | None:
        rows = self.read("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def acquire_lease(self, name: str, owner: str, now: datetime, until: datetime) -> bool:
        """Take or renew the lease ``name`` for ``owner`` unless another holds it."""
        with self.transaction() as conn:
            row = conn.execute("SELECT owner, until FROM leases WHERE name = ?", (name,)).fetchone()
            if row is not None and row[0] != owner and row[1] > _iso(now):
                return False
            conn.execute(
                "INSERT OR REPLACE INTO leases VALUES (?, ?, ?)", (name, owner, _iso(until))
            )
        return True

    def release_lease(self, name: str, owner: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM leases WHERE name = ? AND owner = ?", (name, owner))


def _mark_dirty(conn: sqlite3.Connection, intro_id: str) -> None:
    """The people of an introduction's hops: their load is to be written again, in the
    same transaction as the change (so a crash cannot forget it)."""
    conn.execute(
        "INSERT OR REPLACE INTO dirty_loads SELECT person_id, lower(hex(randomblob(8)))"
        " FROM intro_hops WHERE intro_id = ?",
        (intro_id,),
    )


def _get(conn: sqlite3.Connection, intro_id: str) -> Introduction:
    row = conn.execute("SELECT doc FROM introductions WHERE id = ?", (intro_id,)).fetchone()
    if row is None:
        raise NotFound("introduction", intro_id)
    return from_doc(row[0])


def add_messages(conn: sqlite3.Connection, messages: Sequence[NewMessage], now: datetime) -> None:
    conn.executemany(
        "INSERT INTO outbox (message_id, intro_id, kind, to_person_id, to_addr, subject, text,"
        " html, status, next_attempt_at, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [
            (m.message_id, m.intro_id, m.kind, m.to_person_id, m.to_addr, m.subject, m.text,
             m.html, "pending" if m.to_addr else "held", _iso(now), _iso(now))
            for m in messages
        ],
    )  # fmt: skip
