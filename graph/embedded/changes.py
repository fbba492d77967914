"""The embedded store's change log: how a process learns of another process's write.

Several processes (API workers) open the same store; each keeps its own in-memory mirror
(:class:`~graph.embedded.memory.Memory`). Every write transaction bumps the version in
``meta`` and adds one row to the ``changes`` table *in the same transaction*: the version
it produced and a JSON payload saying what changed, in node numbers, enough to mirror it:

* a write: ``{"write": {"nodes": [[nid, id, label, props], ...], "rels": [{"type",
  "src": [nid...], "dst": [nid...], "columns": {name: [storage values]}}, ...]}}``;
* a node deleted with its relationships: ``{"delete_node": [nid, id]}``;
* one relationship deleted: ``{"delete_rel": [type, src nid, dst nid]}``.

A process that finds a newer version on disk (one indexed read of ``meta`` at the start of
each read, and under the write lock before each write) reads the entries between its
version and the disk's and applies them to its mirror (:func:`replay`:
:meth:`Memory.apply`, :meth:`Memory.forget_node`, :meth:`Memory.forget_relationship`).

Decisions:

* **Full reload only when the log cannot say**: an entry missing (trimmed, or written by
  an older Passerelle), an entry without payload (a large batch, below), or any surprise
  while applying (an id under another number, a number taken): the process then reloads
  its memory from the tables, once. Never answer from a half-applied change: a failed
  replay throws the mirror away.
* **Large batches are not logged**: a write of more than
  :data:`~graph.store_base.LOG_MAX_ROWS` rows (10,000 nodes plus relationships: seed,
  migration, imports) logs its version with a NULL payload, so the other processes reload
  once instead of parsing megabytes of JSON.
* **Retention**: an entry is kept while it is among the last 1,000 versions
  (:data:`~graph.store_base.LOG_KEEP_VERSIONS`) *or* younger than 10 minutes
  (:data:`~graph.store_base.LOG_KEEP_SECONDS`); each write trims the rest in its
  transaction. A process idle for longer than both (at 5 writes a second, 1,000 versions
  are 200 s: the time rule then keeps 3,000) reloads in full on its next request.
* Node numbers are the writer's: every writer plans under the database's write lock after
  catching up, so a number in the log means the same node in every process.
* JSON, not pickle: the payload is data read back from a file, never code.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from graph.embedded.memory import Memory
from graph.embedded.plan import Plan
from graph.frames import ValidRels, rel_specs
from graph.model import NODE_MODELS, Label, NodeRecord, RelType
from graph.store_base import LOG_MAX_ROWS


class Surprise(Exception):
    """A log entry that does not fit the memory it is applied to: reload instead."""


def _plain(value: Any) -> Any:
    """numpy scalars (and anything with ``item``) as plain JSON values."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON: {type(value).__name__}")


def _dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=_plain)


def write_payload(planned: Plan) -> str | None:
    """The log payload of a planned write, or None when it is too large to log."""
    if len(planned.nodes) + planned.relationships > LOG_MAX_ROWS:
        return None
    nodes = [
        [nid, node.id, node.label.value, props]
        for (nid, node), props in zip(planned.nodes, planned.props, strict=True)
    ]
    rels = []
    for rel, src, dst in planned.rels:
        columns = {
            s.name: np.asarray(rel.columns[s.name], dtype=object).tolist()
            for s in rel_specs(rel.type)
        }
        rels.append(
            {"type": rel.type.value, "src": src.tolist(), "dst": dst.tolist(), "columns": columns}
        )
    return _dumps({"write": {"nodes": nodes, "rels": rels}})


def delete_node_payload(nid: int, node_id: str) -> str:
    return _dumps({"delete_node": [nid, node_id]})


def delete_rel_payload(rel_type: RelType, src: int, dst: int) -> str:
    return _dumps({"delete_rel": [rel_type.value, src, dst]})


def replay(mem: Memory, version: int, payload: str) -> None:
    """Apply one logged change to ``mem`` (at ``version - 1``); :class:`Surprise` (or any
    error) when it does not fit: the caller throws ``mem`` away and reloads."""
    if mem.version != version - 1:
        raise Surprise(f"memory at version {mem.version}, entry of version {version}")
    change = json.loads(payload)
    if "write" in change:
        mem.apply(_plan(mem, change["write"]), version)
    elif "delete_node" in change:
        nid, node_id = change["delete_node"]
        if mem.index.get(node_id) != nid:
            raise Surprise(f"{node_id!r} is not node {nid} here")
        mem.forget_node(node_id, nid, version)
    elif "delete_rel" in change:
        rel_type, src, dst = change["delete_rel"]
        mem.forget_relationship(RelType(rel_type), int(src), int(dst), version)
    else:
        raise Surprise(f"unknown change {sorted(change)}")


def _plan(mem: Memory, write: dict[str, Any]) -> Plan:
    """The :class:`Plan` a logged write was committed from, checked against ``mem``."""
    nodes: list[tuple[int, NodeRecord]] = []
    new: dict[str, int] = {}
    for nid, node_id, label, props in write["nodes"]:
        record = NODE_MODELS[Label(label)].model_validate({"id": node_id, **props})
        known = mem.index.get(node_id)
        if known is None:
            if nid < mem.n_slots and mem.ids[nid] is not None:
                raise Surprise(f"node number {nid} is taken here")
            new[node_id] = nid
        elif known != nid:
            raise Surprise(f"{node_id!r} is node {known} here, {nid} in the log")
        nodes.append((nid, record))
    if new:
        # Memory.apply makes room for len(new) numbers after n_slots: make sure that
        # reaches the writer's highest number (its memory may keep more free numbers).
        mem.ensure_slots(max(max(new.values()) + 1 - len(new), mem.n_slots))
    rels = []
    for item in write["rels"]:
        rel_type = RelType(item["type"])
        src = np.asarray(item["src"], dtype=np.int64)
        dst = np.asarray(item["dst"], dtype=np.int64)
        valid = ValidRels(rel_type, src, dst, item["columns"])
        rels.append((valid, src, dst))
    return Plan(nodes, new, rels)
