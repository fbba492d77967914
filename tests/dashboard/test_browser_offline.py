"""Every request a real browser makes for the API docs and the dashboard goes to this
machine: headless Chromium records its network events (DevTools) while Swagger UI, ReDoc,
the login page and the national cell's home page render, and each URL asked for, failed
ones included, must be on 127.0.0.1. No CDN, no fonts, no version check from elsewhere.
The one exception: ReDoc's script asks for its maker's logo on their CDN, and the browser
must refuse it (the docs' Content-Security-Policy, :mod:`api.docs`): asked, never sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.dashboard import browser as B
from tests.dashboard import network as N
from tests.dashboard.conftest import World, combined_app

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

SWAGGER_RENDERED_JS = "return document.querySelectorAll('.swagger-ui .opblock').length > 5"
REDOC_RENDERED_JS = (
    "const r = document.querySelector('redoc');"
    " return !!r && r.innerText.includes('Passerelle API') && r.innerText.includes('/api/v1/');"
)
DASH_RENDERED_JS = (
    "const p = document.getElementById('page'); return !!p && p.children.length > 0"
    " && !document.querySelector('._dash-loading');"
)
#: schemes that reach a network (data:, blob:, about: and the browser's own chrome: do not)
NETWORK = ("http", "https", "ws", "wss")


@pytest.fixture(scope="module")
def base(world: World) -> Iterator[str]:
    reason = B.chromium_available()
    if reason:
        pytest.skip(reason)
    with B.ServerThread(combined_app(world)) as server:
        yield server.base


@pytest.fixture(scope="module")
def driver(base: str) -> Iterator[Any]:
    with B.chrome(network_log=True) as d:
        yield d


def elsewhere(urls: list[str]) -> list[str]:
    return [
        u
        for u in urls
        if urlsplit(u).scheme in NETWORK and urlsplit(u).hostname not in ("127.0.0.1", "localhost")
    ]


def visit(driver: Any, url: str, rendered_js: str) -> tuple[list[str], set[str]]:
    """What the page asked for, and what of it the browser refused to send."""
    N.events(driver)  # forget what came before
    driver.get(url)
    B.wait_js(driver, rendered_js, 60)
    log = N.events(driver)
    return N.requested_urls(log), N.blocked_urls(log)


@pytest.mark.parametrize(
    ("path", "rendered"),
    [("/docs", SWAGGER_RENDERED_JS), ("/redoc", REDOC_RENDERED_JS)],
)
def test_api_docs_render_offline(driver: Any, base: str, path: str, rendered: str) -> None:
    urls, blocked = visit(driver, base + path, rendered)
    assert any(u.endswith(".js") for u in urls)  # the page's scripts were recorded
    assert any("/openapi.json" in u for u in urls)
    assert [u for u in elsewhere(urls) if u not in blocked] == []


def test_dashboard_pages_load_only_from_this_machine(driver: Any, base: str, world: World) -> None:
    login_page, _ = visit(driver, base + "/", DASH_RENDERED_JS)  # `/` leads to the dashboard
    assert urlsplit(driver.current_url).path.startswith("/dashboard/")
    assert any("_dash-component-suites" in u for u in login_page)
    assert elsewhere(login_page) == []
    N.events(driver)
    B.login(driver, base, world.secrets["national"])
    B.wait_js(driver, B.NATIONAL_RENDERED_JS, 60)
    home = N.requested_urls(N.events(driver))
    assert any("_dash-update-component" in u for u in home)  # the page's own callbacks
    assert elsewhere(home) == []
