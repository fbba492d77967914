"""Local charters (seed.demo.charters): most ANOCR groupements have one, not all."""

from __future__ import annotations

from graph.model import Label, RelType
from graph.view import GraphView


def test_some_groupements_have_no_local_charter(view: GraphView) -> None:
    partner = view.rel(RelType.PARTNER_OF)
    charters = set(partner.src.tolist()) | set(partner.dst.tolist())
    anocr = [
        g for g in view.nodes_with_label(Label.GROUPEMENT) if view.ids[g].startswith("grp-anocr-")
    ]
    missing = [g for g in anocr if g not in charters]
    assert 0 < len(missing) < len(anocr) / 2
