"""Create, change, end or delete the relationships a user edits, under the access rules.

Every function takes the store, the caller (a :class:`~graph.access.roles.Principal`),
a :class:`~graph.relations.kinds.Kind` and plain values; it checks the caller's right
(:mod:`graph.access.relations`), then the ids, then the values, and only then writes
through the store's one-transaction API (``store.write`` / ``delete_relationship``), so
the next read (and the path index) sees the change. A write returns a :class:`Change`
naming the person ids it touched, for an audit line per call.

>>> import tempfile
>>> from graph.access.roles import Principal, Role
>>> from graph.embedded import EmbeddedStore
>>> from graph.model import Person
>>> admin = Principal("tok", Role.ADMIN)
>>> with tempfile.TemporaryDirectory() as tmp, EmbeddedStore(tmp) as store:
...     _ = store.upsert_nodes([Person(id="p-1", first_name="A", last_name="B"),
...                             Person(id="p-2", first_name="C", last_name="D")])
...     change = add(store, admin, Kind.TIE, "p-2", "p-1",
...                  {"strength": 0.8, "source": "unit"})
...     ties = [r.other_id for r in list_relations(store, admin, Kind.TIE, "p-1")]
>>> change.action, change.people, ties
('created', ('p-2', 'p-1'), ['p-2'])

Errors, in the order they are checked: :class:`AccessDenied` (the role may not do this
at all), :class:`NotFound` naming the anchor field (unknown anchor, or a person outside a
référent's groupements: the same error), :class:`InvalidInput` naming the other field
(unknown id, wrong label, the anchor itself, a person out of reach: the same message
for all but the anchor itself), :class:`AccessDenied` naming the field (a membership
outside the référent's groupements), :class:`InvalidInput` naming the property (a bad
value, dates in the wrong order), :class:`Conflict` (already there; a second home;
an employment ended twice), :class:`NotFound` (the relationship to change is absent).

Decisions:

* A create of a relationship already stored is a :class:`Conflict`, not a silent
  overwrite: the caller meant a new one; :func:`update` changes one. The check and the
  write are two steps (the store has no conditional write of a relationship), so two
  callers creating the same tie at once both succeed, and the second write replaces the
  first's properties: an upsert, harmless.
* :func:`update` merges the changes into the stored record and validates the whole
  record again (``until`` before ``since`` is refused even when only one is given).
* An employment is never deleted (:func:`remove` refuses it): :func:`end` sets
  ``until`` (today by default).
* The caller's view of the graph (``store.view()``) answers the scope and label
  questions: it is the snapshot the paths and coverage use, so what is checked is what
  a path would see.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from graph import places
from graph.access.relations import (
    check_membership,
    contact_in_reach,
    permission_for,
    require,
)
from graph.access.roles import Principal
from graph.access.scope import person_in_scope
from graph.errors import Conflict, InvalidInput, NotFound
from graph.model import Label, RelRecord, make_rel
from graph.relations.kinds import SPECS, Kind, KindSpec
from graph.store import Batch, Direction, GraphStore
from graph.view import LABEL_CODE, LABELS, GraphView

Action = Literal["created", "updated", "ended", "deleted"]


@dataclass(frozen=True)
class Relation:
    """One relationship as seen from its anchor."""

    kind: Kind
    anchor_id: str
    other_id: str
    #: the label of the other end
    other_label: Label
    record: RelRecord
    #: the other end's public code when it has one (a bassin, a sector: graph.places)
    other_code: str | None = None

    @property
    def props(self) -> dict[str, Any]:
        return self.record.props()

    def to_dict(self) -> dict[str, Any]:
        spec = SPECS[self.kind]
        return {
            spec.anchor_field: self.anchor_id,
            spec.other_field: self.other_code or self.other_id,
            "other_label": self.other_label.value,
            **self.props,
        }


@dataclass(frozen=True)
class Change:
    """What a write did, and the person ids it touched (for the audit log)."""

    action: Action
    relation: Relation
    people: tuple[str, ...]


# --------------------------------------------------------------------------- reads


def list_relations(
    store: GraphStore, principal: Principal, kind: Kind, anchor_id: str
) -> list[Relation]:
    """The ``kind`` relationships of ``anchor_id``, ordered by the other end's id."""
    spec = SPECS[kind]
    require(principal, permission_for(spec.organisation, write=False))
    view = store.view()
    _anchor(view, principal, spec, anchor_id)
    direction: Direction = "both" if _undirected(spec) else ("out" if spec.anchor_is_src else "in")
    out = []
    for record in store.relationships(anchor_id, spec.rel_type, direction):
        other = spec.other_end(record.src, record.dst, anchor_id)
        label = _label(view, other)
        if label is None or label not in spec.others:
            continue  # e.g. a PARTNER_OF between a groupement and an association
        out.append(_relation(store, kind, anchor_id, other, label, record))
    return sorted(out, key=lambda r: r.other_id)


