"""``/api/v1/coverage``: how well the network serves each groupement's candidates.

A thin layer over :mod:`graph.coverage.service`, rendered for the caller
(:mod:`api.routes.coverage.render`):

* ``GET /coverage`` (national), ``/coverage/regions/{code}``,
  ``/coverage/departements/{code}``, ``/coverage/groupements/{groupement_id}``: a
  :class:`~api.routes.coverage.models.CoverageReportOut` (one row per groupement of the
  scope, the département and région roll-ups, the total);
* ``GET /coverage/gaps?scope=…&id=…&limit=…``: the ranked gaps of a scope;
* ``POST /coverage/what-if``: coverage before and after hypothetical changes (nothing
  is written);
* ``GET /coverage/actions``: per groupement its most useful single action, ranked
  nationally.

Who sees what is the core's rule (:mod:`graph.access.coverage`): the admin and the
national cell read every scope with small counts withheld; a référent reads only their
own groupements, exactly, and asks what-if only about their people; portals never read
coverage. Answers are kept per store version (:mod:`api.routes.coverage.cache`) and made
on the loop or in a thread (:mod:`api.routes.coverage.serving`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request, Response

from api.deps import CoverageRead, StoreDep
from api.problems import Forbidden, problem_responses
from api.routes.coverage import render
from api.routes.coverage.cache import Compute
from api.routes.coverage.models import (
    MAX_DATE,
    MIN_DATE,
    WHAT_IF_EXAMPLES,
    ActionsOut,
    CoverageReportOut,
    GapReportOut,
    WhatIfIn,
    WhatIfOut,
)
from api.routes.coverage.serving import Ready, run, serve_json
from graph.access.coverage import (
    ScopeKind,
    check_changes,
    may_read_actions,
    may_read_scope,
    own_groupement,
)
from graph.access.roles import Principal
from graph.access.scope import GroupementView, groupement_view
from graph.coverage.service import (
    GapReport,
    Scope,
    at_hand,
    coverage,
    gaps,
    national_actions,
    what_if,
)
from graph.errors import InvalidInput, NotFound
from graph.model import ID_PATTERN
from graph.store import GraphStore
from graph.view import GraphView

router = APIRouter(
    prefix="/coverage",
    tags=["coverage"],
    responses=problem_responses(400, 401, 403, 404, 413, 422, 429, 503),
)

MAX_GAPS = 500

AsOf = Annotated[
    date | None,
    Query(
        ge=MIN_DATE,
        le=MAX_DATE,
        description="date of the report (employment current, charters in force) [today]",
        examples=["2026-01-15"],
    ),
]
GroupementId = Annotated[str, Path(pattern=ID_PATTERN, max_length=80, examples=["grp-anocr-33"])]
_CODE = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"
RegionCode = Annotated[
    str,
    Path(
        pattern=_CODE,
        max_length=80,
        description="région code (INSEE, e.g. 75) or node id (reg-75)",
        examples=["75"],
    ),
]
DepartementCode = Annotated[
    str,
    Path(
        pattern=_CODE,
        max_length=80,
        description="département code (e.g. 33, 2A) or node id (dep-33)",
        examples=["33"],
    ),
]
_REFERENT_COVERAGE = (
    "a referent token reads the coverage of its own groupements only "
    "(GET /api/v1/coverage/groupements/{groupement_id})"
)


def _readable(principal: Principal, kind: ScopeKind) -> None:
    """403 unless the caller may read a scope of this kind (not a référent beyond their
    groupements)."""
    if not may_read_scope(principal, kind):
        raise Forbidden(_REFERENT_COVERAGE)


@contextmanager
def _fields(names: dict[str, str]) -> Iterator[None]:
    """The service's field names, as the request names them."""
    try:
        yield
    except NotFound as exc:
        raise NotFound(exc.kind, exc.id, names.get(exc.field, exc.field)) from None
    except InvalidInput as exc:
        raise InvalidInput(names.get(exc.field, exc.field), exc.message, exc.value) from None


def _at_hand(scope: Scope, day: date) -> Ready:
    def ready(store: GraphStore, view: GraphView) -> bool:
        return at_hand(store, view, scope, day)

    return ready


