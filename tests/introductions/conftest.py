"""A small network (tests/api/conftest.py's world), an introductions service over it and a
clock the tests move by hand."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from graph.access.roles import Principal, Role
from graph.embedded import EmbeddedStore
from graph.introductions.db import IntroDB
from graph.introductions.links import load_key
from graph.introductions.service import IntroductionService
from graph.introductions.settings import IntroSettings
from graph.model import Label
from graph.paths import Target
from tests.api.conftest import build_world

REFERENT = Principal("tok-ref", Role.REFERENT, frozenset({"grp-a"}))
OTHER_REFERENT = Principal("tok-other", Role.REFERENT, frozenset({"grp-b"}))
ADMIN = Principal("tok-admin", Role.ADMIN)
START = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
EMPLOYER = Target("employer", id="emp-1")
EMAILS = {"help-a": "bernard@example.org", "work-1": "fournier@example.org"}


class Clock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@dataclass
class Net:
    store: EmbeddedStore
    db: IntroDB
    service: IntroductionService
    clock: Clock
    data_dir: Path


def make_service(store, data_dir: Path, clock: Clock, **settings) -> IntroductionService:
    settings.setdefault("public_url", "http://passerelle.test")
    settings.setdefault("intro_defer_feedback", False)  # loads written at once: tests read them
    return IntroductionService(
        store, IntroDB.in_dir(data_dir), load_key(data_dir), IntroSettings(**settings), clock=clock
    )


def build_net(tmp_path: Path) -> EmbeddedStore:
    store = EmbeddedStore(tmp_path)
    build_world(store)
    for pid, email in EMAILS.items():
        store.update_node(Label.PERSON, pid, {"email": email})
    return store


@pytest.fixture
def net(tmp_path) -> Iterator[Net]:
    store = build_net(tmp_path)
    clock = Clock()
    service = make_service(store, tmp_path, clock)
    yield Net(store, service.db, service, clock, tmp_path)
    service.db.close()
    store.close()


def links_of(net: Net, intro_id: str) -> dict[int, str]:
    """The link token of each asked hop, as the e-mails carry it."""
    intro = net.db.get(intro_id)
    return {h.position: net.service.token_of(intro, h) for h in intro.hops if h.asked_at}
