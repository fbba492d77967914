"""A member's full record, for the rights of access and portability (GDPR art. 15, 20).

:func:`person_record` gathers, through the store port only (so both stores give the same
record): the person's properties (contact details included: the record goes to the
person, through the admin or their référent), their consents, and every relationship
attached to them, sorted into sections (memberships, ties, targets, employments, places,
offers reported), plus the audit entries that name them.

Decisions:

* **Other people are given by id only**: a tie names the other person's id and the tie's
  own properties, never the other person's name; that is the other person's data. An
  audit entry that named others too (a list, a path) is given with this person only.
* Consents are every ``consent_*`` property of the person (with their ``*_at`` dates when
  the model has them), so a new purpose is exported without touching this module.
* A relationship type not listed in :data:`SECTIONS` lands in ``other``: a new type of
  relationship is exported, never silently left out.
* Sections are lists of flat dicts (``type``, ``other_id``, ``other_kind``,
  ``direction``, then the relationship's properties), which is what the CSV export needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from graph.audit import AuditEntry
from graph.errors import NotFound
from graph.model import Label, Person, RelType
from graph.store import GraphStore

#: where each relationship type of a person goes in the record
SECTIONS: dict[RelType, str] = {
    RelType.MEMBER_OF: "memberships",
    RelType.IN_GROUPEMENT: "memberships",
    RelType.REFERENT_OF: "memberships",
    RelType.KNOWS: "ties",
    RelType.MENTORS: "ties",
    RelType.TARGETS: "targets",
    RelType.WORKS_AT: "employments",
    RelType.LIVES_IN: "places",
    RelType.SETTLES_IN: "places",
    RelType.REPORTED: "offers_reported",
}
SECTION_ORDER = (
    "memberships", "ties", "targets", "employments", "places", "offers_reported", "other",
)  # fmt: skip


@dataclass(frozen=True)
class PersonRecord:
    """Everything stored about one person; :meth:`to_dict` is the JSON export."""

    person: dict[str, Any]
    consents: dict[str, Any]
    sections: dict[str, list[dict[str, Any]]]
    audit: list[dict[str, Any]] = field(default_factory=list)

    @property
    def person_id(self) -> str:
        return str(self.person["id"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "consents": self.consents,
            **{name: self.sections.get(name, []) for name in SECTION_ORDER},
            "audit": self.audit,
        }


def person_record(
    store: GraphStore, person_id: str, audit: Iterable[AuditEntry] = (), field: str = "person_id"
) -> PersonRecord:
    """The record of ``person_id``; :class:`NotFound` (naming ``field``) when no person
    has that id.

    >>> import tempfile
    >>> from graph.embedded import EmbeddedStore
    >>> from graph.model import Knows
    >>> with tempfile.TemporaryDirectory() as tmp, EmbeddedStore(tmp) as store:
    ...     _ = store.upsert_nodes([Person(id="p-1", first_name="Anne", last_name="Leroy"),
    ...                             Person(id="p-2", first_name="Paul", last_name="Martin")])
    ...     _ = store.upsert_relationships([Knows(src="p-1", dst="p-2", strength=0.5,
    ...                                           source="unit")])
    ...     record = person_record(store, "p-2")
    >>> record.sections["ties"][0]["other_id"], "Leroy" in str(record.to_dict())
    ('p-1', False)
    """
    person = store.get(person_id)
    if not isinstance(person, Person):
        raise NotFound(Label.PERSON.value, person_id, field)
    data = person.model_dump(mode="json")
    consents = {k: v for k, v in data.items() if k.startswith("consent_")}
    rels = store.relationships(person_id)
    others = store.get_many(sorted({r.dst if r.src == person_id else r.src for r in rels}))
    sections: dict[str, list[dict[str, Any]]] = {}
    for rel in rels:
        outgoing = rel.src == person_id
        other = rel.dst if outgoing else rel.src
        other_record = others.get(other)
        row = {
            "type": rel.type.value,
            "other_id": other,
            "other_kind": other_record.label.value if other_record is not None else None,
            "direction": "both" if rel.UNDIRECTED else ("out" if outgoing else "in"),
            **rel.props(),
        }
        sections.setdefault(SECTIONS.get(rel.type, "other"), []).append(row)
    for rows in sections.values():
        rows.sort(key=lambda r: (r["type"], r["other_id"], r["direction"]))
    # an entry may name other people too (a list, a path): only this person is given
    entries = [{**e.to_dict(), "person_ids": [person_id]} for e in audit]
    return PersonRecord(data, consents, sections, entries)
