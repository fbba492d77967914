"""The store contract: behaviour every :class:`~graph.store.GraphStore` adapter must have.

Not collected by itself (no ``test_`` prefix). A test module subclasses
:class:`StoreContract` and provides a ``store_factory`` fixture: a callable that opens a
store on the same backing location each time it is called (a directory, a database), so
that reopening can be tested. Every test here goes through the port's methods only, so the
same suite runs on the embedded store and on the Neo4j adapter.

The fixture ``store`` is the first store the factory opens, empty.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

import pytest

from graph.errors import AlreadyExists, Conflict, InvalidInput, NotFound, PasserelleError
from graph.frames import RelFrame
from graph.model import (
    Association,
    BassinEmploi,
    BassinVie,
    Covers,
    Departement,
    Employer,
    GradeCategory,
    Groupement,
    GroupementKind,
    InGroupement,
    InSector,
    JobOffer,
    Knows,
    Label,
    LivesIn,
    LocatedIn,
    MemberOf,
    Mentors,
    NodeRecord,
    Offers,
    PartnerOf,
    PartOf,
    Person,
    PersonStatus,
    ReferentOf,
    Region,
    RelRecord,
    RelType,
    Reported,
    Sector,
    Service,
    SettlesIn,
    Targets,
    WorksAt,
)
from graph.store import Batch, GraphStore
from graph.store_base import LOG_MAX_ROWS
from graph.view import GraphView

StoreFactory = Callable[[], GraphStore]
RelKey = tuple[RelType, str, str]

# --------------------------------------------------------------------------- sample world


def _person(pid: str, **props: Any) -> Person:
    return Person(id=pid, first_name="Prénom", last_name=f"Nom {pid}", **props)


def sample_nodes() -> list[NodeRecord]:
    """A small Rhône network: geography, two associations, employers, six people."""
    return [
        Region(id="r-84", code="84", name="Auvergne-Rhône-Alpes"),
        Departement(id="d-69", code="69", name="Rhône", lat=45.76, lon=4.84),
        Departement(id="d-38", code="38", name="Isère"),
        BassinEmploi(id="be-lyon", code="8213", name="Lyon"),
        BassinVie(id="bv-lyon", code="69123", name="Lyon"),
        Sector(id="sec-btp", code="btp", name="Bâtiment et travaux publics"),
        Association(id="a-anocr", name="ANOCR", short_name="ANOCR", kind="officers_association"),
        Association(
            id="a-implic",
            name="Implic'Action",
            short_name="IA",
            kind="network_association",
            founded=date(2009, 1, 1),
        ),
        Groupement(id="g-anocr-69", name="ANOCR Rhône", association_id="a-anocr"),
        Groupement(
            id="g-ia-69",
            name="Délégation Rhône",
            association_id="a-implic",
            kind=GroupementKind.DELEGATION,
        ),
        Employer(id="e-vinci", name="Vinci Construction", size=120),
        Employer(id="e-sncf", name="SNCF Réseau"),
        JobOffer(id="j-1", title="Conducteur de travaux", posted=date(2024, 3, 1)),
        _person(
            "p-01",
            status="candidate",
            service="terre",
            grade_category="officer",
            career="career",
            departure_date=date(2025, 6, 30),
        ),
        _person(
            "p-02",
            status="helper",
            service="marine",
            grade_category="nco",
            consent_introducer=True,
            consent_directory=True,
            capacity=3,
            monthly_load=1,
        ),
        _person("p-03", status="both", service="air", consent_introducer=True),
        _person("p-04", status="helper", service="gendarmerie", capacity=0),
        _person("p-05", email="p05@example.org"),
        _person("p-06", status="helper", service="sante", consent_introducer=True, capacity=5),
    ]


def sample_rels() -> list[RelRecord]:
    """Every relationship type at least once; p-06 has one of each a person can have."""
    signed = date(2014, 11, 13)
    return [
        PartOf(src="be-lyon", dst="d-69"),
        PartOf(src="bv-lyon", dst="d-69"),
        PartOf(src="d-69", dst="r-84"),
        PartOf(src="d-38", dst="r-84"),
        Covers(src="g-anocr-69", dst="d-69"),
        Covers(src="g-ia-69", dst="d-69"),
        PartnerOf(
            src="a-implic",
            dst="a-anocr",
            signed=signed,
            expires=date(2015, 11, 13),
            level="national",
            name="Convention ANOCR / Implic'Action",
        ),
        PartnerOf(src="g-ia-69", dst="g-anocr-69", signed=date(2015, 2, 1), level="local"),
        LocatedIn(src="e-vinci", dst="be-lyon"),
        LocatedIn(src="j-1", dst="be-lyon"),
        InSector(src="e-vinci", dst="sec-btp"),
        Offers(src="e-vinci", dst="j-1"),
        MemberOf(src="p-01", dst="a-anocr", since=date(2010, 1, 1)),
        MemberOf(src="p-02", dst="a-implic"),
        InGroupement(src="p-01", dst="g-anocr-69"),
        ReferentOf(src="p-03", dst="g-anocr-69"),
        Knows(
            src="p-02",
            dst="p-01",
            strength=0.8,
            source="promotion",
            since=date(2004, 9, 1),
            confirmed_at=date(2024, 1, 15),
            context="Saint-Cyr 2004",
        ),
        Knows(src="p-03", dst="p-02", strength=0.4, source="unit"),
        Knows(src="p-04", dst="p-01", strength=0.2, source="linkedin"),
        WorksAt(src="p-02", dst="e-vinci", role="Directeur de travaux", since=date(2019, 5, 1)),
        WorksAt(src="p-04", dst="e-sncf", since=date(2015, 1, 1), until=date(2020, 1, 1)),
        LivesIn(src="p-01", dst="d-69"),
        SettlesIn(src="p-01", dst="bv-lyon"),
        Targets(src="p-01", dst="be-lyon"),
        Targets(src="p-01", dst="sec-btp"),
        Reported(src="p-02", dst="j-1", at=date(2024, 3, 2)),
        Mentors(src="p-03", dst="p-01", since=date(2024, 2, 1)),
        # p-06: one relationship of every type a person takes part in, both directions
        MemberOf(src="p-06", dst="a-anocr"),
        InGroupement(src="p-06", dst="g-ia-69"),
        ReferentOf(src="p-06", dst="g-ia-69"),
        Knows(src="p-06", dst="p-05", strength=0.9, source="mentoring"),
        WorksAt(src="p-06", dst="e-sncf", role="RH"),
        LivesIn(src="p-06", dst="d-38"),
        SettlesIn(src="p-06", dst="bv-lyon"),
        Targets(src="p-06", dst="sec-btp"),
        Reported(src="p-06", dst="j-1"),
        Mentors(src="p-06", dst="p-05"),
        Mentors(src="p-04", dst="p-06"),
    ]


#: relationships of p-06 in sample_rels()
P06_RELS = 11


def sample_frame() -> RelFrame:
    """Two more KNOWS ties as columns, one given the wrong way round."""
    return RelFrame(
        RelType.KNOWS,
        ["p-05", "p-02"],
        ["p-03", "p-04"],
        {"strength": [0.6, 0.3], "source": ["event", "declared"], "since": [None, "2012-06-01"]},
    )


def sample_batch() -> Batch:
    return Batch(nodes=sample_nodes(), rels=sample_rels(), frames=[sample_frame()])


def frame_records(frame: RelFrame) -> list[RelRecord]:
    """The records a frame stands for (through the model, so in canonical order)."""
    names = list(frame.columns)
    return [
        Knows.model_validate({"src": s, "dst": d, **{n: frame.columns[n][i] for n in names}})
        for i, (s, d) in enumerate(zip(frame.src, frame.dst, strict=True))
    ]


def sample_expected_rels() -> dict[RelKey, RelRecord]:
    return {r.key: r for r in [*sample_rels(), *frame_records(sample_frame())]}


def write_sample(store: GraphStore) -> None:
    store.write(sample_batch())


# --------------------------------------------------------------------------- reading it all back


def all_nodes(store: GraphStore) -> dict[str, NodeRecord]:
    """Every node, through ``find`` page by page."""
    out: dict[str, NodeRecord] = {}
    for label in Label:
        offset = 0
        while page := store.find(label, limit=50, offset=offset):
            out.update((n.id, n) for n in page)
            offset += len(page)
    return out


def all_rels(store: GraphStore, node_ids: Iterable[str]) -> dict[RelKey, RelRecord]:
    """Every relationship attached to ``node_ids``, through ``relationships``."""
    return {r.key: r for node_id in node_ids for r in store.relationships(node_id)}


def nonzero(counts: dict[Any, int]) -> dict[Any, int]:
    return {k: v for k, v in counts.items() if v}


def content(store: GraphStore) -> dict[str, Any]:
    """Everything the port shows of the graph, comparable with ``==``."""
    nodes = all_nodes(store)
    counts = store.counts()
    return {
        "nodes": nodes,
        "rels": all_rels(store, nodes),
        "node_counts": nonzero(counts.nodes),
        "rel_counts": nonzero(counts.relationships),
    }


def view_content(view: GraphView) -> dict[str, Any]:
    """A view's whole content through networkx: nodes and edges with their attributes."""
    g = view.to_networkx()
    return {
        "version": view.version,
        "nodes": dict(g.nodes(data=True)),
        "edges": sorted(
            (u, v, k, sorted(d.items())) for u, v, k, d in g.edges(keys=True, data=True)
        ),
        "node_counts": nonzero(view.node_counts),
        "rel_counts": nonzero(view.rel_counts),
    }