def get_relation(
    store: GraphStore, principal: Principal, kind: Kind, anchor_id: str, other_id: str
) -> Relation:
    """One relationship, or :class:`NotFound` naming the other field."""
    spec = SPECS[kind]
    other_id = _given(store, spec, other_id)
    require(principal, permission_for(spec.organisation, write=False))
    view = store.view()
    _anchor(view, principal, spec, anchor_id)
    return _stored(store, view, spec, anchor_id, other_id)


# --------------------------------------------------------------------------- writes


def add(
    store: GraphStore,
    principal: Principal,
    kind: Kind,
    anchor_id: str,
    other_id: str,
    props: Mapping[str, Any] | None = None,
) -> Change:
    """Create a relationship between ``anchor_id`` and ``other_id`` with ``props``."""
    spec = SPECS[kind]
    other_id = _given(store, spec, other_id)
    view = _writable(store, principal, spec, anchor_id)
    label = _other(store, view, principal, spec, anchor_id, other_id)
    record = _record(spec, anchor_id, other_id, dict(props or {}))
    if store.get_relationship(spec.rel_type, record.src, record.dst) is not None:
        raise Conflict(spec.other_field, f"{other_id!r} is already linked; update it instead")
    if spec.single:
        current = [
            r.other_id
            for r in list_relations(store, principal, kind, anchor_id)
            if r.other_id != other_id
        ]
        if current:
            raise Conflict(spec.other_field, f"already set to {current[0]!r}; remove it first")
    store.write(Batch(rels=[record]))
    relation = _relation(store, kind, anchor_id, other_id, label, record)
    return _change("created", spec, view, relation)


def update(
    store: GraphStore,
    principal: Principal,
    kind: Kind,
    anchor_id: str,
    other_id: str,
    changes: Mapping[str, Any],
) -> Change:
    """Change some properties of a stored relationship; the record is validated whole."""
    spec = SPECS[kind]
    other_id = _given(store, spec, other_id)
    view = _writable(store, principal, spec, anchor_id)
    current = _stored(store, view, spec, anchor_id, other_id)
    _membership_rule(store, principal, spec, other_id, current.other_label)
    unknown = [k for k in changes if k not in spec.properties]
    if unknown:
        raise InvalidInput(unknown[0], "not a property of this relationship", changes[unknown[0]])
    merged = {**current.record.model_dump(exclude={"src", "dst"}), **changes}
    record = _record(spec, anchor_id, other_id, merged)
    store.write(Batch(rels=[record]))
    relation = _relation(store, kind, anchor_id, other_id, current.other_label, record)
    return _change("updated", spec, view, relation)


def end(
    store: GraphStore,
    principal: Principal,
    kind: Kind,
    anchor_id: str,
    other_id: str,
    until: date | None = None,
) -> Change:
    """End a relationship that is ended rather than deleted (an employment): set
    ``until`` (default today). Ending one already ended is a :class:`Conflict`."""
    spec = SPECS[kind]
    other_id = _given(store, spec, other_id)
    if not spec.ended:
        raise InvalidInput("kind", f"a {kind.value} is removed, not ended", kind.value)
    view = _writable(store, principal, spec, anchor_id)
    current = _stored(store, view, spec, anchor_id, other_id)
    if current.props.get("until") is not None:
        raise Conflict("until", f"already ended on {current.props['until']}")
    merged = {**current.record.model_dump(exclude={"src", "dst"}), "until": until or date.today()}
    record = _record(spec, anchor_id, other_id, merged)
    store.write(Batch(rels=[record]))
    relation = _relation(store, kind, anchor_id, other_id, current.other_label, record)
    return _change("ended", spec, view, relation)


def remove(
    store: GraphStore, principal: Principal, kind: Kind, anchor_id: str, other_id: str
) -> Change:
    """Delete a relationship (an employment is ended instead: :func:`end`)."""
    spec = SPECS[kind]
    other_id = _given(store, spec, other_id)
    if spec.ended:
        raise InvalidInput(
            spec.other_field, "an employment is not deleted: end it (until)", other_id
        )
    view = _writable(store, principal, spec, anchor_id)
    current = _stored(store, view, spec, anchor_id, other_id)
    _membership_rule(store, principal, spec, other_id, current.other_label)
    record = current.record
    if not store.delete_relationship(spec.rel_type, record.src, record.dst):
        raise NotFound(spec.name_fr or kind.value, other_id, spec.other_field)
    return _change("deleted", spec, view, current)


