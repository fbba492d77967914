"""The store contract (tests/store_contract.py) run on every GraphStore adapter.

Always on the embedded store; on the Neo4j adapter when ``NEO4J_URI`` is set (skipped
otherwise, with the reason). The Neo4j runs need a **dedicated test database**: the
contract counts nodes and relationships globally, so each test starts from an empty
database (everything in it is deleted, see :mod:`tests.neo4j_server`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path

import pytest

from graph.embedded import EmbeddedStore
from graph.errors import InvalidInput
from graph.frames import RelFrame
from graph.model import (
    Association,
    AssociationKind,
    Career,
    Civility,
    GradeCategory,
    Groupement,
    GroupementKind,
    JobOffer,
    Knows,
    Label,
    OfferStatus,
    PartnerLevel,
    PartnerOf,
    Person,
    PersonStatus,
    RelType,
    Service,
    TieSource,
)
from graph.store import Batch, GraphStore
from tests.neo4j_server import needs_server
from tests.store_contract import StoreContract, StoreFactory, nonzero, view_content


def _neo4j(tmp_path: Path) -> GraphStore:
    """The Neo4j store; the test's first open empties the database (reopens keep it)."""
    from tests.neo4j_server import open_store, wipe

    marker = tmp_path / "neo4j-emptied"
    if not marker.exists():
        wipe()
        marker.touch()
    return open_store()


#: adapter name -> function opening that adapter's store on a location under ``tmp_path``
ADAPTERS: dict[str, Callable[[Path], GraphStore]] = {
    "embedded": lambda tmp_path: EmbeddedStore(tmp_path / "store"),
    "neo4j": _neo4j,
}


def adapter_params(names: Iterable[str] = ADAPTERS) -> list[pytest.ParameterSet]:
    """One fixture parameter per adapter, sorted; Neo4j's carries the ``neo4j`` mark (skipped
    without a server, run beside no other Neo4j test: see tests/conftest.py)."""
    return [
        pytest.param(name, marks=needs_server) if name == "neo4j" else pytest.param(name)
        for name in sorted(names)
    ]


@pytest.fixture(params=adapter_params())
def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """Opens a store of the adapter on this test's location; closes all of them after."""
    opened: list[GraphStore] = []

    def open_store() -> GraphStore:
        store = ADAPTERS[request.param](tmp_path)
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        store.close()


class TestStoreContract(StoreContract):
    """Every contract test, for every adapter of ``ADAPTERS``."""

    # ------------------------------------------------------------------ found on a real server

    def test_every_enum_value_and_edge_date_round_trips(
        self, store: GraphStore, tmp_path: Path
    ) -> None:
        """Each value of every enum, and dates at the edges (leap day, 1900, 2099), come back
        as written, are found by member and by text, and give the embedded store's view."""
        batch = round_trip_batch()
        store.write(batch)
        for node in batch.nodes:
            assert store.get(node.id) == node
        for rel in batch.rels:
            assert store.get_relationship(rel.type, rel.src, rel.dst) == rel
        for status in PersonStatus:
            by_member = store.find(Label.PERSON, {"status": status}, limit=1000)
            assert by_member == store.find(Label.PERSON, {"status": status.value}, limit=1000)
            assert by_member and {p.status for p in by_member} == {status}
        for day in EDGE_DATES:
            found = store.find(Label.PERSON, {"departure_date": day}, limit=1000)
            assert found == store.find(
                Label.PERSON, {"departure_date": day.isoformat()}, limit=1000
            )
            assert found and {p.departure_date for p in found} == {day}
        reference = EmbeddedStore(tmp_path / "reference")
        try:
            reference.write(round_trip_batch())
            ours, theirs = view_content(store.view()), view_content(reference.view())
            ours.pop("version"), theirs.pop("version")
            assert ours == theirs
        finally:
            reference.close()

    def test_a_large_batch_in_bulk_is_written_whole(self, store: GraphStore) -> None:
        """Inside bulk(), a batch larger than one transaction's worth (Neo4j: ``tx_rows``) is
        written completely, and a bad one writes nothing, as a small one."""
        if hasattr(store, "tx_rows"):
            store.tx_rows = 1_000  # type: ignore[attr-defined]  # parts of 1,000 rows
            store.batch_rows = 300  # type: ignore[attr-defined]
        people = [Person(id=f"p-{i:05d}", first_name="A", last_name="B") for i in range(2_500)]
        ties = RelFrame(
            RelType.KNOWS,
            [p.id for p in people[:-1]],
            [p.id for p in people[1:]],
            {"strength": [0.5] * 2_499, "source": ["unit"] * 2_499},
        )
        bad = RelFrame(
            RelType.KNOWS, ["p-00000"], ["p-nobody"], {"strength": [0.5], "source": ["unit"]}
        )
        with store.bulk():
            with pytest.raises(InvalidInput):
                store.write(Batch(nodes=people, frames=[ties, bad]))
            assert nonzero(store.counts().nodes) == {}
            before = store.version
            result = store.write(Batch(nodes=people, frames=[ties]))
        assert (result.nodes, result.relationships) == (2_500, 2_499)
        assert result.version == store.version > before
        if hasattr(store, "tx_rows"):  # committed in parts of 1,000 rows: 5,000 rows, 5+ parts
            assert store.version - before >= 5
        assert store.counts().relationships[RelType.KNOWS] == 2_499
        assert store.get_relationship(RelType.KNOWS, "p-02499", "p-02498") is not None
        assert len(store.view().rel(RelType.KNOWS)) == 2_499


