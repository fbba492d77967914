"""The service's own scheduler: reminders, expiry, loads and sending, in a thread.

Started by the API app's lifespan in every worker; only the worker holding the
``scheduler`` lease (a row of the introductions database, renewed each round, taken over
when it runs out) does the work, so nothing is reminded or expired twice. Everything it
acts on is in the database (due dates, the outbox), so a restart picks up where it was:
there is no cron to install and nothing in memory to lose.

Decisions:

* A thread, not an asyncio task: each round is blocking SQLite and SMTP work, which must
  not stall the event loop serving requests.
* The lease lasts three rounds: a worker that dies is replaced within that time; a slow
  round renews it before working.
* Sending needs an SMTP server (:class:`~graph.introductions.settings.IntroSettings`);
  without one the messages stay ``pending`` in the outbox for the dashboard.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import threading
from collections.abc import Callable
from datetime import timedelta

from graph.introductions.mail import Sender
from graph.introductions.service import IntroductionService

log = logging.getLogger("passerelle.introductions")
LEASE = "scheduler"


class Scheduler:
    """Rounds of :meth:`IntroductionService.tick` and :meth:`Sender.deliver_due` under the
    lease. ``service`` may be a provider (called each round until it succeeds: the store
    may not be reachable yet when the app starts)."""

    def __init__(
        self,
        service: IntroductionService | Callable[[], IntroductionService],
        sender: Sender | Callable[[IntroductionService, str], Sender | None] | None,
        *,
        tick_s: float,
        owner: str | None = None,
    ) -> None:
        self._service = service
        self._sender = sender
        self.tick_s = tick_s
        self.owner = owner or f"worker-{os.getpid()}-{secrets.token_hex(3)}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def service(self) -> IntroductionService:
        if not isinstance(self._service, IntroductionService):
            self._service = self._service()
        return self._service

    @property
    def sender(self) -> Sender | None:
        if self._sender is not None and not isinstance(self._sender, Sender):
            self._sender = self._sender(self.service, self.owner)
        return self._sender

    def run_once(self) -> dict[str, int] | None:
        """One round if this scheduler holds the lease; None otherwise."""
        now = self.service.clock()
        db = self.service.db
        if not db.acquire_lease(LEASE, self.owner, now, now + timedelta(seconds=3 * self.tick_s)):
            return None
        done = self.service.tick()
        if self.sender is not None:
            done["sent"] = self.sender.deliver_due()
        return done

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception as exc:  # never let a bad round kill the scheduler
                log.warning("scheduler round failed", extra={"error_type": type(exc).__name__})
            self._stop.wait(self.tick_s)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="introductions", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        # the database may be closed already: the lease then runs out by itself
        if isinstance(self._service, IntroductionService):
            with contextlib.suppress(Exception):
                self._service.db.release_lease(LEASE, self.owner)
