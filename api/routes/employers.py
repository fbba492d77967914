"""``/api/v1/employers``: employer sites, each in a bassin d'emploi and sectors.

Read by every role (a portal needs employer ids to ask for paths); written by the admin.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from api.catalog import create_node, ends_in, get_node, linked, patch_node, require_nodes
from api.deps import EmployersRead, EmployersWrite, PageDep, StoreDep
from api.listing import page_of
from api.problems import problem_responses
from api.runtime import light
from api.schemas import CODE_DESCRIPTION, EmployerCreate, EmployerPatch, Page
from api.schemas import Employer as EmployerOut
from graph import places
from graph.model import (
    ID_PATTERN,
    BassinEmploi,
    Employer,
    InSector,
    Label,
    LocatedIn,
    RelType,
    Sector,
)
from graph.store import GraphStore

router = APIRouter(
    prefix="/employers",
    tags=["employers"],
    responses=problem_responses(400, 401, 403, 404, 413, 422, 429, 503),
)

EmployerId = Annotated[
    str, Path(pattern=ID_PATTERN, max_length=80, examples=["emp-thales-ZE-33-1"])
]


def _out(record: Employer, store: GraphStore) -> dict[str, Any]:
    view = store.view()
    return {
        **record.model_dump(mode="json"),
        "bassins": places.public_ids(store, linked(view, record.id, RelType.LOCATED_IN, True)),
        "sectors": places.public_ids(store, linked(view, record.id, RelType.IN_SECTOR, True)),
    }


@router.get("", response_model=Page[EmployerOut], summary="List employers")
@light
def list_employers(
    principal: EmployersRead,
    store: StoreDep,
    page: PageDep,
    bassin_id: Annotated[
        str | None,
        Query(pattern=ID_PATTERN, max_length=80, description=f"in this bassin: {CODE_DESCRIPTION}"),
    ] = None,
    sector_id: Annotated[
        str | None,
        Query(pattern=ID_PATTERN, max_length=80, description=f"in this sector: {CODE_DESCRIPTION}"),
    ] = None,
) -> dict[str, Any]:
    view = store.view()
    nids = view.nodes_with_label(Label.EMPLOYER)
    if bassin_id is not None:
        bassin = places.resolve(store, Label.BASSIN_EMPLOI, bassin_id, "bassin_id")
        nids = ends_in(
            view, nids, RelType.LOCATED_IN, bassin, True, Label.BASSIN_EMPLOI, "bassin_id"
        )
    if sector_id is not None:
        sector = places.resolve(store, Label.SECTOR, sector_id, "sector_id")
        nids = ends_in(view, nids, RelType.IN_SECTOR, sector, True, Label.SECTOR, "sector_id")
    records, total = page_of(store, view, nids, page)
    return page.answer([_out(r, store) for r in records if isinstance(r, Employer)], total)


@router.get("/{employer_id}", response_model=EmployerOut, summary="Read an employer")
@light
def get_employer(
    employer_id: EmployerId, principal: EmployersRead, store: StoreDep
) -> dict[str, Any]:
    return _out(get_node(store, Employer, employer_id, "employer_id"), store)


@router.post(
    "",
    response_model=EmployerOut,
    status_code=status.HTTP_201_CREATED,
    summary="Create an employer",
    responses=problem_responses(409),
)
def create_employer(
    body: EmployerCreate,
    principal: EmployersWrite,
    store: StoreDep,
) -> dict[str, Any]:
    data = body.model_dump(exclude_unset=True, exclude={"bassin_id", "sector_ids"})
    bassin = (
        places.id_or_given(store, Label.BASSIN_EMPLOI, body.bassin_id)
        if body.bassin_id is not None
        else None
    )
    sectors = list(
        dict.fromkeys(places.id_or_given(store, Label.SECTOR, s) for s in body.sector_ids)
    )
    if bassin is not None:
        require_nodes(store, BassinEmploi, [bassin], "bassin_id", many=False)
    require_nodes(store, Sector, sectors, "sector_ids", many=True)

    def rels(eid: str) -> list[Any]:
        out: list[Any] = [InSector(src=eid, dst=s) for s in sectors]
        if bassin is not None:
            out.append(LocatedIn(src=eid, dst=bassin))
        return out

    return _out(create_node(store, Employer, data, rels), store)


@router.patch("/{employer_id}", response_model=EmployerOut, summary="Update an employer")
def update_employer(
    employer_id: EmployerId,
    body: EmployerPatch,
    principal: EmployersWrite,
    store: StoreDep,
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    record = patch_node(store, Employer, employer_id, changes, "employer_id")
    return _out(record, store)
