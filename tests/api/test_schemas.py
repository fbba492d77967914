"""The API's request and response models agree with the graph's records.

The models of :mod:`api.schemas` are written out by hand; here each one is derived again
from its record (the record's fields and constraints, as the API built them at import
before) and the two JSON schemas must be equal. A property added to a record, or a
constraint changed, and not carried to the API fails here, naming the model.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.fields import FieldInfo
from pydantic.json_schema import JsonSchemaMode

from api import schemas
from api.schemas import CODE_DESCRIPTION as CODE
from graph.model import ID_PATTERN, Association, Employer, Groupement, JobOffer, NodeRecord, Person

RefId = Annotated[str, Field(pattern=ID_PATTERN, max_length=80)]


def _input_field(info: FieldInfo, *, optional: bool) -> tuple[Any, Any]:
    annotation: Any = info.annotation
    if info.metadata:
        annotation = Annotated[(annotation, *info.metadata)]
    if optional:
        return annotation | None, Field(None, description=info.description)
    default = info.get_default(call_default_factory=True) if not info.is_required() else ...
    return annotation, Field(default, description=info.description)


def derived_input(
    model: type[BaseModel],
    record: type[NodeRecord],
    *,
    exclude: Iterable[str] = (),
    patch: bool = False,
    extra: dict[str, Any] | None = None,
) -> type[BaseModel]:
    """A body with the fields of ``record``: ``id`` optional; every field for a patch."""
    fields: dict[str, Any] = {
        name: _input_field(info, optional=patch or name == "id")
        for name, info in record.model_fields.items()
        if name not in set(exclude)
    }
    fields.update(extra or {})
    config = ConfigDict(extra="forbid", json_schema_extra=model.model_config["json_schema_extra"])
    return create_model(model.__name__, __config__=config, __doc__=model.__doc__, **fields)


def derived_output(
    model: type[BaseModel],
    record: type[NodeRecord],
    *,
    exclude: Iterable[str] = (),
    extra: dict[str, Any],
) -> type[BaseModel]:
    """An answer with the fields of ``record`` as stored, then what the route adds."""
    fields: dict[str, Any] = {
        name: (info.annotation, Field(description=info.description))
        for name, info in record.model_fields.items()
        if name not in set(exclude)
    }
    fields.update(extra)
    config = ConfigDict(json_schema_extra=model.model_config["json_schema_extra"])
    return create_model(model.__name__, __config__=config, __doc__=model.__doc__, **fields)


def _list(description: str) -> tuple[Any, Any]:
    return list[str], Field(description=description)


def _refs(max_length: int, description: str) -> tuple[Any, Any]:
    return list[RefId], Field(default_factory=list, max_length=max_length, description=description)


CASES: list[tuple[type[BaseModel], Any]] = [
    (
        schemas.MemberCreate,
        lambda m: derived_input(
            m,
            Person,
            extra={
                "groupements": _refs(
                    20,
                    "groupements the person joins; a référent with one groupement may leave it out",
                )
            },
        ),
    ),
    (schemas.MemberPatch, lambda m: derived_input(m, Person, exclude=("id",), patch=True)),
    (
        schemas.Member,
        lambda m: derived_output(
            m,
            Person,
            exclude=("email", "phone"),
            extra={
                "groupements": _list("groupements the person is in"),
                "associations": _list("associations the person is a member of"),
                "contact": (
                    schemas.Contact | None,
                    Field(
                        None,
                        description="only when the person consented to share them "
                        "(consent_contact), for the admin and the person's référent",
                    ),
                ),
            },
        ),
    ),
    (schemas.AssociationCreate, lambda m: derived_input(m, Association)),
    (
        schemas.AssociationPatch,
        lambda m: derived_input(m, Association, exclude=("id",), patch=True),
    ),
    (
        schemas.Association,
        lambda m: derived_output(
            m,
            Association,
            extra={"partners": _list("associations with a convention (PARTNER_OF)")},
        ),
    ),
    (
        schemas.GroupementCreate,
        lambda m: derived_input(
            m, Groupement, extra={"departements": _refs(30, "départements it covers")}
        ),
    ),
    (
        schemas.GroupementPatch,
        lambda m: derived_input(m, Groupement, exclude=("id", "association_id"), patch=True),
    ),
    (
        schemas.Groupement,
        lambda m: derived_output(
            m,
            Groupement,
            extra={
                "departements": _list("départements it covers (COVERS)"),
                "charters": _list("groupements with a local charter (PARTNER_OF)"),
                "counts": (
                    schemas.Counts,
                    Field(description="head counts; `both` counts as candidate and helper"),
                ),
            },
        ),
    ),
    (
        schemas.EmployerCreate,
        lambda m: derived_input(
            m,
            Employer,
            extra={
                "bassin_id": (
                    RefId | None,
                    Field(None, description=f"bassin d'emploi (LOCATED_IN): {CODE}"),
                ),
                "sector_ids": _refs(10, f"sectors (IN_SECTOR): {CODE}"),
            },
        ),
    ),
    (schemas.EmployerPatch, lambda m: derived_input(m, Employer, exclude=("id",), patch=True)),
    (
        schemas.Employer,
        lambda m: derived_output(
            m,
            Employer,
            extra={
                "bassins": _list("codes of the bassins d'emploi it is located in"),
                "sectors": _list("codes of its sectors"),
            },
        ),
    ),
    (
        schemas.OfferCreate,
        lambda m: derived_input(
            m,
            JobOffer,
            extra={
                "employer_id": (RefId, Field(description="the employer offering it (OFFERS)")),
                "bassin_id": (
                    RefId | None,
                    Field(None, description=f"bassin d'emploi [default: the employer's]: {CODE}"),
                ),
            },
        ),
    ),
    (schemas.OfferPatch, lambda m: derived_input(m, JobOffer, exclude=("id",), patch=True)),
    (
        schemas.Offer,
        lambda m: derived_output(
            m,
            JobOffer,
            extra={
                "employer_id": (str | None, Field(description="the employer offering it")),
                "bassins": _list("codes of the bassins d'emploi of the job"),
            },
        ),
    ),
]


@pytest.mark.parametrize(("model", "derive"), CASES, ids=[m.__name__ for m, _ in CASES])
@pytest.mark.parametrize("mode", ["validation", "serialization"])
def test_model_matches_its_record(
    model: type[BaseModel], derive: Any, mode: JsonSchemaMode
) -> None:
    assert model.model_json_schema(mode=mode) == derive(model).model_json_schema(mode=mode)


def test_every_body_refuses_unknown_fields() -> None:
    bodies = [m for m, _ in CASES if m.__name__.endswith(("Create", "Patch"))]
    assert len(bodies) == 10
    for body in bodies:
        assert body.model_config.get("extra") == "forbid", body.__name__


def test_a_property_added_to_a_record_is_caught() -> None:
    """The check itself: a record with one more property no longer matches its model."""

    class JobOfferPlus(JobOffer):
        salary: int | None = None

    derived = derived_input(schemas.OfferPatch, JobOfferPlus, exclude=("id",), patch=True)
    assert schemas.OfferPatch.model_json_schema() != derived.model_json_schema()
    assert "salary" in derived.model_json_schema()["properties"]
