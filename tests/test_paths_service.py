"""Referral paths on small hand-built graphs whose right answer is known."""

from __future__ import annotations

import json
from datetime import date
from itertools import pairwise

import pytest

from graph.embedded import EmbeddedStore
from graph.errors import InvalidInput, NotFound
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
    Person,
    ReferentOf,
    Reported,
    Sector,
    WorksAt,
)
from graph.paths import HopCosts, PathPolicy, Target, find_paths, hop_cost
from graph.store import Batch

AS_OF = date(2025, 6, 1)


class Net:
    """A tiny network written to a fresh embedded store."""

    def __init__(self, store: EmbeddedStore) -> None:
        self.store = store
        self.nodes: list = []
        self.rels: list = []

    def person(self, pid: str, last: str | None = None, *, consent: bool = True, **kw) -> str:
        kw.setdefault("civility", "M.")
        kw.setdefault("status", "helper")
        self.nodes.append(
            Person(
                id=pid,
                first_name="Prénom",
                last_name=last or pid.upper(),
                consent_introducer=consent,
                **kw,
            )
        )
        return pid

    def employer(
        self, eid: str, name: str, bassin: str | None = None, sector: str | None = None
    ) -> str:
        self.nodes.append(Employer(id=eid, name=name))
        if bassin:
            self.rels.append(LocatedIn(src=eid, dst=bassin))
        if sector:
            self.rels.append(InSector(src=eid, dst=sector))
        return eid

    def knows(
        self,
        a: str,
        b: str,
        strength: float = 1.0,
        source: str = "unit",
        confirmed: date | None = AS_OF,
        context: str | None = None,
    ) -> None:
        since = confirmed if confirmed is not None else None
        self.rels.append(
            Knows(
                src=a,
                dst=b,
                strength=strength,
                source=source,
                since=since,
                confirmed_at=confirmed,
                context=context,
            )
        )

    def chain(self, *people: str, **kw) -> None:
        for a, b in pairwise(people):
            self.knows(a, b, **kw)

    def works(self, p: str, e: str, since: date | None = None, until: date | None = None) -> None:
        self.rels.append(WorksAt(src=p, dst=e, since=since, until=until))

    def add(self, *items) -> None:
        for item in items:
            (self.rels if hasattr(item, "dst") else self.nodes).append(item)

    def write(self) -> EmbeddedStore:
        self.store.write(Batch(nodes=self.nodes, rels=self.rels))
        self.nodes, self.rels = [], []
        return self.store


@pytest.fixture
def net(tmp_path):
    with EmbeddedStore(tmp_path / "store") as store:
        yield Net(store)


def paths_of(result) -> list[list[str]]:
    return [
        [result.candidate.id, *(p.id for p in path.intermediaries), path.contact.id]
        for path in result.paths
    ]


def run(store, candidate="c", target=None, **policy):
    return find_paths(store, candidate, target or Target.employer("E"), PathPolicy(**policy), AS_OF)


UNIT = hop_cost(HopCosts(), "unit", 1.0, 0.0) / 1000  # one strong, fresh unit tie


# --------------------------------------------------------------------------- consent


def test_only_consenting_intermediaries(net):
    net.person("c", status="candidate")
    net.person("a", consent=False)
    net.person("b")
    net.person("x")
    net.person("e")
    net.employer("E", "Thales")
    net.works("e", "E")
    net.chain("c", "a", "e")  # cheaper, but a did not consent
    net.chain("c", "b", "x", "e")
    result = run(net.write())
    assert paths_of(result) == [["c", "b", "x", "e"]]
    assert result.paths[0].cost == pytest.approx(3 * UNIT)


def test_contact_must_consent_by_default_and_can_be_relaxed(net):
    net.person("c", status="candidate")
    net.person("a")
    net.person("e", consent=False)
    net.employer("E", "Thales")
    net.works("e", "E")
    net.chain("c", "a", "e")
    store = net.write()
    result = run(store)
    assert result.paths == ()
    assert result.no_path.code == "no_consenting_contact"
    relaxed = run(store, contact_must_consent=False)
    assert len(relaxed.paths) == 1
    # A contact who agreed to nothing is not named.
    assert relaxed.paths[0].contact.id is None
    assert "nom non communiqué" in relaxed.paths[0].contact.name


