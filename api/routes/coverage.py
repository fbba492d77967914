"""``/api/v1/coverage``: how well the network serves each groupement's candidates.

A thin layer over :mod:`graph.coverage.service`, rendered for the caller with
:mod:`graph.coverage.privacy`:

* ``GET /coverage`` (national), ``/coverage/regions/{code}``,
  ``/coverage/departements/{code}``, ``/coverage/groupements/{groupement_id}``: a
  :class:`CoverageReportOut` (one row per groupement of the scope, the département and
  région roll-ups, the total);
* ``GET /coverage/gaps?scope=…&id=…&limit=…``: the ranked gaps of a scope;
* ``POST /coverage/what-if``: coverage before and after hypothetical changes (nothing
  is written);
* ``GET /coverage/actions``: per groupement its most useful single action, ranked
  nationally.

Who sees what (``coverage:read``: admin, référent, national; never portal):

* **admin and national**: every scope, always rendered with the small-count rule (counts
  of people under 5 read ``"< 5"``, shares that would reveal them are ``null``);
* **référent**: only ``groupements/{id}`` and ``gaps?scope=groupement&id=`` of their own
  groupement(s), rendered as the groupement's own view (exact counts); any other scope
  or groupement is 403 (a groupement's coverage is not personal data, so its existence
  need not be hidden, but its figures are not given). ``what-if`` only when every change
  is about their scope: each person (``person_id``, ``a_id``, ``b_id``) is
  ``IN_GROUPEMENT`` one of their groupements, each ``groupement_id`` is theirs
  (``partner_id`` of ``sign_charter`` is the other party and may be any groupement;
  ``employer_id`` any employer); the answer then holds only their groupements' rows and
  no national total. A person who is not theirs and an unknown person id get the same
  403 body, so what-if does not tell a référent who exists. ``actions``: admin and
  national only.

Reports are pure functions of (store version, date, scope): the rendered answers are
kept per store, least recently used dropped first beyond ``_CACHE_ROWS`` rows (about
40 MiB), keyed by them (a write changes the version, so nothing stale is served);
concurrent requests for the same key compute it once. Looking an answer up runs on the
event loop when the store is current, like the catalogue reads, and so does rendering a
groupement's figures that the national state already holds (``at_hand``); computing
anything else (and every what-if) runs in a worker thread, ``COVERAGE_THREADS`` (1) at a
time per worker, beside the path searches' own limit: coverage is CPU-bound numpy and
Python too.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any, Literal

import anyio.to_thread
from fastapi import APIRouter, Body, Path, Query, Request, Response
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)

from api.auth import Principal
from api.deps import CoverageRead, StoreDep, groupements_of
from api.problems import Forbidden, problem_responses
from api.runtime import fits_on_loop, on_loop_or_thread
from api.schemas import IdStr
from api.tokens import Role
from graph.coverage import privacy
from graph.coverage.gaps import Gap
from graph.coverage.metrics import Coverage, CoverageReport
from graph.coverage.service import (
    GapReport,
    RankedAction,
    Scope,
    at_hand,
    coverage,
    gaps,
    national_actions,
    what_if,
)
from graph.errors import InvalidInput, NotFound
from graph.model import ID_PATTERN, Label
from graph.store import GraphStore
from graph.view import LABEL_CODE, GraphView

router = APIRouter(
    prefix="/coverage",
    tags=["coverage"],
    responses=problem_responses(400, 401, 403, 404, 413, 422, 429, 503),
)

MAX_GAPS = 500
MAX_CHANGES = 20
_MIN_DATE, _MAX_DATE = date(1970, 1, 1), date(2100, 12, 31)

AsOf = Annotated[
    date | None,
    Query(
        ge=_MIN_DATE,
        le=_MAX_DATE,
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

# --------------------------------------------------------------------------- responses

#: a count of people: exact in the groupement's own view, else "< 5" from 0 to 4
People = int | Literal["< 5"]


class CoverageOut(BaseModel):
    """Coverage of one groupement or roll-up, rendered for the caller.

    Definitions: :mod:`graph.coverage.metrics`. Counts of people (``People``) from 0 to
    4 read ``"< 5"`` unless this is the groupement's own référent view
    (``suppressed`` is then false); shares that would reveal such a count are ``null``.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "scope": "groupement",
                    "id": "grp-anocr-33",
                    "name": "ANOCR Gironde",
                    "groupements": 1,
                    "groupements_without_referent": 0,
                    "groupements_referent_without_consent": 0,
                    "referents": "< 5",
                    "candidates": 95,
                    "candidates_departing_12m": 41,
                    "candidates_without_target": "< 5",
                    "helpers": 240,
                    "helpers_available": 188,
                    "candidates_with_path": 71,
                    "employers": 64,
                    "employers_without_contact": 12,
                    "sectors_targeted": 9,
                    "sectors_without_helper": 1,
                    "single_points_of_failure": 7,
                    "partners_without_charter": 0,
                    "hidden_offers": 5,
                    "hidden_offers_unreached": 1,
                    "referent_present": True,
                    "referent_consents": True,
                    "helper_ratio": 1.98,
                    "share_with_path": 0.747,
                    "candidates_without_path": 24,
                    "suppressed": True,
                }
            ]
        }
    )

    scope: Literal["groupement", "departement", "region", "national"]
    id: str = Field(description="groupement id, département or région code, or FR")
    name: str
    groupements: int = Field(description="groupements in the scope (1 for a groupement)")
    groupements_without_referent: int = Field(
        description="groupements of kind 'groupement' with no référent at all"
    )
    groupements_referent_without_consent: int = Field(
        description="groupements none of whose référents consented to introduce"
    )
    referents: People
    candidates: People
    candidates_departing_12m: People = Field(description="leaving within 12 months")
    candidates_without_target: People = Field(description="no bassin or sector targeted")
    helpers: People
    helpers_available: People = Field(description="consenting, below their monthly capacity")
    candidates_with_path: People = Field(description="with a path to one of their targets")
    employers: int = Field(description="employers in the territory")
    employers_without_contact: int = Field(description="with no contact reached")
    sectors_targeted: int
    sectors_without_helper: int
    single_points_of_failure: People = Field(description="contacts who are the only way in")
    partners_without_charter: int
    hidden_offers: int = Field(description="open hidden job offers in the territory")
    hidden_offers_unreached: int
    referent_present: bool
    referent_consents: bool
    helper_ratio: float | None = Field(description="available helpers per candidate")
    share_with_path: float | None = Field(description="candidates_with_path / candidates")
    candidates_without_path: People
    suppressed: bool = Field(description="small counts of people are withheld in this row")


