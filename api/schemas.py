"""The API's request and response shapes: shared ones (pages, deletions) and those of the
catalogue resources (members, associations, groupements, employers, offers).

Decisions:
- Plain classes, written out: a reader (and a type checker) sees each body's fields,
  and a route takes ``body: EmployerCreate`` with typed attributes. They used to be
  derived from the graph's records at import (``create_model``), which no checker follows.
- The graph's records (:mod:`graph.model`) stay the source of truth for properties and
  their constraints: a test (``tests/api/test_schemas.py``) derives each model from its
  record as the old builder did and compares the JSON schemas, so a property added to a
  record and forgotten here fails it.
- A create body has the record's fields (``id`` optional: the server chooses one), a patch
  body every field optional (what is given replaces the stored value); both refuse
  unknown fields (422 naming them). A response has the record's fields as stored (no
  input constraints) and the relationships the route adds.
- Response classes are named after the resource (``Employer``): the name is the
  OpenAPI component's; the routes import them as ``EmployerOut`` beside the record.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from graph.access.counts import ShownCount
from graph.model import (
    ID_PATTERN,
    AssociationKind,
    Career,
    Civility,
    GradeCategory,
    GroupementKind,
    NodeId,
    OfferStatus,
    PersonStatus,
    Service,
    ShortText,
)

T = TypeVar("T")

IdStr = Annotated[str, Field(pattern=ID_PATTERN, max_length=80, examples=["p-0000042"])]
#: the id of another node a body refers to
RefId = Annotated[str, Field(pattern=ID_PATTERN, max_length=80)]
#: an id a create body may give (admins only; else the server chooses one)
NewId = Annotated[str, Field(pattern=ID_PATTERN)]
ID_DESCRIPTION = "stable string id"
CODE_DESCRIPTION = (
    "its code (`ZE-33-1`, `defense`; see /bassins and /secteurs); the node id (`be-ZE-33-1`,"
    " `sec-defense`) is accepted too, for compatibility"
)

# The records' constrained properties (graph.model), as bodies and answers repeat them.
Grade = Annotated[str, Field(max_length=80)]
Promotion = Annotated[str, Field(max_length=120)]
Capacity = Annotated[int, Field(ge=0, le=100)]
MonthlyLoad = Annotated[int, Field(ge=0, le=1000)]
Email = Annotated[str, Field(max_length=200, pattern=r"^[^@\s]+@[^@\s]+$")]
Phone = Annotated[str, Field(max_length=40, pattern=r"^\+?[0-9 .()-]{6,40}$")]
ShortName = Annotated[str, Field(min_length=1, max_length=60)]
Brand = Annotated[str, Field(max_length=200)]
Size = Annotated[int, Field(ge=0)]


class Page(BaseModel, Generic[T]):
    """One page of a list, ordered by id."""

    items: list[T]
    total: int = Field(description="items matching the filters, on every page")
    limit: int
    offset: int


class Deleted(BaseModel):
    id: str
    relationships: int = Field(description="relationships removed with the node")


class _Input(BaseModel):
    """Base of request bodies: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


# --------------------------------------------------------------------------- members

_MEMBER_EXAMPLE: dict[str, Any] = {
    "first_name": "Claire",
    "last_name": "Moreau",
    "civility": "Mme",
    "grade": "Commandant",
    "grade_category": "officer",
    "service": "air",
    "career": "career",
    "status": "candidate",
    "departure_date": "2026-09-01",
    "consent_introducer": True,
    "consent_directory": True,
    "email": "claire.moreau@example.org",
    "groupements": ["grp-anocr-33"],
}


#: the association's membership number (imports match people by it)
MemberNumber = Annotated[str, Field(min_length=1, max_length=40)]


class MemberCreate(_Input):
    """A new member; `id` is chosen by the server unless an admin gives one."""

    model_config = _examples(_MEMBER_EXAMPLE)

    id: NewId | None = Field(None, description=ID_DESCRIPTION)
    first_name: ShortText
    last_name: ShortText
    civility: Civility | None = None
    grade: Grade | None = None
    grade_category: GradeCategory = GradeCategory.CIVILIAN
    service: Service = Service.OTHER
    career: Career | None = None
    status: PersonStatus = PersonStatus.NEITHER
    departure_date: date | None = None
    promotion: Promotion | None = None
    consent_introducer: bool = False
    consent_introducer_at: date | None = None
    consent_directory: bool = False
    consent_directory_at: date | None = None
    consent_contact: bool = False
    consent_contact_at: date | None = None
    consent_portal: bool = False
    consent_portal_at: date | None = None
    consent_social_import: bool = False
    consent_social_import_at: date | None = None
    capacity: Capacity | None = None
    monthly_load: MonthlyLoad = 0
    email: Email | None = None
    phone: Phone | None = None
    left_on: date | None = None
    member_number: MemberNumber | None = None
    groupements: list[RefId] = Field(
        default_factory=list,
        max_length=20,
        description="groupements the person joins; a référent with one groupement may leave it out",
    )