#: dates at the edges of what people write: a leap day, the epoch, far past and future
EDGE_DATES = (
    date(1900, 1, 1),
    date(1969, 12, 31),
    date(1970, 1, 1),
    date(2024, 2, 29),
    date(2099, 12, 31),
)


def round_trip_batch() -> Batch:
    """Nodes and ties carrying every value of every enum of the model, and EDGE_DATES."""
    n = 12  # more than the largest enum
    people = [
        Person(
            id=f"p-{i:02d}",
            first_name="Zoé",
            last_name="N'Diaye-Müller",
            civility=list(Civility)[i % len(Civility)],
            grade_category=list(GradeCategory)[i % len(GradeCategory)],
            service=list(Service)[i % len(Service)],
            career=list(Career)[i % len(Career)],
            status=list(PersonStatus)[i % len(PersonStatus)],
            departure_date=EDGE_DATES[i % len(EDGE_DATES)],
            consent_introducer=bool(i % 2),
            capacity=i % 4,
        )
        for i in range(n)
    ]
    associations = [
        Association(id=f"a-{i}", name=f"A{i}", short_name=f"A{i}", kind=kind, founded=day)
        for i, (kind, day) in enumerate(zip(AssociationKind, EDGE_DATES * 2, strict=False))
    ]
    groupements = [
        Groupement(id=f"g-{i}", name=f"G{i}", association_id="a-0", kind=kind)
        for i, kind in enumerate(GroupementKind)
    ]
    offers = [
        JobOffer(id=f"j-{i}", title=f"Offre {i}", status=status, posted=EDGE_DATES[i])
        for i, status in enumerate(OfferStatus)
    ]
    ties = [
        Knows(
            src=people[i].id,
            dst=people[i + 1].id,
            strength=i / n,
            source=list(TieSource)[i % len(TieSource)],
            since=EDGE_DATES[i % len(EDGE_DATES)],
            confirmed_at=EDGE_DATES[-1],
        )
        for i in range(n - 1)
    ]
    partners = [
        PartnerOf(
            src="a-0",
            dst=f"a-{i + 1}",
            signed=EDGE_DATES[i],
            expires=EDGE_DATES[i + 1],
            level=level,
        )
        for i, level in enumerate(PartnerLevel)
    ]
    return Batch(
        nodes=[*people, *associations, *groupements, *offers],
        rels=[*ties, *partners],
    )