def test_person_target_need_not_consent(net):
    net.person("c", status="candidate")
    net.person("a")
    net.person("t", consent=False)
    net.chain("c", "a", "t")
    result = run(net.write(), target=Target.person("t"))
    assert paths_of(result) == [["c", "a", "t"]]
    assert result.paths[0].contact_reason.endswith("est la personne recherchée")


# --------------------------------------------------------------------------- capacity


def test_over_capacity_helper_avoided_when_an_alternative_exists(net):
    net.person("c", status="candidate")
    net.person("busy", capacity=2, monthly_load=2)
    net.person("free")
    net.person("e")
    net.employer("E", "Thales")
    net.works("e", "E")
    net.knows("c", "busy")
    net.knows("busy", "e")
    net.knows("c", "free", strength=0.5)  # dearer than through busy
    net.knows("free", "e")
    result = run(net.write(), k=1)
    assert paths_of(result) == [["c", "free", "e"]]
    assert result.paths[0].over_capacity == ()


def test_over_capacity_helper_flagged_when_needed(net):
    net.person("c", status="candidate")
    net.person("busy", capacity=0)
    net.person("free")
    net.person("e")
    net.employer("E", "Thales")
    net.works("e", "E")
    net.chain("c", "busy", "e")
    net.chain("c", "free", "e", strength=0.5)
    result = run(net.write(), k=2)
    # The path through the busy helper is cheaper but comes last: it is a last resort.
    assert paths_of(result) == [["c", "free", "e"], ["c", "busy", "e"]]
    free, busy = result.paths
    assert busy.cost < free.cost
    assert busy.over_capacity == ("busy",) and free.over_capacity == ()
    assert any("capacité mensuelle (0/0" in r for r in busy.reasons)


def test_over_capacity_helpers_used_freely_when_asked(net):
    net.person("c", status="candidate")
    net.person("busy", capacity=1, monthly_load=1)
    net.person("free")
    net.person("e")
    net.employer("E", "Thales")
    net.works("e", "E")
    net.chain("c", "busy", "e")
    net.chain("c", "free", "e", strength=0.5)
    result = run(net.write(), k=1, avoid_over_capacity=False)
    assert paths_of(result) == [["c", "busy", "e"]]
    assert result.paths[0].over_capacity == ("busy",)


def test_over_capacity_contact_flagged_only_without_alternative(net):
    net.person("c", status="candidate")
    net.person("e", capacity=1, monthly_load=3)
    net.employer("E", "Thales")
    net.works("e", "E")
    net.knows("c", "e")
    result = run(net.write())
    assert paths_of(result) == [["c", "e"]]
    assert result.paths[0].over_capacity == ("e",)


# --------------------------------------------------------------------------- référent bridge


def bridge_network(
    net: Net, signed: date, expires: date | None, charter: bool = False
) -> EmbeddedStore:
    net.add(
        Association(id="anocr", name="ANOCR", short_name="ANOCR", kind="officers_association"),
        Association(
            id="ia", name="Implic'Action", short_name="Implic'Action", kind="network_association"
        ),
        Departement(id="d33", code="33", name="Gironde"),
        Groupement(id="g33", name="Groupement ANOCR de la Gironde", association_id="anocr"),
        Groupement(
            id="dl33",
            name="Délégation Implic'Action Gironde",
            association_id="ia",
            kind="delegation",
        ),
    )
    net.person("c", "Martin", status="candidate")
    net.person("r", "Durand", grade="Colonel", grade_category="officer", career="retired")
    net.person("h", "Leroy", civility="Mme")
    net.person("e", "Petit")
    net.employer("E", "Thales")
    net.works("e", "E")
    net.knows("h", "e")
    net.add(
        Covers(src="g33", dst="d33"),
        Covers(src="dl33", dst="d33"),
        InGroupement(src="c", dst="g33"),
        ReferentOf(src="r", dst="g33"),
        LivesIn(src="h", dst="d33"),
    )
    if charter:
        net.add(
            InGroupement(src="h", dst="dl33"),
            PartnerOf(
                src="g33",
                dst="dl33",
                signed=signed,
                expires=expires,
                level="local",
                name="Charte Gironde",
            ),
        )
    else:
        net.add(
            MemberOf(src="h", dst="ia"),
            PartnerOf(
                src="anocr",
                dst="ia",
                signed=signed,
                expires=expires,
                level="national",
                name="Convention ANOCR - Implic'Action",
            ),
        )
    return net.write()


