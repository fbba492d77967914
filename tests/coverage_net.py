"""A hand-built network whose coverage is known, shared by the coverage tests.

Groupement ``G`` (ANOCR, covers Gironde: bassins B1, B2) and ``G2`` (ANOCR, covers
Landes: bassin B3, no référent); délégation ``D`` (Implic'Action) covers both, with no
local charter with ``G``. See ``tests/test_coverage_service.py`` for the expected values.
"""

from __future__ import annotations

from datetime import date

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
    JobOffer,
    Knows,
    LivesIn,
    LocatedIn,
    MemberOf,
    Mentors,
    Offers,
    PartnerOf,
    PartOf,
    Person,
    ReferentOf,
    Region,
    Reported,
    Sector,
    Targets,
    WorksAt,
)
from graph.store import Batch

AS_OF = date(2025, 6, 1)


def person(pid: str, status: str, consent: bool = True, **kw) -> Person:
    return Person(
        id=pid,
        first_name="Prénom",
        last_name=pid.upper(),
        civility="M.",
        status=status,
        consent_introducer=consent,
        **kw,
    )


def build(store: EmbeddedStore) -> EmbeddedStore:
    nodes = [
        Region(id="reg-75", code="75", name="Nouvelle-Aquitaine"),
        Departement(id="dep-33", code="33", name="Gironde"),
        Departement(id="dep-40", code="40", name="Landes"),
        BassinEmploi(id="B1", code="ZE-33-1", name="Bordeaux"),
        BassinEmploi(id="B2", code="ZE-33-2", name="Arcachon"),
        BassinEmploi(id="B3", code="ZE-40-1", name="Mont-de-Marsan"),
        Sector(id="S1", code="defense", name="Défense"),
        Sector(id="S2", code="btp", name="BTP"),
        Sector(id="S3", code="immobilier", name="Immobilier"),
        Association(id="anocr", name="ANOCR", short_name="ANOCR", kind="officers_association"),
        Association(id="ia", name="Implic'Action", short_name="IA", kind="network_association"),
        Groupement(id="G", name="ANOCR Gironde", association_id="anocr"),
        Groupement(id="G2", name="ANOCR Landes", association_id="anocr"),
        Groupement(id="D", name="IA Nouvelle-Aquitaine", association_id="ia", kind="delegation"),
        Employer(id="E1", name="Thales"),
        Employer(id="E2", name="Eiffage"),
        Employer(id="E3", name="Naval Group"),
        Employer(id="E4", name="Vinci"),
        Employer(id="E5", name="Foncia"),
        JobOffer(id="O1", title="Chef de projet", hidden=True),
        JobOffer(id="O2", title="Responsable sûreté", hidden=True),
        JobOffer(id="O3", title="Acheteur", hidden=False),
        JobOffer(id="O4", title="Formateur", hidden=True, status="filled"),
        # groupement G
        person("c1", "candidate", consent=False, departure_date=date(2025, 12, 1)),
        person("c2", "candidate", consent=False, departure_date=date(2027, 6, 1)),
        person("c3", "candidate", consent=False),
        person("h1", "helper"),
        person("h2", "helper", consent=False),
        person("h3", "helper", capacity=1, monthly_load=1),
        person("r", "helper"),
        # groupement G2
        person("c4", "candidate", consent=False),
        person("h4", "helper"),
        person("x", "neither"),
        person("y", "helper"),
        # délégation D
        person("b1", "helper"),
    ]
    rels = [
        PartOf(src="dep-33", dst="reg-75"),
        PartOf(src="dep-40", dst="reg-75"),
        PartOf(src="B1", dst="dep-33"),
        PartOf(src="B2", dst="dep-33"),
        PartOf(src="B3", dst="dep-40"),
        Covers(src="G", dst="dep-33"),
        Covers(src="G2", dst="dep-40"),
        Covers(src="D", dst="dep-33"),
        Covers(src="D", dst="dep-40"),
        PartnerOf(src="anocr", dst="ia", signed=date(2014, 11, 13), level="national"),
        LocatedIn(src="E1", dst="B1"),
        LocatedIn(src="E2", dst="B1"),
        LocatedIn(src="E3", dst="B2"),
        LocatedIn(src="E4", dst="B3"),
        LocatedIn(src="E5", dst="B3"),
        InSector(src="E1", dst="S1"),
        InSector(src="E2", dst="S2"),
        InSector(src="E3", dst="S1"),
        InSector(src="E4", dst="S2"),
        InSector(src="E5", dst="S3"),
        Offers(src="E3", dst="O1"),
        LocatedIn(src="O1", dst="B2"),
        Reported(src="h2", dst="O1"),
        Offers(src="E1", dst="O2"),
        LocatedIn(src="O2", dst="B1"),
        Reported(src="h1", dst="O2"),
        Offers(src="E1", dst="O3"),
        LocatedIn(src="O3", dst="B1"),
        Offers(src="E1", dst="O4"),
        LocatedIn(src="O4", dst="B1"),
        ReferentOf(src="r", dst="G"),
        Targets(src="c1", dst="B1"),
        Targets(src="c2", dst="S3"),
        Targets(src="c4", dst="B3"),
        WorksAt(src="h1", dst="E1", since=date(2020, 1, 1)),
        WorksAt(src="h2", dst="E2", since=date(2020, 1, 1)),
        WorksAt(src="h3", dst="E3", since=date(2010, 1, 1), until=date(2020, 1, 1)),
        WorksAt(src="y", dst="E4"),
        WorksAt(src="b1", dst="E5"),
        LivesIn(src="b1", dst="dep-33"),
        MemberOf(src="b1", dst="anocr"),
        Knows(src="c1", dst="h1", strength=0.9, source="unit"),
        Knows(src="c4", dst="x", strength=0.9, source="unit"),
        Knows(src="x", dst="y", strength=0.9, source="unit"),
        Knows(src="c4", dst="h4", strength=0.9, source="unit"),
        Knows(src="h4", dst="x", strength=0.9, source="unit"),
    ]
    rels += (
        [InGroupement(src=p, dst="G") for p in ("c1", "c2", "c3", "h1", "h2", "h3", "r")]
        + [InGroupement(src=p, dst="G2") for p in ("c4", "h4")]
        + [InGroupement(src="b1", dst="D")]
    )
    store.write(Batch(nodes=nodes, rels=rels))
    return store


