"""``/api/v1/audit``: the audit log of accesses to personal data, for the admin only.

Filters: ``person_id`` (entries naming that person), ``since`` and ``until`` (instants,
or days: ``2025-06-01``), ``actor`` (a token id, ``cli:<user>``, or
``link:<introduction>#<hop>`` for the holder of a personal link), ``action`` and ``kind``.
Newest first, paged with ``limit`` and ``offset`` like every list. Each entry gives the
token's name when the token database knows it.

Reading someone's entries is itself recorded (kind ``audit``, with the person asked for).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from api.audit import AuditDep, audited, from_query
from api.deps import AuditRead, PageDep
from api.problems import problem_responses
from api.schemas import Page
from graph.audit import Action, AuditFilter
from graph.errors import InvalidInput
from graph.model import ID_PATTERN

router = APIRouter(
    prefix="/audit", tags=["audit"], responses=problem_responses(401, 403, 422, 429, 503)
)


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    actor: str = Field(
        description="token id, cli:<user> for the command line, link:<introduction>#<hop> "
        "for the holder of a personal link"
    )
    actor_name: str | None = Field(None, description="the token's name, if known")
    role: str
    action: Action
    kind: str = Field(description="kind of record: person, paths, coverage, offers…")
    operation: str = Field(description="route template or command")
    person_ids: list[str]


def _instant(value: str | None, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        at = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(field, "not a date (2025-06-01) or an instant", value) from None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


@router.get("", response_model=Page[AuditEntryOut], summary="Read the audit log")
@audited(Action.READ, "audit", from_query("person_id"), when_named=True)
def list_audit(
    request: Request,
    principal: AuditRead,
    audit: AuditDep,
    page: PageDep,
    person_id: Annotated[
        str | None, Query(pattern=ID_PATTERN, max_length=80, description="entries naming them")
    ] = None,
    since: Annotated[str | None, Query(max_length=40, description="from this day/instant")] = None,
    until: Annotated[str | None, Query(max_length=40, description="before this day")] = None,
    actor: Annotated[str | None, Query(max_length=120, description="token id, cli:<user>")] = None,
    action: Annotated[Action | None, Query(description="only this action")] = None,
    kind: Annotated[str | None, Query(max_length=40, description="only this kind")] = None,
) -> dict[str, Any]:
    """Entries matching the filters, newest first (admin only)."""
    where = AuditFilter(
        person_id=person_id,
        since=_instant(since, "since"),
        until=_instant(until, "until"),
        actor=actor,
        action=action,
        kind=kind,
    )
    entries, total = audit.list(where, limit=page.limit, offset=page.offset)
    names = {t.id: t.name for t in request.app.state.tokens.list()}
    items = [{**e.to_dict(), "actor_name": names.get(e.actor)} for e in entries]
    return page.answer(items, total)