def _field_of(exc: PasserelleError) -> str | None:
    return getattr(exc, "field", None)


# --------------------------------------------------------------------------- failing batches


def _bad_third_frame_row() -> tuple[Batch, type[PasserelleError], str]:
    frame = RelFrame(
        RelType.KNOWS,
        ["p-01", "p-02", "p-03"],
        ["p-05", "p-05", "p-new"],
        {"strength": [0.5, 0.5, 1.5], "source": ["unit", "unit", "unit"]},
    )
    return Batch(nodes=[_person("p-new")], frames=[frame]), InvalidInput, "frames[0][2].strength"


def _third_rel_to_missing_node() -> tuple[Batch, type[PasserelleError], str]:
    rels = [
        Knows(src="p-new", dst="p-05", strength=0.5, source="unit"),
        Mentors(src="p-new", dst="p-01"),
        WorksAt(src="p-new", dst="e-missing"),
    ]
    return Batch(nodes=[_person("p-new")], rels=rels), InvalidInput, "rels[2].dst"


def _third_rel_with_wrong_endpoint_label() -> tuple[Batch, type[PasserelleError], str]:
    rels = [
        MemberOf(src="p-new", dst="a-anocr"),
        Knows(src="p-new", dst="p-01", strength=0.5, source="event"),
        WorksAt(src="p-new", dst="p-02"),  # WORKS_AT a Person
    ]
    return Batch(nodes=[_person("p-new")], rels=rels), InvalidInput, "rels[2].dst"


def _frame_source_of_wrong_label() -> tuple[Batch, type[PasserelleError], str]:
    frame = RelFrame(
        RelType.KNOWS,
        ["p-new", "e-vinci"],
        ["p-01", "p-02"],
        {"strength": [0.5, 0.5], "source": ["unit", "unit"]},
    )
    return Batch(nodes=[_person("p-new")], frames=[frame]), InvalidInput, "frames[0][1].src"