# --------------------------------------------------------------------------- random networks
#
# Small random networks for the property tests of what-if and focused states: two
# groupements of one association (G: Gironde, G2: Landes) and a délégation D of another
# covering both, a convention between the associations or not, local charters or not,
# référents or not, people with random statuses, consents, jobs, targets, groupements,
# homes and association memberships, and one hidden offer.

RANDOM_EMPLOYERS = {"E1": ("B1", "S1"), "E2": ("B1", "S2"), "E3": ("B2", "S1"), "E4": ("B3", "S2")}
RANDOM_GROUPEMENTS = ("G", "G2", "D")


def random_network(draw, st) -> dict:
    """Draw a random network spec (``draw`` and ``st`` from hypothesis)."""
    n = draw(st.integers(4, 10))
    people = [f"p{i}" for i in range(n)]
    spec = {
        p: {
            "status": draw(st.sampled_from(["candidate", "helper", "both", "neither"])),
            "consent": draw(st.booleans()),
            "over": draw(st.booleans()),
            "job": draw(st.sampled_from([None, None, "E1", "E2", "E3", "E4", "E3-former"])),
            "targets": draw(
                st.lists(st.sampled_from(["B1", "B2", "B3", "S1", "S2"]), max_size=2, unique=True)
            ),
            "groupement": draw(st.sampled_from([None, "G", "G2", "D", "D"])),
            "lives": draw(st.sampled_from(["dep-33", "dep-40"])),
            "member": draw(st.sampled_from([None, "anocr", "ia"])),
        }
        for p in people
    }
    pairs = [(a, b) for i, a in enumerate(people) for b in people[i + 1 :]]
    return {
        "people": people,
        "spec": spec,
        "ties": draw(st.lists(st.sampled_from(pairs), unique=True, max_size=min(len(pairs), 14))),
        "mentors": draw(st.lists(st.sampled_from(pairs), unique=True, max_size=2)),
        "referents": {g: draw(st.sampled_from([None, *people])) for g in ("G", "G2", "D")},
        "convention": draw(st.booleans()),
        "charters": [g for g in ("G", "G2") if draw(st.booleans())],
        "reporter": draw(st.sampled_from([None, *people])),
    }


