"""The API's dependencies, declared once as ``Annotated`` aliases.

Routes take ``store: StoreDep``, ``page: PageDep`` and a principal alias naming the
permission they need (``MembersRead``, ``PathsQuery``…); the role table is
:mod:`graph.access.roles`, the scope rules :mod:`graph.access.scope`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Depends, Query, Request

from api.auth import authenticate, require
from graph.access.roles import Permission, Principal
from graph.settings import Settings
from graph.store import GraphStore

# The dependencies are ``async``: FastAPI runs a plain ``def`` dependency in the thread
# pool, a hop per request that these trivial lookups do not need.


async def get_store(request: Request) -> GraphStore:
    """The app's store; opening it (first use, or after a failure) happens off the loop."""
    holder = request.app.state.store_holder
    store = holder.current
    if store is not None:
        return store
    return await anyio.to_thread.run_sync(holder.get)


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


StoreDep = Annotated[GraphStore, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
PrincipalDep = Annotated[Principal, Depends(authenticate)]

PathsQuery = Annotated[Principal, Depends(require(Permission.PATHS))]
MembersRead = Annotated[Principal, Depends(require(Permission.MEMBERS_READ))]
MembersWrite = Annotated[Principal, Depends(require(Permission.MEMBERS_WRITE))]
OrganisationsRead = Annotated[Principal, Depends(require(Permission.ORGANISATIONS_READ))]
OrganisationsWrite = Annotated[Principal, Depends(require(Permission.ORGANISATIONS_WRITE))]
EmployersRead = Annotated[Principal, Depends(require(Permission.EMPLOYERS_READ))]
EmployersWrite = Annotated[Principal, Depends(require(Permission.EMPLOYERS_WRITE))]
OffersRead = Annotated[Principal, Depends(require(Permission.OFFERS_READ))]
OffersWrite = Annotated[Principal, Depends(require(Permission.OFFERS_WRITE))]
CoverageRead = Annotated[Principal, Depends(require(Permission.COVERAGE_READ))]
AuditRead = Annotated[Principal, Depends(require(Permission.AUDIT_READ))]

MAX_LIMIT = 500
MAX_OFFSET = 1_000_000


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int

    def answer(self, items: list[Any], total: int) -> dict[str, Any]:
        """A list's answer: this page's items, how many there are in all, the page."""
        return {"items": items, "total": total, "limit": self.limit, "offset": self.offset}


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items per page")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="items to skip")] = 0,
) -> PageParams:
    return PageParams(limit, offset)


PageDep = Annotated[PageParams, Depends(page_params)]
