"""``/api/v1/associations``: ANOCR, Implic'Action, Défense Mobilité… (read; admin writes)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from api.catalog import create_node, get_node, linked, patch_node
from api.deps import OrganisationsRead, OrganisationsWrite, PageDep, StoreDep
from api.problems import problem_responses
from api.runtime import light
from api.schemas import Association as AssociationOut
from api.schemas import AssociationCreate, AssociationPatch, Page
from graph.model import ID_PATTERN, Association, AssociationKind, Label, RelType
from graph.store import GraphStore, find_all

router = APIRouter(
    prefix="/associations",
    tags=["associations"],
    responses=problem_responses(400, 401, 403, 404, 413, 422, 429, 503),
)

AssociationId = Annotated[str, Path(pattern=ID_PATTERN, max_length=80, examples=["asso-anocr"])]


def _out(record: Association, store: GraphStore) -> dict[str, Any]:
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
    records = list(find_all(store, Label.ASSOCIATION, {"kind": kind} if kind else None))
    chosen = records[page.offset : page.offset + page.limit]
    return page.answer([_out(r, store) for r in chosen if isinstance(r, Association)], len(records))


@router.get("/{association_id}", response_model=AssociationOut, summary="Read an association")
@light
def get_association(
    association_id: AssociationId, principal: OrganisationsRead, store: StoreDep
) -> dict[str, Any]:
    record = get_node(store, Association, association_id, "association_id")
    return _out(record, store)


@router.post(
    "",
    response_model=AssociationOut,
    status_code=status.HTTP_201_CREATED,
    summary="Create an association",
    responses=problem_responses(409),
)
def create_association(
    body: AssociationCreate,
    principal: OrganisationsWrite,
    store: StoreDep,
) -> dict[str, Any]:
    data = body.model_dump(exclude_unset=True)
    return _out(create_node(store, Association, data), store)


@router.patch("/{association_id}", response_model=AssociationOut, summary="Update an association")
def update_association(
    association_id: AssociationId,
    body: AssociationPatch,
    principal: OrganisationsWrite,
    store: StoreDep,
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    record = patch_node(store, Association, association_id, changes, "association_id")
    return _out(record, store)
