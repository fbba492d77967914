"""The durable outbox: e-mails written with the change that causes them, sent later.

A message is ``pending`` until a sender **claims** it (``sending``, with its name and a
lease), hands it to the SMTP server, then marks it ``sent`` (the server accepted it) or
puts it back ``pending`` with a later ``next_attempt_at`` (exponential backoff), or
``failed`` after too many attempts. A message without an address is ``held``: the
dashboard shows it to whoever coordinates the introduction.

Decisions (delivery is **at least once**, exactly once in the normal case):

* A claim is one ``BEGIN IMMEDIATE`` transaction: two senders (threads or worker
  processes) never claim the same message. A claim whose lease ran out (its sender
  crashed) may be claimed again.
* Marked ``sent`` only after the server's ``250`` to the message; a crash before that
  sends it again later, which is right (the server did not take it, or the sender cannot
  know). The one window for a duplicate is between the server's acceptance and the
  commit of ``sent`` (milliseconds): the second copy carries the **same Message-ID**
  (fixed when the message is written), so mail systems and readers can tell it is the
  same message. Losing an introduction request is worse than a rare duplicate.
* Once sent, the bodies are erased (they carry personal links, which are credentials);
  subject, recipient and dates stay for the dashboard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from graph.introductions.db import IntroDB, NewMessage, _iso, add_messages

MESSAGE_COLUMNS = (
    "id, message_id, intro_id, kind, to_person_id, to_addr, subject, text, html, status,"
    " attempts, next_attempt_at, created_at, sent_at, last_error"
)


@dataclass(frozen=True)
class OutMessage:
    id: int
    message_id: str
    intro_id: str | None
    kind: str
    to_person_id: str | None
    to_addr: str | None
    subject: str
    text: str | None
    html: str | None
    status: str
    attempts: int
    next_attempt_at: str
    created_at: str
    sent_at: str | None
    last_error: str | None

    def to_dict(self, *, bodies: bool) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        if not bodies:
            out["text"] = out["html"] = None
        return out


def _message(row: tuple[Any, ...]) -> OutMessage:
    return OutMessage(*row)


class Outbox:
    """The outbox table of an :class:`~graph.introductions.db.IntroDB`."""

    def __init__(self, db: IntroDB) -> None:
        self.db = db

    def put(self, messages: Sequence[NewMessage], now: datetime) -> None:
        """Queue messages that no introduction causes (a login link), in one transaction."""
        with self.db.transaction() as conn:
            add_messages(conn, messages, now)

    def claim(self, owner: str, now: datetime, lease: timedelta) -> OutMessage | None:
        """The next message due (or whose lease ran out), claimed for ``owner``."""
        with self.db.transaction() as conn:
            row = conn.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM outbox WHERE to_addr IS NOT NULL AND"
                " ((status = 'pending' AND next_attempt_at <= ?) OR"
                " (status = 'sending' AND lease_until <= ?)) ORDER BY next_attempt_at, id LIMIT 1",
                (_iso(now), _iso(now)),
            ).fetchone()
            if row is None:
                return None
            conn.execute(
                "UPDATE outbox SET status='sending', lease_owner=?, lease_until=?,"
                " attempts=attempts+1 WHERE id=?",
                (owner, _iso(now + lease), row[0]),
            )
        return _message(row)

    def mark_sent(self, message_id: int, owner: str, now: datetime) -> bool:
        """Sent, if ``owner`` still holds the claim (else another sender took it over)."""
        with self.db.transaction() as conn:
            cur = conn.execute(
                "UPDATE outbox SET status='sent', sent_at=?, text=NULL, html=NULL,"
                " lease_owner=NULL, lease_until=NULL, last_error=NULL"
                " WHERE id=? AND status='sending' AND lease_owner=?",
                (_iso(now), message_id, owner),
            )
            return cur.rowcount == 1

    def mark_failed(
        self, message_id: int, owner: str, error: str, retry_at: datetime | None
    ) -> None:
        """Back to ``pending`` until ``retry_at``, or ``failed`` (``retry_at`` None)."""
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE outbox SET status=?, next_attempt_at=coalesce(?, next_attempt_at),"
                " lease_owner=NULL, lease_until=NULL, last_error=?"
                " WHERE id=? AND status='sending' AND lease_owner=?",
                ("pending" if retry_at else "failed", _iso(retry_at), error[:300], message_id,
                 owner),
            )  # fmt: skip

    def messages(
        self,
        *,
        intro_ids: list[str] | None = None,
        status: str | None = None,
        kind: str | None = None,
        limit: int = 100,
    ) -> list[OutMessage]:
        where: list[str] = ["1=1"]
        params: list[Any] = []
        if kind is not None:
            where.append("kind = ?")
            params.append(kind)
        if intro_ids is not None:
            where.append(f"intro_id IN ({','.join('?' * len(intro_ids)) or 'NULL'})")
            params.extend(intro_ids)
        if status is not None:
            where.append("status = ?")
            params.append(status)
        rows = self.db.read(
            f"SELECT {MESSAGE_COLUMNS} FROM outbox WHERE {' AND '.join(where)}"
            " ORDER BY id DESC LIMIT ?",
            (*params, limit),
        )
        return [_message(r) for r in rows]
