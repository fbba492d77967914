"""The graph model: every node label and relationship type, with typed, validated properties.

Records are immutable pydantic models. Each node has a stable string ``id``; each
relationship is identified by ``(type, src, dst)``; undirected types (``KNOWS``,
``PARTNER_OF``) store their endpoints in canonical order (smaller id first) so that the
same tie given either way round is the same record.

The pydantic classes are the single source of truth for the schema: the embedded store's
tables, the columnar bulk validation (:mod:`graph.frames`) and the in-memory view's
columns are all derived from their fields.

>>> Knows(src="p-2", dst="p-1", strength=0.8, source="promotion").src
'p-1'
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic import ValidationError as PydanticValidationError

from graph.errors import InvalidInput

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$"
_ID_RE = re.compile(ID_PATTERN)

#: What ``str_strip_whitespace`` trims: Unicode White_Space, as Rust's ``str::trim`` in
#: pydantic-core (Python's ``str.strip()`` would also trim U+001C..U+001F).
WHITESPACE = "".join(
    map(
        chr,
        (
            0x09,
            0x0A,
            0x0B,
            0x0C,
            0x0D,
            0x20,
            0x85,
            0xA0,
            0x1680,
            *range(0x2000, 0x200B),
            0x2028,
            0x2029,
            0x202F,
            0x205F,
            0x3000,
        ),
    )
)

NodeId = Annotated[str, Field(pattern=ID_PATTERN, description="stable string id")]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]


def is_valid_id(value: object) -> bool:
    """True when ``value`` is acceptable as a node id.

    >>> is_valid_id("p-0000001"), is_valid_id("bad id")
    (True, False)
    """
    return isinstance(value, str) and _ID_RE.match(value) is not None


# --------------------------------------------------------------------------- enums


class Label(StrEnum):
    PERSON = "Person"
    ASSOCIATION = "Association"
    GROUPEMENT = "Groupement"
    EMPLOYER = "Employer"
    JOB_OFFER = "JobOffer"
    REGION = "Region"
    DEPARTEMENT = "Departement"
    BASSIN_EMPLOI = "BassinEmploi"
    BASSIN_VIE = "BassinVie"
    SECTOR = "Sector"


class RelType(StrEnum):
    MEMBER_OF = "MEMBER_OF"
    IN_GROUPEMENT = "IN_GROUPEMENT"
    REFERENT_OF = "REFERENT_OF"
    KNOWS = "KNOWS"
    WORKS_AT = "WORKS_AT"
    LIVES_IN = "LIVES_IN"
    SETTLES_IN = "SETTLES_IN"
    TARGETS = "TARGETS"
    LOCATED_IN = "LOCATED_IN"
    PART_OF = "PART_OF"
    COVERS = "COVERS"
    PARTNER_OF = "PARTNER_OF"
    OFFERS = "OFFERS"
    REPORTED = "REPORTED"
    MENTORS = "MENTORS"
    IN_SECTOR = "IN_SECTOR"


class PersonStatus(StrEnum):
    CANDIDATE = "candidate"
    HELPER = "helper"
    BOTH = "both"
    NEITHER = "neither"


class GradeCategory(StrEnum):
    OFFICER = "officer"
    NCO = "nco"
    ENLISTED = "enlisted"
    CIVILIAN = "civilian"


class Service(StrEnum):
    TERRE = "terre"
    MARINE = "marine"
    AIR = "air"
    GENDARMERIE = "gendarmerie"
    SANTE = "sante"
    OTHER = "other"


class Career(StrEnum):
    CAREER = "career"
    CONTRACT = "contract"
    RESERVE = "reserve"
    RETIRED = "retired"


class Civility(StrEnum):
    M = "M."
    MME = "Mme"


class TieSource(StrEnum):
    PROMOTION = "promotion"
    UNIT = "unit"
    EVENT = "event"
    LINKEDIN = "linkedin"
    MENTORING = "mentoring"
    DECLARED = "declared"


class PartnerLevel(StrEnum):
    NATIONAL = "national"
    REGIONAL = "regional"
    LOCAL = "local"


class AssociationKind(StrEnum):
    OFFICERS_ASSOCIATION = "officers_association"
    NETWORK_ASSOCIATION = "network_association"
    PLATFORM = "platform"
    AGENCY = "agency"
    SUPPORT_CELL = "support_cell"
    PARTNER = "partner"


class GroupementKind(StrEnum):
    GROUPEMENT = "groupement"
    DELEGATION = "delegation"
    ANTENNE = "antenne"


class OfferStatus(StrEnum):
    OPEN = "open"
    FILLED = "filled"
    CLOSED = "closed"


# --------------------------------------------------------------------------- nodes


class NodeRecord(BaseModel):
    """Base of every node: an immutable record with a stable string id."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    label: ClassVar[Label]
    #: properties the in-memory view keeps as columns, for the algorithms
    VIEW_FIELDS: ClassVar[tuple[str, ...]] = ()
    #: pairs (earlier, later) of date fields that must be in order
    ORDERED_DATES: ClassVar[tuple[tuple[str, str], ...]] = ()

    id: NodeId

    def props(self) -> dict[str, Any]:
        """Properties as JSON-ready values, without the id."""
        return self.model_dump(mode="json", exclude={"id"})

    @model_validator(mode="after")
    def _dates_in_order(self) -> NodeRecord:
        _check_dates_in_order(self, self.ORDERED_DATES)
        return self


