"""``/api/v1/offers``: job offers (often hidden), each offered by an employer.

Read by every role (portals list offers and ask for paths to them); written by the
admin. Who reported an offer is a person and is not shown here: a path query to the
offer names the reporter when they agreed to be asked.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from api.catalog import create_node, ends_in, get_node, linked, patch_node, require_nodes
from api.deps import OffersRead, OffersWrite, PageDep, StoreDep
from api.listing import page_of
from api.problems import problem_responses
from api.runtime import light
from api.schemas import CODE_DESCRIPTION, OfferCreate, OfferPatch, Page
from api.schemas import Offer as OfferOut
from graph import places
from graph.model import (
    ID_PATTERN,
    BassinEmploi,
    Employer,
    JobOffer,
    Label,
    LocatedIn,
    Offers,
    OfferStatus,
    RelType,
)
from graph.store import GraphStore

router = APIRouter(
    prefix="/offers",
    tags=["offers"],
    responses=problem_responses(400, 401, 403, 404, 413, 422, 429, 503),
)

OfferId = Annotated[str, Path(pattern=ID_PATTERN, max_length=80, examples=["off-10"])]


def _out(record: JobOffer, store: GraphStore) -> dict[str, Any]:
    view = store.view()
    employers = linked(view, record.id, RelType.OFFERS, False)
    return {
        **record.model_dump(mode="json"),
        "employer_id": employers[0] if employers else None,
        "bassins": places.public_ids(store, linked(view, record.id, RelType.LOCATED_IN, True)),
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
        str | None,
        Query(pattern=ID_PATTERN, max_length=80, description=f"in this bassin: {CODE_DESCRIPTION}"),
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
        bassin = places.resolve(store, Label.BASSIN_EMPLOI, bassin_id, "bassin_id")
        nids = ends_in(
            view, nids, RelType.LOCATED_IN, bassin, True, Label.BASSIN_EMPLOI, "bassin_id"
        )
    records, total = page_of(store, view, nids, page)
    return page.answer([_out(r, store) for r in records if isinstance(r, JobOffer)], total)


@router.get("/{offer_id}", response_model=OfferOut, summary="Read a job offer")
@light
def get_offer(offer_id: OfferId, principal: OffersRead, store: StoreDep) -> dict[str, Any]:
    return _out(get_node(store, JobOffer, offer_id, "offer_id"), store)


@router.post(
    "",
    response_model=OfferOut,
    status_code=status.HTTP_201_CREATED,
    summary="Create a job offer",
    responses=problem_responses(409),
)
def create_offer(
    body: OfferCreate,
    principal: OffersWrite,
    store: StoreDep,
) -> dict[str, Any]:
    data = body.model_dump(exclude_unset=True, exclude={"employer_id", "bassin_id"})
    employer = body.employer_id
    require_nodes(store, Employer, [employer], "employer_id", many=False)
    bassins = (
        [places.id_or_given(store, Label.BASSIN_EMPLOI, body.bassin_id)] if body.bassin_id else []
    )
    if bassins:
        require_nodes(store, BassinEmploi, bassins, "bassin_id", many=False)
    else:
        bassins = linked(store.view(), employer, RelType.LOCATED_IN, True)

    def rels(oid: str) -> list[Any]:
        return [Offers(src=employer, dst=oid)] + [LocatedIn(src=oid, dst=b) for b in bassins]

    return _out(create_node(store, JobOffer, data, rels), store)


@router.patch("/{offer_id}", response_model=OfferOut, summary="Update a job offer")
def update_offer(
    offer_id: OfferId,
    body: OfferPatch,
    principal: OffersWrite,
    store: StoreDep,
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    record = patch_node(store, JobOffer, offer_id, changes, "offer_id")
    return _out(record, store)
