"""A batch validated against the embedded store's memory, before anything is written.

:func:`plan` checks a whole :class:`~graph.store.Batch` (record types, a node id reused
with another label, relationship ends that exist and have the labels the type allows)
and resolves every node to its number: existing nodes keep theirs, new ones get the next
free numbers. Nothing is touched; the store commits the :class:`Plan` in one transaction
and mirrors it in memory.

Decisions:

* Validation is complete before the transaction starts: a bad batch writes nothing and
  the error names the field and the row (``rels[3].dst``, ``frames[0][12].src``).
* Large frames resolve ids by hash search (:meth:`~graph.embedded.memory.Memory.directory`),
  falling back to the dictionary for the few ids it misses, so the answer stays exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat

import numpy as np

from graph.embedded.memory import Memory, hash_ids
from graph.errors import AlreadyExists, Conflict, InvalidInput
from graph.frames import ValidRels, frames_from_records, validate_rel_frame
from graph.model import REL_MODELS, NodeRecord, RelRecord, RelType
from graph.store import Batch
from graph.store_base import check_create_only
from graph.view import LABEL_CODE, LABELS

#: frames with more ids than this resolve them by hash search
_SEARCH_ABOVE = 10_000


class Plan:
    """A validated batch: nodes with their numbers, relationships with resolved ends."""

    def __init__(
        self,
        nodes: list[tuple[int, NodeRecord]],
        new: dict[str, int],
        rels: list[tuple[ValidRels, np.ndarray, np.ndarray]],
    ) -> None:
        self.nodes = nodes
        self.new = new
        self.rels = rels
        # JSON-ready properties, computed once for the database and the memory mirror
        self.props = [node.props() for _, node in nodes]

    @property
    def relationships(self) -> int:
        return sum(len(rel) for rel, _, _ in self.rels)


def plan(mem: Memory, batch: Batch) -> Plan:
    """Validate a batch completely and resolve its node numbers; touch nothing.

    Run it under the store's write lock, with ``mem`` caught up with the disk: what it
    decides (numbers of new nodes, ``create_only`` ids not taken) holds only then.
    """
    creates = check_create_only(batch)
    nodes: dict[str, tuple[int, NodeRecord]] = {}
    new: dict[str, int] = {}
    next_nid = mem.n_slots
    for i, node in enumerate(batch.nodes):
        if not isinstance(node, NodeRecord):
            raise InvalidInput(f"nodes[{i}]", "expected a node record")
        existing = mem.index.get(node.id)
        if existing is not None and node.id in creates:
            raise AlreadyExists(f"nodes[{i}].id", node.id)
        if existing is not None and LABELS[mem.labels.data[existing]] != node.label:
            stored = LABELS[mem.labels.data[existing]].value
            raise Conflict(f"nodes[{i}].id", f"{node.id!r} is a {stored}, not a {node.label.value}")
        previous = nodes.get(node.id)
        if previous is not None and previous[1].label != node.label:
            raise Conflict(f"nodes[{i}].id", f"{node.id!r} appears with two labels in the batch")
        if existing is None:
            if node.id not in new:
                new[node.id] = next_nid
                next_nid += 1
            existing = new[node.id]
        nodes[node.id] = (existing, node)

    labels = mem.labels.data[: mem.n_slots]
    if new:
        labels = np.concatenate([labels, np.full(len(new), -1, dtype=np.int8)])
        for nid, node in nodes.values():
            labels[nid] = LABEL_CODE[node.label]

    # Records are grouped by type for storage; errors must still name their place in
    # ``batch.rels``, so keep each group's positions.
    positions: dict[RelType, list[int]] = {}
    for i, record in enumerate(batch.rels):
        if not isinstance(record, RelRecord):
            raise InvalidInput(f"rels[{i}]", "expected a relationship record")
        positions.setdefault(record.type, []).append(i)
    valid: list[tuple[str, ValidRels, list[int] | None]] = [
        ("rels", v, positions[v.type]) for v in frames_from_records(batch.rels)
    ]
    for k, frame in enumerate(batch.frames):
        valid.append((f"frames[{k}]", validate_rel_frame(frame, f"frames[{k}]"), None))
    rels = []
    for where, rel, rows in valid:
        model = REL_MODELS[rel.type]
        src = _resolve(mem, rel.src, new, where, "src", rows)
        dst = _resolve(mem, rel.dst, new, where, "dst", rows)
        for ends, allowed, name in ((src, model.SOURCES, "src"), (dst, model.TARGETS, "dst")):
            codes = np.array([LABEL_CODE[a] for a in allowed], dtype=np.int8)
            wrong = ~np.isin(labels[ends], codes)
            if wrong.any():
                i = int(np.flatnonzero(wrong)[0])
                node_id = getattr(rel, name)[i]
                expected = " or ".join(sorted(a.value for a in allowed))
                raise InvalidInput(
                    f"{where}[{i if rows is None else rows[i]}].{name}",
                    f"{rel.type.value} needs a {expected} here; {node_id!r} is a "
                    f"{LABELS[labels[ends[i]]].value}",
                )
        rels.append((rel, src, dst))
    return Plan(list(nodes.values()), new, rels)


def _resolve(
    mem: Memory,
    ids: list[str] | np.ndarray,
    new: dict[str, int],
    where: str,
    name: str,
    rows: Sequence[int] | None = None,
) -> np.ndarray:
    if isinstance(ids, np.ndarray) and len(ids) > _SEARCH_ABOVE:
        found = _search(mem, ids)
    else:
        found = np.fromiter(map(mem.index.get, ids, repeat(-1)), dtype=np.int64, count=len(ids))
    missing = np.flatnonzero(found < 0)
    for i in missing.tolist():
        nid = new.get(ids[i], mem.index.get(ids[i]))
        if nid is None:
            row = i if rows is None else rows[i]
            raise InvalidInput(f"{where}[{row}].{name}", f"no node with id {ids[i]!r}", ids[i])
        found[i] = nid
    return found


def _search(mem: Memory, ids: np.ndarray) -> np.ndarray:
    """Numbers of ``ids`` (-1 when not found) by binary search on hashes of the ids.

    A hash collision only makes an id "not found" here; the caller then falls back to
    the dictionary, so the answer stays exact.
    """
    hashes, sorted_ids, sorted_nids = mem.directory()
    if len(hashes) == 0:
        return np.full(len(ids), -1, dtype=np.int64)
    pos = np.minimum(np.searchsorted(hashes, hash_ids(ids)), len(hashes) - 1)
    return np.where(sorted_ids[pos] == ids, sorted_nids[pos], -1)
