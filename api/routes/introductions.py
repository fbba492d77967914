"""``/api/v1/introductions``: ask for an introduction along a path, follow it, answer it.

A thin layer over :class:`graph.introductions.service.IntroductionService`:

* **référent and admin** (``introductions``): request (the path query of ``/paths`` with
  the ``rank`` of the path chosen and a short message), list with filters, read,
  withdraw, choose another path (reroute), record the outcome. An introduction of
  another groupement's candidate answers 404, like an unknown id;
* **coverage readers**: the funnel per groupement (small counts withheld);
* **anyone holding a personal link** (no token): read what they need and accept or
  decline, once (``/introductions/answer/{token}``). A link that cannot be used is 404
  (invalid or already used) or 410 (expired).

Each route leaves the person ids it touches in ``request.state.person_ids`` (for the
audit log of the trust issue).
"""

from __future__ import annotations

from datetime import date, datetime
from datetime import date as Day
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from api.audit import link_holder
from api.auth import require
from api.deps import CoverageRead, PageDep, get_store
from api.problems import ProblemError, problem_responses
from api.routes.paths import CostsIn, TargetIn, _policy, _target
from api.runtime import on_loop_or_thread
from api.schemas import IdStr
from graph.access.introductions import funnel_counts
from graph.access.roles import Permission, Principal
from graph.introductions import open_service
from graph.introductions.links import LinkError, LinkExpired
from graph.introductions.model import HOP_LABELS, OUTCOME_LABELS, STATE_LABELS, Introduction
from graph.introductions.service import IntroductionService, display_name, next_action
from graph.paths.service import index_ready

router = APIRouter(
    prefix="/introductions",
    tags=["introductions"],
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422, 503),
)
IntroductionsUse = Annotated[Principal, Depends(require(Permission.INTRODUCTIONS))]
IntroId = Annotated[str, Path(pattern=r"^intro-[0-9a-f]{16}$", max_length=40)]
Token = Annotated[str, Path(min_length=10, max_length=400, pattern=r"^[A-Za-z0-9_.-]+$")]


async def get_service(request: Request) -> IntroductionService:
    store = await get_store(request)
    return open_service(request.app.state.settings.data_dir, store)


ServiceDep = Annotated[IntroductionService, Depends(get_service)]


class LinkUnusable(ProblemError):
    status, slug, title = 404, "link-not-usable", "Link not usable"


class LinkGone(ProblemError):
    status, slug, title = 410, "link-expired", "Link expired"


def _link_problem(exc: LinkError) -> ProblemError:
    cls = LinkGone if isinstance(exc, LinkExpired) else LinkUnusable
    return cls(str(exc), errors=[("token", exc.message)])


# --------------------------------------------------------------------------- bodies


class PathChoice(BaseModel):
    """Which path: the options of the path query and the rank of the path chosen."""

    model_config = ConfigDict(extra="forbid")

    k: int = Field(3, ge=1, le=10)
    max_intermediaries: int = Field(3, ge=1, le=5)
    contact_must_consent: bool = True
    avoid_over_capacity: bool = True
    referent_bridge: bool = True
    costs: CostsIn | None = None
    as_of: date | None = Field(None, ge=date(1970, 1, 1), le=date(2100, 12, 31))
    rank: int = Field(1, ge=1, le=10, description="the path chosen among those found (1: best)")
    people: list[IdStr] | None = Field(
        None,
        max_length=6,
        description="the people of the path as shown (intermediaries then contact): "
        "409 if the path found now differs",
    )


class IntroductionIn(PathChoice):
    candidate_id: IdStr
    target: TargetIn
    message: str = Field("", max_length=1000, description="a short message for each person asked")


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["interview", "hired", "not_retained", "no_follow_up"]
    date: Day | None = Field(
        None, ge=Day(2000, 1, 1), le=Day(2100, 12, 31), description="when [today]"
    )


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["accept", "decline"]
    reason: str | None = Field(None, max_length=500)


# --------------------------------------------------------------------------- answers


class PersonOut(BaseModel):
    id: str
    name: str


class HopOut(BaseModel):
    position: int
    person: PersonOut
    previous_id: str
    next_id: str | None
    tie: str
    state: str
    state_label: str
    asked_at: datetime | None
    reminded_at: datetime | None
    answered_at: datetime | None
    reason: str | None


class IntroductionOut(BaseModel):
    id: str
    candidate: PersonOut
    target: dict[str, Any]
    groupements: list[str]
    requested_by: str
    message: str
    state: str
    state_label: str
    state_dates: dict[str, datetime]
    outcome: str | None
    outcome_label: str | None
    outcome_dates: dict[str, date]
    created_at: datetime
    updated_at: datetime
    hops: list[HopOut]
    path: dict[str, Any] = Field(description="the path as it was when asked (latest chosen)")
    earlier_paths: int = Field(description="paths tried before this one")
    next_action: str


