"""A no-path answer says what to do next (graph.paths.next_steps): nearest reachable
employers, the groupement's helpers in the target's sector, the bassin's référents."""

from __future__ import annotations

import pytest

from graph.embedded import EmbeddedStore
from graph.model import (
    Association,
    BassinEmploi,
    Covers,
    Departement,
    Groupement,
    InGroupement,
    Label,
    PartOf,
    ReferentOf,
    RelType,
    Sector,
)
from graph.paths import Target
from graph.paths.explain import UNNAMED
from tests.test_paths_service import Net, run


@pytest.fixture
def net(tmp_path):
    with EmbeddedStore(tmp_path / "store") as store:
        yield Net(store)


def network(net: Net) -> EmbeddedStore:
    net.add(
        Association(id="anocr", name="ANOCR", short_name="ANOCR", kind="officers_association"),
        Association(id="ia", name="Implic'Action", short_name="IA", kind="network_association"),
        Departement(id="d33", code="33", name="Gironde"),
        BassinEmploi(id="ze33", code="ZE-33-1", name="Arcachon"),
        PartOf(src="ze33", dst="d33"),
        Sector(id="sec-def", code="defense", name="Industrie de défense"),
        Sector(id="sec-btp", code="btp", name="BTP"),
        Groupement(id="g75", name="ANOCR Paris", association_id="anocr"),
        Groupement(id="g33", name="ANOCR Gironde", association_id="anocr"),
        Groupement(id="dl33", name="IA Gironde", association_id="ia", kind="delegation"),
        Covers(src="g33", dst="d33"),
        Covers(src="dl33", dst="d33"),
    )
    net.person("c", "Martin", status="candidate")
    net.add(InGroupement(src="c", dst="g75"))
    net.person("a")
    net.person("y")
    net.person("far")
    net.employer("X", "Thales", "ze33", "sec-def")  # the target: out of reach
    net.employer("Y", "Safran", "ze33", "sec-def")
    net.employer("B", "Vinci", "ze33", "sec-btp")
    net.works("far", "X")
    net.works("y", "Y")
    net.chain("c", "a", "y")
    # helpers of the candidate's groupement: h1 in the sector (Safran), h2 in BTP,
    # h3 in the sector but no consent; none of them knows anyone at Thales
    net.person("h1", "Leroy", civility="Mme")
    net.person("h2", "Roux")
    net.person("h3", "Blanc", consent=False)
    for h, e in (("h1", "Y"), ("h2", "B"), ("h3", "Y")):
        net.works(h, e)
        net.add(InGroupement(src=h, dst="g75"))
    # référents of the bassin: r33 (consented), rdl (did not: not named)
    net.person("r33", "Durand")
    net.person("rdl", "Secret", consent=False)
    net.add(ReferentOf(src="r33", dst="g33"), ReferentOf(src="rdl", dst="dl33"))
    return net.write()


def test_no_path_lists_next_steps(net):
    result = run(network(net), target=Target.employer("X"))
    assert result.paths == () and result.no_path is not None
    steps = result.next_steps
    assert steps is not None
    assert [e.id for e in steps.employers] == ["Y"]
    assert steps.sector == "Industrie de défense" and steps.bassin == "Arcachon"
    assert [h.id for h in steps.helpers] == ["h1"]
    assert {(r.groupement_id, r.person.id, r.person.name) for r in steps.referents} == {
        ("g33", "r33", "M. Durand"),
        ("dl33", None, UNNAMED),
    }
    text = " ".join(steps.advice)
    assert "Safran (Arcachon)" in text
    assert "Mme Leroy" in text and "Roux" not in text and "Blanc" not in text
    assert "bassin d'Arcachon" in text and "M. Durand (ANOCR Gironde)" in text
    assert "p-" not in text and "rdl" not in text
    assert result.to_dict()["next_steps"]["helpers"] == [{"id": "h1", "name": "Mme Leroy"}]


def test_a_path_found_has_no_next_steps(net):
    store = network(net)
    assert run(store, target=Target.employer("Y")).next_steps is None


def test_sector_target_without_helper_says_to_recruit_one(net):
    store = network(net)
    result = run(store, target=Target.sector_in_bassin("sec-btp", "ze33"))
    assert result.no_path is not None and result.next_steps is not None
    # h2 works in BTP: the groupement's helper for that sector
    assert [h.id for h in result.next_steps.helpers] == ["h2"]



def test_sector_helpers_equal_a_plain_reading_on_the_demo_seed(tmp_path) -> None:
    """The vectorised search of the groupement's helpers in a sector gives what reading
    each helper's current employers one by one gives (the rule as first written)."""
    import random
    from datetime import date

    import numpy as np

    from graph.paths.next_steps import sector_helpers
    from graph.paths.service import path_index
    from graph.view import day_number
    from seed.demo import generate

    with EmbeddedStore(tmp_path / "demo") as store:
        with store.bulk():
            for batch in generate(3000, 7):
                store.write(batch)
        index = path_index(store)
        day = day_number(date(2026, 11, 1))
        sectors_all = index.view.nodes_with_label(Label.SECTOR)
        rng = random.Random(3)
        candidates = index.view.nodes_with_label(Label.PERSON)
        checked = 0
        for candidate in rng.sample(candidates.tolist(), 60):
            sectors = np.array(rng.sample(sectors_all.tolist(), 2), dtype=np.int64)
            members = index.view.rel(RelType.IN_GROUPEMENT)
            people = sorted({int(p) for g in index.groupements_of(candidate).tolist()
                             for p in members.sources(int(g)).tolist()})  # fmt: skip
            wanted = set(sectors.tolist())
            expected = sorted(
                (p for p in people
                 if p != candidate and index.helper[p] and index.available[p]
                 and any(wanted.intersection(index.sectors_of(int(e)).tolist())
                         for e in index.current_employers(p, day).tolist())),
                key=lambda p: int(index.rank[p]),
            )  # fmt: skip
            assert sector_helpers(index, candidate, sectors, day) == expected
            checked += bool(expected)
        assert checked > 5  # the comparison saw real helpers, not only empty answers