def test_valid_convention_shows_the_referent_bridge(net):
    store = bridge_network(net, date(2014, 11, 13), None)
    result = run(store)
    assert paths_of(result) == [["c", "r", "h", "e"]]
    hops = result.paths[0].hops
    assert [h.kind for h in hops] == ["referent", "bridge", "knows"]
    assert hops[0].explanation == (
        "Colonel (ER) Durand est référent reconversion de Groupement ANOCR de la Gironde, "
        "groupement auquel est rattaché M. Martin"
    )
    assert (
        "convention « Convention ANOCR - Implic'Action » signée le 13/11/2014"
        in hops[1].explanation
    )
    assert "Mme Leroy est membre d'Implic'Action, partenaire d'ANOCR" in hops[1].explanation
    costs = HopCosts()
    assert hops[1].cost == costs.bridge_cost and hops[0].cost == costs.referent_cost


def test_expired_convention_hides_the_bridge(net):
    store = bridge_network(net, date(2014, 11, 13), date(2015, 11, 13))
    result = run(store)
    assert result.paths == ()
    assert result.no_path.code in ("no_consenting_intermediary", "too_far")
    # Before it expired, the same bridge existed.
    earlier = find_paths(store, "c", Target.employer("E"), as_of=date(2015, 6, 1))
    assert paths_of(earlier) == [["c", "r", "h", "e"]]


def test_local_charter_bridge_and_its_expiry(net):
    store = bridge_network(net, date(2020, 1, 1), date(2026, 1, 1), charter=True)
    result = run(store)
    assert paths_of(result) == [["c", "r", "h", "e"]]
    assert (
        "charte locale « Charte Gironde » signée le 01/01/2020"
        in result.paths[0].hops[1].explanation
    )
    later = find_paths(store, "c", Target.employer("E"), as_of=date(2026, 6, 1))
    assert later.paths == ()


def test_bridge_can_be_switched_off(net):
    store = bridge_network(net, date(2014, 11, 13), None)
    assert run(store, referent_bridge=False).paths == ()


def test_membership_alone_never_links_two_people(net):
    net.add(Association(id="ia", name="Implic'Action", short_name="IA", kind="network_association"))
    net.person("c", status="candidate")
    net.person("e")
    net.employer("E", "Thales")
    net.works("e", "E")
    net.add(MemberOf(src="c", dst="ia"), MemberOf(src="e", dst="ia"))
    result = run(net.write())
    assert result.paths == ()
    assert result.no_path.code == "candidate_isolated"


# --------------------------------------------------------------------------- employment


def test_former_employee_is_not_inside(net):
    net.person("c", status="candidate")
    net.person("f")
    net.employer("E", "Thales")
    net.works("f", "E", since=date(2010, 1, 1), until=date(2020, 1, 1))
    net.knows("c", "f")
    result = run(net.write())
    assert result.paths == ()
    assert result.no_path.code == "no_target_people"
    assert "1 ancien salarié" in result.no_path.message


def test_former_employee_may_still_introduce(net):
    net.person("c", status="candidate")
    net.person("f")
    net.person("e")
    net.employer("E", "Thales")
    net.works("f", "E", since=date(2010, 1, 1), until=date(2020, 1, 1))
    net.works("e", "E", since=date(2019, 3, 1))
    net.chain("c", "f", "e")
    result = run(net.write())
    assert paths_of(result) == [["c", "f", "e"]]


# --------------------------------------------------------------------------- diversity


def test_no_two_paths_share_their_first_intermediary(net):
    net.person("c", status="candidate")
    for p in ("a", "b", "x", "y", "e1", "e2", "e3"):
        net.person(p)
    net.employer("E", "Thales")
    for e in ("e1", "e2", "e3"):
        net.works(e, "E")
        net.knows("a", e)  # a reaches everyone cheaply
    net.knows("c", "a")
    net.chain("c", "b", "x", "e1", strength=0.5)
    result = run(net.write(), k=3)
    firsts = [p.intermediaries[0].id for p in result.paths]
    assert firsts == ["a", "b"]  # no third distinct first intermediary exists