def _third_node_reuses_an_id_with_another_label() -> tuple[Batch, type[PasserelleError], str]:
    nodes = [_person("p-new"), Employer(id="e-new", name="Nouvelle"), Employer(id="p-01", name="X")]
    return Batch(nodes=nodes), Conflict, "nodes[2].id"


def _third_rel_is_not_a_record() -> tuple[Batch, type[PasserelleError], str]:
    rels = [MemberOf(src="p-new", dst="a-anocr"), Mentors(src="p-new", dst="p-01"), object()]
    return Batch(nodes=[_person("p-new")], rels=rels), InvalidInput, "rels[2]"  # type: ignore[list-item]


def _second_node_is_created_but_stored() -> tuple[Batch, type[PasserelleError], str]:
    nodes = [_person("p-new"), _person("p-01")]
    return Batch(nodes=nodes, create_only=["p-new", "p-01"]), AlreadyExists, "nodes[1].id"


def _create_only_names_no_node_of_the_batch() -> tuple[Batch, type[PasserelleError], str]:
    return Batch(nodes=[_person("p-new")], create_only=["p-other"]), InvalidInput, "create_only[0]"


FAILING_BATCHES: dict[str, Callable[[], tuple[Batch, type[PasserelleError], str]]] = {
    "create-of-a-stored-id": _second_node_is_created_but_stored,
    "create-only-of-no-node": _create_only_names_no_node_of_the_batch,
    "bad-third-frame-row": _bad_third_frame_row,
    "third-rel-to-missing-node": _third_rel_to_missing_node,
    "works-at-a-person": _third_rel_with_wrong_endpoint_label,
    "knows-from-an-employer": _frame_source_of_wrong_label,
    "id-reused-with-another-label": _third_node_reuses_an_id_with_another_label,
    "third-rel-not-a-record": _third_rel_is_not_a_record,
}


# --------------------------------------------------------------------------- the contract