class IntroductionList(BaseModel):
    items: list[IntroductionOut]
    total: int
    limit: int
    offset: int


class AdjustmentOut(BaseModel):
    a: str
    b: str
    before: float
    after: float
    explanation: str


class OutcomeOut(BaseModel):
    introduction: IntroductionOut
    adjustments: list[AdjustmentOut]


class LinkOut(BaseModel):
    person: str
    candidate: str
    profile: str
    asker: str
    target: str
    next_person: str | None
    previous: str
    message: str
    expires: datetime
    is_contact: bool


class AnsweredOut(BaseModel):
    decision: str
    message: str


class FunnelRow(BaseModel):
    groupement_id: str
    requested: int | Literal["< 5"]
    accepted: int | Literal["< 5"]
    introduced: int | Literal["< 5"]
    hired: int | Literal["< 5"]


class FunnelOut(BaseModel):
    items: list[FunnelRow]


def render(service: IntroductionService, intro: Introduction) -> dict[str, Any]:
    people = service.store.get_many(sorted(intro.people()))
    names = {pid: display_name(people.get(pid)) for pid in intro.people()}
    return {
        "id": intro.id,
        "candidate": {"id": intro.candidate_id, "name": names[intro.candidate_id]},
        "target": intro.target,
        "groupements": list(intro.groupements),
        "requested_by": intro.requested_by,
        "message": intro.message,
        "state": str(intro.state),
        "state_label": STATE_LABELS[intro.state],
        "state_dates": intro.state_dates,
        "outcome": intro.outcome and str(intro.outcome),
        "outcome_label": intro.outcome and OUTCOME_LABELS[intro.outcome],
        "outcome_dates": intro.outcome_dates,
        "created_at": intro.created_at,
        "updated_at": intro.updated_at,
        "hops": [
            {
                "position": h.position,
                "person": {"id": h.person_id, "name": names[h.person_id]},
                "previous_id": h.previous_id,
                "next_id": h.next_id,
                "tie": h.tie,
                "state": str(h.state),
                "state_label": HOP_LABELS[h.state],
                "asked_at": h.asked_at,
                "reminded_at": h.reminded_at,
                "answered_at": h.answered_at,
                "reason": h.reason,
            }
            for h in intro.hops
        ],
        "path": intro.path,
        "earlier_paths": len(intro.earlier_paths),
        "next_action": next_action(intro, names, service.settings),
    }


def _touch(request: Request, intro: Introduction) -> None:
    request.state.person_ids = sorted(intro.people())


def _requester(principal: Principal, request: Request) -> str:
    info = next((t for t in request.app.state.tokens.list() if t.id == principal.token_id), None)
    name = info.name if info is not None and info.name else None
    return f"{name}, référent reconversion" if name else "Votre référent reconversion"


# --------------------------------------------------------------------------- routes
# The request and the answers (the calls people wait on) run where /paths runs; the other
# routes are plain ``def``: FastAPI runs them in threads.


@router.post("", status_code=201, response_model=IntroductionOut, summary="Request an introduction")
async def request_introduction(
    body: IntroductionIn, principal: IntroductionsUse, service: ServiceDep, request: Request
) -> dict[str, Any]:
    """Ask each person of the ``rank``-th path found now, in turn, starting with the first
    intermediary (an e-mail with a personal link). 404 for a candidate outside the
    référent's groupements; 409 when that path is no longer found as shown."""
    # A few milliseconds (a path search, one SQLite commit): on the event loop when the
    # search index is ready, as /paths does (threads only get the GIL in the loop's gaps).
    return await on_loop_or_thread(
        request, service.store, _request, service, principal, body, request,
        ready=index_ready, limiter=request.app.state.path_limiter, urgent=True,
    )  # fmt: skip


def _request(
    service: IntroductionService, principal: Principal, body: IntroductionIn, request: Request
) -> dict[str, Any]:
    intro = service.request(
        principal,
        candidate_id=body.candidate_id,
        target=_target(body.target),
        policy=_policy(body),  # type: ignore[arg-type]
        rank=body.rank,
        people=body.people,
        message=body.message,
        requester_label=_requester(principal, request),
        as_of=body.as_of,
    )
    _touch(request, intro)
    return render(service, intro)