class MemberPatch(_Input):
    """Fields to change; what is left out is kept."""

    model_config = _examples({"status": "helper", "consent_introducer": True, "capacity": 3})

    first_name: ShortText | None = None
    last_name: ShortText | None = None
    civility: Civility | None = None
    grade: Grade | None = None
    grade_category: GradeCategory | None = None
    service: Service | None = None
    career: Career | None = None
    status: PersonStatus | None = None
    departure_date: date | None = None
    promotion: Promotion | None = None
    consent_introducer: bool | None = None
    consent_introducer_at: date | None = None
    consent_directory: bool | None = None
    consent_directory_at: date | None = None
    consent_contact: bool | None = None
    consent_contact_at: date | None = None
    consent_portal: bool | None = None
    consent_portal_at: date | None = None
    consent_social_import: bool | None = None
    consent_social_import_at: date | None = None
    capacity: Capacity | None = None
    monthly_load: MonthlyLoad | None = None
    email: Email | None = None
    phone: Phone | None = None
    left_on: date | None = None
    member_number: MemberNumber | None = None


class Contact(BaseModel):
    email: str | None = None
    phone: str | None = None


class Member(BaseModel):
    """A member as the caller may see them."""

    model_config = _examples(
        {
            "id": "p-0000042",
            **{k: v for k, v in _MEMBER_EXAMPLE.items() if k not in ("email", "groupements")},
            "promotion": None,
            "capacity": None,
            "monthly_load": 0,
            "groupements": ["grp-anocr-33"],
            "associations": ["asso-anocr"],
            "contact": {"email": "claire.moreau@example.org", "phone": None},
        }
    )

    id: str = Field(description=ID_DESCRIPTION)
    first_name: str
    last_name: str
    civility: Civility | None
    grade: Grade | None
    grade_category: GradeCategory
    service: Service
    career: Career | None
    status: PersonStatus
    departure_date: date | None
    promotion: Promotion | None
    consent_introducer: bool
    consent_introducer_at: date | None
    consent_directory: bool
    consent_directory_at: date | None
    consent_contact: bool
    consent_contact_at: date | None
    consent_portal: bool
    consent_portal_at: date | None
    consent_social_import: bool
    consent_social_import_at: date | None
    capacity: Capacity | None
    monthly_load: int
    left_on: date | None
    member_number: MemberNumber | None
    groupements: list[str] = Field(description="groupements the person is in")
    associations: list[str] = Field(description="associations the person is a member of")
    contact: Contact | None = Field(
        None,
        description="only when the person consented to share them (consent_contact), for "
        "the admin and the person's référent",
    )


# --------------------------------------------------------------------------- associations

_ASSOCIATION_EXAMPLE: dict[str, Any] = {
    "id": "asso-anocr",
    "name": "Association nationale des officiers de carrière en retraite",
    "short_name": "ANOCR",
    "kind": "officers_association",
    "founded": None,
}


class AssociationCreate(_Input):
    """A new association."""

    model_config = _examples(_ASSOCIATION_EXAMPLE)

    id: NewId | None = Field(None, description=ID_DESCRIPTION)
    name: ShortText
    short_name: ShortName
    kind: AssociationKind
    founded: date | None = None


class AssociationPatch(_Input):
    """Fields to change; what is left out is kept."""

    model_config = _examples({"short_name": "ANOCR"})

    name: ShortText | None = None
    short_name: ShortName | None = None
    kind: AssociationKind | None = None
    founded: date | None = None


class Association(BaseModel):
    model_config = _examples({**_ASSOCIATION_EXAMPLE, "partners": ["asso-implicaction"]})

    id: str = Field(description=ID_DESCRIPTION)
    name: str
    short_name: str
    kind: AssociationKind
    founded: date | None
    partners: list[str] = Field(description="associations with a convention (PARTNER_OF)")


# --------------------------------------------------------------------------- groupements

_GROUPEMENT_EXAMPLE: dict[str, Any] = {
    "id": "grp-anocr-33",
    "name": "ANOCR Gironde",
    "association_id": "asso-anocr",
    "kind": "groupement",
}


class GroupementCreate(_Input):
    """A new groupement of an existing association."""

    model_config = _examples({**_GROUPEMENT_EXAMPLE, "departements": ["dep-33"]})

    id: NewId | None = Field(None, description=ID_DESCRIPTION)
    name: ShortText
    association_id: NodeId
    kind: GroupementKind = GroupementKind.GROUPEMENT
    departements: list[RefId] = Field(
        default_factory=list, max_length=30, description="départements it covers"
    )


class GroupementPatch(_Input):
    """Fields to change; what is left out is kept."""

    model_config = _examples({"name": "ANOCR Gironde et Landes"})

    name: ShortText | None = None
    kind: GroupementKind | None = None


