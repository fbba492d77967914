"""A small world written through the store port, an app over it and a token per role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from graph.access.roles import Role
from graph.access.tokens import TokenStore
from graph.embedded import EmbeddedStore
from graph.model import (
    Association,
    BassinEmploi,
    Covers,
    Departement,
    Employer,
    Groupement,
    InGroupement,
    InSector,
    JobOffer,
    Knows,
    LocatedIn,
    MemberOf,
    Offers,
    PartOf,
    Person,
    ReferentOf,
    Region,
    Sector,
    WorksAt,
)
from graph.store import Batch

AS_OF = date(2025, 6, 1)
PATH_BODY = {"candidate_id": "cand-a", "target": {"kind": "employer", "id": "emp-1"}}

#: every personal value of the world, to check that no log line carries one
PERSONAL = (
    "cand-a", "help-a", "ref-a", "cand-b", "help-b", "work-1",
    "Aubert", "Bernard", "Carpentier", "Dumont", "Estienne", "Fournier",
    "anne.aubert@example.org",
)  # fmt: skip


def person(pid: str, last: str, group: str, **kw) -> tuple[Person, list]:
    kw.setdefault("consent_introducer", True)
    kw.setdefault("civility", "Mme")
    p = Person(id=pid, first_name="Prénom", last_name=last, **kw)
    rels = [InGroupement(src=pid, dst=group)] if group else []
    return p, rels


def build_world(store: EmbeddedStore) -> None:
    """Two groupements of two associations; a candidate and a helper in each, one employer."""
    nodes: list = [
        Region(id="reg-75", code="75", name="Nouvelle-Aquitaine"),
        Departement(id="dep-33", code="33", name="Gironde"),
        BassinEmploi(id="be-ZE-33-1", code="ZE-33-1", name="Bordeaux"),
        Sector(id="sec-defense", code="defense", name="Défense"),
        Association(
            id="asso-a", name="Association A", short_name="AA", kind="officers_association"
        ),
        Association(id="asso-b", name="Association B", short_name="AB", kind="network_association"),
        Groupement(id="grp-a", name="Groupement A", association_id="asso-a"),
        Groupement(id="grp-b", name="Délégation B", association_id="asso-b", kind="delegation"),
        Employer(id="emp-1", name="Thales (Bordeaux)", brand="Thales", size=2000),
        JobOffer(id="off-1", title="Chef de projet (H/F)", posted=date(2025, 5, 1)),
    ]
    rels: list = [
        PartOf(src="dep-33", dst="reg-75"),
        PartOf(src="be-ZE-33-1", dst="dep-33"),
        Covers(src="grp-a", dst="dep-33"),
        Covers(src="grp-b", dst="dep-33"),
        LocatedIn(src="emp-1", dst="be-ZE-33-1"),
        InSector(src="emp-1", dst="sec-defense"),
        Offers(src="emp-1", dst="off-1"),
        LocatedIn(src="off-1", dst="be-ZE-33-1"),
        MemberOf(src="cand-a", dst="asso-a"),
        MemberOf(src="cand-b", dst="asso-b"),
        ReferentOf(src="ref-a", dst="grp-a"),
        WorksAt(src="work-1", dst="emp-1", since=date(2019, 1, 1)),
    ]
    people = [
        person("cand-a", "Aubert", "grp-a", status="candidate", consent_portal=True,
               consent_contact=True, email="anne.aubert@example.org",
               phone="+33 6 00 00 00 01"),
        person("help-a", "Bernard", "grp-a", status="helper", capacity=5),
        person("ref-a", "Carpentier", "grp-a", status="helper"),
        person("cand-b", "Dumont", "grp-b", status="candidate"),
        person("help-b", "Estienne", "grp-b", status="helper"),
        person("work-1", "Fournier", "", status="helper", consent_directory=True),
    ]  # fmt: skip
    for p, r in people:
        nodes.append(p)
        rels.extend(r)
    for a, b in (
        ("cand-a", "help-a"),
        ("help-a", "work-1"),
        ("cand-b", "help-b"),
        ("help-b", "work-1"),
    ):
        rels.append(
            Knows(
                src=a,
                dst=b,
                strength=0.9,
                source="unit",
                since=date(2020, 1, 1),
                confirmed_at=date(2025, 1, 1),
            )
        )
    store.write(Batch(nodes=nodes, rels=rels))


@dataclass
class World:
    app: FastAPI
    client: TestClient
    store: EmbeddedStore
    tokens: TokenStore
    secrets: dict[str, str]
    token_ids: dict[str, str]
    data_dir: Path

    def headers(self, who: str) -> dict[str, str]:
        if who == "anon":
            return {}
        return {"Authorization": f"Bearer {self.secrets[who]}"}


#: principals of the matrix: "referent" holds grp-a, "other_referent" holds grp-b
PRINCIPALS = ("anon", "admin", "national", "portal", "referent", "other_referent")


def make_world(tmp: Path, **settings_kw) -> Iterator[World]:
    settings_kw.setdefault("api_portal_burst", 10_000)
    settings_kw.setdefault("api_warm", False)
    settings = ApiSettings(data_dir=tmp, **settings_kw)
    store = EmbeddedStore(tmp)
    build_world(store)
    tokens = TokenStore(settings.auth_db_path)
    grants = {
        "admin": (Role.ADMIN, []),
        "national": (Role.NATIONAL, []),
        "portal": (Role.PORTAL, []),
        "referent": (Role.REFERENT, ["grp-a"]),
        "other_referent": (Role.REFERENT, ["grp-b"]),
    }
    created = {who: tokens.create(role, groups, name=who) for who, (role, groups) in grants.items()}
    app = create_app(settings, store=store, tokens=tokens)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield World(
            app,
            client,
            store,
            tokens,
            {who: c.secret for who, c in created.items()},
            {who: c.info.id for who, c in created.items()},
            tmp,
        )
    tokens.close()
    store.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[World]:
    """Shared by a module's tests; tests that write create their own records."""
    yield from make_world(tmp_path_factory.mktemp("world"))


@pytest.fixture
def fresh_world(tmp_path) -> Iterator[World]:
    yield from make_world(tmp_path)