def test_disjoint_paths_preferred_over_cheaper_overlapping_ones(net):
    net.person("c", status="candidate")
    for p in ("a", "b", "x", "y", "e"):
        net.person(p)
    net.employer("E", "Thales")
    net.works("e", "E")
    net.chain("c", "a", "x", "e")
    net.knows("c", "b")
    net.knows("b", "x")  # c-b-x-e would be cheap but reuses x
    net.chain("b", "y", "e", strength=0.2)
    result = run(net.write(), k=2)
    assert paths_of(result) == [["c", "a", "x", "e"], ["c", "b", "y", "e"]]
    assert all(p.shares_intermediaries == () for p in result.paths)


def test_overlap_allowed_and_reported_when_no_disjoint_path(net):
    net.person("c", status="candidate")
    for p in ("a", "b", "x", "e"):
        net.person(p)
    net.employer("E", "Thales")
    net.works("e", "E")
    net.chain("c", "a", "x", "e")
    net.chain("c", "b", "x", strength=0.5)
    result = run(net.write(), k=3)
    assert paths_of(result) == [["c", "a", "x", "e"], ["c", "b", "x", "e"]]
    assert result.paths[1].shares_intermediaries == ("x",)
    assert any("partage un intermédiaire" in r for r in result.paths[1].reasons)


def test_paths_ranked_by_cost(net):
    net.person("c", status="candidate")
    for p in ("a", "b", "d", "e"):
        net.person(p)
    net.employer("E", "Thales")
    net.works("e", "E")
    net.chain("c", "a", "e", strength=0.3)
    net.chain("c", "b", "e", strength=0.9)
    net.chain("c", "d", "e", strength=0.6)
    result = run(net.write())
    assert [p.contact.id for p in result.paths] == ["e", "e", "e"]
    assert [p.intermediaries[0].id for p in result.paths] == ["b", "d", "a"]
    costs = [p.cost for p in result.paths]
    assert costs == sorted(costs)


# --------------------------------------------------------------------------- tie-breaking


def test_equal_costs_broken_by_ids_not_insertion_order(net):
    net.person("c", status="candidate")
    for p in ("z", "m", "a", "e"):  # written in reverse id order
        net.person(p)
    net.employer("E", "Thales")
    net.works("e", "E")
    for p in ("z", "m", "a"):
        net.chain("c", p, "e")
    result = run(net.write(), k=1)
    assert paths_of(result) == [["c", "a", "e"]]
    result3 = run(net.store, k=3)
    assert [p.intermediaries[0].id for p in result3.paths] == ["a", "m", "z"]


def test_equal_costs_broken_by_fewer_hops(net):
    net.person("c", status="candidate")
    net.person("a")
    net.person("e")
    net.employer("E", "Thales")
    net.works("e", "E")
    # 1.5 + 2 * (1 - 0.5) = 2.5 direct, against 2 * (1 + 2 * (1 - 0.875)) = 2.5 through a
    net.knows("c", "e", strength=0.5, source="declared")
    net.chain("c", "a", "e", strength=0.875)
    result = run(net.write(), k=1)
    assert paths_of(result) == [["c", "e"]]
    assert result.paths[0].cost == pytest.approx(2.5)


# --------------------------------------------------------------------------- hop limit


def test_at_most_max_intermediaries(net):
    net.person("c", status="candidate")
    people = [net.person(f"i{n}") for n in range(4)]
    net.person("e")
    net.employer("E", "Thales")
    net.works("e", "E")
    net.chain("c", *people, "e")
    store = net.write()
    assert run(store).no_path.code == "too_far"
    assert len(run(store, max_intermediaries=4).paths[0].intermediaries) == 4


# --------------------------------------------------------------------------- no path


def test_no_employee_in_the_network(net):
    net.person("c", status="candidate")
    net.employer("E", "Thales")
    result = run(net.write())
    assert result.no_path.code == "no_target_people"
    assert result.no_path.message == "Aucun salarié actuel de Thales dans le réseau"


