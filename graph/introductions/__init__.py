"""Introductions: from a path to a hire, with the consent of every person on it.

* :mod:`~graph.introductions.model`: the introduction, its hops, states and outcomes;
* :mod:`~graph.introductions.transitions`: the state machine (pure);
* :mod:`~graph.introductions.links`: personal single-use links;
* :mod:`~graph.introductions.feedback`: loads, confirmed ties, strengths (the rules);
* :mod:`~graph.introductions.db`: the SQLite database (introductions and outbox);
* :mod:`~graph.introductions.outbox`, :mod:`~graph.introductions.mail`: e-mail delivery;
* :mod:`~graph.introductions.service`: what the entry points call;
* :mod:`~graph.introductions.schedule`: reminders, expiry and sending in the service.

:func:`open_service` gives one service per (data directory, store), shared by the API
and the dashboard of a process.

Decisions:

* The mail sender lives in the core beside the outbox it drains, as the token database
  does (:mod:`graph.access.tokens`): the API starts it, the dashboard shows its outbox,
  and neither may import the other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from graph.introductions.db import IntroDB
from graph.introductions.links import load_key
from graph.introductions.mail import Sender, SmtpTransport
from graph.introductions.outbox import Outbox
from graph.introductions.schedule import Scheduler
from graph.introductions.service import IntroductionService
from graph.introductions.settings import IntroSettings, get_intro_settings
from graph.store import GraphStore

_OPEN: dict[tuple[str, int], IntroductionService] = {}
_LOCK = threading.Lock()


def open_service(
    data_dir: str | Path, store: GraphStore, settings: IntroSettings | None = None
) -> IntroductionService:
    """The process's service over ``store`` and ``<data_dir>/introductions.sqlite3``."""
    key = (str(Path(data_dir).resolve()), id(store))
    with _LOCK:
        found = _OPEN.get(key)
        if found is None or found.store is not store:
            found = _OPEN[key] = IntroductionService(
                store, IntroDB.in_dir(data_dir), load_key(Path(data_dir)),
                settings or get_intro_settings(),
            )  # fmt: skip
        return found


def sender_for(service: IntroductionService, owner: str) -> Sender | None:
    """The SMTP sender of the settings, or None when no SMTP server is configured."""
    s = service.settings
    if not s.smtp_configured:
        return None
    return Sender(
        Outbox(service.db),
        SmtpTransport.from_settings(s),
        sender=s.smtp_from,
        owner=owner,
        clock=service.clock,
        max_attempts=s.smtp_max_attempts,
        backoff=timedelta(seconds=s.smtp_backoff_s),
    )


def start_scheduler(
    data_dir: str | Path, store: Callable[[], GraphStore], settings: IntroSettings | None = None
) -> Scheduler | None:
    """Start this process's scheduler thread (None when the settings turn it off)."""
    settings = settings or get_intro_settings()
    if not settings.intro_scheduler:
        return None
    scheduler = Scheduler(
        lambda: open_service(data_dir, store(), settings), sender_for, tick_s=settings.intro_tick_s
    )
    scheduler.start()
    return scheduler


def close_service(data_dir: str | Path, store: GraphStore) -> None:
    key = (str(Path(data_dir).resolve()), id(store))
    with _LOCK:
        found = _OPEN.pop(key, None)
    if found is not None:
        found.db.close()


__all__ = [
    "IntroductionService",
    "close_service",
    "open_service",
    "sender_for",
    "start_scheduler",
]
