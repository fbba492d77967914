"""``/api/v1/paths``: introduction paths from a candidate to a target, explained in French.

A thin layer over :func:`graph.paths.find_paths`: the body carries the candidate, the
target (a person, an employer, a job offer, or every employer of a sector in a bassin)
and the policy options; the answer is the service's result as JSON. Whom a caller may ask
about (the candidate, a person target) is :mod:`graph.access.paths`: anyone else answers
404 exactly like an unknown id (a référent: their groupements' people; the national cell:
people who consented to be named; a portal: people who consented to portal searches).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import PathsQuery, StoreDep
from api.problems import problem_responses
from api.runtime import on_loop_or_thread
from api.schemas import IdStr
from graph.access.paths import person_asked
from graph.access.roles import Principal
from graph.errors import InvalidInput, NotFound
from graph.paths import HopCosts, PathPolicy, Target, find_paths
from graph.paths.service import index_ready
from graph.store import GraphStore

router = APIRouter(
    prefix="/paths",
    tags=["paths"],
    responses=problem_responses(400, 401, 403, 404, 413, 422, 429, 503),
)

Code = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")]
Cost = Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)]


class TargetIn(BaseModel):
    """What to reach: ``id`` for person, employer and offer; ``sector`` and ``bassin``
    (codes such as ``btp`` and ``ZE-33-1``, or node ids) for ``set``."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["person", "employer", "offer", "set"]
    id: IdStr | None = None
    sector: Code | None = None
    bassin: Code | None = None


class CostsIn(BaseModel):
    """Hop cost parameters; see :class:`graph.paths.HopCosts` (left out: the default)."""

    model_config = ConfigDict(extra="forbid")

    promotion: Cost | None = None
    unit: Cost | None = None
    mentoring: Cost | None = None
    event: Cost | None = None
    declared: Cost | None = None
    linkedin: Cost | None = None
    strength_weight: Cost | None = None
    per_year: Cost | None = None
    age_cap_years: Cost | None = None
    unconfirmed_penalty: Cost | None = None
    mentors_strength: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] | None = None
    referent_cost: Cost | None = None
    bridge_cost: Cost | None = None


class PathQuery(BaseModel):
    """A referral-path query: the candidate, the target and the policy options."""

    model_config = ConfigDict(extra="forbid")

    candidate_id: IdStr
    target: TargetIn
    k: int = Field(3, ge=1, le=10, description="number of diverse paths")
    max_intermediaries: int = Field(
        3, ge=1, le=5, description="most people between the candidate and the contact"
    )
    contact_must_consent: bool = Field(
        True, description="the final contact inside the employer must have consented"
    )
    avoid_over_capacity: bool = Field(
        True, description="avoid helpers at their monthly capacity when an alternative exists"
    )
    referent_bridge: bool = Field(
        True, description="allow the référent's bridge to helpers of partner associations"
    )
    costs: CostsIn | None = None
    as_of: date | None = Field(
        None,
        ge=date(1970, 1, 1),
        le=date(2100, 12, 31),
        description="date at which ties are aged and employment is current [today]",
    )


# --------------------------------------------------------------------------- responses


class PersonRefOut(BaseModel):
    id: str | None = Field(description="null when the person may not be named")
    name: str


class HopOut(BaseModel):
    from_id: str | None
    to_id: str | None
    kind: str = Field(description="knows, mentors, referent or bridge")
    cost: float
    explanation: str


class PathOut(BaseModel):
    rank: int
    cost: float
    intermediaries: list[PersonRefOut]
    contact: PersonRefOut
    hops: list[HopOut]
    contact_reason: str
    over_capacity: list[str]
    shares_intermediaries: list[str]
    reasons: list[str]


class TargetRefOut(BaseModel):
    kind: str
    id: str | None
    label: str
    sector: str | None = None
    bassin: str | None = None


class NoPathOut(BaseModel):
    code: str
    message: str


class AlternativeOut(BaseModel):
    employer_id: str
    employer: str
    path: PathOut


class PlaceOut(BaseModel):
    id: str
    name: str


class ReferentOut(BaseModel):
    groupement_id: str
    groupement: str = Field(description="the groupement's or délégation's name")
    person: PersonRefOut


class NextStepsOut(BaseModel):
    """What to do when there is no path (``graph.paths.next_steps``)."""

    sector: str | None = Field(description="the target's sector(s), by name")
    bassin: str | None = Field(description="the target's bassin d'emploi, by name")
    employers: list[PlaceOut] = Field(
        [], description="nearest employers like the target the candidate can reach"
    )
    helpers: list[PersonRefOut] = Field(
        [],
        description="available helpers of the candidate's groupements working in the "
        "target's sector (at most 5)",
    )
    referents: list[ReferentOut] = Field(
        [],
        description="référents of the groupements covering the target's bassin, named only "
        "when they consented (at most 5)",
    )
    advice: list[str] = Field([], description="the same, as French sentences")


