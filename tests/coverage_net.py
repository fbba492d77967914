"""A hand-built network whose coverage is known, shared by the coverage tests.

Groupement ``G`` (ANOCR, covers Gironde: bassins B1, B2) and ``G2`` (ANOCR, covers
Landes: bassin B3, no référent); délégation ``D`` (Implic'Action) covers both, with no
local charter with ``G``. See ``tests/test_coverage.py`` for the expected values.
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
