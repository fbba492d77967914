"""Who goes first on a busy worker: the calls a person waits on, before the searches.

A worker serves its short calls on the event loop, one after the other (see
:func:`api.runtime.on_loop_or_thread`). Under a portal's load of path searches and coverage
reports, a call that arrives waits behind every search queued before it: tens of
milliseconds for a person who clicked the link of their e-mail, or a référent asking for
an introduction. These few **urgent** calls (``POST /api/v1/introductions`` and
``POST /api/v1/introductions/answer/{token}``) go first:

* :class:`UrgentFirst`, an ASGI middleware, counts the urgent requests under way, from the
  moment their headers are read to their answer;
* before running on the loop, every other call yields twice (so that requests read in the
  same turn of the loop get counted) and waits while urgent calls are under way
  (:meth:`Turns.after_urgent`).

Decisions:

* **Bounded**: a call waits at most :data:`MAX_WAIT_S` (50 ms) for urgent ones, whatever
  they do (a slow client sending its body, a lock held by another worker): priority can
  delay the searches, never stop them.
* A call already running is never interrupted: an urgent call may still wait for one
  search (a few milliseconds), never for the queue behind it.
* The routes are matched on the raw path, before routing, so that the count starts with
  the request; a path that only looks urgent (an unknown token) costs the searches its
  few milliseconds, like a real one.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import MutableMapping
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from api.settings import API_PREFIX

#: the calls a person waits on: requesting an introduction, answering a personal link
URGENT = re.compile(rf"^{re.escape(API_PREFIX)}/introductions(/answer/[^/]+)?/?$")
#: the longest a call waits for urgent ones
MAX_WAIT_S = 0.05


def is_urgent(method: str, path: str) -> bool:
    """Whether a request goes before the searches.

    >>> is_urgent("POST", "/api/v1/introductions/answer/abc.def")
    True
    >>> is_urgent("GET", "/api/v1/introductions"), is_urgent("POST", "/api/v1/paths")
    (False, False)
    """
    return method == "POST" and URGENT.match(path) is not None


class Turns:
    """The urgent calls under way in one worker (one event loop)."""

    def __init__(self) -> None:
        self.urgent = 0
        self._clear = asyncio.Event()
        self._clear.set()

    def arrive(self) -> None:
        self.urgent += 1
        self._clear.clear()

    def leave(self) -> None:
        self.urgent -= 1
        if self.urgent == 0:
            self._clear.set()

    async def after_urgent(self) -> None:
        """Let the urgent calls under way (or read in this turn of the loop) go first,
        for at most :data:`MAX_WAIT_S`."""
        # Two turns: a request whose bytes were read with ours starts its task in the next.
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        if self.urgent:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._clear.wait(), MAX_WAIT_S)


def turns_of(state: MutableMapping[str, Any] | Any) -> Turns | None:
    """The app's :class:`Turns` (None for an app without :class:`UrgentFirst`)."""
    return getattr(state, "turns", None)


class UrgentFirst:
    """Counts the urgent requests under way in ``app.state.turns`` (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_urgent(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        turns = turns_of(scope["app"].state)
        if turns is None:
            await self.app(scope, receive, send)
            return
        turns.arrive()
        try:
            await self.app(scope, receive, send)
        finally:
            turns.leave()