class Counts(BaseModel):
    """Head counts of a groupement's people: "< 5" under 5 outside its own référent's view
    (:mod:`graph.access.counts`)."""

    members: ShownCount
    candidates: ShownCount
    helpers: ShownCount
    referents: ShownCount


class Groupement(BaseModel):
    model_config = _examples(
        {
            **_GROUPEMENT_EXAMPLE,
            "departements": ["dep-33"],
            "charters": ["del-implicaction-nouvelle-aquitaine"],
            "counts": {"members": 812, "candidates": 95, "helpers": 240, "referents": 1},
        }
    )

    id: str = Field(description=ID_DESCRIPTION)
    name: str
    association_id: str = Field(description=ID_DESCRIPTION)
    kind: GroupementKind
    departements: list[str] = Field(description="départements it covers (COVERS)")
    charters: list[str] = Field(description="groupements with a local charter (PARTNER_OF)")
    counts: Counts = Field(description="head counts; `both` counts as candidate and helper")


# --------------------------------------------------------------------------- employers

_EMPLOYER_EXAMPLE: dict[str, Any] = {
    "id": "emp-thales-ZE-33-1",
    "name": "Thales",
    "brand": "Thales",
    "size": 2400,
}


class EmployerCreate(_Input):
    """A new employer site."""

    model_config = _examples(
        {**_EMPLOYER_EXAMPLE, "bassin_id": "ZE-33-1", "sector_ids": ["defense"]}
    )

    id: NewId | None = Field(None, description=ID_DESCRIPTION)
    name: ShortText
    brand: Brand | None = None
    size: Size | None = None
    bassin_id: RefId | None = Field(
        None, description=f"bassin d'emploi (LOCATED_IN): {CODE_DESCRIPTION}"
    )
    sector_ids: list[RefId] = Field(
        default_factory=list, max_length=10, description=f"sectors (IN_SECTOR): {CODE_DESCRIPTION}"
    )


class EmployerPatch(_Input):
    """Fields to change; what is left out is kept."""

    model_config = _examples({"size": 2600})

    name: ShortText | None = None
    brand: Brand | None = None
    size: Size | None = None


class Employer(BaseModel):
    model_config = _examples({**_EMPLOYER_EXAMPLE, "bassins": ["ZE-33-1"], "sectors": ["defense"]})

    id: str = Field(description=ID_DESCRIPTION)
    name: str
    brand: Brand | None
    size: Size | None
    bassins: list[str] = Field(description="codes of the bassins d'emploi it is located in")
    sectors: list[str] = Field(description="codes of its sectors")


# --------------------------------------------------------------------------- offers

_OFFER_EXAMPLE: dict[str, Any] = {
    "id": "off-10",
    "title": "Responsable logistique (H/F)",
    "status": "open",
    "hidden": True,
    "posted": "2026-05-09",
}


class OfferCreate(_Input):
    """A new job offer of an existing employer."""

    model_config = _examples({**_OFFER_EXAMPLE, "employer_id": "emp-thales-ZE-33-1"})

    id: NewId | None = Field(None, description=ID_DESCRIPTION)
    title: ShortText
    status: OfferStatus = OfferStatus.OPEN
    hidden: bool = True
    posted: date | None = None
    employer_id: RefId = Field(description="the employer offering it (OFFERS)")
    bassin_id: RefId | None = Field(
        None, description=f"bassin d'emploi [default: the employer's]: {CODE_DESCRIPTION}"
    )


class OfferPatch(_Input):
    """Fields to change; what is left out is kept."""

    model_config = _examples({"status": "filled"})

    title: ShortText | None = None
    status: OfferStatus | None = None
    hidden: bool | None = None
    posted: date | None = None


class Offer(BaseModel):
    model_config = _examples(
        {**_OFFER_EXAMPLE, "employer_id": "emp-thales-ZE-33-1", "bassins": ["ZE-33-1"]}
    )

    id: str = Field(description=ID_DESCRIPTION)
    title: str
    status: OfferStatus
    hidden: bool
    posted: date | None
    employer_id: str | None = Field(description="the employer offering it")
    bassins: list[str] = Field(description="codes of the bassins d'emploi of the job")


# --------------------------------------------------------------------------- bassins, sectors


class Bassin(BaseModel):
    """A bassin d'emploi, named by its code everywhere in the API."""

    model_config = _examples(
        {
            "code": "ZE-33-1",
            "name": "Bordeaux",
            "departement": "33",
            "departement_name": "Gironde",
            "region": "75",
            "region_name": "Nouvelle-Aquitaine",
        }
    )

    code: str = Field(description="the bassin's code, as every route takes and returns it")
    name: str
    departement: str | None = Field(description="code of its département")
    departement_name: str | None
    region: str | None = Field(description="code of its région")
    region_name: str | None


class Secteur(BaseModel):
    """A sector of activity, named by its code everywhere in the API."""

    model_config = _examples({"code": "defense", "name": "Industrie de défense"})

    code: str = Field(description="the sector's code, as every route takes and returns it")
    name: str