def test_candidate_without_any_tie(net):
    net.person("c", "Martin", status="candidate")
    net.person("e")
    net.employer("E", "Thales")
    net.works("e", "E")
    result = run(net.write())
    assert result.no_path.code == "candidate_isolated"
    assert result.no_path.message.startswith("M. Martin n'a encore aucun lien")


def test_only_non_consenting_intermediaries(net):
    net.person("c", status="candidate")
    net.person("a", consent=False)
    net.person("e")
    net.employer("E", "Thales")
    net.works("e", "E")
    net.chain("c", "a", "e")
    result = run(net.write())
    assert result.no_path.code == "no_consenting_intermediary"
    assert "au plus 3 intermédiaires" in result.no_path.message


def test_no_path_suggests_the_nearest_similar_employer(net):
    net.add(
        BassinEmploi(id="ze33", code="ZE-33-1", name="Bordeaux"),
        Sector(id="sec-def", code="defense", name="Industrie de défense"),
        Sector(id="sec-btp", code="btp", name="BTP"),
    )
    net.person("c", status="candidate")
    for p in ("a", "x", "y", "z", "far"):
        net.person(p)
    net.employer("X", "Thales", "ze33", "sec-def")  # the target: no one reachable there
    net.employer("Y", "Safran", "ze33", "sec-def")
    net.employer("Z", "MBDA", "ze33", "sec-def")
    net.employer("W", "Vinci", "ze33", "sec-btp")  # other sector: not suggested
    net.works("far", "X")
    net.works("y", "Y")
    net.works("z", "Z")
    net.works("x", "W")
    net.chain("c", "a", "y")
    net.chain("a", "z", strength=0.2)
    net.knows("c", "x")
    result = run(net.write(), target=Target.employer("X"))
    assert result.no_path.code == "too_far"
    assert [a.employer_id for a in result.alternatives] == ["Y", "Z"]
    assert result.alternatives[0].employer == "Safran (Bordeaux)"
    assert result.alternatives[0].path.contact_reason == "M. Y travaille chez Safran (Bordeaux)"


# --------------------------------------------------------------------------- targets


def test_offer_ends_at_reporter_or_employee(net):
    net.add(
        JobOffer(id="o1", title="Responsable sûreté"),
        JobOffer(id="o2", title="Acheteur", status="filled"),
    )
    net.person("c", status="candidate")
    net.person("rep", "Roux")
    net.person("e")
    net.employer("E", "Thales")
    net.works("e", "E")
    net.add(Offers(src="E", dst="o1"), Reported(src="rep", dst="o1"), Offers(src="E", dst="o2"))
    net.knows("c", "rep")
    net.knows("c", "e", strength=0.2)
    store = net.write()
    result = run(store, target=Target.offer("o1"))
    assert [p.contact.id for p in result.paths] == ["rep", "e"]
    assert (
        result.paths[0].contact_reason
        == "M. Roux a signalé l'offre « Responsable sûreté » chez Thales"
    )
    filled = run(store, target=Target.offer("o2"))
    assert [p.contact.id for p in filled.paths] == ["e"]
    assert "L'offre « Acheteur » est pourvue" in filled.notes


def test_sector_in_bassin_target(net):
    net.add(
        BassinEmploi(id="ze33", code="ZE-33-1", name="Bordeaux"),
        BassinEmploi(id="ze31", code="ZE-31-1", name="Toulouse"),
        Sector(id="sec-def", code="defense", name="Industrie de défense"),
    )
    net.person("c", status="candidate")
    net.person("y")
    net.person("t")
    net.employer("Y", "Safran", "ze33", "sec-def")
    net.employer("T", "Airbus", "ze31", "sec-def")
    net.works("y", "Y")
    net.works("t", "T")
    net.knows("c", "t")  # cheaper, but in another bassin
    net.knows("c", "y", strength=0.5)
    result = run(net.write(), target=Target.sector_in_bassin("defense", "ZE-33-1"))
    assert paths_of(result) == [["c", "y"]]
    assert result.paths[0].contact_reason == "M. Y travaille chez Safran (Bordeaux)"
    assert (
        result.target.label
        == "les employeurs du secteur Industrie de défense dans le bassin de Bordeaux"
    )


