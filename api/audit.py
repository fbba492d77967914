"""The audit trail of the API: every write and every read of personal data, recorded in
one place (:class:`AuditTrail`, a middleware) from one table (:data:`AUDITED`).

What is recorded for a request that succeeded (2xx): the caller's token id and role,
the time, the action, the kind of record, the operation (method and route template)
and the ids of the people concerned (:mod:`graph.audit`). Failed requests are in the
access log (:mod:`api.logging`), not here.

Which requests, and which people:

* **a route of** :data:`AUDITED` (the routes that existed when the log was added), or
  **a route decorated with** :func:`audited` (the one line a later route adds, above its
  ``def``)::

      @router.post("/{person_id}/ties", ...)
      @audited(Action.WRITE, "tie", persons=from_path("person_id", "other_id"))
      def add_tie(...): ...

  A route that learns the ids itself (an import creating people) adds them with
  :func:`note_persons` (``note_persons(request, ids)``) and declares
  ``persons=noted``.
* **any other write** (POST, PUT, PATCH, DELETE) under ``/api/v1``: recorded as a write
  of the route's first segment, with the ``*person_id`` path parameters: a write is
  never missed, even on a route nobody classified.
* any other read (GET) is not personal data (organisations, employers, offers, figures)
  and is not recorded; ``tests/api/test_audit.py`` lists every route's class, so a new
  route must be classified there to pass.

Decisions:

* **Off the request's time**: the middleware only queues what it saw (the response body
  when the route's people are read from it) and a writer thread finds the people and
  writes in batches (:class:`graph.audit.QueuedAudit`). People read from a body are the
  ids in it that name a person of the current graph (so an employer or groupement id is
  never taken for one); an answer that names nobody records nothing.
* The log is opened in the lifespan (:func:`audit_lifespan`): entries older than 12
  months are purged at start and then daily, by the service itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from fastapi import Depends, FastAPI, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph.audit import Action, AuditEntry, AuditLog, QueuedAudit, unique_ids, utc_now
from graph.audit.people import persons_among
from graph.settings import Settings

log = logging.getLogger("passerelle.audit")
F = TypeVar("F", bound=Callable[..., Any])

#: seconds between two purges of the log by a running service
PURGE_EVERY_S = 24 * 3600.0


@dataclass(frozen=True)
class Seen:
    """What an extractor of people sees of a request and its answer."""

    path_params: Mapping[str, str]
    query_params: Mapping[str, str]
    body: Any
    noted: tuple[str, ...]


#: finds the ids of the people a request concerned
Finder = Callable[[Seen], Iterable[str]]


@dataclass(frozen=True)
class PersonsOf:
    """An extractor and whether it reads the answer's body (only then is it kept)."""

    find: Finder
    body: bool = False
    #: the ids it gives are checked against the graph (ids read from a body)
    checked: bool = False


def from_path(*names: str) -> PersonsOf:
    """The values of these path parameters (e.g. ``person_id``)."""
    return PersonsOf(lambda r: [r.path_params[n] for n in names if r.path_params.get(n)])


def from_query(*names: str) -> PersonsOf:
    """The values of these query parameters."""
    return PersonsOf(lambda r: [r.query_params[n] for n in names if r.query_params.get(n)])


def from_body() -> PersonsOf:
    """Every id in the answer that names a person of the graph."""
    return PersonsOf(lambda r: _ids_in(r.body), body=True, checked=True)


noted = PersonsOf(lambda r: r.noted)
nobody = PersonsOf(lambda r: ())


@dataclass(frozen=True)
class Audited:
    """How a route is recorded. ``record=False``: the route records itself (an erasure
    writes its own tombstone) or is not personal data. ``when_named``: record only when
    somebody was concerned (a list that named nobody read no personal data)."""

    action: Action
    kind: str
    persons: PersonsOf = nobody
    record: bool = True
    when_named: bool = False


def audited(
    action: Action, kind: str, persons: PersonsOf = nobody, *, when_named: bool = False
) -> Callable[[F], F]:
    """Declare how a route is recorded: the one line a new route adds above its ``def``
    (under its ``@router`` line)."""

    def mark(endpoint: F) -> F:
        endpoint.__audited__ = Audited(action, kind, persons, when_named=when_named)  # type: ignore[attr-defined]
        return endpoint

    return mark


def records_itself(endpoint: F) -> F:
    """Mark a route that writes its own audit entry (the middleware records nothing)."""
    endpoint.__audited__ = Audited(Action.WRITE, "", record=False)  # type: ignore[attr-defined]
    return endpoint


def note_persons(request: Request, ids: Iterable[str]) -> None:
    """Add people a route found itself to its entry (with ``persons=noted``)."""
    state = request.scope.setdefault("state", {})
    state["audit_persons"] = (*state.get("audit_persons", ()), *ids)


