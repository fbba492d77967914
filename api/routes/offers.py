"""``/api/v1/offers``: job offers (often hidden), each offered by an employer.

Read by every role (portals list offers and ask for paths to them); written by the
admin. Who reported an offer is a person and is not shown here: a path query to the
offer names the reporter when they agreed to be asked.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status
from pydantic import ConfigDict, Field, create_model

from api.catalog import create_node, ends_in, get_node, linked, patch_node, require_nodes
from api.deps import OffersRead, OffersWrite, PageDep, StoreDep
from api.listing import page_of
from api.problems import problem_responses
from api.runtime import light
from api.schemas import Page, input_model, output_fields
from graph.model import ID_PATTERN, JobOffer, Label, LocatedIn, Offers, OfferStatus, RelType
from graph.store import GraphStore

router = APIRouter(
    prefix="/offers",
    tags=["offers"],
    responses=problem_responses(400, 401, 403, 404, 413, 422, 429, 503),
)

OfferId = Annotated[str, Path(pattern=ID_PATTERN, max_length=80, examples=["off-10"])]
RefId = Annotated[str, Field(pattern=ID_PATTERN, max_length=80)]
_EXAMPLE = {
    "id": "off-10",
    "title": "Responsable logistique (H/F)",
    "status": "open",
    "hidden": True,
    "posted": "2026-05-09",
}

OfferCreate = input_model(
    "OfferCreate",
    JobOffer,
    extra={
        "employer_id": (RefId, Field(description="the employer offering it (OFFERS)")),
        "bassin_id": (
            RefId | None,
            Field(None, description="bassin d'emploi [default: the employer's]"),
        ),
    },
    examples=[{**_EXAMPLE, "employer_id": "emp-thales-ZE-33-1"}],
    doc="A new job offer of an existing employer.",
)
OfferPatch = input_model(
    "OfferPatch",
    JobOffer,
    exclude=("id",),
    all_optional=True,
    examples=[{"status": "filled"}],
    doc="Fields to change; what is left out is kept.",
)
OfferOut = create_model(  # type: ignore[call-overload]
    "Offer",
    __config__=ConfigDict(
        json_schema_extra={
            "examples": [
                {**_EXAMPLE, "employer_id": "emp-thales-ZE-33-1", "bassins": ["be-ZE-33-1"]}
            ]
        }
    ),
    **output_fields(JobOffer),
    employer_id=(str | None, Field(description="the employer offering it")),
    bassins=(list[str], Field(description="bassins d'emploi of the job")),
)


def _out(record: JobOffer, store: GraphStore) -> dict[str, Any]:
    view = store.view()
    employers = linked(view, record.id, RelType.OFFERS, False)
    return {
        **record.model_dump(mode="json"),
        "employer_id": employers[0] if employers else None,
        "bassins": linked(view, record.id, RelType.LOCATED_IN, True),
    }


@router.get("", response_model=Page[OfferOut], summary="List job offers")
@light
def list_offers(
    principal: OffersRead,
    store: StoreDep,
    page: PageDep,
    status_: Annotated[OfferStatus | None, Query(alias="status", description="only this")] = None,
    employer_id: Annotated[
        str | None, Query(pattern=ID_PATTERN, max_length=80, description="of this employer")
    ] = None,
    bassin_id: Annotated[
        str | None, Query(pattern=ID_PATTERN, max_length=80, description="in this bassin")
    ] = None,
) -> dict[str, Any]:
    view = store.view()
    nids = view.nodes_with_label(Label.JOB_OFFER)
    if status_ is not None:
        codes = view.column(Label.JOB_OFFER, "status")
        nids = nids[codes[nids] == list(OfferStatus).index(status_)]
    if employer_id is not None:
        nids = ends_in(
            view, nids, RelType.OFFERS, employer_id, False, Label.EMPLOYER, "employer_id"
        )
    if bassin_id is not None:
        nids = ends_in(
            view, nids, RelType.LOCATED_IN, bassin_id, True, Label.BASSIN_EMPLOI, "bassin_id"
        )
    records, total = page_of(store, view, nids, page)
    return page.answer([_out(r, store) for r in records], total)  # type: ignore[arg-type]


@router.get("/{offer_id}", response_model=OfferOut, summary="Read a job offer")
@light
def get_offer(offer_id: OfferId, principal: OffersRead, store: StoreDep) -> dict[str, Any]:
    return _out(get_node(store, Label.JOB_OFFER, offer_id, "offer_id"), store)  # type: ignore[arg-type]


@router.post(
    "",
    response_model=OfferOut,
    status_code=status.HTTP_201_CREATED,
    summary="Create a job offer",
    responses=problem_responses(409),
)
def create_offer(
    body: OfferCreate,  # type: ignore[valid-type]
    principal: OffersWrite,
    store: StoreDep,
) -> dict[str, Any]:
    data = body.model_dump(exclude_unset=True, exclude={"employer_id", "bassin_id"})  # type: ignore[attr-defined]
    employer = body.employer_id  # type: ignore[attr-defined]
    require_nodes(store, Label.EMPLOYER, [employer], "employer_id", many=False)
    bassins = [body.bassin_id] if body.bassin_id else []  # type: ignore[attr-defined]
    if bassins:
        require_nodes(store, Label.BASSIN_EMPLOI, bassins, "bassin_id", many=False)
    else:
        bassins = linked(store.view(), employer, RelType.LOCATED_IN, True)

    def rels(oid: str) -> list[Any]:
        return [Offers(src=employer, dst=oid)] + [LocatedIn(src=oid, dst=b) for b in bassins]

    return _out(create_node(store, Label.JOB_OFFER, data, rels), store)  # type: ignore[arg-type]


@router.patch("/{offer_id}", response_model=OfferOut, summary="Update a job offer")
def update_offer(
    offer_id: OfferId,
    body: OfferPatch,  # type: ignore[valid-type]
    principal: OffersWrite,
    store: StoreDep,
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
    record = patch_node(store, Label.JOB_OFFER, offer_id, changes, "offer_id")
    return _out(record, store)  # type: ignore[arg-type]
