"""The coverage routes' request and response models, declared as plain classes.

Counts of people are :data:`People`: an ``int``, or the withheld "< 5" of
:mod:`graph.access.counts` outside a groupement's own view. The what-if body is a list
of changes told apart by their ``kind`` (a discriminated union), whose validation errors
name ``changes[i].field`` as the body writes it.

Decisions:

* Every model is a class a reader (and a type checker) can follow; nothing is built at
  run time. The OpenAPI examples are typed (:class:`fastapi.openapi.models.Example`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, get_args

from fastapi.openapi.models import Example
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)

from api.schemas import IdStr
from graph.access.counts import ShownCount

MAX_CHANGES = 20
#: the dates a report may be asked for
MIN_DATE, MAX_DATE = date(1970, 1, 1), date(2100, 12, 31)

# --------------------------------------------------------------------------- responses

#: a count of people: exact in the groupement's own view, else "< 5" from 0 to 4
People = ShownCount


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
                    "groupements_referent_required": 1,
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
                    "referent_status": "present",
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
    groupements_referent_required: int = Field(
        description="groupements asked to name a référent (kind 'groupement'); 0 for a "
        "délégation or an antenne"
    )
    referent_present: bool = Field(
        description="every groupement asked to name a référent has one (true when none is asked)"
    )
    referent_consents: bool
    referent_status: Literal["present", "missing", "without_consent", "not_required"] = Field(
        description="the one answer to 'has it a référent?': 'not_required' for a délégation "
        "or an antenne (the dashboard and the CLI say 'non requis')"
    )
    helper_ratio: float | None = Field(description="available helpers per candidate")
    share_with_path: float | None = Field(description="candidates_with_path / candidates")
    candidates_without_path: People
    suppressed: bool = Field(description="small counts of people are withheld in this row")


class CoverageReportOut(BaseModel):
    """Coverage of a scope: its groupements, département and région roll-ups, the total."""

    as_of: date
    version: int = Field(description="store version the figures were computed at")
    computed_at: datetime | None = Field(
        None, description="when the figures of `version` were computed (ISO 8601, with offset)"
    )
    current: bool = Field(
        True,
        description=(
            "false right after a write that removed something: the figures are those of"
            " `version`, the newest complete ones, while the current version's are computed"
            " in the background; a later request gets them"
        ),
    )
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
    version: int = Field(description="store version the gaps were computed at")
    computed_at: datetime | None = Field(
        None, description="when the figures of `version` were computed (ISO 8601, with offset)"
    )
    current: bool = Field(
        True,
        description=(
            "false right after a write that removed something: the figures are those of"
            " `version`, the newest complete ones, while the current version's are computed"
            " in the background; a later request gets them"
        ),
    )
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
#: the ``kind`` of each change, as its ``Literal`` declares it
_KINDS = frozenset(get_args(m.model_fields["kind"].annotation)[0] for m in _CHANGES)
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
        None, ge=MIN_DATE, le=MAX_DATE, description="date of the measure [today]"
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


WHAT_IF_EXAMPLES: dict[str, Example] = {
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
