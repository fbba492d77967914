"""Delivering the outbox through an SMTP server (stdlib :mod:`smtplib`), with retries.

:class:`SmtpTransport` sends one :class:`email.message.EmailMessage` (plain TLS,
STARTTLS or none; login when a user is set). :class:`Sender` takes due messages from the
:class:`~graph.introductions.outbox.Outbox` one at a time: claim, send, mark sent; on a
failure, back to pending after ``backoff * 2**(attempts-1)`` (at most six hours), or
``failed`` after ``max_attempts``. Several senders (threads, worker processes) may run:
a message is claimed by one only (see the outbox's decisions on at-least-once).

Decisions:

* stdlib ``smtplib`` in a thread rather than ``aiosmtplib``: one message at a time is
  plenty for a few hundred introductions a day, and no new dependency is needed.
* A refusal by the server of the recipient or the message (5xx) is not retried forever:
  it counts as an attempt like any failure and ends ``failed`` after ``max_attempts``,
  visible in the dashboard.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Protocol

from graph.introductions.outbox import Outbox, OutMessage
from graph.introductions.settings import IntroSettings

MAX_BACKOFF = timedelta(hours=6)


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Hand the message to the server; raise unless it was accepted."""
        ...


@dataclass(frozen=True)
class SmtpTransport:
    host: str
    port: int
    security: str = "starttls"
    user: str | None = None
    password: str | None = None
    timeout_s: float = 10.0

    @classmethod
    def from_settings(cls, s: IntroSettings) -> SmtpTransport:
        return cls(
            host=s.smtp_host or "localhost",
            port=s.smtp_port_or_default,
            security=s.smtp_security,
            user=s.smtp_user,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            timeout_s=s.smtp_timeout_s,
        )

    def send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.security == "tls":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout_s, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
        with smtp:
            if self.security == "starttls":
                smtp.starttls(context=context)
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(message)


def build_email(m: OutMessage, sender: str) -> EmailMessage:
    """The MIME message of an outbox row: plain text with an HTML alternative, its
    Message-ID fixed when the row was written (the same on every attempt)."""
    email = EmailMessage()
    email["Subject"] = m.subject
    email["From"] = sender
    email["To"] = m.to_addr or ""
    email["Message-ID"] = m.message_id
    email["Date"] = format_datetime(datetime.fromisoformat(m.created_at))
    email.set_content(m.text or "")
    if m.html:
        email.add_alternative(m.html, subtype="html")
    return email


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Sender:
    """Delivers due outbox messages; ``owner`` names this sender in its claims."""

    def __init__(
        self,
        outbox: Outbox,
        transport: Transport,
        *,
        sender: str,
        owner: str,
        clock: Callable[[], datetime] = _utcnow,
        lease: timedelta = timedelta(minutes=2),
        max_attempts: int = 8,
        backoff: timedelta = timedelta(seconds=30),
    ) -> None:
        self.outbox = outbox
        self.transport = transport
        self.sender = sender
        self.owner = owner
        self.clock = clock
        self.lease = lease
        self.max_attempts = max_attempts
        self.backoff = backoff

    def deliver_one(self) -> OutMessage | None:
        """Claim and send one due message; returns it, or None when none is due."""
        m = self.outbox.claim(self.owner, self.clock(), self.lease)
        if m is None:
            return None
        try:
            self.transport.send(build_email(m, self.sender))
        except Exception as exc:  # any failure is a failed attempt, retried later
            attempts = m.attempts + 1
            retry = None
            if attempts < self.max_attempts:
                retry = self.clock() + min(self.backoff * 2 ** (attempts - 1), MAX_BACKOFF)
            self.outbox.mark_failed(m.id, self.owner, f"{type(exc).__name__}: {exc}", retry)
            return m
        self.outbox.mark_sent(m.id, self.owner, self.clock())
        return m

    def deliver_due(self, limit: int = 50) -> int:
        """Send up to ``limit`` due messages; returns how many were tried."""
        tried = 0
        while tried < limit and self.deliver_one() is not None:
            tried += 1
        return tried