class CoverageReportOut(BaseModel):
    """Coverage of a scope: its groupements, département and région roll-ups, the total."""

    as_of: date
    version: int = Field(description="store version the report was computed on")
    scope: Literal["groupement", "departement", "region", "national"]
    scope_id: str
    groupements: list[CoverageOut] = Field(description="one row per groupement, by id")
    departements: list[CoverageOut] = Field(description="national and région scopes")
    regions: list[CoverageOut] = Field(description="national scope")
    total: CoverageOut | None
    notes: list[str] = []


class ActionOut(BaseModel):
    kind: str = Field(examples=["name_referent"])
    params: dict[str, str | None] = Field(description="node ids the action is about")
    text: str = Field(description="the action, in French")


class GapOut(BaseModel):
    """A named shortfall of one groupement, with a suggested action."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "rank": 1,
                    "kind": "no_referent",
                    "groupement_id": "grp-anocr-33",
                    "groupement": "ANOCR Gironde",
                    "title": "Pas de référent reconversion",
                    "size": 1,
                    "unit": "référent",
                    "affected": 95,
                    "action": {
                        "kind": "name_referent",
                        "params": {"groupement": "grp-anocr-33", "person": "p-0000042"},
                        "text": "Nommer un référent reconversion pour ANOCR Gironde",
                    },
                }
            ]
        }
    )

    rank: int
    kind: str
    groupement_id: str
    groupement: str
    title: str
    size: People = Field(description="how big, in `unit` (a count of people for some kinds)")
    unit: str
    affected: People = Field(description="candidates of the groupement it affects")
    action: ActionOut


class GapReportOut(BaseModel):
    as_of: date
    version: int
    scope: Literal["groupement", "departement", "region", "national"]
    scope_id: str
    total: int = Field(description="gaps found in the scope, before `limit`")
    gaps: list[GapOut] = Field(description="most candidates affected first")


class RankedActionOut(BaseModel):
    rank: int
    groupement_id: str
    groupement: str
    gap: GapOut = Field(description="the gap the action closes")
    gain: People = Field(description="candidates who would gain a path (0: not measurable)")
    candidates: People
    candidates_with_path: People


class ActionsOut(BaseModel):
    """Per groupement, its most useful single action, ranked nationally."""

    as_of: date
    total: int = Field(description="groupements with an action, before `limit`")
    actions: list[RankedActionOut]


# --------------------------------------------------------------------------- what-if


class _Change(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AddReferentIn(_Change):
    """Name ``person_id`` référent of ``groupement_id``."""

    kind: Literal["add_referent"]
    groupement_id: IdStr
    person_id: IdStr


class AddHelperIn(_Change):
    """``person_id`` becomes a consenting helper currently working at ``employer_id``."""

    kind: Literal["add_helper"]
    person_id: IdStr
    employer_id: IdStr


class AddTieIn(_Change):
    """A personal tie between ``a_id`` and ``b_id``."""

    kind: Literal["add_tie"]
    a_id: IdStr
    b_id: IdStr


class SignCharterIn(_Change):
    """A local charter, in force from the date, between ``groupement_id`` and the
    délégation ``partner_id``."""

    kind: Literal["sign_charter"]
    groupement_id: IdStr
    partner_id: IdStr


class GrantConsentIn(_Change):
    """``person_id`` agrees to introduce candidates."""

    kind: Literal["grant_consent"]
    person_id: IdStr


_CHANGES = (AddReferentIn, AddHelperIn, AddTieIn, SignCharterIn, GrantConsentIn)
_KINDS = frozenset(m.model_fields["kind"].annotation.__args__[0] for m in _CHANGES)  # type: ignore[union-attr]
ChangeIn = Annotated[
    AddReferentIn | AddHelperIn | AddTieIn | SignCharterIn | GrantConsentIn,
    Field(discriminator="kind"),
]


def _plain_locations(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """Errors of ``changes[i]`` named ``changes[i].field``, without the union's tag
    (``changes[0].add_tie.b_id`` would name no field of the body); a bad or missing
    ``kind`` is named ``changes[i].kind``."""
    try:
        return handler(value)
    except ValidationError as exc:
        errors: list[Any] = []
        for e in exc.errors():
            loc = list(e["loc"])
            if len(loc) >= 2 and isinstance(loc[0], int) and loc[1] in _KINDS:
                del loc[1]
            if e["type"] in ("union_tag_invalid", "union_tag_not_found"):
                loc.append("kind")
            error = {"type": e["type"], "loc": tuple(loc), "input": e["input"]}
            if "ctx" in e:
                error["ctx"] = e["ctx"]
            errors.append(error)
        raise ValidationError.from_exception_data(exc.title, errors) from None


class WhatIfIn(BaseModel):
    """Hypothetical changes, measured together; nothing is written."""

    model_config = ConfigDict(extra="forbid")

    changes: Annotated[
        list[ChangeIn],
        WrapValidator(_plain_locations),
        Field(min_length=1, max_length=MAX_CHANGES, description="applied together"),
    ]
    as_of: date | None = Field(
        None, ge=_MIN_DATE, le=_MAX_DATE, description="date of the measure [today]"
    )


class BeforeAfterOut(BaseModel):
    before: CoverageOut
    after: CoverageOut


class WhatIfRowOut(BeforeAfterOut):
    id: str = Field(description="groupement id")
    name: str


class WhatIfOut(BaseModel):
    """Coverage before and after, for the groupements whose figures can change."""

    as_of: date
    version: int = Field(description="store version measured (unchanged by the call)")
    changes: list[ChangeIn]
    groupements: list[WhatIfRowOut]
    national: BeforeAfterOut | None = Field(description="null for a référent")


_WHAT_IF_EXAMPLES = {
    "referent": {
        "summary": "name a référent",
        "value": {
            "changes": [
                {"kind": "add_referent", "groupement_id": "grp-anocr-33", "person_id": "p-0000042"}
            ]
        },
    },
    "several": {
        "summary": "a new helper, a tie and a consent, at a date",
        "value": {
            "changes": [
                {
                    "kind": "add_helper",
                    "person_id": "p-0000042",
                    "employer_id": "emp-thales-ZE-33-1",
                },
                {"kind": "add_tie", "a_id": "p-0000002", "b_id": "p-0000042"},
                {"kind": "grant_consent", "person_id": "p-0000083"},
            ],
            "as_of": "2026-01-15",
        },
    },
    "charter": {
        "summary": "sign a local charter",
        "value": {
            "changes": [
                {
                    "kind": "sign_charter",
                    "groupement_id": "grp-anocr-33",
                    "partner_id": "del-implicaction-nouvelle-aquitaine",
                }
            ]
        },
    },
}

# --------------------------------------------------------------------------- cache

#: most rendered rows (coverage rows, gaps, actions) kept per store, about 1 KiB each:
#: every report of a day at national scale is a few thousand
_CACHE_ROWS = 50_000
_LOCK = threading.Lock()
_CACHE: weakref.WeakKeyDictionary[Any, _Entries] = weakref.WeakKeyDictionary()
_FLIGHTS: dict[tuple, threading.Lock] = {}


class _Entries:
    """Rendered answers of one store, least recently used first, with their row counts."""

    def __init__(self) -> None:
        self.items: OrderedDict[tuple, tuple[int, Any]] = OrderedDict()
        self.rows = 0

    def get(self, key: tuple) -> Any:
        hit = self.items.get(key)
        if hit is None:
            return None
        self.items.move_to_end(key)
        return hit[1]

    def put(self, key: tuple, value: Any, rows: int) -> None:
        old = self.items.pop(key, None)
        self.rows += rows - (old[0] if old else 0)
        self.items[key] = (rows, value)
        while self.rows > _CACHE_ROWS and len(self.items) > 1:
            _, (dropped, _) = self.items.popitem(last=False)
            self.rows -= dropped


def _lookup(store: GraphStore, what: tuple) -> tuple[tuple, Any]:
    """(key, the answer kept for the store's current version, or None)."""
    key = (store.view().version, *what)
    with _LOCK:
        entries = _CACHE.get(store)
        if entries is None:
            entries = _CACHE[store] = _Entries()
        return key, entries.get(key)


def _fill(
    store: GraphStore, key: tuple, what: tuple, compute: Callable[[], tuple[int, Any, int]]
) -> Any:
    """``compute()`` → (store version, value, rows), kept under (version, ``what``).

    One computation per key at a time: concurrent callers wait for the first one.
    """
    with _LOCK:
        entries = _CACHE[store]
        flight = _FLIGHTS.setdefault((id(store), key), threading.Lock())
    with flight:
        with _LOCK:
            hit = entries.get(key)
        if hit is not None:
            return hit
        try:
            return _keep(store, what, compute)
        finally:
            with _LOCK:
                _FLIGHTS.pop((id(store), key), None)


def _keep(store: GraphStore, what: tuple, compute: Callable[[], tuple[int, Any, int]]) -> Any:
    """``compute()``'s value, kept under (its store version, ``what``)."""
    version, value, rows = compute()
    with _LOCK:
        entries = _CACHE.get(store)
        if entries is None:
            entries = _CACHE[store] = _Entries()
        entries.put((version, *what), value, rows)
    return value


# --------------------------------------------------------------------------- rendering


def _row(cov: Coverage, own: bool) -> dict[str, Any]:
    return privacy.render_coverage(cov, own_groupement=own)


def _report(report: CoverageReport, own: bool) -> dict[str, Any]:
    """``own``: the groupement's own view (exact rows for a groupement scope only)."""
    return {
        "as_of": report.as_of,
        "version": report.version,
        "scope": report.scope,
        "scope_id": report.scope_id,
        "groupements": [_row(c, own) for c in report.groupements],
        "departements": [_row(c, False) for c in report.departements],
        "regions": [_row(c, False) for c in report.regions],
        "total": None if report.total is None else _row(report.total, own),
        "notes": list(report.notes),
    }


def _gap(gap: Gap, own: bool) -> dict[str, Any]:
    return privacy.render_gap(gap, own_groupement=own)


def _action(action: RankedAction) -> dict[str, Any]:
    return {
        "rank": action.rank,
        "groupement_id": action.groupement_id,
        "groupement": action.groupement,
        "gap": _gap(action.gap, False),
        "gain": privacy.count(action.gain, False),
        "candidates": privacy.count(action.candidates, False),
        "candidates_with_path": privacy.count(action.candidates_with_path, False),
    }


@contextmanager
def _fields(names: dict[str, str]) -> Iterator[None]:
    """The service's field names, as the request names them."""
    try:
        yield
    except NotFound as exc:
        raise NotFound(exc.kind, exc.id, names.get(exc.field, exc.field)) from None
    except InvalidInput as exc:
        raise InvalidInput(names.get(exc.field, exc.field), exc.message, exc.value) from None


# --------------------------------------------------------------------------- scope rules


def _national_only(principal: Principal) -> None:
    if principal.role is Role.REFERENT:
        raise Forbidden(
            "a referent token reads the coverage of its own groupements only "
            "(GET /api/v1/coverage/groupements/{groupement_id})"
        )


def _own(principal: Principal, groupement_id: str, field: str) -> bool:
    """Whether the caller sees ``groupement_id`` as its own view; 403 for another
    référent's groupement."""
    if not principal.scoped:
        return False
    if groupement_id not in principal.groupements:
        raise Forbidden(
            f"{field}: not one of this token's groupements",
            errors=[(field, "not one of this token's groupements")],
        )
    return True


def _person_is_theirs(view: GraphView, principal: Principal, person_id: str) -> bool:
    nid = view.index.get(person_id)
    return (
        nid is not None
        and view.labels[nid] == LABEL_CODE[Label.PERSON]
        and principal.covers(groupements_of(view, nid))
    )


def _changes_in_scope(view: GraphView, principal: Principal, changes: list[Any]) -> None:
    """403 unless every change is about the référent's groupements and people.

    A person who is not theirs and an id that names no person get the same body.
    """
    for i, change in enumerate(changes):
        gid = getattr(change, "groupement_id", None)
        if gid is not None:
            _own(principal, gid, f"changes[{i}].groupement_id")
        for name in ("person_id", "a_id", "b_id"):
            pid = getattr(change, name, None)
            if pid is not None and not _person_is_theirs(view, principal, pid):
                field = f"changes[{i}].{name}"
                raise Forbidden(
                    f"{field}: not a person of this token's groupements",
                    errors=[(field, "not a person of this token's groupements")],
                )


# --------------------------------------------------------------------------- routes


#: coverage computations one worker runs at once, beside the path searches
COVERAGE_THREADS = 1


def _limiter(request: Request) -> anyio.CapacityLimiter:
    """The app's coverage limiter, made on first use (on the event loop: no race)."""
    limiter = getattr(request.app.state, "coverage_limiter", None)
    if limiter is None:
        limiter = request.app.state.coverage_limiter = anyio.CapacityLimiter(COVERAGE_THREADS)
    return limiter


async def _run(request: Request, fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` in a worker thread, at most ``COVERAGE_THREADS`` at once: coverage is
    CPU-bound numpy and Python, and more threads would only fight for the GIL with the
    path searches (which have their own limit, ``api_path_threads``). A computation does
    not wait behind path searches, nor they behind it."""
    return await anyio.to_thread.run_sync(fn, *args, limiter=_limiter(request))


async def _serve(
    request: Request,
    store: GraphStore,
    what: tuple,
    compute: Callable[[], tuple[int, Any, int]],
    ready: Callable[[GraphStore, GraphView], bool] | None = None,
) -> Any:
    """The answer kept for ``what`` at the store's version, else ``compute``'s.

    The lookup (the store's version: a short read) runs on the event loop when the
    store is current (:func:`api.runtime.on_loop_or_thread`). So does ``compute`` when
    ``ready(store, view)`` says it only reads figures already computed: under load, a
    thread would get the GIL only in the gaps of the busy loop and wait hundreds of
    milliseconds for a sub-millisecond lookup. Any other computation takes a place
    within the coverage limit, in a thread.
    """
    key, hit = await on_loop_or_thread(request, store, _lookup, store, what)
    if hit is not None:
        return hit
    if ready is not None and fits_on_loop(store, ready):
        return _keep(store, what, compute)
    return await _run(request, _fill, store, key, what, compute)


def _at_hand(scope: Scope, day: date) -> Callable[[GraphStore, GraphView], bool]:
    def ready(store: GraphStore, view: GraphView) -> bool:
        return at_hand(store, view, scope, day)

    return ready


def _coverage(
    store: GraphStore, scope: Scope, day: date, own: bool, names: dict[str, str]
) -> Callable[[], tuple[int, dict[str, Any], int]]:
    def compute() -> tuple[int, dict[str, Any], int]:
        with _fields(names):
            report = coverage(store, scope, day)
        rows = len(report.groupements) + len(report.departements) + len(report.regions) + 1
        return report.version, _report(report, own), rows

    return compute


async def _serve_json(
    request: Request,
    store: GraphStore,
    what: tuple,
    compute: Callable[[], tuple[int, Any, int]],
    model: type[BaseModel],
    body: Callable[[Any], dict[str, Any]] = lambda value: value,
    view: tuple = (),
    ready: Callable[[GraphStore, GraphView], bool] | None = None,
) -> Response:
    """The answer for ``what`` as ``model`` JSON, rendered once per store version.

    Answers are read far more often than the store changes: validating and encoding the
    same report on every read cost more than looking it up. The JSON is kept under the
    version the lookup saw; ``view`` names what else shapes it (a page size). If a write
    lands while it is computed, it may hold the newer figures, never older ones.
    """
    json_what = ("json", *what, *view)
    key, hit = await on_loop_or_thread(request, store, _lookup, store, json_what)
    if hit is None:
        value = await _serve(request, store, what, compute, ready)
        hit = model.model_validate(body(value)).model_dump_json(by_alias=True).encode()
        with _LOCK:
            _CACHE[store].put(key, hit, 1 + len(hit) // 1024)
    return Response(content=hit, media_type="application/json")


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
    return await _serve_json(
        request, store, what, compute, CoverageReportOut, ready=_at_hand(scope, day)
    )


@router.get("", response_model=CoverageReportOut, summary="National coverage")
async def national_coverage(
    principal: CoverageRead, store: StoreDep, request: Request, as_of: AsOf = None
) -> Response:
    """Every groupement, département and région, and the national total (admin, national).

    Counts of people under 5 read "< 5".
    """
    _national_only(principal)
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
    _national_only(principal)
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
    _national_only(principal)
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
    own = _own(principal, groupement_id, "groupement_id")
    names = {"groupement": "groupement_id"}
    scope = Scope.groupement(groupement_id)
    return await _coverage_answer(request, store, scope, as_of, own, names)


ScopeKind = Literal["national", "region", "departement", "groupement"]


def _gaps(
    store: GraphStore, scope: Scope, day: date, own: bool
) -> Callable[[], tuple[int, tuple[GapReport, list[dict[str, Any]]], int]]:
    def compute() -> tuple[int, tuple[GapReport, list[dict[str, Any]]], int]:
        with _fields({scope.kind: "id", "scope.kind": "scope"}):
            report = gaps(store, scope, day)
        rendered = [_gap(g, own) for g in report.gaps]
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
    own = False
    if principal.scoped:
        if scope != "groupement":
            raise Forbidden(
                "a referent token reads the gaps of its own groupements only "
                "(scope=groupement&id=…)",
                errors=[("scope", "must be groupement for a referent token")],
            )
        own = _own(principal, scope_id, "id")  # type: ignore[arg-type]
    target = Scope(scope, scope_id)
    day = as_of or date.today()
    what = ("gaps", day, scope, scope_id, own)

    def body(value: tuple[GapReport, list[dict[str, Any]]]) -> dict[str, Any]:
        report, rendered = value
        return {
            "as_of": report.as_of,
            "version": report.version,
            "scope": report.scope,
            "scope_id": report.scope_id,
            "total": len(rendered),
            "gaps": rendered[:limit],
        }

    compute = _gaps(store, target, day, own)
    ready = _at_hand(target, day)
    return await _serve_json(request, store, what, compute, GapReportOut, body, (limit,), ready)


def _actions(store: GraphStore, day: date) -> Callable[[], tuple[int, Any, int]]:
    def compute() -> tuple[int, list[dict[str, Any]], int]:
        version = store.view().version
        actions = [_action(a) for a in national_actions(store, day)]
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
    _national_only(principal)
    day = as_of or date.today()

    def body(rendered: list[dict[str, Any]]) -> dict[str, Any]:
        return {"as_of": day, "total": len(rendered), "actions": rendered[:limit]}

    compute = _actions(store, day)
    return await _serve_json(request, store, ("actions", day), compute, ActionsOut, body, (limit,))


def _what_if_answer(store: GraphStore, principal: Principal, body: WhatIfIn) -> dict[str, Any]:
    if principal.scoped:
        _changes_in_scope(store.view(), principal, body.changes)
    changes = [c.model_dump() for c in body.changes]
    result = what_if(store, changes, body.as_of or date.today())
    own = principal.scoped
    rows = [
        {"id": b.id, "name": b.name, "before": _row(b, own), "after": _row(a, own)}
        for b, a in zip(result.before, result.after, strict=True)
        if not own or b.id in principal.groupements
    ]
    national = None
    if not own:
        national = {
            "before": _row(result.national_before, False),
            "after": _row(result.national_after, False),
        }
    return {
        "as_of": result.as_of,
        "version": result.version,
        "changes": changes,
        "groupements": rows,
        "national": national,
    }


@router.post("/what-if", response_model=WhatIfOut, summary="Coverage after hypothetical changes")
async def coverage_what_if(
    body: Annotated[WhatIfIn, Body(openapi_examples=_WHAT_IF_EXAMPLES)],  # type: ignore[arg-type]
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
    return await _run(request, _what_if_answer, store, principal, body)
