"""Référents of ANOCR groupements (seed.demo.referents): most have one, a few gaps."""

from __future__ import annotations

from graph.model import Label, RelType
from graph.view import GraphView


def test_some_groupements_have_no_referent_and_some_referents_did_not_consent(
    view: GraphView,
) -> None:
    groupements = view.nodes_with_label(Label.GROUPEMENT)
    anocr = [g for g in groupements if view.ids[g].startswith("grp-anocr-")]
    referent = view.rel(RelType.REFERENT_OF)
    covered = set(referent.dst.tolist())
    assert covered and any(g not in covered for g in anocr)
    consent = view.column(Label.PERSON, "consent_introducer")[referent.src]
    assert (consent == 1).mean() > 0.8
    assert (consent == 0).any()