# --------------------------------------------------------------------------- steps


def _undirected(spec: KindSpec) -> bool:
    from graph.model import REL_MODELS

    return REL_MODELS[spec.rel_type].UNDIRECTED


def _label(view: GraphView, node_id: str) -> Label | None:
    nid = view.index.get(node_id)
    if nid is None or view.labels[nid] < 0:
        return None
    return LABELS[int(view.labels[nid])]


def _anchor(view: GraphView, principal: Principal, spec: KindSpec, anchor_id: str) -> None:
    """:class:`NotFound` naming the anchor field unless the caller may see the anchor."""
    if spec.anchor is Label.PERSON:
        person_in_scope(view, principal, anchor_id, spec.anchor_field)
        return
    nid = view.index.get(anchor_id)
    if nid is None or view.labels[nid] != LABEL_CODE[spec.anchor]:
        raise NotFound(spec.anchor.value, anchor_id, spec.anchor_field)


def _writable(store: GraphStore, principal: Principal, spec: KindSpec, anchor_id: str) -> GraphView:
    require(principal, permission_for(spec.organisation, write=True))
    view = store.view()
    _anchor(view, principal, spec, anchor_id)
    return view


def _other(
    store: GraphStore,
    view: GraphView,
    principal: Principal,
    spec: KindSpec,
    anchor_id: str,
    other_id: str,
) -> Label:
    """The label of the other end, checked: it exists with a label the kind allows, it
    is in the caller's reach, it is not the anchor."""
    field = spec.other_field
    if other_id == anchor_id:
        raise InvalidInput(field, "cannot be linked to itself", other_id)
    label = _label(view, other_id)
    if label is None or label not in spec.others:
        wanted = " or ".join(sorted(x.value for x in spec.others))
        raise InvalidInput(field, f"no {wanted} with id {other_id!r}", other_id)
    if label is Label.PERSON and spec.anchor is Label.PERSON:
        contact_in_reach(view, principal, other_id, field)
    _membership_rule(store, principal, spec, other_id, label)
    return label


def _membership_rule(
    store: GraphStore, principal: Principal, spec: KindSpec, other_id: str, label: Label
) -> None:
    if spec.rel_type.value not in ("IN_GROUPEMENT", "MEMBER_OF") or not principal.scoped:
        return
    own = store.get_many(sorted(principal.groupements))
    associations = {getattr(g, "association_id", None) for g in own.values()} - {None}
    check_membership(principal, label, other_id, associations, spec.other_field)  # type: ignore[arg-type]


def _stored(
    store: GraphStore, view: GraphView, spec: KindSpec, anchor_id: str, other_id: str
) -> Relation:
    src, dst = spec.record_ends(anchor_id, other_id)
    label = _label(view, other_id)
    record = None
    if label is not None and label in spec.others and other_id != anchor_id:
        record = store.get_relationship(spec.rel_type, src, dst)
    if record is None or label is None:
        raise NotFound(spec.name_fr or spec.kind.value, other_id, spec.other_field)
    return _relation(store, spec.kind, anchor_id, other_id, label, record)


def _given(store: GraphStore, spec: KindSpec, other_id: str) -> str:
    """The node id of the other end given by its public code (a bassin's ``ZE-33-1``, a
    sector's ``defense``) or by id."""
    for label in spec.others:
        if label in places.CODED:
            found = places.codes(store).id_of.get((label, other_id))
            if found is not None:
                return found
    return other_id


def _relation(
    store: GraphStore, kind: Kind, anchor_id: str, other_id: str, label: Label, record: RelRecord
) -> Relation:
    code = places.public_id(store, other_id) if label in places.CODED else None
    return Relation(kind, anchor_id, other_id, label, record, code)


def _record(spec: KindSpec, anchor_id: str, other_id: str, props: dict[str, Any]) -> RelRecord:
    for name in ("src", "dst"):
        if name in props:
            raise InvalidInput(name, "not a property of this relationship", props[name])
    src, dst = spec.record_ends(anchor_id, other_id)
    try:
        return make_rel(spec.rel_type, {**props, "src": src, "dst": dst})
    except InvalidInput as exc:
        if exc.field in ("src", "dst"):  # the ends were checked: only "itself" is left
            raise InvalidInput(spec.other_field, exc.message, other_id) from None
        raise


def _change(action: Action, spec: KindSpec, view: GraphView, relation: Relation) -> Change:
    people = [relation.anchor_id] if spec.anchor is Label.PERSON else []
    if relation.other_label is Label.PERSON:
        people.append(relation.other_id)
    return Change(action, relation, tuple(people))
