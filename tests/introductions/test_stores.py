"""The whole introduction with its feedback on both stores: embedded and Neo4j (the Neo4j
case needs ``NEO4J_URI``; ``make test`` starts a server). The introductions database is
the same SQLite file either way; what reaches the graph goes through the store port."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from graph.embedded import EmbeddedStore
from graph.introductions.model import Outcome, State
from graph.model import Knows, Label, Person, RelType
from graph.store import GraphStore
from tests.api.conftest import build_world
from tests.introductions.conftest import EMAILS, EMPLOYER, REFERENT, Clock, make_service
from tests.neo4j_server import needs_server


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=needs_server)])
def any_store(request, tmp_path) -> Iterator[GraphStore]:
    if request.param == "embedded":
        store: GraphStore = EmbeddedStore(tmp_path / "graph")
    else:
        from tests.neo4j_server import open_store, wipe

        wipe()
        store = open_store()
    build_world(store)  # type: ignore[arg-type]
    for pid, email in EMAILS.items():
        store.update_node(Label.PERSON, pid, {"email": email})
    yield store
    store.close()


def test_introduction_and_feedback_on_each_store(any_store: GraphStore, tmp_path) -> None:
    clock = Clock()
    service = make_service(any_store, tmp_path, clock)
    intro = service.request(REFERENT, candidate_id="cand-a", target=EMPLOYER)
    helper = any_store.get("help-a")
    assert isinstance(helper, Person) and helper.monthly_load == 1
    for position in (0, 1):
        current = service.db.get(intro.id)
        service.answer(service.token_of(current, current.hops[position]), accept=True)
    assert service.db.get(intro.id).state is State.INTRODUCED
    tie = any_store.get_relationship(RelType.KNOWS, "cand-a", "help-a")
    assert isinstance(tie, Knows) and tie.confirmed_at == date(2025, 6, 2)
    _, adjustments = service.record_outcome(REFERENT, intro.id, Outcome.HIRED)
    assert [round(a.after, 2) for a in adjustments] == [1.0, 1.0]
    tie = any_store.get_relationship(RelType.KNOWS, "help-a", "work-1")
    assert isinstance(tie, Knows) and tie.strength == 1.0
    # the path search sees the load: help-a (capacity 5) is not over it with one request
    from graph.paths import PathPolicy, find_paths

    assert find_paths(any_store, "cand-a", EMPLOYER, PathPolicy(), date(2025, 6, 2)).paths
    service.db.close()
