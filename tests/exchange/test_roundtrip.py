"""Export then import into an empty store gives the same graph, on both stores."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from graph.embedded import EmbeddedStore
from graph.exchange import SourceFile, run_import
from graph.exchange.export import cell, export_files
from graph.model import (
    Knows,
    Label,
    Mentors,
    PartnerOf,
    Person,
    RelType,
    Targets,
    WorksAt,
)
from graph.store import Batch, GraphStore
from tests.test_store_contract import ADAPTERS, adapter_params

#: what the CSV formats carry
PEOPLE_LABELS = (Label.PERSON, Label.EMPLOYER)
CARRIED = (
    RelType.MEMBER_OF, RelType.IN_GROUPEMENT, RelType.REFERENT_OF, RelType.KNOWS,
    RelType.WORKS_AT, RelType.LIVES_IN, RelType.SETTLES_IN, RelType.TARGETS,
    RelType.MENTORS, RelType.PARTNER_OF, RelType.LOCATED_IN, RelType.IN_SECTOR,
)  # fmt: skip


def richer(store: GraphStore) -> None:
    """More of what the formats carry: contexts, ended jobs, targets, charters, odd text."""
    store.write(Batch(
        nodes=[Person(id="p-odd", first_name="Zoé; \"Zaza\"", last_name="D'Arc\nLorraine",
                      member_number="N-1", consent_social_import=True,
                      consent_social_import_at=date(2025, 1, 2), capacity=0,
                      departure_date=date(2026, 7, 1), status="both")],
        rels=[
            Knows(src="p-odd", dst="cand-a", strength=0.1 + 0.2, source="event",
                  context="Forum; Bordeaux", since=date(2019, 5, 1)),
            WorksAt(src="help-a", dst="emp-1", role="Acheteur", since=date(2010, 1, 1),
                    until=date(2015, 1, 1)),
            Targets(src="cand-a", dst="be-ZE-33-1"),
            Targets(src="cand-a", dst="sec-defense"),
            Mentors(src="help-a", dst="cand-a", since=date(2024, 2, 29)),
            PartnerOf(src="grp-a", dst="grp-b", signed=date(2024, 11, 13),
                      expires=date(2025, 11, 13), level="local", name="Charte Gironde"),
        ],
    ))  # fmt: skip


def reference_only(source: GraphStore, target: GraphStore) -> None:
    """The reference graph (geography, associations, groupements) of ``source``."""
    nodes = [
        n for label in Label if label not in (*PEOPLE_LABELS, Label.JOB_OFFER)
        for page in source.export_nodes(label) for n in page
    ]  # fmt: skip
    rels = [r for t in (RelType.PART_OF, RelType.COVERS) for p in source.export_relationships(t)
            for r in p]  # fmt: skip
    target.write(Batch(nodes=nodes, rels=rels))


def carried(store: GraphStore) -> dict[str, object]:
    """People, employers and their relationships (not job offers' LOCATED_IN)."""
    offers = {n.id for p in store.export_nodes(Label.JOB_OFFER) for n in p}
    return {
        "nodes": {n.id: n for label in PEOPLE_LABELS for p in store.export_nodes(label)
                  for n in p},
        "rels": {r.key: r for t in CARRIED for p in store.export_relationships(t) for r in p
                 if r.src not in offers},
    }  # fmt: skip


@pytest.fixture(params=adapter_params())
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    if request.param == "neo4j":
        from tests.neo4j_server import wipe

        wipe()
    (tmp_path / "target").mkdir()  # the Neo4j adapter keeps a marker there
    store = ADAPTERS[request.param](tmp_path / "target")
    yield store
    store.close()


def test_export_then_import_gives_the_same_graph(store: EmbeddedStore, target: GraphStore) -> None:
    richer(store)
    files = export_files(store)
    reference_only(store, target)
    result = run_import(target, [SourceFile(n, d) for n, d in files.items()])
    assert result.plan.ok, [str(p) for p in result.plan.problems]
    assert carried(target) == carried(store)
    # the target exports the same bytes, and importing them again changes nothing
    assert export_files(target) == files
    version = target.version
    again = run_import(target, [SourceFile(n, d) for n, d in files.items()])
    assert not again.written and target.version == version


def test_scoped_export_holds_the_groupement_only(store: EmbeddedStore) -> None:
    richer(store)
    files = export_files(store, ["grp-a"])
    members = files["membres.csv"].decode("utf-8-sig")
    assert "cand-a" in members and "cand-b" not in members and "grp-b" not in members
    ties = files["liens.csv"].decode("utf-8-sig")
    assert "cand-b" not in ties and "help-b" not in ties
    assert "cand-a;help-a" in ties


def test_files_open_in_french_excel(store: EmbeddedStore) -> None:
    richer(store)
    for name, data in export_files(store).items():
        assert data.startswith(b"\xef\xbb\xbf"), name
        text = data.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
        assert all(len(r) == len(rows[0]) for r in rows), name
        assert "< 5" not in text
    ties = export_files(store)["liens.csv"].decode("utf-8-sig")
    assert "0,30000000000000004" in ties and "01/05/2019" in ties
    assert cell(2000) == "2000"
