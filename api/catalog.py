"""Reading and writing the organisational nodes (associations, groupements, employers,
offers): the few steps every catalogue route shares, with errors naming the field.

Each step takes the record class (``Employer``…) rather than its label, so what it returns
is typed as that class: ``get_node(store, Employer, ...)`` is an :class:`Employer`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
from pydantic import ValidationError as PydanticValidationError

from graph.errors import AlreadyExists, InvalidInput, NotFound
from graph.model import Label, NodeRecord, RelRecord, RelType, invalid_from_pydantic
from graph.store import Batch, GraphStore
from graph.view import LABEL_CODE, GraphView, is_undirected

R = TypeVar("R", bound=NodeRecord)

ID_PREFIX = {
    Label.PERSON: "p",
    Label.ASSOCIATION: "asso",
    Label.GROUPEMENT: "grp",
    Label.EMPLOYER: "emp",
    Label.JOB_OFFER: "off",
}


def get_node(store: GraphStore, kind: type[R], node_id: str, field: str = "id") -> R:
    """The node ``node_id`` if it is a ``kind``, else :class:`NotFound` naming ``field``."""
    record = store.get(node_id)
    if not isinstance(record, kind):
        raise NotFound(kind.label.value, node_id, field)
    return record


def require_nodes(
    store: GraphStore, kind: type[R], ids: Sequence[str], field: str, many: bool
) -> list[R]:
    """Nodes a body refers to; an absent one is invalid input (422) naming its field."""
    found = store.get_many(list(ids))
    out = []
    for i, node_id in enumerate(ids):
        record = found.get(node_id)
        name = f"{field}[{i}]" if many else field
        if not isinstance(record, kind):
            raise InvalidInput(name, f"no {kind.label.value} with id {node_id!r}", node_id)
        out.append(record)
    return out


def create_node(
    store: GraphStore,
    kind: type[R],
    data: dict[str, Any],
    rels_for: Callable[[str], Sequence[RelRecord]] = lambda _: (),
) -> R:
    """Create a node (409 if the id is taken) and ``rels_for(id)``, in one write.

    The id is the one given (admins only) or a new random one. Whether it is taken is
    decided by the store inside the write transaction (``Batch.create_only``), so it holds
    between API workers too: of two creates of one id, one succeeds and one gets 409.
    """
    node_id = data.get("id") or f"{ID_PREFIX[kind.label]}-{uuid.uuid4().hex[:12]}"
    record = _validated(kind, {**data, "id": node_id})
    batch = Batch(nodes=[record], rels=list(rels_for(node_id)), create_only=[node_id])
    try:
        store.write(batch)
    except AlreadyExists:
        raise AlreadyExists("id", node_id) from None
    return record


def patch_node(
    store: GraphStore, kind: type[R], node_id: str, changes: dict[str, Any], field: str = "id"
) -> R:
    """Replace some properties of a node; the whole record is validated again.

    Read and written in one store transaction (:meth:`~graph.store.GraphStore.update_node`):
    two workers patching different properties of one node at once keep both changes, and a
    node deleted meanwhile is 404, not brought back.
    """
    if not changes:
        return get_node(store, kind, node_id, field)
    try:
        updated = store.update_node(kind.label, node_id, changes)
    except NotFound:
        raise NotFound(kind.label.value, node_id, field) from None
    if not isinstance(updated, kind):  # the store read it as a kind of this label
        raise NotFound(kind.label.value, node_id, field)
    return updated


def _validated(kind: type[R], data: dict[str, Any]) -> R:
    """``data`` as a ``kind`` record; an error is invalid input naming the field, as
    :func:`graph.model.make_node` raises it."""
    try:
        return kind.model_validate(data)
    except PydanticValidationError as exc:
        raise invalid_from_pydantic(exc) from None


def linked(
    view: GraphView,
    node_id: str,
    rel_type: RelType,
    outgoing: bool,
    label: Label | None = None,
) -> list[str]:
    """Ids at the other end of ``rel_type`` relationships of a node (of ``label``), sorted.

    Undirected types (``PARTNER_OF``) are followed both ways whatever ``outgoing`` says.
    """
    nid = view.index.get(node_id)
    if nid is None:
        return []
    rel = view.rel(rel_type)
    if is_undirected(rel_type):
        others = np.concatenate([rel.targets(nid), rel.sources(nid)])
    else:
        others = rel.targets(nid) if outgoing else rel.sources(nid)
    if label is not None:
        others = others[view.labels[others] == LABEL_CODE[label]]
    return sorted({view.ids[o] for o in others})


def ends_in(
    view: GraphView,
    nids: np.ndarray,
    rel_type: RelType,
    other_id: str,
    outgoing: bool,
    other_label: Label,
    field: str,
) -> np.ndarray:
    """Those of ``nids`` linked by ``rel_type`` to ``other_id`` (404 if it is absent)."""
    other = view.index.get(other_id)
    if other is None or view.labels[other] != LABEL_CODE[other_label]:
        raise NotFound(other_label.value, other_id, field)
    rel = view.rel(rel_type)
    linked_nids = rel.sources(other) if outgoing else rel.targets(other)
    return nids[np.isin(nids, linked_nids)]
