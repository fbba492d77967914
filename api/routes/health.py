"""``/healthz`` (the process answers) and ``/readyz`` (the store and token database answer).

No token needed: load balancers and supervisors call them. They say nothing about the
data beyond the store's version number.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel

from api.problems import problem_responses
from graph.errors import StoreUnavailable

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Ready(BaseModel):
    status: Literal["ready"] = "ready"
    version: int


@router.get("/healthz", response_model=Health, summary="Liveness")
async def healthz() -> Health:
    """200 while the process serves requests; checks nothing else."""
    return Health()


@router.get(
    "/readyz",
    response_model=Ready,
    summary="Readiness",
    responses=problem_responses(503),
)
def readyz(request: Request) -> Ready:
    """200 when the graph store and the token database answer, else a 503 problem."""
    store = request.app.state.store_holder.get()
    try:
        version = store.version
        request.app.state.tokens.ping()
    except StoreUnavailable:
        raise
    except Exception as exc:  # a store adapter failing in its own way is still "not ready"
        raise StoreUnavailable(f"readiness check failed: {type(exc).__name__}") from None
    return Ready(version=version)
