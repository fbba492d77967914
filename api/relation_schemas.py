"""Request and response shapes of the relationship routes (:mod:`api.routes.relations`).

One create body, one patch body (where the relationship has properties) and one answer
per kind, written out so a reader sees each kind's fields. The graph's records
(:mod:`graph.model`) stay the source of truth for the constraints: the service validates
the whole record again (``until`` before ``since`` is refused there, naming the field),
and ``tests/api/test_relations.py`` checks that each body's properties are the record's.

Decisions:

* A create body names the other end by its id (``employer_id``, ``mentor_id``…); the
  anchor is the path's (``/members/{person_id}/…``). Bodies refuse unknown fields.
* Answers carry ``other_label`` where the other end may be of two labels (a target is a
  bassin d'emploi or a sector); every answer has it, for one shape to read.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from graph.model import ID_PATTERN, PartnerLevel, TieSource

RefId = Annotated[str, Field(pattern=ID_PATTERN, max_length=80)]
Strength = Annotated[float, Field(ge=0.0, le=1.0, description="0 (weak) to 1 (strong)")]
Context = Annotated[str, Field(max_length=120, description='what they share, "Saint-Cyr 2004"')]
Role = Annotated[str, Field(max_length=120)]
CharterName = Annotated[str, Field(max_length=200)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    other_label: str = Field(description="label of the other end")


# --------------------------------------------------------------------------- ties (KNOWS)


class TieCreate(_Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"other_id": "p-0000042", "strength": 0.8, "source": "unit",
                 "since": "2015-09-01", "context": "2e RIMa"}
            ]
        },
    )  # fmt: skip
    other_id: RefId = Field(description="the other person")
    strength: Strength
    source: TieSource
    since: date | None = None
    confirmed_at: date | None = None
    context: Context | None = None


class TiePatch(_Input):
    strength: Strength | None = None
    source: TieSource | None = None
    since: date | None = None
    confirmed_at: date | None = None
    context: Context | None = None


class Tie(_Out):
    person_id: str
    other_id: str
    strength: float
    source: TieSource
    since: date | None = None
    confirmed_at: date | None = None
    context: str | None = None


# --------------------------------------------------------------------------- mentors


class MentorCreate(_Input):
    mentor_id: RefId = Field(description="the person who sponsors this member")
    since: date | None = None


class MentorPatch(_Input):
    since: date | None = None


class Mentor(_Out):
    person_id: str = Field(description="the mentee")
    mentor_id: str
    since: date | None = None


# --------------------------------------------------------------------------- employments


class EmploymentCreate(_Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"employer_id": "emp-thales-bdx", "role": "Chef de projet",
                          "since": "2021-03-01"}]
        },
    )  # fmt: skip
    employer_id: RefId
    role: Role | None = None
    since: date | None = None
    until: date | None = Field(None, description="null: still employed there")


class EmploymentPatch(_Input):
    role: Role | None = None
    since: date | None = None
    until: date | None = None


class EmploymentEnd(_Input):
    until: date | None = Field(None, description="the last day [default: today]")


class Employment(_Out):
    person_id: str
    employer_id: str
    role: str | None = None
    since: date | None = None
    until: date | None = None


# --------------------------------------------------------------------------- targets, places


class TargetCreate(_Input):
    target_id: RefId = Field(description="a bassin d'emploi or a sector")


class Target(_Out):
    person_id: str
    target_id: str


class HomeCreate(_Input):
    departement_id: RefId


class Home(_Out):
    person_id: str
    departement_id: str


class SettlementCreate(_Input):
    bassin_vie_id: RefId = Field(description="a bassin de vie where the family may settle")


class Settlement(_Out):
    person_id: str
    bassin_vie_id: str


# --------------------------------------------------------------------------- memberships


class Since(_Input):
    since: date | None = None


class GroupementMembershipCreate(_Input):
    groupement_id: RefId
    since: date | None = None


class GroupementMembership(_Out):
    person_id: str
    groupement_id: str
    since: date | None = None


class AssociationMembershipCreate(_Input):
    association_id: RefId
    since: date | None = None


class AssociationMembership(_Out):
    person_id: str
    association_id: str
    since: date | None = None


# --------------------------------------------------------------------------- organisations


class ReferentCreate(_Input):
    person_id: RefId
    since: date | None = None


class Referent(_Out):
    groupement_id: str
    person_id: str
    since: date | None = None


class CharterCreate(_Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"partner_id": "grp-ia-bordeaux", "signed": "2024-03-15",
                          "expires": "2025-03-15", "level": "local"}]
        },
    )  # fmt: skip
    partner_id: RefId
    signed: date
    expires: date | None = None
    level: PartnerLevel
    name: CharterName | None = None


class CharterPatch(_Input):
    signed: date | None = None
    expires: date | None = None
    level: PartnerLevel | None = None
    name: CharterName | None = None


class Charter(_Out):
    groupement_id: str
    partner_id: str
    signed: date
    expires: date | None = None
    level: PartnerLevel
    name: str | None = None


class Convention(_Out):
    association_id: str
    partner_id: str
    signed: date
    expires: date | None = None
    level: PartnerLevel
    name: str | None = None