class StoreContract:
    """The behaviour of a GraphStore, for any adapter. Needs fixture ``store_factory``."""

    @pytest.fixture
    def store(self, store_factory: StoreFactory) -> GraphStore:
        return store_factory()

    @pytest.fixture
    def filled(self, store: GraphStore) -> GraphStore:
        write_sample(store)
        return store

    # ------------------------------------------------------------------ basics

    def test_is_a_graph_store(self, store: GraphStore) -> None:
        """The adapter implements the port."""
        assert isinstance(store, GraphStore)

    def test_empty_store(self, store: GraphStore) -> None:
        """A new store has no nodes, no relationships, an empty view."""
        assert store.get("p-01") is None
        assert store.get_many(["p-01"]) == {}
        assert nonzero(store.counts().nodes) == {}
        assert nonzero(store.counts().relationships) == {}
        assert store.find(Label.PERSON) == []
        view = store.view()
        assert view.version == store.version
        assert view.to_networkx().number_of_nodes() == 0

    def test_write_reads_back_every_record(self, store: GraphStore) -> None:
        """Every node and relationship written comes back equal, through get and friends."""
        result = store.write(sample_batch())
        expected_rels = sample_expected_rels()
        assert result.nodes == len(sample_nodes())
        assert result.relationships == len(expected_rels)
        assert result.version == store.version
        for node in sample_nodes():
            assert store.get(node.id) == node
        for key, rel in expected_rels.items():
            assert store.get_relationship(*key) == rel
        nodes = all_nodes(store)
        assert nodes == {n.id: n for n in sample_nodes()}
        assert all_rels(store, nodes) == expected_rels

    def test_counts_per_label_and_type(self, filled: GraphStore) -> None:
        """counts() gives the number of nodes per label and relationships per type."""
        counts = filled.counts()
        assert nonzero(counts.nodes) == dict(Counter(n.label for n in sample_nodes()))
        assert nonzero(counts.relationships) == dict(
            Counter(key[0] for key in sample_expected_rels())
        )
        assert set(counts.as_dict()) == {"nodes", "relationships"}

    def test_export_streams_every_record_once(self, filled: GraphStore) -> None:
        """export_nodes and export_relationships give every record once, in chunks."""
        nodes = {
            n.id: n
            for label in Label
            for page in filled.export_nodes(label, chunk=2)
            for n in page
            if len(page) <= 2
        }
        assert nodes == {n.id: n for n in sample_nodes()}
        rels = [
            r
            for rel_type in RelType
            for page in filled.export_relationships(rel_type, chunk=3)
            for r in page
            if len(page) <= 3
        ]
        assert len(rels) == len({r.key for r in rels})
        assert {r.key: r for r in rels} == sample_expected_rels()

    def test_export_columns_gives_some_properties_of_everyone(self, filled: GraphStore) -> None:
        """export_columns: (id, *values) of every node of a label, by id, None where unset;
        a name that is not a property of the label is refused."""
        people = sorted((n for n in sample_nodes() if n.label == Label.PERSON), key=lambda n: n.id)
        names = ("first_name", "last_name", "email", "capacity")
        rows = [r for page in filled.export_columns(Label.PERSON, names, chunk=2) for r in page]
        assert rows == [(p.id, *(getattr(p, n) for n in names)) for p in people]
        with pytest.raises(InvalidInput):
            list(filled.export_columns(Label.PERSON, ["first_name", "no_such"]))

    # ------------------------------------------------------------------ upserts

    def test_upsert_is_idempotent(self, store: GraphStore) -> None:
        """Writing the same batch twice leaves the same nodes, ties, properties and counts."""
        store.write(sample_batch())
        first, version = content(store), store.version
        store.write(sample_batch())
        assert content(store) == first
        assert store.version > version
        store.upsert_nodes(sample_nodes())
        store.upsert_relationships(sample_rels())
        assert content(store) == first

    def test_upsert_updates_properties(self, filled: GraphStore) -> None:
        """An upsert of an existing id or tie replaces its properties, adds nothing."""
        before = filled.counts()
        new_p01 = _person(
            "p-01", status="both", service="terre", capacity=2, consent_introducer=True
        )
        filled.upsert_nodes([new_p01])
        # The same tie, given the other way round, with new properties.
        new_tie = Knows(src="p-01", dst="p-02", strength=0.1, source="event")
        filled.upsert_relationships([new_tie])
        assert filled.get("p-01") == new_p01
        assert filled.get_relationship(RelType.KNOWS, "p-02", "p-01") == new_tie
        assert filled.counts() == before
        view = filled.view()
        g = view.to_networkx()
        assert g.nodes["p-01"]["status"] == "both" and g.nodes["p-01"]["capacity"] == 2
        assert g.edges["p-01", "p-02", "KNOWS"]["strength"] == 0.1

    def test_consents_per_purpose_read_back(self, filled: GraphStore) -> None:
        """Every consent and its date is stored; a record written without them (an old
        store, an old client) reads as "not given", undated (issue 17)."""
        given = _person(
            "p-01", consent_introducer=True, consent_introducer_at=date(2024, 3, 1),
            consent_directory=False, consent_directory_at=date(2025, 1, 2),
            consent_contact=True, consent_contact_at=date(2024, 5, 6),
            consent_portal=True, consent_portal_at=date(2023, 7, 8),
            consent_social_import=True, consent_social_import_at=date(2022, 9, 10),
        )  # fmt: skip
        filled.upsert_nodes([given])
        assert filled.get("p-01") == given
        plain = filled.get("p-02")
        assert isinstance(plain, Person)
        assert not (plain.consent_contact or plain.consent_portal or plain.consent_social_import)
        assert plain.consent_portal_at is None and plain.consent_contact_at is None

    def test_upsert_stores_the_record_as_given(self, filled: GraphStore) -> None:
        """Properties left out of the new record go back to their defaults (no merge)."""
        tie = Knows(src="p-01", dst="p-02", strength=0.8, source="promotion")
        filled.upsert_relationships([tie])
        stored = filled.get_relationship(RelType.KNOWS, "p-01", "p-02")
        assert stored == tie and stored.context is None  # type: ignore[attr-defined]
        plain = _person("p-02")
        filled.upsert_nodes([plain])
        assert filled.get("p-02") == plain

    def test_frames_and_records_store_the_same_ties(self, store: GraphStore) -> None:
        """A tie written as a frame row reads back as the record of the same values."""
        store.write(Batch(nodes=sample_nodes(), frames=[sample_frame()]))
        for record in frame_records(sample_frame()):
            assert store.get_relationship(*record.key) == record

    # ------------------------------------------------------------------ reads

    def test_get_many(self, filled: GraphStore) -> None:
        """get_many returns the nodes that exist, by id, and leaves out the others."""
        found = filled.get_many(["p-02", "nope", "e-vinci", "p-02"])
        assert found == {"p-02": filled.get("p-02"), "e-vinci": filled.get("e-vinci")}
        assert filled.get_many([]) == {}

    @pytest.mark.parametrize(
        ("where", "expected"),
        [
            (None, ["p-01", "p-02", "p-03", "p-04", "p-05", "p-06"]),
            ({"status": "helper"}, ["p-02", "p-04", "p-06"]),
            ({"status": PersonStatus.HELPER}, ["p-02", "p-04", "p-06"]),
            ({"status": "helper", "service": Service.MARINE}, ["p-02"]),
            ({"consent_introducer": True}, ["p-02", "p-03", "p-06"]),
            ({"consent_introducer": False}, ["p-01", "p-04", "p-05"]),
            ({"capacity": None}, ["p-01", "p-03", "p-05"]),
            ({"capacity": 0}, ["p-04"]),
            ({"grade_category": GradeCategory.OFFICER}, ["p-01"]),
            ({"departure_date": date(2025, 6, 30)}, ["p-01"]),
            ({"status": "candidate", "service": "air"}, []),
            ({"id": "p-03"}, ["p-03"]),
        ],
    )
    def test_find_by_property(
        self, filled: GraphStore, where: dict[str, Any] | None, expected: list[str]
    ) -> None:
        """find matches enums (as value or member), booleans, None, dates; sorted by id."""
        assert [n.id for n in filled.find(Label.PERSON, where)] == expected

    def test_find_by_label_only_returns_that_label(self, filled: GraphStore) -> None:
        """find never mixes labels."""
        assert [n.id for n in filled.find(Label.EMPLOYER)] == ["e-sncf", "e-vinci"]
        assert [n.id for n in filled.find(Label.DEPARTEMENT, {"code": "69"})] == ["d-69"]

    def test_find_pages_by_id(self, store: GraphStore) -> None:
        """limit and offset page through nodes in id order, without gaps or repeats."""
        ids = [f"p-{i}" for i in (7, 1, 12, 3, 10, 5, 2)]
        store.upsert_nodes([_person(i, status="helper") for i in ids])
        pages = [
            store.find(Label.PERSON, {"status": "helper"}, limit=3, offset=k) for k in (0, 3, 6, 9)
        ]
        assert [[n.id for n in page] for page in pages] == [
            ["p-1", "p-10", "p-12"],
            ["p-2", "p-3", "p-5"],
            ["p-7"],
            [],
        ]

    def test_find_rejects_bad_arguments(self, filled: GraphStore) -> None:
        """An unknown property or a limit out of range raises InvalidInput naming it."""
        with pytest.raises(InvalidInput) as info:
            filled.find(Label.PERSON, {"nickname": "Nanou"})
        assert info.value.field == "nickname"
        with pytest.raises(InvalidInput) as info:
            filled.find(Label.PERSON, limit=0)
        assert info.value.field == "limit"
        with pytest.raises(InvalidInput) as info:
            filled.find(Label.PERSON, offset=-1)
        assert info.value.field == "offset"

    def test_directed_relationships_by_direction(self, filled: GraphStore) -> None:
        """MENTORS p-03 -> p-01 is outgoing at p-03 and incoming at p-01, never the reverse."""
        mentors = RelType.MENTORS
        tie = Mentors(src="p-03", dst="p-01", since=date(2024, 2, 1))
        assert filled.relationships("p-03", mentors, "out") == [tie]
        assert filled.relationships("p-03", mentors, "in") == []
        assert filled.relationships("p-01", mentors, "in") == [tie]
        assert filled.relationships("p-01", mentors, "out") == []
        assert filled.relationships("p-01", mentors, "both") == [tie]
        assert [n.id for n in filled.neighbours("p-01", mentors, "in")] == ["p-03"]
        assert filled.neighbours("p-01", mentors, "out") == []
        assert filled.get_relationship(mentors, "p-01", "p-03") is None

    def test_undirected_knows_is_visible_from_both_ends(self, filled: GraphStore) -> None:
        """KNOWS p-01 — p-02 shows at both people, in every direction, once each."""
        tie = filled.get_relationship(RelType.KNOWS, "p-01", "p-02")
        assert tie is not None and (tie.src, tie.dst) == ("p-01", "p-02")
        assert filled.get_relationship(RelType.KNOWS, "p-02", "p-01") == tie
        for direction in ("out", "in", "both"):
            at_1 = filled.relationships("p-01", RelType.KNOWS, direction)
            at_2 = filled.relationships("p-02", RelType.KNOWS, direction)
            assert tie in at_1 and tie in at_2, direction
            assert len(at_1) == len({r.key for r in at_1})
            assert {n.id for n in filled.neighbours("p-01", RelType.KNOWS, direction)} == {
                "p-02",
                "p-04",
            }
        assert {n.id for n in filled.neighbours("p-02", RelType.KNOWS)} == {"p-01", "p-03", "p-04"}

    def test_relationships_of_every_type(self, filled: GraphStore) -> None:
        """Without a type, relationships() lists every tie of the node, of every type."""
        rels = filled.relationships("p-06")
        assert len(rels) == P06_RELS
        assert {r.type for r in rels} == {
            RelType.MEMBER_OF,
            RelType.IN_GROUPEMENT,
            RelType.REFERENT_OF,
            RelType.KNOWS,
            RelType.WORKS_AT,
            RelType.LIVES_IN,
            RelType.SETTLES_IN,
            RelType.TARGETS,
            RelType.REPORTED,
            RelType.MENTORS,
        }
        assert [r.dst for r in filled.relationships("p-06", RelType.MENTORS, "out")] == ["p-05"]
        assert [r.src for r in filled.relationships("p-06", RelType.MENTORS, "in")] == ["p-04"]
        assert [n.id for n in filled.neighbours("e-vinci", RelType.WORKS_AT, "in")] == ["p-02"]

    # ------------------------------------------------------------------ deletes

    def test_delete_person_removes_every_tie_and_the_node(self, filled: GraphStore) -> None:
        """delete_person drops the person and each of their ties, of every type; others stay."""
        before = content(filled)
        version = filled.version
        result = filled.delete_person("p-06")
        assert result.node_id == "p-06"
        assert result.relationships == P06_RELS
        assert result.version == filled.version > version
        assert filled.get("p-06") is None
        assert filled.relationships("p-06") == []
        after = content(filled)
        gone = {k for k in before["rels"] if "p-06" in k[1:]}
        assert len(gone) == P06_RELS
        assert after["nodes"] == {k: v for k, v in before["nodes"].items() if k != "p-06"}
        assert after["rels"] == {k: v for k, v in before["rels"].items() if k not in gone}
        for neighbour in ("p-04", "p-05", "a-anocr", "e-sncf", "j-1", "g-ia-69"):
            assert all("p-06" not in (r.src, r.dst) for r in filled.relationships(neighbour))
        expected = Counter(before["rel_counts"])
        expected.subtract(Counter(k[0] for k in gone))
        assert after["rel_counts"] == nonzero(dict(expected))
        view = filled.view()
        assert "p-06" not in view.to_networkx()
        assert nonzero(view.node_counts)[Label.PERSON] == 5

    def test_person_record_holds_every_relationship(self, filled: GraphStore) -> None:
        """A member's export (graph.rights) lists each of their relationships once, with
        the other end by id, whatever the store."""
        from graph.rights import person_record

        record = person_record(filled, "p-06")
        rows = [row for rows in record.sections.values() for row in rows]
        assert len(rows) == P06_RELS
        ends = {(r.type.value, r.dst if r.src == "p-06" else r.src)
                for r in filled.relationships("p-06")}  # fmt: skip
        assert {(row["type"], row["other_id"]) for row in rows} == ends
        assert record.person["id"] == "p-06" and "consent_introducer" in record.consents

    def test_erasure_removes_the_person_and_forgets_the_traces(
        self, filled: GraphStore, store_factory: StoreFactory
    ) -> None:
        """graph.rights.erase_person: the person and their ties are gone, the store forgets
        its copies of earlier versions (both adapters can), and keeps working after it."""
        from graph.rights import ErasesTraces, erase_person, person_record

        assert isinstance(filled, ErasesTraces)
        before = content(filled)
        done = erase_person(filled, "p-06", audit=None, actor="t", role="admin", operation="t")
        assert done.relationships == P06_RELS and filled.get("p-06") is None
        with pytest.raises(NotFound):
            person_record(filled, "p-06")
        for neighbour in ("p-04", "p-05"):
            assert "p-06" not in str(person_record(filled, neighbour).to_dict())
        after = content(filled)
        assert after["nodes"] == {k: v for k, v in before["nodes"].items() if k != "p-06"}
        filled.upsert_nodes([_person("p-77")])  # writes go on after the log was cut
        assert filled.get("p-77") is not None
        reopened = store_factory()
        assert content(reopened)["nodes"].keys() == content(filled)["nodes"].keys()
        assert "p-06" not in reopened.view().index

    def test_delete_unknown_or_non_person_raises_not_found(self, filled: GraphStore) -> None:
        """Deleting an unknown id, or a non-person with delete_person, raises NotFound."""
        before, version = content(filled), filled.version
        with pytest.raises(NotFound):
            filled.delete_person("p-99")
        with pytest.raises(NotFound):
            filled.delete_node("nothing-here")
        with pytest.raises(NotFound):
            filled.delete_person("e-vinci")
        with pytest.raises(NotFound):
            filled.delete_node("p-01", Label.EMPLOYER)
        assert content(filled) == before
        assert filled.version == version

    def test_delete_node_of_any_label(self, filled: GraphStore) -> None:
        """delete_node removes a non-person node and its ties too."""
        result = filled.delete_node("e-vinci", Label.EMPLOYER)
        assert result.relationships == 4  # LOCATED_IN, IN_SECTOR, OFFERS, WORKS_AT
        assert filled.get("e-vinci") is None
        assert filled.relationships("p-02", RelType.WORKS_AT) == []

    def test_delete_relationship(self, filled: GraphStore) -> None:
        """delete_relationship removes one tie (undirected: either way round), once."""
        version = filled.version
        assert filled.delete_relationship(RelType.KNOWS, "p-02", "p-01") is True
        assert filled.version > version
        assert filled.get_relationship(RelType.KNOWS, "p-01", "p-02") is None
        assert filled.delete_relationship(RelType.KNOWS, "p-01", "p-02") is False
        assert filled.delete_relationship(RelType.MENTORS, "p-01", "p-03") is False
        assert filled.get("p-01") is not None and filled.get("p-02") is not None

    # ------------------------------------------------------------------ all or nothing

    @pytest.mark.parametrize("case", sorted(FAILING_BATCHES))
    def test_failed_batch_writes_nothing(self, filled: GraphStore, case: str) -> None:
        """A batch failing validation names the field and leaves the store untouched."""
        batch, error, field = FAILING_BATCHES[case]()
        before, version = content(filled), filled.version
        view = view_content(filled.view())
        with pytest.raises(error) as info:
            filled.write(batch)
        assert _field_of(info.value) == field, str(info.value)
        assert filled.version == version
        assert content(filled) == before
        assert filled.get("p-new") is None and filled.get("e-new") is None
        assert view_content(filled.view()) == view
        # The store still takes good writes afterwards.
        filled.upsert_nodes([_person("p-new")])
        assert filled.get("p-new") is not None

    def test_batch_with_new_nodes_and_their_ties(self, filled: GraphStore) -> None:
        """Nodes are written before relationships: one batch can create both ends of a tie."""
        filled.write(
            Batch(
                nodes=[_person("p-new"), Employer(id="e-new", name="Nouvelle")],
                rels=[
                    WorksAt(src="p-new", dst="e-new"),
                    Knows(src="p-new", dst="p-01", strength=0.5, source="event"),
                ],
            )
        )
        assert [n.id for n in filled.neighbours("p-new", RelType.WORKS_AT)] == ["e-new"]

    # ------------------------------------------------------------------ version

    def test_version_moves_on_each_successful_write_only(self, store: GraphStore) -> None:
        """Each successful write or delete raises the version; a failed one leaves it."""
        seen = [store.version]
        steps: list[Callable[[], Any]] = [
            lambda: store.write(sample_batch()),
            lambda: store.upsert_nodes([_person("p-07")]),
            lambda: store.upsert_relationships([Mentors(src="p-07", dst="p-01")]),
            lambda: store.write(sample_batch()),  # same content: still a write
            lambda: store.delete_relationship(RelType.MENTORS, "p-07", "p-01"),
            lambda: store.delete_person("p-07"),
        ]
        for step in steps:
            result = step()
            seen.append(store.version)
            assert seen[-1] > seen[-2], step
            if hasattr(result, "version"):
                assert result.version == seen[-1]
        for make in FAILING_BATCHES.values():
            batch, error, _ = make()
            with pytest.raises(error):
                store.write(batch)
            assert store.version == seen[-1]

    # ------------------------------------------------------------------ the view

    def test_view_matches_the_store(self, filled: GraphStore) -> None:
        """The view has the store's version, counts, ties and person properties."""
        view = filled.view()
        counts = filled.counts()
        assert view.version == filled.version
        assert nonzero(view.node_counts) == nonzero(counts.nodes)
        assert nonzero(view.rel_counts) == nonzero(counts.relationships)
        nodes = all_nodes(filled)
        stored = all_rels(filled, nodes)
        g = view.to_networkx()
        assert set(g.nodes) == set(nodes)
        assert {(k, u, v) for u, v, k in g.edges(keys=True)} == {
            (t.value, s, d) for t, s, d in stored
        }
        for u, v, k, attrs in g.edges(keys=True, data=True):
            record = stored[(RelType(k), u, v)]
            for name, value in attrs.items():
                assert getattr(record, name) == value, (k, u, v, name)
        for person in filled.find(Label.PERSON):
            nid = view.nid(person.id, Label.PERSON)
            assert view.label_of(nid) is Label.PERSON
            for name in Person.VIEW_FIELDS:
                assert g.nodes[person.id][name] == getattr(person, name), (person.id, name)
        status = view.column(Label.PERSON, "status")
        helpers = {
            view.ids[i]
            for i in view.nodes_with_label(Label.PERSON)
            if status[i] == list(PersonStatus).index(PersonStatus.HELPER)
        }
        assert helpers == {n.id for n in filled.find(Label.PERSON, {"status": "helper"})}

    def test_view_is_an_immutable_snapshot(self, filled: GraphStore) -> None:
        """A view keeps its version and content after later writes; a new view moves on."""
        old = filled.view()
        frozen = view_content(old)
        filled.upsert_nodes([_person("p-01", status="helper", capacity=9)])
        filled.write(
            Batch(
                nodes=[_person("p-new")],
                rels=[Knows(src="p-new", dst="p-02", strength=1, source="unit")],
            )
        )
        filled.delete_person("p-06")
        filled.delete_relationship(RelType.KNOWS, "p-01", "p-02")
        assert view_content(old) == frozen
        assert old.version == frozen["version"] < filled.version
        new = filled.view()
        assert new.version == filled.version
        g = new.to_networkx()
        assert "p-new" in g and "p-06" not in g
        assert g.nodes["p-01"]["capacity"] == 9
        assert not g.has_edge("p-01", "p-02", "KNOWS")

    def test_view_is_cached_per_version(self, filled: GraphStore) -> None:
        """Two views at the same version have the same content."""
        assert view_content(filled.view()) == view_content(filled.view())

    # ------------------------------------------------------------------ reopening

    def test_reopen_gives_the_same_graph(self, store_factory: StoreFactory) -> None:
        """Close, open again on the same location: same version, nodes, ties and view."""
        first = store_factory()
        write_sample(first)
        first.delete_person("p-06")
        first.upsert_nodes([_person("p-01", status="both")])
        before, view = content(first), view_content(first.view())
        version = first.version
        first.close()
        second = store_factory()
        assert second.version == version
        assert content(second) == before
        assert view_content(second.view()) == view
        second.upsert_nodes([_person("p-07")])
        assert second.version > version

    # ------------------------------------------------------------------ create_only, update_node

    def test_create_only_creates_once(self, filled: GraphStore) -> None:
        """``create_only``: a new id is created (ties too); a stored one is AlreadyExists,
        writes nothing and leaves the version, whatever the stored label."""
        version = filled.version
        result = filled.write(
            Batch(
                nodes=[_person("p-new")],
                rels=[Knows(src="p-new", dst="p-01", strength=0.5, source="unit")],
                create_only=["p-new"],
            )
        )
        assert result.version == filled.version > version
        assert filled.get_relationship(RelType.KNOWS, "p-01", "p-new") is not None
        before, version = content(filled), filled.version
        for node in (_person("p-new", status="helper"), Employer(id="p-01", name="X")):
            with pytest.raises(AlreadyExists) as info:
                filled.write(Batch(nodes=[node], create_only=[node.id]))
            assert (info.value.field, info.value.id) == ("nodes[0].id", node.id)
            assert isinstance(info.value, Conflict)
        assert content(filled) == before and filled.version == version
        # without create_only the same record is an upsert, as always
        filled.write(Batch(nodes=[_person("p-new", status="helper")]))
        assert filled.get("p-new") == _person("p-new", status="helper")

    def test_update_node_changes_some_properties(self, filled: GraphStore) -> None:
        """update_node replaces the given properties, keeps the others, moves the version and
        shows in the view; an unknown id or another label is NotFound, an invalid value
        InvalidInput naming the field: neither writes anything."""
        before = filled.get("p-01")
        assert isinstance(before, Person)
        version = filled.version
        updated = filled.update_node(Label.PERSON, "p-01", {"capacity": 7, "status": "both"})
        assert updated == before.model_copy(update={"capacity": 7, "status": PersonStatus.BOTH})
        assert filled.get("p-01") == updated
        assert filled.version > version
        g = filled.view().to_networkx()
        assert g.nodes["p-01"]["capacity"] == 7 and g.nodes["p-01"]["status"] == "both"
        snapshot, version = content(filled), filled.version
        with pytest.raises(NotFound):
            filled.update_node(Label.PERSON, "p-99", {"capacity": 1})
        with pytest.raises(NotFound):
            filled.update_node(Label.EMPLOYER, "p-01", {"name": "X"})
        with pytest.raises(InvalidInput) as info:
            filled.update_node(Label.PERSON, "p-01", {"capacity": -3})
        assert info.value.field == "capacity"
        assert content(filled) == snapshot and filled.version == version

    def test_update_nodes_writes_many_in_one_version(self, filled: GraphStore) -> None:
        """update_nodes changes several nodes in one transaction: one new version, each
        record patched as update_node would; unknown ids and other labels are left out;
        one invalid value writes nothing."""
        before = filled.get_many(["p-01", "p-02"])
        version = filled.version
        updated = filled.update_nodes(
            Label.PERSON,
            {"p-01": {"capacity": 5}, "p-02": {"monthly_load": 2}, "p-99": {"capacity": 1}},
        )
        assert sorted(updated) == ["p-01", "p-02"]
        assert updated["p-01"] == before["p-01"].model_copy(update={"capacity": 5})
        assert updated["p-02"] == before["p-02"].model_copy(update={"monthly_load": 2})
        assert filled.get_many(["p-01", "p-02"]) == updated
        assert filled.version > version
        g = filled.view().to_networkx()
        assert g.nodes["p-01"]["capacity"] == 5 and g.nodes["p-02"]["monthly_load"] == 2
        snapshot, version = content(filled), filled.version
        assert filled.update_nodes(Label.PERSON, {"p-99": {"capacity": 1}}) == {}
        assert filled.update_nodes(Label.EMPLOYER, {"p-01": {"name": "X"}}) == {}
        assert filled.update_nodes(Label.PERSON, {}) == {}
        with pytest.raises(InvalidInput) as info:
            filled.update_nodes(Label.PERSON, {"p-01": {"capacity": 9}, "p-02": {"capacity": -3}})
        assert info.value.field == "capacity"
        assert content(filled) == snapshot and filled.version == version

    # ------------------------------------------------------------------ several store objects

    def test_another_store_object_follows_from_the_log(self, store_factory: StoreFactory) -> None:
        """Two store objects on one location, as two API workers: what one writes (records,
        ties, updates, deletes) is in the other's next view, the same view a freshly opened
        store reads, and the other got there by applying the change log, not by reading
        the whole graph again."""
        a, b = store_factory(), store_factory()
        write_sample(a)
        b.view()
        stats = b.sync_stats  # type: ignore[attr-defined]
        reloads, applied = stats.reloads, stats.applied
        steps: list[Callable[[], Any]] = [
            lambda: a.write(
                Batch(
                    nodes=[_person("p-new"), Employer(id="e-new", name="Nouvelle")],
                    rels=[
                        WorksAt(src="p-new", dst="e-new"),
                        Knows(src="p-new", dst="p-01", strength=0.5, source="event"),
                    ],
                    create_only=["p-new"],
                )
            ),
            lambda: a.update_node(Label.PERSON, "p-02", {"capacity": 4}),
            lambda: a.delete_relationship(RelType.KNOWS, "p-01", "p-02"),
            lambda: a.delete_person("p-06"),
            lambda: a.upsert_nodes([_person("p-06", status="helper")]),  # back, renumbered
        ]
        for step in steps:
            step()
            fresh = store_factory()
            try:
                assert view_content(b.view()) == view_content(fresh.view())
            finally:
                fresh.close()
        assert b.version == a.version
        assert stats.reloads == reloads
        assert stats.applied == applied + len(steps)

    def test_random_writes_through_one_object_mirror_in_another(
        self, store_factory: StoreFactory
    ) -> None:
        """Random sequences of writes, updates and deletes through one store object: the
        view another object derives from the log equals a full read, every few steps."""
        rng = random.Random(16)
        a, b = store_factory(), store_factory()
        write_sample(a)
        b.view()
        people = [n.id for n in sample_nodes() if isinstance(n, Person)]
        made = 0
        for step in range(60):
            kind = rng.choice(["create", "update", "tie", "untie", "delete", "frame"])
            if kind == "create" or len(people) < 4:
                made += 1
                pid = f"p-r{made:03d}"
                ties = [
                    Knows(src=pid, dst=other, strength=rng.random(), source="unit")
                    for other in rng.sample(people, 2)
                ]
                a.write(Batch(nodes=[_person(pid)], rels=ties, create_only=[pid]))
                people.append(pid)
            elif kind == "update":
                changes = {"capacity": rng.randrange(5), "status": rng.choice(list(PersonStatus))}
                a.update_node(Label.PERSON, rng.choice(people), changes)
            elif kind == "tie":
                src, dst = rng.sample(people, 2)
                a.upsert_relationships([Mentors(src=src, dst=dst, since=date(2024, 1, 2))])
            elif kind == "untie":
                src, dst = rng.sample(people, 2)
                a.delete_relationship(RelType.KNOWS, src, dst)
            elif kind == "delete":
                a.delete_person(people.pop(rng.randrange(len(people))))
            else:
                pairs = [rng.sample(people, 2) for _ in range(5)]
                frame = RelFrame(
                    RelType.KNOWS,
                    [p[0] for p in pairs],
                    [p[1] for p in pairs],
                    {"strength": [0.3] * 5, "source": ["declared"] * 5},
                )
                a.write(Batch(frames=[frame]))
            if step % 12 == 11:
                fresh = store_factory()
                try:
                    assert view_content(b.view()) == view_content(fresh.view()), step
                finally:
                    fresh.close()
        assert b.sync_stats.reloads == 1  # type: ignore[attr-defined]  # the first read only

    def test_a_trimmed_log_means_one_full_read(self, store_factory: StoreFactory) -> None:
        """When the log no longer holds every entry another object needs (trimmed), it reads
        the whole graph once, and is right."""
        a, b = store_factory(), store_factory()
        write_sample(a)
        b.view()
        a.keep_versions, a.keep_seconds = 1, 0.0  # type: ignore[attr-defined]
        for i in range(3):
            a.upsert_nodes([_person(f"p-t{i}")])
        reloads = b.sync_stats.reloads  # type: ignore[attr-defined]
        view = b.view()
        assert b.sync_stats.reloads == reloads + 1  # type: ignore[attr-defined]
        assert {"p-t0", "p-t1", "p-t2"} <= set(view.index)
        fresh = store_factory()
        try:
            assert view_content(view) == view_content(fresh.view())
        finally:
            fresh.close()
        a.upsert_nodes([_person("p-t3")])  # the last entry is always kept
        assert "p-t3" in b.view().index
        assert b.sync_stats.reloads == reloads + 1  # type: ignore[attr-defined]

    def test_a_batch_too_large_to_log_means_one_full_read(
        self, store_factory: StoreFactory
    ) -> None:
        """A write of more rows than the log takes (seed, imports) is not logged: the other
        object reads the whole graph once, then follows the log again."""
        a, b = store_factory(), store_factory()
        write_sample(a)
        b.view()
        people = [_person(f"p-{i:04d}") for i in range(150)]
        pairs = [(x.id, y.id) for i, x in enumerate(people) for y in people[i + 1 :]]
        assert len(people) + len(pairs) > LOG_MAX_ROWS
        frame = RelFrame(
            RelType.KNOWS,
            [p[0] for p in pairs],
            [p[1] for p in pairs],
            {"strength": [0.5] * len(pairs), "source": ["unit"] * len(pairs)},
        )
        a.write(Batch(nodes=people, frames=[frame]))
        reloads = b.sync_stats.reloads  # type: ignore[attr-defined]
        assert len(b.view().rel(RelType.KNOWS)) == len(pairs) + len(
            [k for k in sample_expected_rels() if k[0] == RelType.KNOWS]
        )
        assert b.sync_stats.reloads == reloads + 1  # type: ignore[attr-defined]
        a.upsert_nodes([_person("p-after")])
        assert "p-after" in b.view().index
        assert b.sync_stats.reloads == reloads + 1  # type: ignore[attr-defined]