def random_person(pid: str, x: dict) -> Person:
    return Person(
        id=pid,
        first_name="X",
        last_name=pid,
        status=x["status"],
        consent_introducer=x["consent"],
        capacity=1 if x["over"] else None,
        monthly_load=1,
    )


def write_random(store: EmbeddedStore, net: dict) -> EmbeddedStore:
    """Write a :func:`random_network` spec to an empty store."""
    nodes: list = [
        Region(id="reg-75", code="75", name="Nouvelle-Aquitaine"),
        Departement(id="dep-33", code="33", name="Gironde"),
        Departement(id="dep-40", code="40", name="Landes"),
        BassinEmploi(id="B1", code="ZE-1", name="Bordeaux"),
        BassinEmploi(id="B2", code="ZE-2", name="Arcachon"),
        BassinEmploi(id="B3", code="ZE-3", name="Mont-de-Marsan"),
        Sector(id="S1", code="defense", name="Défense"),
        Sector(id="S2", code="btp", name="BTP"),
        Association(id="anocr", name="ANOCR", short_name="ANOCR", kind="officers_association"),
        Association(id="ia", name="IA", short_name="IA", kind="network_association"),
        Groupement(id="G", name="G", association_id="anocr"),
        Groupement(id="G2", name="G2", association_id="anocr"),
        Groupement(id="D", name="D", association_id="ia", kind="delegation"),
        JobOffer(id="O1", title="Offre", hidden=True),
    ]
    rels: list = [
        PartOf(src="dep-33", dst="reg-75"),
        PartOf(src="dep-40", dst="reg-75"),
        PartOf(src="B1", dst="dep-33"),
        PartOf(src="B2", dst="dep-33"),
        PartOf(src="B3", dst="dep-40"),
        Covers(src="G", dst="dep-33"),
        Covers(src="G2", dst="dep-40"),
        Covers(src="D", dst="dep-33"),
        Covers(src="D", dst="dep-40"),
        Offers(src="E1", dst="O1"),
        LocatedIn(src="O1", dst="B1"),
    ]
    if net["convention"]:
        rels.append(PartnerOf(src="anocr", dst="ia", signed=date(2014, 1, 1), level="national"))
    rels += [
        PartnerOf(src=g, dst="D", signed=date(2020, 1, 1), level="local") for g in net["charters"]
    ]
    for e, (b, s) in RANDOM_EMPLOYERS.items():
        nodes.append(Employer(id=e, name=e))
        rels += [LocatedIn(src=e, dst=b), InSector(src=e, dst=s)]
    spec = net["spec"]
    for p in net["people"]:
        x = spec[p]
        nodes.append(random_person(p, x))
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
        rels += [Targets(src=p, dst=t) for t in x["targets"]]
        if x["groupement"]:
            rels.append(InGroupement(src=p, dst=x["groupement"]))
        if x["member"]:
            rels.append(MemberOf(src=p, dst=x["member"]))
        rels.append(LivesIn(src=p, dst=x["lives"]))
    rels += [Knows(src=a, dst=b, strength=0.8, source="unit") for a, b in net["ties"]]
    rels += [Mentors(src=a, dst=b, since=date(2020, 1, 1)) for a, b in net["mentors"]]
    rels += [ReferentOf(src=r, dst=g) for g, r in net["referents"].items() if r]
    if net["reporter"]:
        rels.append(Reported(src=net["reporter"], dst="O1"))
    store.write(Batch(nodes=nodes, rels=rels))
    return store