_READ_BODY = Audited(Action.READ, "coverage", from_body(), when_named=True)
#: the routes that existed when the audit log was added, by (method, route template)
AUDITED: dict[tuple[str, str], Audited] = {
    ("POST", "/api/v1/paths"): Audited(Action.READ, "paths", from_body(), when_named=True),
    ("GET", "/api/v1/members"): Audited(Action.READ, "person", from_body(), when_named=True),
    ("GET", "/api/v1/members/{person_id}"): Audited(Action.READ, "person", from_path("person_id")),
    ("POST", "/api/v1/members"): Audited(Action.WRITE, "person", from_body()),
    ("PATCH", "/api/v1/members/{person_id}"): Audited(
        Action.WRITE, "person", from_path("person_id")
    ),
    ("DELETE", "/api/v1/members/{person_id}"): Audited(
        Action.WRITE, "person", from_path("person_id")
    ),
    ("GET", "/api/v1/coverage"): _READ_BODY,
    ("GET", "/api/v1/coverage/regions/{code}"): _READ_BODY,
    ("GET", "/api/v1/coverage/departements/{code}"): _READ_BODY,
    ("GET", "/api/v1/coverage/groupements/{groupement_id}"): _READ_BODY,
    ("GET", "/api/v1/coverage/gaps"): _READ_BODY,
    ("GET", "/api/v1/coverage/actions"): _READ_BODY,
    ("POST", "/api/v1/coverage/what-if"): _READ_BODY,
}
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def spec_of(method: str, template: str, endpoint: Any) -> Audited | None:
    """How a request to this route is recorded; None: it is not."""
    marked = getattr(endpoint, "__audited__", None)
    if isinstance(marked, Audited):
        return marked if marked.record else None
    found = AUDITED.get((method, template)) or _of_family(method, template)
    if found is not None:
        return found
    if method in _WRITES and template.startswith("/api/v1/"):
        kind = template.removeprefix("/api/v1/").split("/")[0] or "unknown"
        return Audited(Action.WRITE, kind, _person_params)
    return None


_person_params = PersonsOf(
    lambda r: [v for k, v in r.path_params.items() if k.endswith("person_id") and v]
)
_noted_and_params = PersonsOf(lambda r: [*r.noted, *_person_params.find(r)])

#: families of routes added after the table, recorded by their prefix: (prefix, kind,
#: how a read is recorded, how a write is)
_FAMILIES: tuple[tuple[str, str, Audited | None, Audited], ...] = (
    # a member's relationships (ties, employments, targets, places, memberships)
    ("/api/v1/members/{person_id}/", "relation",
     Audited(Action.READ, "relation", _noted_and_params),
     Audited(Action.WRITE, "relation", _noted_and_params)),
    # an organisation's référents, charters, conventions: people named in the answer
    ("/api/v1/groupements/{groupement_id}/", "relation",
     Audited(Action.READ, "relation", from_body(), when_named=True),
     Audited(Action.WRITE, "relation", _noted_and_params)),
    ("/api/v1/associations/{association_id}/", "relation",
     Audited(Action.READ, "relation", from_body(), when_named=True),
     Audited(Action.WRITE, "relation", _noted_and_params)),
    ("/api/v1/introductions", "introduction",
     Audited(Action.READ, "introduction", noted, when_named=True),
     Audited(Action.WRITE, "introduction", noted)),
    ("/api/v1/imports", "import", None, Audited(Action.WRITE, "import", from_body())),
    ("/api/v1/exports", "export", Audited(Action.EXPORT, "export", nobody),
     Audited(Action.WRITE, "export", nobody)),
)  # fmt: skip


def _of_family(method: str, template: str) -> Audited | None:
    for prefix, _, read, write in _FAMILIES:
        if template.startswith(prefix):
            return read if method == "GET" else write
    return None


# --------------------------------------------------------------------------- finding ids

_ID_KEYS = ("id", "person", "helper", "candidate")


def _ids_in(body: Any) -> Iterator[str]:
    """Every string under a key ``id``, ``*_id``, ``person``, ``helper`` or
    ``candidate`` (or in a list under ``*_ids``), anywhere in a JSON value.

    >>> sorted(_ids_in({"candidate": {"id": "p-1", "name": "x"},
    ...                 "paths": [{"hops": [{"from_id": "p-2", "to_id": None}]}],
    ...                 "person_ids": ["p-3"], "label": "p-4"}))
    ['p-1', 'p-2', 'p-3']
    """
    stack = [body]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, str):
                    if key in _ID_KEYS or key.endswith("_id"):
                        yield item
                elif isinstance(item, list) and key.endswith("_ids"):
                    yield from (i for i in item if isinstance(i, str))
                    stack.extend(i for i in item if not isinstance(i, str))
                elif isinstance(item, dict | list):
                    stack.append(item)
        elif isinstance(value, list):
            stack.extend(value)


