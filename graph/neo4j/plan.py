"""Checking a :class:`~graph.store.Batch` against what is stored, before anything is written.

The same rules, in the same order, with the same error fields and messages as the embedded
store (``EmbeddedStore._plan``), but asking the stored graph only one thing: the label of
each id the batch names. Split in two so the costly part runs once even when the driver
retries a transaction:

* :func:`prepare` (pure): records grouped by type, frames validated with
  :func:`~graph.frames.validate_rel_frame`; an error is kept, not raised yet, so that errors
  come out in the embedded store's order (nodes, then relationship records, then frames,
  then endpoints);
* :meth:`Prepared.check` (given the stored labels of :attr:`Prepared.ids`): raises the first
  error, or returns the nodes and relationships to write.

>>> from graph.model import Person, Knows
>>> from graph.store import Batch
>>> batch = Batch(nodes=[Person(id="p-1", first_name="A", last_name="B")],
...               rels=[Knows(src="p-1", dst="p-2", strength=0.5, source="unit")])
>>> prepared = prepare(batch)
>>> sorted(prepared.ids)
['p-1', 'p-2']
>>> prepared.check({"p-2": Label.PERSON}).relationships
1
>>> prepared.check({})
Traceback (most recent call last):
...
graph.errors.InvalidInput: rels[0].dst: no node with id 'p-2'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from graph.errors import AlreadyExists, Conflict, InvalidInput, PasserelleError
from graph.frames import ValidRels, frames_from_records, validate_rel_frame
from graph.model import REL_MODELS, Label, NodeRecord, RelRecord, RelType
from graph.store import Batch
from graph.store_base import check_create_only


@dataclass(frozen=True)
class Plan:
    """What a valid batch writes: unique nodes (last record of an id wins) and relationships."""

    nodes: list[NodeRecord]
    rels: list[ValidRels]

    @property
    def relationships(self) -> int:
        return sum(len(r) for r in self.rels)


@dataclass(frozen=True)
class _Group:
    where: str  # "rels" or "frames[k]"
    rels: ValidRels
    rows: list[int] | None  # positions in batch.rels, for records


class Prepared:
    """A batch after the checks that need no stored data."""

    def __init__(
        self,
        batch: Batch,
        groups: list[_Group],
        error: PasserelleError | None,
    ) -> None:
        self.batch = batch
        self.groups = groups
        self.error = error
        ids: set[str] = {n.id for n in batch.nodes if isinstance(n, NodeRecord)}
        for group in groups:
            ids.update(_as_list(group.rels.src))
            ids.update(_as_list(group.rels.dst))
        #: every id whose stored label the checks need
        self.ids: frozenset[str] = frozenset(ids)
        #: rows to write: node records and relationships
        self.rows = len(batch.nodes) + sum(len(g.rels) for g in groups)

    def check(self, stored: Mapping[str, Label]) -> Plan:
        """Raise the batch's first error, as the embedded store would; else the plan.

        ``stored`` maps the ids of :attr:`ids` that exist to their label (others absent);
        read it under the version lock, so that ``create_only`` holds until the commit.
        """
        creates = check_create_only(self.batch)
        nodes: dict[str, NodeRecord] = {}
        for i, node in enumerate(self.batch.nodes):
            if not isinstance(node, NodeRecord):
                raise InvalidInput(f"nodes[{i}]", "expected a node record")
            existing = stored.get(node.id)
            if existing is not None and node.id in creates:
                raise AlreadyExists(f"nodes[{i}].id", node.id)
            if existing is not None and existing != node.label:
                raise Conflict(
                    f"nodes[{i}].id", f"{node.id!r} is a {existing.value}, not a {node.label.value}"
                )
            previous = nodes.get(node.id)
            if previous is not None and previous.label != node.label:
                raise Conflict(
                    f"nodes[{i}].id", f"{node.id!r} appears with two labels in the batch"
                )
            nodes[node.id] = node
        if self.error is not None:
            raise self.error
        labels = {**stored, **{node_id: node.label for node_id, node in nodes.items()}}
        for group in self.groups:
            _check_ends(group, labels)
        return Plan(list(nodes.values()), [g.rels for g in self.groups])


def prepare(batch: Batch) -> Prepared:
    """The checks of ``batch`` that need no stored data (see the module docstring)."""
    for i, record in enumerate(batch.rels):
        if not isinstance(record, RelRecord):
            return Prepared(batch, [], InvalidInput(f"rels[{i}]", "expected a relationship record"))
    positions: dict[RelType, list[int]] = {}
    for i, record in enumerate(batch.rels):
        positions.setdefault(record.type, []).append(i)
    groups = [_Group("rels", v, positions[v.type]) for v in frames_from_records(batch.rels)]
    for k, frame in enumerate(batch.frames):
        where = f"frames[{k}]"
        try:
            groups.append(_Group(where, validate_rel_frame(frame, where), None))
        except InvalidInput as exc:
            return Prepared(batch, groups, exc)
    return Prepared(batch, groups, None)


def _check_ends(group: _Group, labels: Mapping[str, Label]) -> None:
    rel = group.rels
    model = REL_MODELS[rel.type]
    src, dst = _as_list(rel.src), _as_list(rel.dst)
    for name, ids in (("src", src), ("dst", dst)):
        for i, node_id in enumerate(ids):
            if node_id not in labels:
                row = i if group.rows is None else group.rows[i]
                raise InvalidInput(
                    f"{group.where}[{row}].{name}", f"no node with id {node_id!r}", node_id
                )
    for name, ids, allowed in (("src", src, model.SOURCES), ("dst", dst, model.TARGETS)):
        for i, node_id in enumerate(ids):
            label = labels[node_id]
            if label not in allowed:
                row = i if group.rows is None else group.rows[i]
                expected = " or ".join(sorted(a.value for a in allowed))
                raise InvalidInput(
                    f"{group.where}[{row}].{name}",
                    f"{rel.type.value} needs a {expected} here; {node_id!r} is a {label.value}",
                )


def _as_list(ids: Sequence[str] | np.ndarray) -> list[str]:
    """Plain ``str`` ids (numpy text arrays hold ``numpy.str_``, which the driver rejects)."""
    return ids.tolist() if isinstance(ids, np.ndarray) else [str(i) for i in ids]
