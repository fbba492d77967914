"""Gap titles in French (issue 20): counts agree in number, "< 5" takes the plural, and a
sector gap says which territory it is about and where its candidates look instead."""

from __future__ import annotations

import pytest

from graph.coverage import privacy
from graph.coverage.service import Scope, gaps
from graph.embedded import EmbeddedStore
from graph.model import Targets
from graph.store import Batch
from tests.coverage_net import AS_OF, build


@pytest.fixture
def store(tmp_path):
    with EmbeddedStore(tmp_path / "store") as s:
        yield build(s)


def by_kind(store, gid="G"):
    return {g.kind: g for g in gaps(store, Scope.groupement(gid), AS_OF, exact=True).gaps}


def test_people_counts_agree_in_number(store):
    found = by_kind(store)
    assert found["candidates_without_path"].title == "1 candidat sans chemin vers ses cibles"
    assert found["candidates_without_target"].title == "1 candidat sans bassin ni secteur visé"
    outside = privacy.render_gap(found["candidates_without_path"])
    assert outside["title"] == "< 5 candidats sans chemin vers leurs cibles"
    employers = [g for g in gaps(store, Scope.groupement("G"), AS_OF).gaps]
    assert all("(s)" not in g.title for g in employers)
    assert "1 employeur sans contact dans le bassin Bordeaux (ZE-33-1)" in [
        g.title for g in employers
    ]


def test_sector_gap_names_the_territory_and_a_bassin_elsewhere(store):
    local = by_kind(store)["sector_without_helper"]
    assert local.title == "Aucun aidant du secteur Immobilier sur le territoire d'ANOCR Gironde"
    # c2 (ANOCR Gironde) settles in the Landes: the bassin to recruit in is there
    store.write(Batch(rels=[Targets(src="c2", dst="B3")]))
    gap = by_kind(store)["sector_without_helper"]
    assert gap.title == (
        "Aucun aidant du secteur Immobilier sur le territoire d'ANOCR Gironde ; "
        "ses candidats visent le bassin de Mont-de-Marsan (ZE-40-1)"
    )
    assert gap.action.params["bassin"] == "B3"
    assert "Mont-de-Marsan (ZE-40-1) (hors du territoire" in gap.action.text
