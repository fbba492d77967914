"""French explanations of referral paths, for a référent.

The engine returns node numbers; this module turns them into sentences using only a
:class:`Records` lookup (node ids → records, one relationship by its key), so the engine
stays pure and the store is asked only for the handful of records a result shows.

* People are named as a référent would address them: "Capitaine (R) Durand" from
  ``grade``, ``career`` (reserve → "(R)", retired → "(ER)") and ``last_name``; "M." or
  "Mme" and the last name for civilians and people without a grade; first and last name
  when the civility is unknown.
* Only people who agreed to be seen are named: the candidate, the person asked for,
  intermediaries (who always consented) and contacts who consented to be introducers or
  to be listed (:func:`graph.access.visibility.may_be_named`). Anyone else is "une
  personne (nom non communiqué)".
* Contact details (``email``, ``phone``) are never read.
* A tie: "A et B se connaissent : même promotion (Saint-Cyr 2004), lien confirmé en 2025"
  (source phrases: promotion, unit, event, linkedin, mentoring, declared); a référent hop
  names the groupement; a bridge names the convention or local charter and its dates; the
  last line says why the contact is at the target ("travaille chez Thales (Bordeaux)
  depuis 2019").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Protocol, cast

import numpy as np

from graph.access.visibility import may_be_named
from graph.model import (
    Association,
    BassinEmploi,
    Career,
    Employer,
    GradeCategory,
    Groupement,
    JobOffer,
    Knows,
    Mentors,
    NodeRecord,
    OfferStatus,
    PartnerOf,
    Person,
    PersonStatus,
    RelRecord,
    RelType,
    Sector,
    TieSource,
    WorksAt,
)
from graph.paths import engine
from graph.paths.engine import RawAlternative, RawHop, RawPath, TargetSet
from graph.paths.index import BRIDGE, HOP_KINDS, KNOWS, MENTORS, REFERENT, VIA_CHARTER, PathIndex
from graph.paths.policy import COST_SCALE
from graph.paths.results import Alternative, Hop, NoPath, Path, PersonRef, TargetRef
from graph.wording import de

UNNAMED = "une personne (nom non communiqué)"
_SOURCE_PHRASE = {
    TieSource.PROMOTION: "même promotion",
    TieSource.UNIT: "même unité",
    TieSource.EVENT: "rencontrés lors d'un événement",
    TieSource.LINKEDIN: "en relation sur LinkedIn",
    TieSource.MENTORING: "parrainage",
    TieSource.DECLARED: "se connaissent (déclaré)",
}
_CAREER_SUFFIX: dict[Career | None, str] = {Career.RESERVE: " (R)", Career.RETIRED: " (ER)"}
_WITH_CONTEXT = {TieSource.PROMOTION, TieSource.UNIT, TieSource.EVENT, TieSource.MENTORING}


class Records(Protocol):
    """How explanations read the few records they show."""

    def nodes(self, ids: Sequence[str]) -> Mapping[str, NodeRecord]: ...

    def rel(self, rel_type: RelType, src: str, dst: str) -> RelRecord | None: ...


class Kept:
    """What explanations read, kept for one search index (one store version).

    The same people, employers and ties come back query after query, and reading a
    record (a store read and a pydantic validation) cost a quarter of a query. Kept here:
    each person's id, display name and whether they may be named; each tie's and
    employment's dates and source; the records of places (employers, bassins, groupements,
    associations, sectors, offers: few, shared by many queries). People and ties are kept
    as tuples of strings and numbers, which the garbage collector does not walk: keeping
    their records instead made full collections walk 100,000 more objects (115 ms pauses
    under load). The lookup lives and dies with its index: a write (a new version) starts
    afresh, and a renamed or deleted person is seen at once. Past ``size`` entries of a
    kind, that kind starts afresh.
    """

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        #: person nid -> (id, display name, consented to be named, status)
        self.people: dict[int, tuple[str, str, bool, str]] = {}
        #: place nid -> its record
        self.places: dict[int, NodeRecord] = {}
        #: tie number -> (type, year or 0, source or "", context or "")
        self.ties: dict[int, tuple[str, int, str, str]] = {}
        #: (person nid, employer nid) -> year employment began, 0 if unknown, -1 no record
        self.works: dict[tuple[int, int], int] = {}

    def keep(self, kept: dict[Any, Any], key: Any, value: Any) -> None:
        if len(kept) >= self.size:
            kept.clear()
        kept[key] = value


def _person_facts(person: Person) -> tuple[str, str, bool, str]:
    """What :class:`Kept` keeps of a person."""
    return (person.id, display_name(person), may_be_named(person), person.status.value)


def display_name(person: NodeRecord | None) -> str:
    """How a référent names someone.

    >>> display_name(Person(id="p-1", first_name="Jean", last_name="Durand", grade="Capitaine",
    ...                     grade_category="officer", career="reserve"))
    'Capitaine (R) Durand'
    >>> display_name(Person(id="p-2", first_name="Anne", last_name="Leroy", civility="Mme"))
    'Mme Leroy'
    """
    if not isinstance(person, Person):
        return UNNAMED
    if person.grade and person.grade_category != GradeCategory.CIVILIAN:
        suffix = _CAREER_SUFFIX.get(person.career, "")
        return f"{person.grade}{suffix} {person.last_name}"
    if person.civility is not None:
        return f"{person.civility.value} {person.last_name}"
    return f"{person.first_name} {person.last_name}"


def french_date(d: date) -> str:
    """A date as the French write it.

    >>> french_date(date(2014, 11, 13))
    '13/11/2014'
    """
    return d.strftime("%d/%m/%Y")


def place_name(employer: NodeRecord | None, bassin: NodeRecord | None) -> str:
    """The employer and its bassin d'emploi.

    >>> bordeaux = BassinEmploi(id="ze", code="ZE-33-1", name="Bordeaux")
    >>> place_name(Employer(id="e", name="Thales"), bordeaux)
    'Thales (Bordeaux)'
    >>> place_name(Employer(id="e", name="Thales (Bordeaux)"), bordeaux)
    'Thales (Bordeaux)'
    """
    name = employer.name if isinstance(employer, Employer) else "employeur inconnu"
    # A site's name often names its town already: "Securitas (Marseille)".
    if isinstance(bassin, BassinEmploi) and bassin.name not in name:
        return f"{name} ({bassin.name})"
    return name


class Explainer:
    """Turns raw paths of one query into :class:`~graph.paths.results.Path` objects."""

    def __init__(
        self,
        index: PathIndex,
        records: Records,
        candidate: int,
        target: TargetSet,
        as_of: date,
        named: frozenset[int] = frozenset(),
        kept: Kept | None = None,
    ) -> None:
        self.index = index
        self.records = records
        self.kept = Kept() if kept is None else kept
        self.candidate = candidate
        self.target = target
        self.as_of = as_of
        self.ids = index.view.ids
        #: ids of the nodes a result shows: on a path or a target, never a free slot
        self._live_ids = cast("Sequence[str]", self.ids)
        self._named = set(named) | {candidate}
        if target.kind == "person":
            self._named.add(target.node)
        self._cache: dict[str, NodeRecord] = {}

    # ------------------------------------------------------------------ records

    def load(self, nids: Sequence[int]) -> None:
        """Fetch the records of ``nids`` not kept yet (see :class:`Kept`) in one go."""
        kept, is_person = self.kept, self.index.is_person
        self._fetch(
            {
                node_id: n
                for n in nids
                if n >= 0
                and (node_id := self.ids[n]) is not None
                and node_id not in self._cache
                and (n not in kept.people if is_person[n] else n not in kept.places)
            }
        )

    def _fetch(self, wanted: dict[str, int]) -> None:
        """Read the records of ``wanted`` (node id → nid) and keep what they show."""
        if not wanted:
            return
        kept = self.kept
        found = self.records.nodes(list(wanted))
        self._cache.update(found)
        for node_id, record in found.items():
            nid = wanted[node_id]
            if isinstance(record, Person):
                kept.keep(kept.people, nid, _person_facts(record))
            elif not self.index.is_person[nid]:
                kept.keep(kept.places, nid, record)

    def node(self, nid: int) -> NodeRecord | None:
        if nid < 0:
            return None
        place = self.kept.places.get(nid)
        if place is not None:
            return place
        node_id = self.ids[nid]
        if node_id is None:
            return None
        if node_id not in self._cache:
            # a kept person's facts are not a record: read it (capacity warnings only)
            self._fetch({node_id: nid})
        return self._cache.get(node_id)

    def person_facts(self, nid: int) -> tuple[str, str, bool, str] | None:
        """What :class:`Kept` keeps of person ``nid`` (None if not a person)."""
        facts = self.kept.people.get(nid) if nid >= 0 else None
        if facts is None:
            # not kept (yet, or no longer: another query may have started the kind afresh)
            record = self.node(nid)
            facts = _person_facts(record) if isinstance(record, Person) else None
        return facts

    def person(self, nid: int) -> PersonRef:
        facts = self.person_facts(nid)
        if facts is not None and (nid in self._named or facts[2]):
            return PersonRef(facts[0], facts[1])
        return PersonRef(None, UNNAMED)

    def place(self, employer: int) -> str:
        return place_name(self.node(employer), self.node(int(self.index.bassin_of[employer])))

    # ------------------------------------------------------------------ paths

    def path(self, raw: RawPath, rank: int) -> Path:
        nodes = list(raw.nodes)
        extra = [int(self.index.bassin_of[raw.contact_via])] if raw.contact_via >= 0 else []
        extra += [h.groupement for h in raw.hops] + [h.anchor for h in raw.hops]
        self.load(nodes + extra + [max(raw.contact_via, -1), self.target.node])
        people = [self.person(n) for n in nodes]
        hops = tuple(self.hop(h, people[i], people[i + 1]) for i, h in enumerate(raw.hops))
        contact_reason = self.contact_reason(raw.contact, people[-1])
        warnings = []
        for nid in raw.over_capacity:
            record = self.node(nid)
            if isinstance(record, Person):
                warnings.append(
                    f"{self.person(nid).name} a atteint sa capacité mensuelle "
                    f"({record.monthly_load}/{record.capacity} mises en relation) : "
                    "à ne solliciter que faute d'autre chemin"
                )
        if raw.shared:
            names = ", ".join(self.person(n).name for n in raw.shared)
            warnings.append(f"partage un intermédiaire avec un autre chemin proposé : {names}")
        return Path(
            rank=rank,
            cost=raw.cost / COST_SCALE,
            intermediaries=tuple(people[1:-1]),
            contact=people[-1],
            hops=hops,
            contact_reason=contact_reason,
            over_capacity=tuple(p.id for n in raw.over_capacity if (p := self.person(n)).id),
            shares_intermediaries=tuple(p.id for n in raw.shared if (p := self.person(n)).id),
            reasons=(*(h.explanation for h in hops), contact_reason, *warnings),
        )

    def hop(self, raw: RawHop, a: PersonRef, b: PersonRef) -> Hop:
        if raw.kind in (KNOWS, MENTORS):
            text = self.tie_sentence(raw, a, b)
        elif raw.kind == REFERENT:
            text = self.referent_sentence(raw, a, b)
        elif raw.kind == BRIDGE:
            text = self.bridge_sentence(raw, a, b)
        else:  # pragma: no cover - the engine makes no other kind
            text = f"{a.name} et {b.name} sont liés"
        return Hop(a.id, b.id, HOP_KINDS[raw.kind], raw.cost / COST_SCALE, text)

    def tie_facts(self, tie: int) -> tuple[str, int, str, str]:
        """(``mentors``, year since, "", "") or (``knows``, year confirmed, source,
        context), 0 for no year, "" for none; ("", 0, "", "") without a record."""
        facts = self.kept.ties.get(tie)
        if facts is None:
            rel_type, src, dst = self.index.tie_of(tie)
            record = self.records.rel(rel_type, self._live_ids[src], self._live_ids[dst])
            if isinstance(record, Mentors):
                facts = ("mentors", record.since.year if record.since else 0, "", "")
            elif isinstance(record, Knows):
                year = record.confirmed_at.year if record.confirmed_at else 0
                facts = ("knows", year, record.source.value, record.context or "")
            else:
                facts = ("", 0, "", "")
            self.kept.keep(self.kept.ties, tie, facts)
        return facts

    def tie_sentence(self, raw: RawHop, a: PersonRef, b: PersonRef) -> str:
        kind, year, source_value, context = self.tie_facts(raw.tie)
        if kind == "mentors":
            # MENTORS points from the sponsor to the person sponsored.
            _, src, _ = self.index.tie_of(raw.tie)
            sponsor, mentee = (a, b) if src == raw.src else (b, a)
            since = f" depuis {year}" if year else ""
            return (
                f"{a.name} et {b.name} se connaissent : parrainage ({sponsor.name} parraine "
                f"{mentee.name}{since})"
            )
        if kind != "knows":
            return f"{a.name} et {b.name} se connaissent"
        confirmed = f"lien confirmé en {year}" if year else "lien jamais confirmé"
        source = TieSource(source_value)
        if source == TieSource.DECLARED:
            said = f" : {context}" if context else ""
            return f"{a.name} et {b.name} se connaissent (déclaré{said}), {confirmed}"
        phrase = _SOURCE_PHRASE[source]
        if context and source in _WITH_CONTEXT:
            phrase = f"{phrase} ({context})"
        return f"{a.name} et {b.name} se connaissent : {phrase}, {confirmed}"

    def referent_sentence(self, raw: RawHop, a: PersonRef, b: PersonRef) -> str:
        group = self.node(raw.groupement)
        name = group.name if isinstance(group, Groupement) else "son groupement"
        return (
            f"{b.name} est référent reconversion {de(name)}, "
            f"groupement auquel est rattaché {a.name}"
        )

    def bridge_sentence(self, raw: RawHop, a: PersonRef, b: PersonRef) -> str:
        partner_rel = self.index.view.rel(RelType.PARTNER_OF)
        src, dst = int(partner_rel.src[raw.partner]), int(partner_rel.dst[raw.partner])
        record = self.records.rel(RelType.PARTNER_OF, self._live_ids[src], self._live_ids[dst])
        group = self.node(raw.groupement)
        group_name = group.name if isinstance(group, Groupement) else "son groupement"
        anchor = self.node(raw.anchor)
        candidate = self.person(self.candidate).name
        if isinstance(record, PartnerOf):
            label = f" « {record.name} »" if record.name else ""
            until = (
                f", valable jusqu'au {french_date(record.expires)}"
                if record.expires
                else ", sans échéance"
            )
            agreement = f"{label} signée le {french_date(record.signed)}{until}"
        else:
            agreement = ""
        if raw.via == VIA_CHARTER:
            anchor_name = (
                anchor.name if isinstance(anchor, Groupement) else "une délégation partenaire"
            )
            why = (
                f"{b.name} est rattaché à {anchor_name}, liée à {group_name} par la charte locale"
                f"{agreement}"
            )
        else:
            anchor_name = (
                anchor.short_name
                if isinstance(anchor, Association)
                else "une association partenaire"
            )
            own = self.node(int(self.index.groupement_association[raw.groupement]))
            own_name = own.short_name if isinstance(own, Association) else group_name
            why = (
                f"{b.name} est membre {de(anchor_name)}, partenaire {de(own_name)} "
                f"par la convention{agreement}"
            )
        return (
            f"{a.name}, référent {de(group_name)}, peut présenter {candidate} à {b.name} : {why} ; "
            f"même territoire que {group_name} (en vigueur au {french_date(self.as_of)})"
        )

    def contact_reason(self, contact: int, who: PersonRef) -> str:
        target = self.target
        via = target.via_of(contact)
        if target.kind == "person":
            return f"{who.name} est la personne recherchée"
        if via == engine.VIA_REPORTER:
            offer = self.node(target.node)
            title = f" « {offer.title} »" if isinstance(offer, JobOffer) else ""
            employers = self.index.employer_of_offer(target.node)
            at = f" chez {self.place(int(employers[0]))}" if len(employers) else ""
            return f"{who.name} a signalé l'offre{title}{at}"
        year = self.kept.works.get((contact, via))
        if year is None:
            ids = self._live_ids
            record = self.records.rel(RelType.WORKS_AT, ids[contact], ids[via])
            year = (record.since.year if record.since else 0) if isinstance(record, WorksAt) else -1
            self.kept.keep(self.kept.works, (contact, via), year)
        since = f" depuis {year}" if year > 0 else ""
        return f"{who.name} travaille chez {self.place(via)}{since}"

    # ------------------------------------------------------------------ target and no path

    def target_ref(self) -> TargetRef:
        t = self.target
        if t.kind == "person":
            return TargetRef("person", self.ids[t.node], self.person(t.node).name)
        if t.kind == "employer":
            return TargetRef("employer", self.ids[t.node], self.place(t.node))
        if t.kind == "offer":
            offer = self.node(t.node)
            title = offer.title if isinstance(offer, JobOffer) else self.ids[t.node]
            at = (
                f" ({', '.join(self.place(int(e)) for e in t.employers)})"
                if len(t.employers)
                else ""
            )
            return TargetRef("offer", self.ids[t.node], f"l'offre « {title} »{at}")
        sector, bassin = self.node(t.sector), self.node(t.bassin)
        s_name = sector.name if isinstance(sector, Sector) else self.ids[t.sector]
        b_name = bassin.name if isinstance(bassin, BassinEmploi) else self.ids[t.bassin]
        return TargetRef(
            "set",
            None,
            f"les employeurs du secteur {s_name} dans le bassin {de(b_name or '')}",
            sector=self.ids[t.sector],
            bassin=self.ids[t.bassin],
        )

    def no_path(self, code: str, facts: Mapping[str, int]) -> NoPath:
        t = self.target
        label = self.target_ref().label
        candidate = self.person(self.candidate).name
        n = facts.get("max_intermediaries", 3)
        if code == engine.NO_TARGET_PEOPLE:
            former = facts.get("former_employees", 0)
            left = ""
            if former == 1:
                left = " (1 ancien salarié, parti, ne compte pas)"
            elif former > 1:
                left = f" ({former} anciens salariés, partis, ne comptent pas)"
            if t.kind == "set" and len(t.employers) == 0:
                message = f"Aucun employeur dans le réseau pour {label}"
            elif t.kind == "offer":
                message = (
                    f"Personne n'a signalé {label} et aucun salarié actuel de son employeur "
                    f"n'est dans le réseau{left}"
                )
            else:
                message = f"Aucun salarié actuel {de(label)} dans le réseau{left}"
        elif code == engine.CANDIDATE_ISOLATED:
            message = (
                f"{candidate} n'a encore aucun lien dans le réseau (ni relation déclarée, "
                "ni référent de groupement) : commencer par enregistrer ses relations"
            )
        elif code == engine.NO_CONSENTING_CONTACT:
            count = facts.get("target_people", 0)
            message = (
                f"Aucune des {count} personnes {de(label)} présentes dans le réseau n'a accepté "
                "d'être sollicitée pour une mise en relation"
            )
        elif code == engine.NO_CONSENTING_INTERMEDIARY:
            message = (
                f"Aucun chemin vers {label} par des intermédiaires consentants en au plus {n} "
                "intermédiaire"
                + ("s" if n > 1 else "")
                + " : les seuls liens passent par des personnes qui n'ont pas donné leur accord"
            )
        else:
            message = f"Personne ne relie {candidate} à {label} en au plus {n} intermédiaire" + (
                "s" if n > 1 else ""
            )
        return NoPath(code, message)

    def alternative(self, raw: RawAlternative) -> Alternative:
        # The alternative's path ends at one of its employees: explain it against that employer.
        target = TargetSet(
            "employer",
            raw.employer,
            np.array([raw.path.contact]),
            np.array([raw.employer]),
            np.array([raw.employer]),
        )
        explainer = Explainer(
            self.index, self.records, self.candidate, target, self.as_of, kept=self.kept
        )
        explainer._cache = self._cache
        employer_id = self.ids[raw.employer] or ""
        return Alternative(employer_id, explainer.place(raw.employer), explainer.path(raw.path, 1))

    def notes(self) -> tuple[str, ...]:
        out = []
        facts = self.person_facts(self.candidate)
        if facts is not None and facts[3] not in (PersonStatus.CANDIDATE, PersonStatus.BOTH):
            out.append(
                f"{facts[1]} n'est pas enregistré comme candidat (statut : "
                f"{facts[3]}) : la recherche est faite quand même"
            )
        if self.target.kind == "offer":
            offer = self.node(self.target.node)
            if isinstance(offer, JobOffer) and offer.status != OfferStatus.OPEN:
                state = "pourvue" if offer.status == OfferStatus.FILLED else "fermée"
                out.append(f"L'offre « {offer.title} » est {state}")
        return tuple(out)