def test_mentoring_tie_is_a_tie(net):
    net.person("c", "Martin", status="candidate")
    net.person("e", "Petit")
    net.employer("E", "Thales")
    net.works("e", "E")
    net.add(Mentors(src="e", dst="c", since=date(2021, 1, 1)))
    result = run(net.write())
    assert paths_of(result) == [["c", "e"]]
    assert result.paths[0].hops[0].kind == "mentors"
    assert (
        "parrainage (M. Petit parraine M. Martin depuis 2021)"
        in result.paths[0].hops[0].explanation
    )


def test_non_candidate_may_ask_with_a_note(net):
    net.person("c", "Martin", status="neither")
    net.person("e")
    net.employer("E", "Thales")
    net.works("e", "E")
    net.knows("c", "e")
    result = run(net.write())
    assert len(result.paths) == 1
    assert any("n'est pas enregistré comme candidat" in n for n in result.notes)


# --------------------------------------------------------------------------- explanations


def test_french_explanation_and_no_contact_details(net):
    net.add(BassinEmploi(id="ze33", code="ZE-33-1", name="Bordeaux"))
    net.person(
        "c",
        "Durand",
        grade="Capitaine",
        grade_category="officer",
        career="reserve",
        status="candidate",
        email="durand@example.org",
        phone="+33 6 12 34 56 78",
    )
    net.person("l", "Leroy", civility="Mme", email="leroy@example.org", phone="+33 6 00 00 00 01")
    net.person("e", "Bernard", email="bernard@example.org")
    net.employer("E", "Thales", "ze33")
    net.works("e", "E", since=date(2019, 9, 1))
    net.knows(
        "c",
        "l",
        strength=0.9,
        source="promotion",
        context="Saint-Cyr 2004",
        confirmed=date(2025, 2, 1),
    )
    net.knows("l", "e", strength=0.6, source="linkedin", confirmed=None)
    result = run(net.write())
    (path,) = result.paths
    assert path.reasons == (
        "Capitaine (R) Durand et Mme Leroy se connaissent : "
        "même promotion (Saint-Cyr 2004), lien confirmé en 2025",
        "Mme Leroy et M. Bernard se connaissent : en relation sur LinkedIn, lien jamais confirmé",
        "M. Bernard travaille chez Thales (Bordeaux) depuis 2019",
    )
    dumped = json.dumps(result.to_dict(), ensure_ascii=False)
    for secret in ("example.org", "+33", "email", "phone"):
        assert secret not in dumped
    assert result.to_dict()["paths"][0]["hops"][0]["kind"] == "knows"


@pytest.mark.parametrize(
    ("source", "context", "phrase"),
    [
        ("unit", "1er RCP", "même unité (1er RCP)"),
        ("event", "forum de Brest", "rencontrés lors d'un événement (forum de Brest)"),
        ("mentoring", None, "parrainage"),
    ],
)
def test_source_phrases(net, source, context, phrase):
    net.person("c", "Martin", status="candidate")
    net.person("e", "Petit")
    net.employer("E", "Thales")
    net.works("e", "E")
    net.knows("c", "e", source=source, context=context, confirmed=date(2024, 5, 1))
    result = run(net.write())
    assert (
        result.paths[0].reasons[0]
        == f"M. Martin et M. Petit se connaissent : {phrase}, lien confirmé en 2024"
    )


# --------------------------------------------------------------------------- errors


def test_errors_name_the_value(net):
    net.person("c", status="candidate")
    net.employer("E", "Thales")
    store = net.write()
    with pytest.raises(NotFound, match="candidate: no Person with id 'nobody'"):
        run(store, candidate="nobody")
    with pytest.raises(NotFound, match="employer: no Employer with id 'E9'"):
        run(store, target=Target.employer("E9"))
    with pytest.raises(InvalidInput, match="employer: 'c' is a Person, not an Employer"):
        run(store, target=Target.employer("c"))
    with pytest.raises(InvalidInput, match="candidate: 'E' is an Employer, not a Person"):
        run(store, candidate="E")
    with pytest.raises(InvalidInput, match="person: 'c' is the candidate themselves"):
        run(store, target=Target.person("c"))
    with pytest.raises(NotFound, match="sector: no Sector with id 'nope'"):
        run(store, target=Target.sector_in_bassin("nope", "ZE-1"))
    with pytest.raises(InvalidInput, match=r"^k: must be an integer between 1 and 10 \(got 11\)"):
        run(store, k=11)
    with pytest.raises(InvalidInput, match=r"^max_intermediaries: .* \(got 0\)"):
        run(store, max_intermediaries=0)
    with pytest.raises(InvalidInput, match=r"costs\.linkedin"):
        HopCosts(linkedin=-1)
    with pytest.raises(InvalidInput, match=r"target\.kind"):
        run(store, target=Target("region", id="x"))


