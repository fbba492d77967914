"""A tiny network for the access rules: two groupements and people in one, both or none."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graph.access.roles import Principal, Role
from graph.embedded import EmbeddedStore
from graph.model import Association, Employer, Groupement, InGroupement, Person
from graph.store import Batch
from graph.view import GraphView

#: person id -> the groupements they are IN_GROUPEMENT
PEOPLE = {"p-a": ("grp-a",), "p-b": ("grp-b",), "p-ab": ("grp-a", "grp-b"), "p-none": ()}

ADMIN = Principal("tok-admin", Role.ADMIN)
NATIONAL = Principal("tok-national", Role.NATIONAL)
PORTAL = Principal("tok-portal", Role.PORTAL)
REFERENT_A = Principal("tok-ref-a", Role.REFERENT, frozenset({"grp-a"}))
REFERENT_B = Principal("tok-ref-b", Role.REFERENT, frozenset({"grp-b"}))
UNSCOPED = (ADMIN, NATIONAL, PORTAL)


@pytest.fixture(scope="package")
def view(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphView]:
    nodes: list = [
        Association(id="asso", name="Association", short_name="AS", kind="officers_association"),
        Groupement(id="grp-a", name="Groupement A", association_id="asso"),
        Groupement(id="grp-b", name="Groupement B", association_id="asso"),
        Employer(id="emp-1", name="Employeur"),
    ]
    rels: list = []
    for pid, groupements in PEOPLE.items():
        nodes.append(Person(id=pid, first_name="Prénom", last_name=pid.upper()))
        rels += [InGroupement(src=pid, dst=g) for g in groupements]
    with EmbeddedStore(tmp_path_factory.mktemp("access")) as store:
        store.write(Batch(nodes=nodes, rels=rels))
        yield store.view()
