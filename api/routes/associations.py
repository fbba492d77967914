"""``/api/v1/associations``: ANOCR, Implic'Action, Défense Mobilité… (read; admin writes)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status
from pydantic import ConfigDict, Field, create_model

from api.catalog import create_node, get_node, linked, patch_node
from api.deps import OrganisationsRead, OrganisationsWrite, PageDep, StoreDep
from api.problems import problem_responses
from api.runtime import light
from api.schemas import Page, input_model, output_fields
from graph.model import ID_PATTERN, Association, AssociationKind, Label, RelType

router = APIRouter(
    prefix="/associations",
    tags=["associations"],
    responses=problem_responses(400, 401, 403, 404, 413, 422, 429, 503),
)

AssociationId = Annotated[str, Path(pattern=ID_PATTERN, max_length=80, examples=["asso-anocr"])]
_EXAMPLE = {
    "id": "asso-anocr",
    "name": "Association nationale des officiers de carrière en retraite",
    "short_name": "ANOCR",
    "kind": "officers_association",
    "founded": None,
}

AssociationCreate = input_model(
    "AssociationCreate", Association, examples=[_EXAMPLE], doc="A new association."
)
AssociationPatch = input_model(
    "AssociationPatch",
    Association,
    exclude=("id",),
    all_optional=True,
    examples=[{"short_name": "ANOCR"}],
    doc="Fields to change; what is left out is kept.",
)
AssociationOut = create_model(  # type: ignore[call-overload]
    "Association",
    __config__=ConfigDict(
        json_schema_extra={"examples": [{**_EXAMPLE, "partners": ["asso-implicaction"]}]}
    ),
    **output_fields(Association),
    partners=(list[str], Field(description="associations with a convention (PARTNER_OF)")),
)


def _out(record: Association, store: Any) -> dict[str, Any]:
    view = store.view()
    partners = linked(view, record.id, RelType.PARTNER_OF, True, Label.ASSOCIATION)
    return {**record.model_dump(mode="json"), "partners": partners}


@router.get("", response_model=Page[AssociationOut], summary="List associations")
@light
def list_associations(
    principal: OrganisationsRead,
    store: StoreDep,
    page: PageDep,
    kind: Annotated[AssociationKind | None, Query(description="only this kind")] = None,
) -> dict[str, Any]:
    records = store.find(Label.ASSOCIATION, {"kind": kind} if kind else None, limit=10_000)
    chosen = records[page.offset : page.offset + page.limit]
    return page.answer([_out(r, store) for r in chosen], len(records))  # type: ignore[arg-type]


@router.get("/{association_id}", response_model=AssociationOut, summary="Read an association")
@light
def get_association(
    association_id: AssociationId, principal: OrganisationsRead, store: StoreDep
) -> dict[str, Any]:
    record = get_node(store, Label.ASSOCIATION, association_id, "association_id")
    return _out(record, store)  # type: ignore[arg-type]


@router.post(
    "",
    response_model=AssociationOut,
    status_code=status.HTTP_201_CREATED,
    summary="Create an association",
    responses=problem_responses(409),
)
def create_association(
    body: AssociationCreate,  # type: ignore[valid-type]
    principal: OrganisationsWrite,
    store: StoreDep,
) -> dict[str, Any]:
    data = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
    return _out(create_node(store, Label.ASSOCIATION, data), store)  # type: ignore[arg-type]


@router.patch("/{association_id}", response_model=AssociationOut, summary="Update an association")
def update_association(
    association_id: AssociationId,
    body: AssociationPatch,  # type: ignore[valid-type]
    principal: OrganisationsWrite,
    store: StoreDep,
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
    record = patch_node(store, Label.ASSOCIATION, association_id, changes, "association_id")
    return _out(record, store)  # type: ignore[arg-type]