class Person(NodeRecord):
    """A member of the network: a candidate, a helper, both or neither.

    ``email`` and ``phone`` are contact details: never shown in paths or logs.
    ``left_on`` is the day the member left the associations (the retention rule counts
    from it).
    ``member_number`` is the association's membership number: the stable key CSV imports
    match people by (before the e-mail, before names); optional, so stores written before
    it existed read unchanged.
    ``monthly_load`` counts the introductions already made this month, to compare
    with ``capacity``.
    """

    label: ClassVar[Label] = Label.PERSON
    VIEW_FIELDS: ClassVar[tuple[str, ...]] = (
        "status",
        "service",
        "grade_category",
        "consent_introducer",
        "consent_directory",
        "capacity",
        "monthly_load",
        "departure_date",
    )

    first_name: ShortText
    last_name: ShortText
    civility: Civility | None = None
    grade: Annotated[str, Field(max_length=80)] | None = None
    grade_category: GradeCategory = GradeCategory.CIVILIAN
    service: Service = Service.OTHER
    career: Career | None = None
    status: PersonStatus = PersonStatus.NEITHER
    departure_date: date | None = None
    promotion: Annotated[str, Field(max_length=120)] | None = None
    #: consents, one per purpose, each with the day it was last given or withdrawn
    #: (:mod:`graph.access.visibility` says what each one allows): to be asked to introduce
    consent_introducer: bool = False
    consent_introducer_at: date | None = None
    #: to be listed (named) in the directory
    consent_directory: bool = False
    consent_directory_at: date | None = None
    #: to have one's e-mail and phone shared
    consent_contact: bool = False
    consent_contact_at: date | None = None
    #: to be reachable by the associations' portals' searches
    consent_portal: bool = False
    consent_portal_at: date | None = None
    #: to be imported from a social network export (LinkedIn ``Connections.csv``)
    consent_social_import: bool = False
    consent_social_import_at: date | None = None
    capacity: Annotated[int, Field(ge=0, le=100)] | None = None
    monthly_load: Annotated[int, Field(ge=0, le=1000)] = 0
    email: Annotated[str, Field(max_length=200, pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    phone: Annotated[str, Field(max_length=40, pattern=r"^\+?[0-9 .()-]{6,40}$")] | None = None
    #: when the member left the network's associations (null: still a member); members who
    #: left more than the retention period ago are erased (graph.rights.retention)
    left_on: date | None = None
    #: the association's membership number (CSV imports match people by it first)
    member_number: Annotated[str, Field(min_length=1, max_length=40)] | None = None


class Association(NodeRecord):
    label: ClassVar[Label] = Label.ASSOCIATION
    name: ShortText
    short_name: Annotated[str, Field(min_length=1, max_length=60)]
    kind: AssociationKind
    founded: date | None = None


class Groupement(NodeRecord):
    """A local structure: an ANOCR groupement, an Implic'Action délégation or antenne."""

    label: ClassVar[Label] = Label.GROUPEMENT
    VIEW_FIELDS: ClassVar[tuple[str, ...]] = ("kind",)
    name: ShortText
    association_id: NodeId
    kind: GroupementKind = GroupementKind.GROUPEMENT


class Employer(NodeRecord):
    """An employer's site: a company or administration in one bassin d'emploi."""

    label: ClassVar[Label] = Label.EMPLOYER
    name: ShortText
    brand: Annotated[str, Field(max_length=200)] | None = None
    size: Annotated[int, Field(ge=0)] | None = None


class JobOffer(NodeRecord):
    label: ClassVar[Label] = Label.JOB_OFFER
    VIEW_FIELDS: ClassVar[tuple[str, ...]] = ("status",)
    title: ShortText
    status: OfferStatus = OfferStatus.OPEN
    hidden: bool = True
    posted: date | None = None


class Region(NodeRecord):
    label: ClassVar[Label] = Label.REGION
    code: Annotated[str, Field(pattern=r"^[0-9]{2}$")]
    name: ShortText


class Departement(NodeRecord):
    label: ClassVar[Label] = Label.DEPARTEMENT
    code: Annotated[str, Field(pattern=r"^([0-9]{2}|2A|2B|97[1-6])$")]
    name: ShortText
    prefecture: ShortText | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None


class BassinEmploi(NodeRecord):
    label: ClassVar[Label] = Label.BASSIN_EMPLOI
    code: Annotated[str, Field(min_length=1, max_length=20)]
    name: ShortText
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None


class BassinVie(NodeRecord):
    label: ClassVar[Label] = Label.BASSIN_VIE
    code: Annotated[str, Field(min_length=1, max_length=20)]
    name: ShortText
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None


class Sector(NodeRecord):
    label: ClassVar[Label] = Label.SECTOR
    code: Annotated[str, Field(pattern=r"^[a-z0-9-]{2,40}$")]
    name: ShortText


NODE_MODELS: dict[Label, type[NodeRecord]] = {
    m.label: m
    for m in (
        Person,
        Association,
        Groupement,
        Employer,
        JobOffer,
        Region,
        Departement,
        BassinEmploi,
        BassinVie,
        Sector,
    )
}


# --------------------------------------------------------------------------- relationships


class RelRecord(BaseModel):
    """Base of every relationship: ``(type, src, dst)`` identifies it."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    type: ClassVar[RelType]
    #: allowed labels of the source and of the target
    SOURCES: ClassVar[frozenset[Label]]
    TARGETS: ClassVar[frozenset[Label]]
    UNDIRECTED: ClassVar[bool] = False
    ORDERED_DATES: ClassVar[tuple[tuple[str, str], ...]] = ()

    src: NodeId
    dst: NodeId

    @property
    def key(self) -> tuple[RelType, str, str]:
        return (self.type, self.src, self.dst)

    def props(self) -> dict[str, Any]:
        """Properties as JSON-ready values, without the endpoints."""
        return self.model_dump(mode="json", exclude={"src", "dst"})

    @model_validator(mode="before")
    @classmethod
    def _canonical_order(cls, data: Any) -> Any:
        # An undirected tie given either way round must be the same record. Compare the ids
        # as they will be stored (trimmed), not as given: " p-2" < "p-1" but "p-2" > "p-1".
        # Leave invalid ids where the caller put them, so the error names the right field.
        if cls.UNDIRECTED and isinstance(data, dict):
            src, dst = data.get("src"), data.get("dst")
            if isinstance(src, str) and isinstance(dst, str):
                src_id, dst_id = src.strip(WHITESPACE), dst.strip(WHITESPACE)
                if is_valid_id(src_id) and is_valid_id(dst_id) and dst_id < src_id:
                    data = {**data, "src": dst, "dst": src}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> RelRecord:
        if self.src == self.dst:
            raise ValueError("dst: a relationship cannot link a node to itself")
        _check_dates_in_order(self, self.ORDERED_DATES)
        return self


_PERSON = frozenset({Label.PERSON})


class MemberOf(RelRecord):
    type: ClassVar[RelType] = RelType.MEMBER_OF
    SOURCES: ClassVar[frozenset[Label]] = _PERSON
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.ASSOCIATION})
    since: date | None = None


class InGroupement(RelRecord):
    type: ClassVar[RelType] = RelType.IN_GROUPEMENT
    SOURCES: ClassVar[frozenset[Label]] = _PERSON
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.GROUPEMENT})
    since: date | None = None


class ReferentOf(RelRecord):
    type: ClassVar[RelType] = RelType.REFERENT_OF
    SOURCES: ClassVar[frozenset[Label]] = _PERSON
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.GROUPEMENT})
    since: date | None = None


class Knows(RelRecord):
    """A personal tie between two people; undirected.

    ``strength`` in [0, 1]; ``context`` names what they share, e.g. "Saint-Cyr 2004".
    """

    type: ClassVar[RelType] = RelType.KNOWS
    SOURCES: ClassVar[frozenset[Label]] = _PERSON
    TARGETS: ClassVar[frozenset[Label]] = _PERSON
    UNDIRECTED: ClassVar[bool] = True
    ORDERED_DATES: ClassVar[tuple[tuple[str, str], ...]] = (("since", "confirmed_at"),)
    strength: Annotated[float, Field(ge=0.0, le=1.0)]
    source: TieSource
    since: date | None = None
    confirmed_at: date | None = None
    context: Annotated[str, Field(max_length=120)] | None = None


class WorksAt(RelRecord):
    """Employment; ``until`` set means the person has left the employer."""

    type: ClassVar[RelType] = RelType.WORKS_AT
    SOURCES: ClassVar[frozenset[Label]] = _PERSON
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.EMPLOYER})
    ORDERED_DATES: ClassVar[tuple[tuple[str, str], ...]] = (("since", "until"),)
    role: Annotated[str, Field(max_length=120)] | None = None
    since: date | None = None
    until: date | None = None


class LivesIn(RelRecord):
    type: ClassVar[RelType] = RelType.LIVES_IN
    SOURCES: ClassVar[frozenset[Label]] = _PERSON
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.DEPARTEMENT})


class SettlesIn(RelRecord):
    type: ClassVar[RelType] = RelType.SETTLES_IN
    SOURCES: ClassVar[frozenset[Label]] = _PERSON
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.BASSIN_VIE})


class Targets(RelRecord):
    type: ClassVar[RelType] = RelType.TARGETS
    SOURCES: ClassVar[frozenset[Label]] = _PERSON
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.BASSIN_EMPLOI, Label.SECTOR})


class LocatedIn(RelRecord):
    type: ClassVar[RelType] = RelType.LOCATED_IN
    SOURCES: ClassVar[frozenset[Label]] = frozenset({Label.EMPLOYER, Label.JOB_OFFER})
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.BASSIN_EMPLOI})


class PartOf(RelRecord):
    type: ClassVar[RelType] = RelType.PART_OF
    SOURCES: ClassVar[frozenset[Label]] = frozenset(
        {Label.BASSIN_EMPLOI, Label.BASSIN_VIE, Label.DEPARTEMENT}
    )
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.DEPARTEMENT, Label.REGION})


class Covers(RelRecord):
    type: ClassVar[RelType] = RelType.COVERS
    SOURCES: ClassVar[frozenset[Label]] = frozenset({Label.GROUPEMENT})
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.DEPARTEMENT})


class PartnerOf(RelRecord):
    """A convention (between associations) or a local charter (between groupements)."""

    type: ClassVar[RelType] = RelType.PARTNER_OF
    SOURCES: ClassVar[frozenset[Label]] = frozenset({Label.ASSOCIATION, Label.GROUPEMENT})
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.ASSOCIATION, Label.GROUPEMENT})
    UNDIRECTED: ClassVar[bool] = True
    ORDERED_DATES: ClassVar[tuple[tuple[str, str], ...]] = (("signed", "expires"),)
    signed: date
    expires: date | None = None
    level: PartnerLevel
    name: Annotated[str, Field(max_length=200)] | None = None


class Offers(RelRecord):
    type: ClassVar[RelType] = RelType.OFFERS
    SOURCES: ClassVar[frozenset[Label]] = frozenset({Label.EMPLOYER})
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.JOB_OFFER})


class Reported(RelRecord):
    type: ClassVar[RelType] = RelType.REPORTED
    SOURCES: ClassVar[frozenset[Label]] = _PERSON
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.JOB_OFFER})
    at: date | None = None


class Mentors(RelRecord):
    """Parrainage: ``src`` sponsors ``dst``."""

    type: ClassVar[RelType] = RelType.MENTORS
    SOURCES: ClassVar[frozenset[Label]] = _PERSON
    TARGETS: ClassVar[frozenset[Label]] = _PERSON
    since: date | None = None


class InSector(RelRecord):
    """Employer → Sector. Not in the first model sketch; needed for sector targets."""

    type: ClassVar[RelType] = RelType.IN_SECTOR
    SOURCES: ClassVar[frozenset[Label]] = frozenset({Label.EMPLOYER})
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.SECTOR})


REL_MODELS: dict[RelType, type[RelRecord]] = {
    m.type: m
    for m in (
        MemberOf,
        InGroupement,
        ReferentOf,
        Knows,
        WorksAt,
        LivesIn,
        SettlesIn,
        Targets,
        LocatedIn,
        PartOf,
        Covers,
        PartnerOf,
        Offers,
        Reported,
        Mentors,
        InSector,
    )
}


# --------------------------------------------------------------------------- validation helpers


def _check_dates_in_order(record: BaseModel, pairs: tuple[tuple[str, str], ...]) -> None:
    if not pairs:  # most models have none; this runs for every record
        return
    for earlier, later in pairs:
        a, b = getattr(record, earlier), getattr(record, later)
        if a is not None and b is not None and b < a:
            raise ValueError(f"{later}: must not be before {earlier} ({b} < {a})")


def parse_label(value: str, field: str = "label") -> Label:
    """The :class:`Label` named ``value``, or :class:`InvalidInput` naming ``field``."""
    try:
        return Label(value)
    except ValueError:
        allowed = ", ".join(label.value for label in Label)
        raise InvalidInput(
            field, f"unknown label {value!r} (expected one of {allowed})", value
        ) from None


def parse_rel_type(value: str, field: str = "type") -> RelType:
    """The :class:`RelType` named ``value``, or :class:`InvalidInput` naming ``field``."""
    try:
        return RelType(value)
    except ValueError:
        allowed = ", ".join(t.value for t in RelType)
        raise InvalidInput(
            field, f"unknown relationship type {value!r} (expected one of {allowed})", value
        ) from None


def invalid_from_pydantic(exc: PydanticValidationError, prefix: str = "") -> InvalidInput:
    """Turn pydantic's error into ours, naming the first offending field."""
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__")
    message = str(err.get("msg", "invalid value"))
    # Errors raised by our model validators carry the field name as "field: message".
    if not loc and ": " in message:
        head, _, rest = message.removeprefix("Value error, ").partition(": ")
        if head.isidentifier():
            loc, message = head, rest
    field = f"{prefix}.{loc}" if prefix and loc else (loc or prefix or "body")
    return InvalidInput(field, message.removeprefix("Value error, "), err.get("input"))


def make_node(label: str | Label, data: dict[str, Any], where: str = "") -> NodeRecord:
    """Validate ``data`` as a node of ``label``; errors name the field.

    >>> make_node("Sector", {"id": "sec-btp", "code": "btp", "name": "BTP"}).name
    'BTP'
    >>> make_node("Sector", {"id": "sec-btp", "code": "BTP!", "name": "BTP"})
    Traceback (most recent call last):
    ...
    graph.errors.InvalidInput: code: String should match pattern '^[a-z0-9-]{2,40}$'
    """
    model = NODE_MODELS[parse_label(str(label), f"{where}.label" if where else "label")]
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        raise invalid_from_pydantic(exc, where) from None


def make_rel(rel_type: str | RelType, data: dict[str, Any], where: str = "") -> RelRecord:
    """Validate ``data`` as a relationship of ``rel_type``; errors name the field.

    >>> make_rel("KNOWS", {"src": "p-1", "dst": "p-2", "strength": 2, "source": "unit"})
    Traceback (most recent call last):
    ...
    graph.errors.InvalidInput: strength: Input should be less than or equal to 1
    """
    model = REL_MODELS[parse_rel_type(str(rel_type), f"{where}.type" if where else "type")]
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        raise invalid_from_pydantic(exc, where) from None