def _people_only(app: Any, ids: Iterable[str]) -> list[str]:
    """The ids that name a person in the current graph."""
    holder = getattr(app.state, "store_holder", None)
    return persons_among(None if holder is None else holder.current, ids)


# --------------------------------------------------------------------------- middleware


class AuditTrail:
    """Records the requests :func:`spec_of` names, after they succeeded (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").startswith("/api/"):
            await self.app(scope, receive, send)
            return
        status = 0
        chunks: list[bytes] = []
        keep_body = True  # until the route is known: the body starts after routing

        async def watch(message: Message) -> None:
            nonlocal status, keep_body
            if message["type"] == "http.response.start":
                status = message["status"]
                spec = _spec_of_scope(scope)
                keep_body = spec is not None and spec.persons.body and 200 <= status < 300
            elif message["type"] == "http.response.body" and keep_body:
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, watch)
        if not 200 <= status < 300:
            return
        spec = _spec_of_scope(scope)
        trail = getattr(scope["app"].state, "audit_queue", None)
        state = scope.get("state", {})
        principal = state.get("principal")
        # a public personal link: the person holding it (set by the route, see link_holder)
        who = (
            (principal.token_id, principal.role.value)
            if principal is not None
            else state.get("audit_actor")
        )
        if spec is None or trail is None or who is None:
            return
        trail.record(_entry_maker(scope, spec, who, b"".join(chunks)))


def link_holder(request: Request, actor: str) -> None:
    """Name the holder of a personal link as the actor of this request (no token: the
    link is the authority), so what they read and answered is recorded too."""
    request.state.audit_actor = (actor, LINK_ROLE)


#: the role the audit log gives the holder of a personal link (an intermediary or contact)
LINK_ROLE = "link"


def _spec_of_scope(scope: Scope) -> Audited | None:
    template = getattr(scope.get("route"), "path_format", None) or getattr(
        scope.get("route"), "path", None
    )
    if not isinstance(template, str):
        return None
    path = scope.get("path", "")
    extra = path.rstrip("/").count("/") - template.rstrip("/").count("/")
    if extra > 0:
        template = "/".join(path.split("/")[: extra + 1]) + template
    scope.setdefault("state", {})["audit_operation"] = f"{scope.get('method')} {template}"
    return spec_of(scope.get("method", ""), template, scope.get("endpoint"))


def _entry_maker(
    scope: Scope, spec: Audited, who: tuple[str, str], body: bytes
) -> Callable[[], AuditEntry | None]:
    at = utc_now()
    app = scope["app"]
    state = scope.get("state", {})
    operation = state.get("audit_operation", "")
    path_params = dict(scope.get("path_params", {}))
    query = _query(scope)
    # ids a route found itself: note_persons, or the state the later routes leave them in
    noted_ids = tuple(
        str(i)
        for key in ("audit_persons", "touched_people", "person_ids")
        for i in (state.get(key) or ())
    )

    def make() -> AuditEntry | None:
        parsed = json.loads(body) if spec.persons.body and body else None
        seen = spec.persons.find(Seen(path_params, query, parsed, noted_ids))
        ids = unique_ids(_people_only(app, seen) if spec.persons.checked else list(seen))
        if spec.when_named and not ids:
            return None
        return AuditEntry(
            at=at,
            actor=who[0],
            role=who[1],
            action=spec.action,
            kind=spec.kind,
            operation=operation,
            person_ids=ids,
        )

    return make


def _query(scope: Scope) -> dict[str, str]:
    from urllib.parse import parse_qsl

    raw = scope.get("query_string", b"").decode("latin-1")
    return dict(parse_qsl(raw))


# --------------------------------------------------------------------------- lifespan


@contextlib.asynccontextmanager
async def audit_lifespan(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    """Open the audit log, purge it now and daily, close it at the end."""
    audit = AuditLog(settings.audit_db_path, lazy=True)
    app.state.audit = audit
    app.state.audit_queue = QueuedAudit(
        audit, on_error=lambda exc: log.error("audit write failed: %s", type(exc).__name__)
    )
    purging = asyncio.create_task(_purge_daily(audit))
    try:
        yield
    finally:
        purging.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await purging
        await anyio.to_thread.run_sync(app.state.audit_queue.close)
        audit.close()


async def _purge_daily(audit: AuditLog) -> None:
    while True:
        try:
            removed = await anyio.to_thread.run_sync(audit.purge)
            if removed:
                log.info("audit log purged", extra={"removed": removed})
        except Exception as exc:  # a failed purge is retried tomorrow; never stop serving
            log.error("audit purge failed: %s", type(exc).__name__)
        await asyncio.sleep(PURGE_EVERY_S)


async def get_audit(request: Request) -> AuditLog:
    """The app's audit log, with what was queued written first (a listing sees it)."""
    await anyio.to_thread.run_sync(request.app.state.audit_queue.flush)
    return request.app.state.audit


AuditDep = Annotated[AuditLog, Depends(get_audit)]