def test_index_follows_the_store_version(net):
    net.person("c", status="candidate")
    net.person("e")
    net.employer("E", "Thales")
    net.works("e", "E")
    store = net.write()
    assert run(store).no_path.code == "candidate_isolated"
    net.knows("c", "e")
    net.write()
    assert paths_of(run(store)) == [["c", "e"]]


def through_durand(net: Net, status: str = "candidate") -> EmbeddedStore:
    """c knows h (M. Durand) who knows e, at Thales (E)."""
    net.person("c", status=status)
    net.person("h", "Durand")
    net.person("e", "Petit")
    net.employer("E", "Thales")
    net.works("e", "E")
    net.chain("c", "h", "e")
    return net.write()


def test_explanations_follow_the_store_version(net):
    """A rename or a deletion is seen by the next query."""
    store = through_durand(net)
    assert run(store).paths[0].intermediaries[0].name == "M. Durand"
    store.upsert_nodes([Person(id="h", first_name="Prénom", last_name="Leroy", civility="M.",
                               status="helper", consent_introducer=True)])  # fmt: skip
    assert run(store).paths[0].intermediaries[0].name == "M. Leroy"
    store.delete_person("h")
    assert run(store).paths == ()


def test_a_repeated_query_reads_no_record_and_says_the_same(net):
    """What explanations read is kept with the search index (``Kept``): asked again, the
    same query reads nothing from the store and gives the same answer, notes, capacity
    warnings, mentoring and employment dates included."""
    net.person("c", "Martin", status="neither")
    net.person("busy", "Durand", capacity=0)
    net.person("free", "Petit")
    net.person("e", "Leroy")
    net.employer("E", "Thales")
    net.rels.append(WorksAt(src="e", dst="E", since=date(2019, 3, 1)))
    net.chain("c", "busy", "e")
    net.rels.append(Mentors(src="free", dst="c", since=date(2015, 1, 1)))
    net.knows("free", "e", strength=0.5, source="promotion", context="Saint-Cyr 2004")
    store = net.write()
    reads: list[str] = []
    get_many, get_relationship = store.get_many, store.get_relationship
    store.get_many = lambda ids: reads.extend(ids) or get_many(ids)  # type: ignore[method-assign]
    store.get_relationship = lambda t, a, b: reads.append(f"{a}-{b}") or get_relationship(t, a, b)  # type: ignore[method-assign]
    first = run(store, k=2)
    assert reads and len(first.paths) == 2
    text = " ".join(r for p in first.paths for r in p.reasons)
    assert "capacité mensuelle" in text and "depuis 2019" in text
    assert "parraine" in text and "depuis 2015" in text and "Saint-Cyr 2004" in text
    assert any("n'est pas enregistré comme candidat" in n for n in first.notes)
    reads.clear()
    # k=3 is another query (the kept answer of k=2 is not used) over the same kept facts
    again = run(store, k=3)
    assert again.paths == first.paths and again.notes == first.notes
    # the capacity warning reads the helper's record (its load): nothing else is read
    assert reads == ["busy"]


def test_an_answer_is_kept_for_its_version_only(net):
    """The same query at the same version is answered from memory (a référent asking for
    the introduction of the path just shown); after a write it is searched again."""
    store = through_durand(net)
    first = run(store)
    reads: list[str] = []
    get_many = store.get_many
    store.get_many = lambda ids: reads.extend(ids) or get_many(ids)  # type: ignore[method-assign]
    assert run(store) is first and reads == []
    assert run(store, k=2) is not first  # another policy, another answer
    store.upsert_nodes([Person(id="h", first_name="Prénom", last_name="Leroy", civility="M.",
                               status="helper", consent_introducer=True)])  # fmt: skip
    renamed = run(store)
    assert renamed.version > first.version
    assert renamed.paths[0].intermediaries[0].name == "M. Leroy"
    assert first.paths[0].intermediaries[0].name == "M. Durand"


