"""The calls a person waits on go before the searches (api.priority)."""

from __future__ import annotations

import asyncio
import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from api.priority import MAX_WAIT_S, Turns, UrgentFirst


def test_a_search_waits_for_the_urgent_calls_under_way():
    async def scenario() -> list[str]:
        turns, order = Turns(), []
        turns.arrive()

        async def search() -> None:
            await turns.after_urgent()
            order.append("search")

        task = asyncio.create_task(search())
        await asyncio.sleep(0.01)
        order.append("urgent done")
        turns.leave()
        await task
        return order

    assert asyncio.run(scenario()) == ["urgent done", "search"]


def test_a_search_goes_at_once_when_nothing_is_urgent():
    async def scenario() -> float:
        turns = Turns()
        t = time.perf_counter()
        await turns.after_urgent()
        return time.perf_counter() - t

    assert asyncio.run(scenario()) < MAX_WAIT_S / 2


def test_the_wait_is_bounded():
    """An urgent call that never ends (a client that stalls) delays a search by at most
    MAX_WAIT_S."""

    async def scenario() -> float:
        turns = Turns()
        turns.arrive()
        t = time.perf_counter()
        await turns.after_urgent()
        return time.perf_counter() - t

    waited = asyncio.run(scenario())
    assert MAX_WAIT_S * 0.9 <= waited < MAX_WAIT_S * 10


def test_an_urgent_call_that_arrives_with_a_search_goes_first():
    """Both ready in the same turn of the loop: the search yields, the urgent call runs."""

    async def scenario() -> list[str]:
        turns, order = Turns(), []

        async def search() -> None:
            await turns.after_urgent()
            order.append("search")

        async def urgent() -> None:
            turns.arrive()
            try:
                order.append("urgent")
            finally:
                turns.leave()

        await asyncio.gather(search(), urgent())
        return order

    assert asyncio.run(scenario()) == ["urgent", "search"]


def test_the_middleware_counts_only_urgent_requests():
    seen: dict[str, int] = {}

    async def endpoint(request: Request) -> JSONResponse:
        seen[request.url.path] = request.app.state.turns.urgent
        return JSONResponse({})

    app = Starlette(
        routes=[
            Route("/api/v1/introductions", endpoint, methods=["GET", "POST"]),
            Route("/api/v1/introductions/answer/{token}", endpoint, methods=["POST"]),
            Route("/api/v1/paths", endpoint, methods=["POST"]),
        ]
    )
    app.add_middleware(UrgentFirst)
    app.state.turns = Turns()
    with TestClient(app) as client:
        client.post("/api/v1/introductions/answer/abc.DEF-1", json={})
        client.post("/api/v1/paths", json={})
        assert seen == {"/api/v1/introductions/answer/abc.DEF-1": 1, "/api/v1/paths": 0}
        client.post("/api/v1/introductions", json={})
        assert seen["/api/v1/introductions"] == 1
        client.get("/api/v1/introductions")  # listing: not urgent
    assert seen["/api/v1/introductions"] == 0
    assert app.state.turns.urgent == 0