def _coverage(
    store: GraphStore, scope: Scope, day: date, own: bool, names: dict[str, str]
) -> Compute:
    def compute() -> tuple[int, dict[str, Any], int]:
        with _fields(names):
            report = coverage(store, scope, day)
        rows = len(report.groupements) + len(report.departements) + len(report.regions) + 1
        return report.version, render.report(report, own), rows

    return compute


async def _coverage_answer(
    request: Request,
    store: GraphStore,
    scope: Scope,
    as_of: date | None,
    own: bool,
    names: dict[str, str],
) -> Response:
    day = as_of or date.today()
    what = ("coverage", day, scope.kind, scope.id, own)
    compute = _coverage(store, scope, day, own, names)
    return await serve_json(
        request, store, what, compute, CoverageReportOut, ready=_at_hand(scope, day)
    )


@router.get("", response_model=CoverageReportOut, summary="National coverage")
async def national_coverage(
    principal: CoverageRead, store: StoreDep, request: Request, as_of: AsOf = None
) -> Response:
    """Every groupement, département and région, and the national total (admin, national).

    Counts of people under 5 read "< 5".
    """
    _readable(principal, "national")
    return await _coverage_answer(request, store, Scope.national(), as_of, False, {})


@router.get("/regions/{code}", response_model=CoverageReportOut, summary="Coverage of a région")
async def region_coverage(
    code: RegionCode,
    principal: CoverageRead,
    store: StoreDep,
    request: Request,
    as_of: AsOf = None,
) -> Response:
    """The groupements covering a région, its départements and its total (admin,
    national). 404 for an unknown région."""
    _readable(principal, "region")
    names = {"region": "code"}
    return await _coverage_answer(request, store, Scope.region(code), as_of, False, names)


@router.get(
    "/departements/{code}", response_model=CoverageReportOut, summary="Coverage of a département"
)
async def departement_coverage(
    code: DepartementCode,
    principal: CoverageRead,
    store: StoreDep,
    request: Request,
    as_of: AsOf = None,
) -> Response:
    """The groupements covering a département and its total (admin, national). 404 for an
    unknown département."""
    _readable(principal, "departement")
    names = {"departement": "code"}
    scope = Scope.departement(code)
    return await _coverage_answer(request, store, scope, as_of, False, names)


@router.get(
    "/groupements/{groupement_id}",
    response_model=CoverageReportOut,
    summary="Coverage of a groupement",
)
async def groupement_coverage(
    groupement_id: GroupementId,
    principal: CoverageRead,
    store: StoreDep,
    request: Request,
    as_of: AsOf = None,
) -> Response:
    """One groupement. Its own référent gets exact counts; the admin and the national cell
    get "< 5" for small counts of people; another référent gets 403."""
    own = own_groupement(principal, groupement_id, "groupement_id")
    names = {"groupement": "groupement_id"}
    scope = Scope.groupement(groupement_id)
    return await _coverage_answer(request, store, scope, as_of, own, names)


def _gaps(store: GraphStore, scope: Scope, day: date, own: bool) -> Compute:
    def compute() -> tuple[int, tuple[GapReport, list[dict[str, Any]]], int]:
        with _fields({scope.kind: "id", "scope.kind": "scope"}):
            report = gaps(store, scope, day)
        named = render.people(store, report.gaps)
        rendered = [render.gap(g, own, named) for g in report.gaps]
        return report.version, (report, rendered), len(rendered) + 1

    return compute


