"""The relationship kinds a user edits, each with what anchors it and what it links to.

A **kind** is a relationship type seen from the node that owns it (its *anchor*): a
person's ties, mentors, employments, targets, home, lieux de repli, groupements and
associations; a groupement's référents and charters; an association's conventions. The
entry points name kinds, never raw types: ``/members/{id}/employments`` is
:attr:`Kind.EMPLOYMENT` anchored on the person.

>>> SPECS[Kind.MENTOR].record_ends("p-mentee", "p-mentor")
('p-mentor', 'p-mentee')
>>> SPECS[Kind.EMPLOYMENT].other_field
'employer_id'

Decisions:

* One table (:data:`SPECS`) says, per kind, the type, which end is the anchor, the
  labels the other end may have, the name of the field that gives it (so every error
  names the field a caller typed) and whether it is deleted or ended. The service, the
  API, the CLI and the dashboard all read it.
* ``MENTORS`` is anchored on the **mentee** (``/members/{id}/mentors``): a référent
  records who sponsors their candidate; the mentor is the other end.
* ``REFERENT_OF`` is anchored on the groupement (``/groupements/{id}/referents``),
  ``PARTNER_OF`` on either party: a charter links two groupements, a convention two
  associations (the model allows either pair; mixed pairs are not edited here).
* ``WORKS_AT`` is **ended** (``until``), never deleted: a past employment is how a
  helper still knows people there, and how the national cell counts placements.
* ``LIVES_IN`` is a person's one current home: a second one is refused until the first
  is removed (a lieu de repli, ``SETTLES_IN``, may have several candidates).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from graph.model import REL_MODELS, Label, RelType


class Kind(StrEnum):
    TIE = "tie"
    MENTOR = "mentor"
    EMPLOYMENT = "employment"
    TARGET = "target"
    HOME = "home"
    SETTLEMENT = "settlement"
    GROUPEMENT = "groupement"
    ASSOCIATION = "association"
    REFERENT = "referent"
    CHARTER = "charter"
    CONVENTION = "convention"


@dataclass(frozen=True)
class KindSpec:
    kind: Kind
    rel_type: RelType
    #: the label of the node that owns the relationship
    anchor: Label
    #: the labels the other end may have
    others: frozenset[Label]
    #: the field naming the anchor (a path parameter) and the other end (a body field)
    anchor_field: str
    other_field: str
    #: True when the anchor is the relationship's ``src`` (else its ``dst``)
    anchor_is_src: bool = True
    #: ended with ``until`` rather than deleted
    ended: bool = False
    #: at most one per anchor
    single: bool = False
    #: French name of one relationship of the kind, for messages
    name_fr: str = ""

    @property
    def organisation(self) -> bool:
        """Anchored on an organisation (read and written with the organisations rights)."""
        return self.anchor is not Label.PERSON

    @property
    def properties(self) -> tuple[str, ...]:
        """The properties a caller may give (the record's fields but its ends)."""
        fields = REL_MODELS[self.rel_type].model_fields
        return tuple(f for f in fields if f not in ("src", "dst"))

    def record_ends(self, anchor_id: str, other_id: str) -> tuple[str, str]:
        """``(src, dst)`` of the relationship between the anchor and the other end."""
        return (anchor_id, other_id) if self.anchor_is_src else (other_id, anchor_id)

    def other_end(self, src: str, dst: str, anchor_id: str) -> str:
        """The end of ``(src, dst)`` that is not the anchor (undirected types either way)."""
        if REL_MODELS[self.rel_type].UNDIRECTED:
            return dst if src == anchor_id else src
        return dst if self.anchor_is_src else src


_P = Label.PERSON
SPECS: dict[Kind, KindSpec] = {
    s.kind: s
    for s in (
        KindSpec(Kind.TIE, RelType.KNOWS, _P, frozenset({_P}), "person_id", "other_id",
                 name_fr="lien"),
        KindSpec(Kind.MENTOR, RelType.MENTORS, _P, frozenset({_P}), "person_id", "mentor_id",
                 anchor_is_src=False, name_fr="parrainage"),
        KindSpec(Kind.EMPLOYMENT, RelType.WORKS_AT, _P, frozenset({Label.EMPLOYER}),
                 "person_id", "employer_id", ended=True, name_fr="emploi"),
        KindSpec(Kind.TARGET, RelType.TARGETS, _P,
                 frozenset({Label.BASSIN_EMPLOI, Label.SECTOR}), "person_id", "target_id",
                 name_fr="cible"),
        KindSpec(Kind.HOME, RelType.LIVES_IN, _P, frozenset({Label.DEPARTEMENT}),
                 "person_id", "departement_id", single=True, name_fr="domicile"),
        KindSpec(Kind.SETTLEMENT, RelType.SETTLES_IN, _P, frozenset({Label.BASSIN_VIE}),
                 "person_id", "bassin_vie_id", name_fr="lieu de repli"),
        KindSpec(Kind.GROUPEMENT, RelType.IN_GROUPEMENT, _P, frozenset({Label.GROUPEMENT}),
                 "person_id", "groupement_id", name_fr="rattachement"),
        KindSpec(Kind.ASSOCIATION, RelType.MEMBER_OF, _P, frozenset({Label.ASSOCIATION}),
                 "person_id", "association_id", name_fr="adhésion"),
        KindSpec(Kind.REFERENT, RelType.REFERENT_OF, Label.GROUPEMENT, frozenset({_P}),
                 "groupement_id", "person_id", anchor_is_src=False, name_fr="référent"),
        KindSpec(Kind.CHARTER, RelType.PARTNER_OF, Label.GROUPEMENT,
                 frozenset({Label.GROUPEMENT}), "groupement_id", "partner_id",
                 name_fr="charte locale"),
        KindSpec(Kind.CONVENTION, RelType.PARTNER_OF, Label.ASSOCIATION,
                 frozenset({Label.ASSOCIATION}), "association_id", "partner_id",
                 name_fr="convention"),
    )
}  # fmt: skip


def parse_kind(value: str, field: str = "kind") -> Kind:
    """The :class:`Kind` named ``value``, or :class:`~graph.errors.InvalidInput`.

    >>> parse_kind("employment").value
    'employment'
    """
    from graph.errors import InvalidInput

    try:
        return Kind(value)
    except ValueError:
        allowed = ", ".join(k.value for k in Kind)
        raise InvalidInput(field, f"unknown kind {value!r} (expected one of {allowed})") from None
