"""Property: "covered" agrees with the path engine on small random networks.

A candidate is covered exactly when :func:`graph.paths.find_paths` finds a path to some
employer located in one of their target bassins or working in one of their target
sectors (one query per employer, through the public service).
"""

from __future__ import annotations

import tempfile
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.coverage.service import coverage_state
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
    Knows,
    LivesIn,
    LocatedIn,
    Mentors,
    PartnerOf,
    Person,
    ReferentOf,
    Sector,
    Targets,
    WorksAt,
)
from graph.paths import Target, find_paths
from graph.store import Batch

AS_OF = date(2025, 6, 1)
EMPLOYERS = {"E1": ("B1", "S1"), "E2": ("B1", "S2"), "E3": ("B2", "S1")}


@st.composite
def networks(draw):
    n = draw(st.integers(3, 9))
    people = [f"p{i}" for i in range(n)]
    spec = {
        p: {
            "status": draw(st.sampled_from(["candidate", "helper", "both", "neither"])),
            "consent": draw(st.booleans()),
            "over": draw(st.booleans()),
            "job": draw(st.sampled_from([None, None, "E1", "E2", "E3", "E3-former"])),
            "targets": draw(st.lists(st.sampled_from(["B1", "B2", "S1", "S2"]), max_size=2)),
            "groupement": draw(st.sampled_from([None, "G", "D"])),
        }
        for p in people
    }
    pairs = [(a, b) for i, a in enumerate(people) for b in people[i + 1 :]]
    ties = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=min(len(pairs), 12)))
    mentors = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=2))
    referent = draw(st.sampled_from([None, *people]))
    charter = draw(st.booleans())
    return people, spec, ties, mentors, referent, charter


def write(store: EmbeddedStore, net) -> None:
    people, spec, ties, mentors, referent, charter = net
    nodes: list = [
        Departement(id="d33", code="33", name="Gironde"),
        BassinEmploi(id="B1", code="ZE-1", name="Bordeaux"),
        BassinEmploi(id="B2", code="ZE-2", name="Arcachon"),
        Sector(id="S1", code="defense", name="Défense"),
        Sector(id="S2", code="btp", name="BTP"),
        Association(id="anocr", name="ANOCR", short_name="ANOCR", kind="officers_association"),
        Association(id="ia", name="IA", short_name="IA", kind="network_association"),
        Groupement(id="G", name="G", association_id="anocr"),
        Groupement(id="D", name="D", association_id="ia", kind="delegation"),
    ]
    rels: list = [Covers(src="G", dst="d33"), Covers(src="D", dst="d33")]
    if charter:
        rels.append(PartnerOf(src="G", dst="D", signed=date(2020, 1, 1), level="local"))
    for e, (b, s) in EMPLOYERS.items():
        nodes.append(Employer(id=e, name=e))
        rels += [LocatedIn(src=e, dst=b), InSector(src=e, dst=s)]
    for p in people:
        x = spec[p]
        nodes.append(
            Person(
                id=p,
                first_name="X",
                last_name=p,
                status=x["status"],
                consent_introducer=x["consent"],
                capacity=1 if x["over"] else None,
                monthly_load=1,
            )
        )
        if x["job"]:
            former = x["job"].endswith("-former")
            rels.append(
                WorksAt(
                    src=p,
                    dst=x["job"].removesuffix("-former"),
                    since=date(2015, 1, 1),
                    until=date(2020, 1, 1) if former else None,
                )
            )
        rels += [Targets(src=p, dst=t) for t in set(x["targets"])]
        if x["groupement"]:
            rels.append(InGroupement(src=p, dst=x["groupement"]))
        rels.append(LivesIn(src=p, dst="d33"))
    rels += [Knows(src=a, dst=b, strength=0.8, source="unit") for a, b in ties]
    rels += [Mentors(src=a, dst=b, since=date(2020, 1, 1)) for a, b in mentors]
    if referent:
        rels.append(ReferentOf(src=referent, dst="G"))
    store.write(Batch(nodes=nodes, rels=rels))


def engine_says(store, person: str, targets: list[str]) -> bool:
    employers = {e for e, (b, s) in EMPLOYERS.items() if b in targets or s in targets}
    return any(
        find_paths(store, person, Target.employer(e), as_of=AS_OF).found for e in sorted(employers)
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_covered_matches_the_path_engine(net):
    people, spec = net[0], net[1]
    with tempfile.TemporaryDirectory() as tmp, EmbeddedStore(tmp) as store:
        write(store, net)
        state = coverage_state(store, AS_OF)
        view = state.view
        for i, c in enumerate(state.members.cand.tolist()):
            pid = view.ids[c]
            expected = engine_says(store, pid, spec[pid]["targets"])
            assert bool(state.back.covered[i]) == expected, (pid, net)
        candidates = {p for p in people if spec[p]["status"] in ("candidate", "both")}
        assert {view.ids[c] for c in state.members.cand.tolist()} == candidates
