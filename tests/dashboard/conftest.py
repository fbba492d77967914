"""The demo seed (4,000 people) in a temporary store, tokens per role, the apps over it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI

from api.settings import ApiSettings
from cli.wiring import create_server
from dashboard import data as D
from dashboard.app import create_dash
from dashboard.runtime import PageContext, Runtime
from dashboard.settings import DashboardSettings
from graph.access.roles import Principal, Role
from graph.access.tokens import TokenStore
from graph.embedded import EmbeddedStore
from seed.demo import generate

AS_OF = date(2026, 11, 1)  # the demo seed's date
PEOPLE = 4000
OPTIONS = DashboardSettings(as_of=AS_OF, secret="test-only-signing-key")


@dataclass(frozen=True)
class World:
    dir: Path
    store: EmbeddedStore
    tokens: TokenStore
    settings: ApiSettings
    #: role -> bearer secret; "referent" is scoped to ``own``
    secrets: dict[str, str]
    principals: dict[str, Principal]
    #: the référent's groupement, and another one (both have candidates without a path)
    own: str
    other: str


def make_world(path: Path, people: int) -> World:
    """Seed the demo network (seed 7) into ``path``, with a token per role.

    The référent's groupement (``own``) is the one with the most candidates without a path,
    ``other`` the next: both have some, so names and small counts can be checked.
    """
    store = EmbeddedStore(path)
    with store.bulk():
        for batch in generate(people, 7):
            store.write(batch)
    data = D.national_data(store, AS_OF)
    without = sorted(
        (
            (len(D.candidates_without_path(store, c.id, AS_OF)), c.id)
            for c in data.report.groupements
        ),
        key=lambda t: (-t[0], t[1]),
    )
    own, other = without[0][1], without[1][1]
    assert without[1][0] > 0, "the demo seed should have candidates without a path"
    settings = ApiSettings(data_dir=path, api_warm=False)
    tokens = TokenStore(settings.auth_db_path)
    secrets, principals = {}, {}
    for role, scope in (
        (Role.NATIONAL, ()),
        (Role.ADMIN, ()),
        (Role.REFERENT, (own,)),
        (Role.PORTAL, ()),
    ):
        created = tokens.create(role, scope, name=f"test {role.value}")
        secrets[role.value] = created.secret
        principals[role.value] = Principal(created.info.id, role, frozenset(scope))
    return World(path, store, tokens, settings, secrets, principals, own, other)


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    w = make_world(tmp_path_factory.mktemp("dashboard-demo"), PEOPLE)
    yield w
    w.tokens.close()
    w.store.close()


def context(world: World, role: str) -> PageContext:
    runtime = Runtime(
        world.settings, OPTIONS, lambda: world.store, lambda: world.tokens, "/dashboard/"
    )
    return PageContext(runtime, world.principals[role], AS_OF)


@pytest.fixture(scope="session")
def dash_app(world: World):
    return create_dash(world.settings, lambda: world.store, lambda: world.tokens, options=OPTIONS)


def combined_app(world: World, warm: bool = False) -> FastAPI:
    """The API with the dashboard mounted, as the composition root (``cli/wiring.py``)
    wires the served process."""
    return create_server(
        world.settings,
        store=world.store,
        tokens=world.tokens,
        dashboard=OPTIONS,
        warm_dashboard=warm,
    )