@router.get("/gaps", response_model=GapReportOut, summary="Ranked gaps of a scope")
async def coverage_gaps(
    principal: CoverageRead,
    store: StoreDep,
    request: Request,
    scope: Annotated[ScopeKind, Query(description="kind of scope")] = "national",
    scope_id: Annotated[
        str | None,
        Query(
            alias="id",
            pattern=_CODE,
            max_length=80,
            description="groupement id, département or région code; not with national",
            examples=["grp-anocr-33"],
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_GAPS, description="most gaps returned")] = 50,
    as_of: AsOf = None,
) -> Response:
    """The gaps of every groupement of the scope, most candidates affected first, each
    with a suggested action. A référent: ``scope=groupement`` and one of their own
    groupements only (exact counts); others get "< 5" for small counts of people."""
    if scope == "national" and scope_id is not None:
        raise InvalidInput("id", "not used with scope national", scope_id)
    if scope != "national" and scope_id is None:
        raise InvalidInput("id", f"is required with scope {scope}")
    if not may_read_scope(principal, scope):
        raise Forbidden(
            "a referent token reads the gaps of its own groupements only (scope=groupement&id=…)",
            errors=[("scope", "must be groupement for a referent token")],
        )
    own = False
    if scope == "groupement" and scope_id is not None:
        own = own_groupement(principal, scope_id, "id")
    target = Scope(scope, scope_id)
    day = as_of or date.today()
    what = ("gaps", day, scope, scope_id, own)

    def body(value: tuple[GapReport, list[dict[str, Any]]]) -> dict[str, Any]:
        report, rendered = value
        return {
            "as_of": report.as_of,
            "version": report.version,
            "computed_at": report.computed_at,
            "current": report.current,
            "scope": report.scope,
            "scope_id": report.scope_id,
            "total": len(rendered),
            "gaps": rendered[:limit],
        }

    compute = _gaps(store, target, day, own)
    ready = _at_hand(target, day)
    return await serve_json(request, store, what, compute, GapReportOut, body, (limit,), ready)


def _actions(store: GraphStore, day: date) -> Compute:
    def compute() -> tuple[int, list[dict[str, Any]], int]:
        version = store.view().version
        found = national_actions(store, day)
        named = render.people(store, (a.gap for a in found))
        actions = [render.action(a, named) for a in found]
        return version, actions, 2 * len(actions) + 1

    return compute


@router.get("/actions", response_model=ActionsOut, summary="Most useful action per groupement")
async def coverage_actions(
    principal: CoverageRead,
    store: StoreDep,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=MAX_GAPS, description="most actions returned")] = 50,
    as_of: AsOf = None,
) -> Response:
    """Per groupement, the single action that would give a path to the most candidates
    (else its first gap), ranked nationally (admin, national)."""
    if not may_read_actions(principal):
        raise Forbidden(_REFERENT_COVERAGE)
    day = as_of or date.today()

    def body(rendered: list[dict[str, Any]]) -> dict[str, Any]:
        return {"as_of": day, "total": len(rendered), "actions": rendered[:limit]}

    compute = _actions(store, day)
    return await serve_json(request, store, ("actions", day), compute, ActionsOut, body, (limit,))


def _what_if_answer(store: GraphStore, principal: Principal, body: WhatIfIn) -> dict[str, Any]:
    changes = [c.model_dump() for c in body.changes]
    check_changes(store.view(), principal, changes)
    result = what_if(store, changes, body.as_of or date.today())
    rows = []
    for b, a in zip(result.before, result.after, strict=True):
        seen = groupement_view(principal, b.id)
        if seen is GroupementView.OTHER:
            continue
        own = seen is GroupementView.OWN
        before, after = render.what_if_pair(b, a, own)
        rows.append({"id": b.id, "name": b.name, "before": before, "after": after})
    national = None
    if may_read_scope(principal, "national"):
        before, after = render.what_if_pair(result.national_before, result.national_after, False)
        national = {"before": before, "after": after}
    return {
        "as_of": result.as_of,
        "version": result.version,
        "changes": changes,
        "groupements": rows,
        "national": national,
    }


@router.post("/what-if", response_model=WhatIfOut, summary="Coverage after hypothetical changes")
async def coverage_what_if(
    body: Annotated[WhatIfIn, Body(openapi_examples=WHAT_IF_EXAMPLES)],
    principal: CoverageRead,
    store: StoreDep,
    request: Request,
) -> dict[str, Any]:
    """Coverage before and after ``changes`` (``add_referent``, ``add_helper``,
    ``add_tie``, ``sign_charter``, ``grant_consent``), for the groupements whose figures
    can change, and the national total; nothing is written.

    A référent may ask only about their groupements and their people (else 403) and gets
    only their groupements' rows, exact, without the national total. 404 names the
    change's field for an unknown id (admin, national).
    """
    return await run(request, _what_if_answer, store, principal, body)
