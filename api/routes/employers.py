"""``/api/v1/employers``: employer sites, each in a bassin d'emploi and sectors.

Read by every role (a portal needs employer ids to ask for paths); written by the admin.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status
from pydantic import ConfigDict, Field, create_model

from api.catalog import create_node, ends_in, get_node, linked, patch_node, require_nodes
from api.deps import EmployersRead, EmployersWrite, PageDep, StoreDep
from api.listing import page_of
from api.problems import problem_responses
from api.runtime import light
from api.schemas import Page, input_model, output_fields
from graph.model import ID_PATTERN, Employer, InSector, Label, LocatedIn, RelType
from graph.store import GraphStore

router = APIRouter(
    prefix="/employers",
    tags=["employers"],
    responses=problem_responses(400, 401, 403, 404, 413, 422, 429, 503),
)

EmployerId = Annotated[
    str, Path(pattern=ID_PATTERN, max_length=80, examples=["emp-thales-ZE-33-1"])
]
RefId = Annotated[str, Field(pattern=ID_PATTERN, max_length=80)]
_EXAMPLE = {"id": "emp-thales-ZE-33-1", "name": "Thales", "brand": "Thales", "size": 2400}

EmployerCreate = input_model(
    "EmployerCreate",
    Employer,
    extra={
        "bassin_id": (RefId | None, Field(None, description="bassin d'emploi (LOCATED_IN)")),
        "sector_ids": (
            list[RefId],
            Field(default_factory=list, max_length=10, description="sectors (IN_SECTOR)"),
        ),
    },
    examples=[{**_EXAMPLE, "bassin_id": "be-ZE-33-1", "sector_ids": ["sec-defense"]}],
    doc="A new employer site.",
)
EmployerPatch = input_model(
    "EmployerPatch",
    Employer,
    exclude=("id",),
    all_optional=True,
    examples=[{"size": 2600}],
    doc="Fields to change; what is left out is kept.",
)
EmployerOut = create_model(  # type: ignore[call-overload]
    "Employer",
    __config__=ConfigDict(
        json_schema_extra={
            "examples": [{**_EXAMPLE, "bassins": ["be-ZE-33-1"], "sectors": ["sec-defense"]}]
        }
    ),
    **output_fields(Employer),
    bassins=(list[str], Field(description="bassins d'emploi it is located in")),
    sectors=(list[str], Field(description="its sectors")),
)


def _out(record: Employer, store: GraphStore) -> dict[str, Any]:
    view = store.view()
    return {
        **record.model_dump(mode="json"),
        "bassins": linked(view, record.id, RelType.LOCATED_IN, True),
        "sectors": linked(view, record.id, RelType.IN_SECTOR, True),
    }


@router.get("", response_model=Page[EmployerOut], summary="List employers")
@light
def list_employers(
    principal: EmployersRead,
    store: StoreDep,
    page: PageDep,
    bassin_id: Annotated[
        str | None, Query(pattern=ID_PATTERN, max_length=80, description="in this bassin")
    ] = None,
    sector_id: Annotated[
        str | None, Query(pattern=ID_PATTERN, max_length=80, description="in this sector")
    ] = None,
) -> dict[str, Any]:
    view = store.view()
    nids = view.nodes_with_label(Label.EMPLOYER)
    if bassin_id is not None:
        nids = ends_in(
            view, nids, RelType.LOCATED_IN, bassin_id, True, Label.BASSIN_EMPLOI, "bassin_id"
        )
    if sector_id is not None:
        nids = ends_in(view, nids, RelType.IN_SECTOR, sector_id, True, Label.SECTOR, "sector_id")
    records, total = page_of(store, view, nids, page)
    return page.answer([_out(r, store) for r in records], total)  # type: ignore[arg-type]


@router.get("/{employer_id}", response_model=EmployerOut, summary="Read an employer")
@light
def get_employer(
    employer_id: EmployerId, principal: EmployersRead, store: StoreDep
) -> dict[str, Any]:
    return _out(get_node(store, Label.EMPLOYER, employer_id, "employer_id"), store)  # type: ignore[arg-type]


@router.post(
    "",
    response_model=EmployerOut,
    status_code=status.HTTP_201_CREATED,
    summary="Create an employer",
    responses=problem_responses(409),
)
def create_employer(
    body: EmployerCreate,  # type: ignore[valid-type]
    principal: EmployersWrite,
    store: StoreDep,
) -> dict[str, Any]:
    data = body.model_dump(exclude_unset=True, exclude={"bassin_id", "sector_ids"})  # type: ignore[attr-defined]
    bassin = body.bassin_id  # type: ignore[attr-defined]
    sectors = list(dict.fromkeys(body.sector_ids))  # type: ignore[attr-defined]
    if bassin is not None:
        require_nodes(store, Label.BASSIN_EMPLOI, [bassin], "bassin_id", many=False)
    require_nodes(store, Label.SECTOR, sectors, "sector_ids", many=True)

    def rels(eid: str) -> list[Any]:
        out: list[Any] = [InSector(src=eid, dst=s) for s in sectors]
        if bassin is not None:
            out.append(LocatedIn(src=eid, dst=bassin))
        return out

    return _out(create_node(store, Label.EMPLOYER, data, rels), store)  # type: ignore[arg-type]


@router.patch("/{employer_id}", response_model=EmployerOut, summary="Update an employer")
def update_employer(
    employer_id: EmployerId,
    body: EmployerPatch,  # type: ignore[valid-type]
    principal: EmployersWrite,
    store: StoreDep,
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
    record = patch_node(store, Label.EMPLOYER, employer_id, changes, "employer_id")
    return _out(record, store)  # type: ignore[arg-type]
