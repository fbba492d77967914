"""The Neo4j adapter's change log, and its view kept in step from it.

Every write transaction bumps the version node first (which serialises writers) and ends
by writing ``(:PasserelleChange {version, at, payload})``, in the same transaction. The
payload says what changed, by id (Neo4j has no node numbers of ours):

* a write: ``{"write": {"nodes": [[id, label, props], ...], "rels": [{"type", "src":
  [ids], "dst": [ids], "columns": {name: [storage values]}}, ...]}}``;
* a node deleted with its relationships: ``{"delete_node": id}``;
* one relationship deleted: ``{"delete_rel": [type, src, dst]}``.

The store keeps its view in a :class:`~graph.memory.Memory` (the embedded store's, from
the core). A process whose memory is older than the version on the server reads the
entries in between (one indexed range read), applies them to the memory (:func:`replay`),
and builds the new view from it (:func:`~graph.memory.build_view`), at the cost of the
change, instead of streaming the whole graph again. Its own writes come back the same
way: one path for every writer. The view says what changed
(:attr:`~graph.view.GraphView.changes`), so the search index follows the write too.

Decisions:

* The same rules as the embedded store (:mod:`graph.embedded.changes`): writes of more
  than :data:`~graph.store_base.LOG_MAX_ROWS` rows, and the parts of a large batch
  written inside ``bulk()``, are logged without payload; entries are kept while among the
  last 1,000 versions or younger than 10 minutes. Missing entries, an entry without
  payload or any surprise: the view is streamed again, in full.
* A derived view numbers new nodes after the old ones (a streamed view numbers them in id
  order) and leaves a deleted node's number free (label -1, id None), as the embedded
  store's views do: numbers are per view, never compared across views.
* Entries are applied outside the read transaction (the driver may run a transaction
  function twice; the memory must change once), each checked against the memory before
  any of it is applied; a failure part-way throws the memory away (a half-applied change
  is never answered from; older views keep their arrays: copy-on-write).
* A view is built once per catch-up, however many entries it took: the memory collects
  what changed (deltas, touched nodes) and the view pays for it once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from graph.frames import ValidRels, rel_specs
from graph.memory import Memory
from graph.model import NODE_MODELS, Label, NodeRecord, RelType
from graph.store_base import LOG_MAX_ROWS
from graph.view import LABEL_CODE


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON: {type(value).__name__}")


def _dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=_plain)


def _ids(ids: Any) -> list[str]:
    return ids.tolist() if isinstance(ids, np.ndarray) else [str(i) for i in ids]


def write_payload(nodes: list[NodeRecord], rels: list[ValidRels]) -> str | None:
    """The log payload of a write, or None when it is too large to log."""
    if len(nodes) + sum(len(r) for r in rels) > LOG_MAX_ROWS:
        return None
    rows = []
    for rel in rels:
        columns = {
            s.name: np.asarray(rel.columns[s.name], dtype=object).tolist()
            for s in rel_specs(rel.type)
        }
        rows.append(
            {"type": rel.type.value, "src": _ids(rel.src), "dst": _ids(rel.dst), "columns": columns}
        )
    node_rows = [[n.id, n.label.value, n.props()] for n in nodes]
    return _dumps({"write": {"nodes": node_rows, "rels": rows}})


def delete_node_payload(node_id: str) -> str:
    return _dumps({"delete_node": node_id})


def delete_rel_payload(rel_type: RelType, src: str, dst: str) -> str:
    return _dumps({"delete_rel": [rel_type.value, src, dst]})


class Surprise(Exception):
    """An entry that does not fit the memory it is applied to: stream the view instead."""


@dataclass
class _Write:
    """A logged write as :meth:`~graph.memory.Memory.apply` takes it (``Planned``)."""

    nodes: list[tuple[int, NodeRecord]]
    new: dict[str, int]
    props: list[dict[str, Any]]
    rels: list[tuple[ValidRels, np.ndarray, np.ndarray]]


def replay(mem: Memory, entries: list[tuple[int, str]]) -> None:
    """Apply the logged changes of the versions after ``mem``'s, in order (see the module
    docstring); :class:`Surprise` (or any error) when one does not fit: the caller then
    throws ``mem`` away (it may hold part of the entries) and streams the view."""
    for version, payload in entries:
        if mem.version >= version:
            raise Surprise(f"memory at version {mem.version}, entry of version {version}")
        change = json.loads(payload)
        if "write" in change:
            mem.apply(_write(mem, change["write"]), version)
        elif "delete_node" in change:
            node_id = change["delete_node"]
            nid = mem.index.get(node_id)
            if nid is None:
                raise Surprise(f"{node_id!r} is not in the view")
            mem.forget_node(node_id, nid, version)
        elif "delete_rel" in change:
            rel_type, src, dst = change["delete_rel"]
            a, b = mem.index.get(src), mem.index.get(dst)
            if a is not None and b is not None:
                mem.forget_relationship(RelType(rel_type), a, b, version)
            else:  # an end is gone: so is the relationship
                mem.version = version
        else:
            raise Surprise(f"unknown change {sorted(change)}")


def _write(mem: Memory, write: dict[str, Any]) -> _Write:
    """The write a log entry describes, in ``mem``'s numbers (new ids get the next free
    numbers, as the embedded store gives them), checked against ``mem`` before any of it
    is applied."""
    nodes: list[tuple[int, NodeRecord]] = []
    props: list[dict[str, Any]] = []
    new: dict[str, int] = {}
    for node_id, label, values in write["nodes"]:
        label = Label(label)
        nid = mem.index.get(node_id)
        if nid is None:
            nid = new.get(node_id)
            if nid is None:
                nid = new[node_id] = mem.n_slots + len(new)
        elif mem.labels.data[nid] != LABEL_CODE[label]:
            raise Surprise(f"{node_id!r} changed label")
        nodes.append((nid, NODE_MODELS[label].model_validate({"id": node_id, **values})))
        props.append(values)
    rels = []
    for item in write["rels"]:
        rel_type = RelType(item["type"])
        ends = []
        for ids in (item["src"], item["dst"]):
            nids = [mem.index.get(i, new.get(i)) for i in ids]
            if any(n is None for n in nids):
                raise Surprise(f"{rel_type.value}: an end is missing")
            ends.append(np.array(nids, dtype=np.int64))
        rels.append((ValidRels(rel_type, ends[0], ends[1], item["columns"]), ends[0], ends[1]))
    return _Write(nodes, new, props, rels)