@router.get("", response_model=IntroductionList, summary="List introductions")
def list_introductions(
    principal: IntroductionsUse,
    service: ServiceDep,
    page: PageDep,
    request: Request,
    state: Annotated[
        Literal["requested", "in_progress", "introduced", "declined", "expired", "withdrawn"]
        | None,
        Query(description="only introductions in this state"),
    ] = None,
    candidate_id: Annotated[IdStr | None, Query(description="only this candidate's")] = None,
) -> dict[str, Any]:
    """Newest first; a référent sees those of their groupements' candidates."""
    items, total = service.search(
        principal, state=state, candidate_id=candidate_id, limit=page.limit, offset=page.offset
    )
    request.state.person_ids = sorted({p for i in items for p in i.people()})
    return page.answer([render(service, i) for i in items], total)


@router.get("/funnel", response_model=FunnelOut, summary="Introductions per groupement")
def funnel(principal: CoverageRead, service: ServiceDep) -> dict[str, Any]:
    """Per groupement: requested, with an accepted hop, introduced, hired; counts below 5
    read "< 5" outside the référent's own groupements."""
    rows = service.funnel()
    return {
        "items": [
            {"groupement_id": gid, **funnel_counts(principal, gid, counts)}
            for gid, counts in sorted(rows.items())
        ]
    }


@router.get("/answer/{token}", response_model=LinkOut, summary="What a personal link shows")
async def read_link(token: Token, service: ServiceDep, request: Request) -> dict[str, Any]:
    """No token needed: the link is the authority. Only what the person needs."""
    return await on_loop_or_thread(request, service.store, _read_link, service, token, request)


def _read_link(service: IntroductionService, token: str, request: Request) -> dict[str, Any]:
    try:
        view = service.link_view(token).to_dict()
        actor, named = service.holder(token)
    except LinkError as exc:
        raise _link_problem(exc) from None
    link_holder(request, actor)
    request.state.person_ids = list(named)
    return view


@router.post("/answer/{token}", response_model=AnsweredOut, summary="Accept or decline")
async def answer_link(
    token: Token, body: AnswerIn, service: ServiceDep, request: Request
) -> dict[str, Any]:
    """Once per link: accept (the next person is asked, or the two are put in touch) or
    decline with an optional reason."""
    return await on_loop_or_thread(request, service.store, _answer, service, token, body,
                                   request, urgent=True)  # fmt: skip


def _answer(
    service: IntroductionService, token: str, body: AnswerIn, request: Request
) -> dict[str, Any]:
    try:
        intro = service.answer(token, body.decision == "accept", body.reason)
        actor, _ = service.holder(token)
    except LinkError as exc:
        raise _link_problem(exc) from None
    link_holder(request, actor)
    _touch(request, intro)
    text = (
        "Merci, votre accord est enregistré."
        if body.decision == "accept"
        else "Merci, votre réponse est enregistrée."
    )
    return {"decision": body.decision, "message": text}


@router.get("/{introduction_id}", response_model=IntroductionOut, summary="Read an introduction")
def read_introduction(
    introduction_id: IntroId, principal: IntroductionsUse, service: ServiceDep, request: Request
) -> dict[str, Any]:
    intro = service.get(principal, introduction_id)
    _touch(request, intro)
    return render(service, intro)


@router.post("/{introduction_id}/withdraw", response_model=IntroductionOut, summary="Withdraw")
def withdraw(
    introduction_id: IntroId, principal: IntroductionsUse, service: ServiceDep, request: Request
) -> dict[str, Any]:
    """Nobody is asked any more; the links stop working. 409 once introduced."""
    intro = service.withdraw(principal, introduction_id)
    _touch(request, intro)
    return render(service, intro)


@router.post(
    "/{introduction_id}/reroute", response_model=IntroductionOut, summary="Choose another path"
)
def reroute(
    introduction_id: IntroId,
    body: PathChoice,
    principal: IntroductionsUse,
    service: ServiceDep,
    request: Request,
) -> dict[str, Any]:
    """After a decline or an expiry: the ``rank``-th path found now for the same candidate
    and target; people who already agreed to the same hop are not asked again."""
    intro = service.reroute(
        principal,
        introduction_id,
        policy=_policy(body),  # type: ignore[arg-type]
        rank=body.rank,
        people=body.people,
        as_of=body.as_of,
    )
    _touch(request, intro)
    return render(service, intro)


@router.post("/{introduction_id}/outcome", response_model=OutcomeOut, summary="Record the outcome")
def outcome(
    introduction_id: IntroId,
    body: OutcomeIn,
    principal: IntroductionsUse,
    service: ServiceDep,
    request: Request,
) -> dict[str, Any]:
    """Interview, then hired, not retained or no follow-up; the ties of the path are
    strengthened or weakened within bounds (``adjustments`` says how and why)."""
    intro, adjustments = service.record_outcome(principal, introduction_id, body.outcome,
                                                body.date)  # fmt: skip
    _touch(request, intro)
    return {
        "introduction": render(service, intro),
        "adjustments": [a.__dict__ for a in adjustments],
    }