def test_kept_facts_are_bounded():
    from graph.paths.explain import Kept

    kept = Kept(size=2)
    for i in range(5):
        kept.keep(kept.ties, i, ("knows", 2020, "unit", ""))
        assert len(kept.ties) <= 2
    assert 4 in kept.ties


def test_a_record_read_alone_keeps_its_person_facts(net):
    """Reading a person's record outside a path's batch (a capacity warning) keeps their
    facts too: the next explanation names them without reading again."""
    from graph.paths import engine
    from graph.paths.explain import Explainer
    from graph.paths.service import StoreRecords, path_index

    net.person("c", status="candidate")
    net.person("h", "Durand")
    store = net.write()
    index = path_index(store)
    c, h = index.view.nid("c"), index.view.nid("h")
    explainer = Explainer(index, StoreRecords(store), c, engine.person_target(index, h), AS_OF)
    assert explainer.node(h).last_name == "Durand"
    assert explainer.kept.people[h][:3] == ("h", "M. Durand", True)
    assert explainer.person(h).name == "M. Durand"


def test_people_are_named_even_when_their_kept_facts_are_dropped(net):
    """A kind of kept facts starts afresh past its bound (maybe in another query's
    thread): explanations then fall back to the records, and say the same."""
    from graph.paths import engine
    from graph.paths.explain import Explainer, Kept
    from graph.paths.service import StoreRecords, path_index
    from graph.view import day_number

    store = through_durand(net, status="neither")
    expected = run(store)
    index = path_index(store)
    day = day_number(AS_OF)
    target = engine.employer_target(index, index.view.nid("E"), day)
    c = index.view.nid("c")
    outcome = engine.find(index, c, target, PathPolicy(), day)
    explainer = Explainer(index, StoreRecords(store), c, target, AS_OF, kept=Kept(size=1))
    path = explainer.path(outcome.paths[0], 1)
    assert path == expected.paths[0]
    assert explainer.notes() == expected.notes and expected.notes


def test_index_builds_run_one_at_a_time_each_following_the_last(net, monkeypatch):
    """Under a stream of writes, indexes of successive versions asked for at once are
    built one after the other, each following the index just built (never two copies of
    the arrays at once, never a fresh build)."""
    import threading
    import time

    from graph.paths import service
    from graph.paths.index import PathIndex

    store = through_durand(net)
    run(store)  # the index of this version is built
    views = []
    for i in range(4):
        store.upsert_nodes([Person(id=f"x{i}", first_name="P", last_name=f"X{i}", civility="M.")])
        views.append(store.view())
    busy, most, fresh = [0], [0], []
    updated = PathIndex.updated

    def slow_updated(self, *args, **kwargs):
        busy[0] += 1
        most[0] = max(most[0], busy[0])
        time.sleep(0.05)
        try:
            return updated(self, *args, **kwargs)
        finally:
            busy[0] -= 1

    init = PathIndex.__init__
    monkeypatch.setattr(PathIndex, "updated", slow_updated)
    monkeypatch.setattr(
        PathIndex, "__init__", lambda self, *a, **k: fresh.append(1) or init(self, *a, **k)
    )
    threads = [threading.Thread(target=service.path_index, args=(store, v)) for v in views]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 1 and fresh == []
    assert all(service.index_ready(store, v) for v in views[-2:])


def test_a_query_may_take_a_newer_version_never_an_older_one(net):
    from graph.paths import service

    store = through_durand(net)
    old = store.view()
    store.upsert_nodes([Person(id="h", first_name="Prénom", last_name="Leroy", civility="M.",
                               status="helper", consent_introducer=True)])  # fmt: skip
    # not built yet: the newest version is built instead of the one asked
    assert service.path_index(store, old, newest=True).version == store.version
    assert service.path_index(store, old).version == old.version  # exactly the one asked
    assert run(store).paths[0].intermediaries[0].name == "M. Leroy"
