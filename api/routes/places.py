"""``/api/v1/bassins`` and ``/api/v1/secteurs``: the codes every route takes and returns.

A bassin d'emploi and a sector are named by their code (``ZE-33-1``, ``defense``) in
every answer and accepted by code (or, for compatibility, by node id) in every request
(:mod:`graph.places`). Read by every role, like employers; paged like the other lists,
ordered by code.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import EmployersRead, PageDep, StoreDep
from api.problems import problem_responses
from api.runtime import light
from api.schemas import Bassin, Page, Secteur
from graph import places

router = APIRouter(tags=["places"], responses=problem_responses(400, 401, 403, 422, 429, 503))

Departement = Annotated[
    str | None,
    Query(pattern=r"^([0-9]{2}|2A|2B|97[1-6])$", description="only this département (code)"),
]
Region = Annotated[str | None, Query(pattern=r"^[0-9]{2}$", description="only this région (code)")]


@router.get("/bassins", response_model=Page[Bassin], summary="List bassins d'emploi")
@light
def list_bassins(
    principal: EmployersRead,
    store: StoreDep,
    page: PageDep,
    departement: Departement = None,
    region: Region = None,
) -> dict[str, Any]:
    """Bassins d'emploi by code, with their département and région."""
    rows = places.list_bassins(store, departement, region)
    chosen = rows[page.offset : page.offset + page.limit]
    return page.answer([p.to_dict() for p in chosen], len(rows))


@router.get("/secteurs", response_model=Page[Secteur], summary="List sectors")
@light
def list_secteurs(principal: EmployersRead, store: StoreDep, page: PageDep) -> dict[str, Any]:
    """Sectors of activity by code."""
    rows = places.list_sectors(store)
    chosen = rows[page.offset : page.offset + page.limit]
    return page.answer([s.to_dict() for s in chosen], len(rows))