class PathResultOut(BaseModel):
    """Up to ``k`` paths, or why there is none and the nearest reachable employers."""

    candidate: PersonRefOut
    target: TargetRefOut
    as_of: date
    version: int
    policy: dict[str, Any]
    paths: list[PathOut]
    no_path: NoPathOut | None = None
    alternatives: list[AlternativeOut] = []
    notes: list[str] = []
    next_steps: NextStepsOut | None = Field(
        None, description="with `no_path` only: nearest reachable employers, helpers, référents"
    )


_EXAMPLES = {
    "employer": {
        "summary": "to anyone currently at an employer",
        "value": {
            "candidate_id": "p-0000002",
            "target": {"kind": "employer", "id": "emp-thales-ZE-33-1"},
        },
    },
    "offer": {
        "summary": "to a (hidden) job offer, two paths, at most 2 intermediaries",
        "value": {
            "candidate_id": "p-0000002",
            "target": {"kind": "offer", "id": "off-10"},
            "k": 2,
            "max_intermediaries": 2,
        },
    },
    "person": {
        "summary": "to one person",
        "value": {"candidate_id": "p-0000002", "target": {"kind": "person", "id": "p-0000083"}},
    },
    "set": {
        "summary": "to any employer of a sector in a bassin d'emploi, with policy options",
        "value": {
            "candidate_id": "p-0000002",
            "target": {"kind": "set", "sector": "defense", "bassin": "ZE-33-1"},
            "k": 3,
            "avoid_over_capacity": False,
            "referent_bridge": True,
            "costs": {"linkedin": 4.0},
            "as_of": "2026-01-15",
        },
    },
}

#: the service's field names, as the body names them
_FIELDS = {
    "candidate": "candidate_id",
    "person": "target.id",
    "employer": "target.id",
    "offer": "target.id",
    "sector": "target.sector",
    "bassin": "target.bassin",
    "policy": "body",
}


def _target(t: TargetIn) -> Target:
    if t.kind == "set":
        if t.id is not None:
            raise InvalidInput("target.id", "not used with kind 'set' (give sector and bassin)")
        if t.sector is None:
            raise InvalidInput("target.sector", "is required with kind 'set'")
        if t.bassin is None:
            raise InvalidInput("target.bassin", "is required with kind 'set'")
        return Target.sector_in_bassin(t.sector, t.bassin)
    for name in ("sector", "bassin"):
        if getattr(t, name) is not None:
            raise InvalidInput(f"target.{name}", "only used with kind 'set'")
    if t.id is None:
        raise InvalidInput("target.id", f"is required with kind {t.kind!r}")
    return Target(t.kind, id=t.id)


def _policy(q: PathQuery) -> PathPolicy:
    costs = HopCosts(**(q.costs.model_dump(exclude_none=True) if q.costs else {}))
    return PathPolicy(
        k=q.k,
        max_intermediaries=q.max_intermediaries,
        contact_must_consent=q.contact_must_consent,
        avoid_over_capacity=q.avoid_over_capacity,
        referent_bridge=q.referent_bridge,
        costs=costs,
    )


@router.post("", response_model=PathResultOut, summary="Find introduction paths")
async def query_paths(
    query: Annotated[PathQuery, Body(openapi_examples=_EXAMPLES)],
    principal: PathsQuery,
    store: StoreDep,
    request: Request,
) -> Response:
    """Up to ``k`` diverse paths from the candidate to the target, cheapest first.

    Each path lists its intermediaries (only people who consented are named), the final
    contact, every hop with its cost and its French explanation. With no path,
    ``no_path`` says why, ``alternatives`` lists the nearest reachable employers like
    the target and ``next_steps`` what to do next (those employers, the groupement's
    helpers in the target's sector, the référents of the target's bassin). 404 when
    the candidate or a person target does not exist, or is not one the caller may ask
    about (:mod:`graph.access.paths`: a référent their groupements' people, the
    national cell people who consented to be named, a portal people who consented to
    portal searches): the same answer either way.
    """
    # A search takes a few milliseconds of CPU once the index is built: on the event
    # loop when that is safe, else in a worker thread, at most ``api_path_threads`` at
    # once (more would only fight for the GIL).
    body = await on_loop_or_thread(
        request,
        store,
        _answer,
        store,
        principal,
        query,
        ready=index_ready,
        limiter=request.app.state.path_limiter,
    )
    return Response(body, media_type="application/json")


def _answer(store: GraphStore, principal: Principal, query: PathQuery) -> bytes:
    """The result's JSON, encoded straight from the service's dataclasses: the same
    document as ``PathResultOut`` (tests hold them equal) without FastAPI validating and
    re-encoding a dict, which cost ten times as much."""
    target = _target(query.target)
    policy = _policy(query)
    view = store.view()
    person_asked(view, principal, store.get, query.candidate_id, "candidate_id")
    if target.kind == "person" and target.id is not None:
        person_asked(view, principal, store.get, target.id, "target.id")
    try:
        result = find_paths(store, query.candidate_id, target, policy, query.as_of)
    except NotFound as exc:
        raise NotFound(exc.kind, exc.id, _FIELDS.get(exc.field, exc.field)) from None
    except InvalidInput as exc:
        raise InvalidInput(_FIELDS.get(exc.field, exc.field), exc.message, exc.value) from None
    return result.to_json()
