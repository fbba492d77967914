"""The Neo4j adapter's change log, and its view kept in step from it.

Every write transaction bumps the version node first (which serialises writers) and ends
by writing ``(:PasserelleChange {version, at, payload})``, in the same transaction. The
payload says what changed, by id (Neo4j has no node numbers of ours):

* a write: ``{"write": {"nodes": [[id, label, props], ...], "rels": [{"type", "src":
  [ids], "dst": [ids], "columns": {name: [storage values]}}, ...]}}``;
* a node deleted with its relationships: ``{"delete_node": id}``;
* one relationship deleted: ``{"delete_rel": [type, src, dst]}``.

A process whose view is older than the version on the server reads the entries in
between (one indexed range read) and derives the new view from the old one
(:func:`apply_changes`) instead of streaming the whole graph again.

Decisions:

* The same rules as the embedded store (:mod:`graph.embedded.changes`): writes of more
  than :data:`~graph.store_base.LOG_MAX_ROWS` rows, and the parts of a large batch
  written inside ``bulk()``, are logged without payload; entries are kept while among the
  last 1,000 versions or younger than 10 minutes. Missing entries, an entry without
  payload or any surprise: the view is streamed again, in full.
* A derived view numbers new nodes after the old ones (a streamed view numbers them in id
  order) and leaves a deleted node's number free (label -1, id None), as the embedded
  store's views do: numbers are per view, never compared across views.
* A catch-up over many entries costs one pass: entries are folded first (the final state
  of each node and each touched relationship), then every array is rebuilt once;
  relationship types that did not change keep their index unless nodes were added.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from graph.frames import ValidRels, rel_specs
from graph.model import Label, NodeRecord, RelType
from graph.store_base import LOG_MAX_ROWS
from graph.view import (
    LABEL_CODE,
    GraphView,
    RelIndex,
    empty_column,
    encode_column,
    node_view_specs,
    rel_view_specs,
)


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
    """An entry that does not fit the view it is applied to: stream the view instead."""


def apply_changes(view: GraphView, version: int, payloads: list[str]) -> GraphView:
    """The view at ``version``: ``view`` with the logged changes of every version after
    its own applied, in order (see the module docstring). ``view`` is left untouched."""
    changes = [json.loads(p) for p in payloads]
    index = dict(view.index)
    ids: list[str | None] = list(view.ids)
    node_rows: dict[int, tuple[Label, dict[str, Any]]] = {}  # final content of touched nodes
    deleted: set[int] = set()
    # per type: (src nid, dst nid) -> encoded-later storage values, or None for deleted
    touched: dict[RelType, dict[tuple[int, int], list[Any] | None]] = {t: {} for t in RelType}
    for change in changes:
        if "write" in change:
            for node_id, label, props in change["write"]["nodes"]:
                label = Label(label)
                nid = index.get(node_id)
                if nid is None:
                    nid = index[node_id] = len(ids)
                    ids.append(node_id)
                elif nid not in node_rows and view.labels[nid] != LABEL_CODE[label]:
                    raise Surprise(f"{node_id!r} changed label")
                node_rows[nid] = (label, props)
            for item in change["write"]["rels"]:
                rel_type = RelType(item["type"])
                names = [s.name for s in rel_specs(rel_type)]
                rows = touched[rel_type]
                values = [item["columns"][n] for n in names]
                for i, (src, dst) in enumerate(zip(item["src"], item["dst"], strict=True)):
                    if src not in index or dst not in index:
                        raise Surprise(f"{rel_type.value} {src!r} -> {dst!r}: an end is missing")
                    rows[(index[src], index[dst])] = [column[i] for column in values]
        elif "delete_node" in change:
            node_id = change["delete_node"]
            nid = index.pop(node_id, None)
            if nid is None:
                raise Surprise(f"{node_id!r} is not in the view")
            ids[nid] = None
            node_rows.pop(nid, None)
            deleted.add(nid)
            for rows in touched.values():
                for key in [k for k in rows if nid in k]:
                    del rows[key]
        elif "delete_rel" in change:
            rel_type, src, dst = change["delete_rel"]
            if src in index and dst in index:
                touched[RelType(rel_type)][(index[src], index[dst])] = None
        else:
            raise Surprise(f"unknown change {sorted(change)}")
    n = len(ids)
    labels, columns = _nodes(view, n, node_rows, deleted)
    rels = {
        t: _rels(t, view.rels[t], touched[t], deleted, n, grown=n != view.n_slots) for t in RelType
    }
    return GraphView(
        version=version, ids=tuple(ids), index=index, labels=labels, node_columns=columns, rels=rels
    )


def _nodes(
    view: GraphView,
    n: int,
    rows: dict[int, tuple[Label, dict[str, Any]]],
    deleted: set[int],
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Labels and node columns of ``n`` slots: the old ones, touched rows replaced."""
    old = view.n_slots
    labels = np.full(n, -1, dtype=np.int8)
    labels[:old] = view.labels
    specs = node_view_specs()
    columns = {}
    for key, (_, spec) in specs.items():
        column = empty_column(spec, n)
        column[:old] = view.node_columns[key]
        columns[key] = column
    gone = np.fromiter(deleted, dtype=np.int64, count=len(deleted))
    labels[gone] = -1
    for key, (_, spec) in specs.items():
        columns[key][gone] = empty_column(spec, 1)[0]
    by_label: dict[Label, list[tuple[int, dict[str, Any]]]] = {}
    for nid, (label, props) in rows.items():
        by_label.setdefault(label, []).append((nid, props))
    for label, items in by_label.items():
        nids = np.array([nid for nid, _ in items], dtype=np.int64)
        labels[nids] = LABEL_CODE[label]
        for key, (owner, spec) in specs.items():
            if owner == label:
                values = [props.get(spec.name) for _, props in items]
                columns[key][nids] = encode_column(spec, values)
    return labels, columns


def _keys(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    return (src.astype(np.int64) << 32) | dst.astype(np.int64)


def _rels(
    rel_type: RelType,
    base: RelIndex,
    rows: dict[tuple[int, int], list[Any] | None],
    deleted: set[int],
    n: int,
    grown: bool,
) -> RelIndex:
    """``base`` with the touched keys replaced or removed and edges of deleted nodes gone."""
    if not rows and not deleted:
        return RelIndex.build(rel_type, base.src, base.dst, base.columns, n) if grown else base
    src, dst = base.src.astype(np.int64), base.dst.astype(np.int64)
    stay = np.ones(len(src), dtype=bool)
    if deleted:
        gone = np.fromiter(deleted, dtype=np.int64, count=len(deleted))
        stay &= ~(np.isin(src, gone) | np.isin(dst, gone))
    if rows:
        keys = np.array([(a << 32) | b for a, b in rows], dtype=np.int64)
        stay &= ~np.isin(_keys(src, dst), keys)
    specs = rel_view_specs(rel_type)
    upserts = [(key, values) for key, values in rows.items() if values is not None]
    names = [s.name for s in rel_specs(rel_type)]
    new_src = np.array([a for (a, _), _ in upserts], dtype=np.int64)
    new_dst = np.array([b for (_, b), _ in upserts], dtype=np.int64)
    columns = {}
    for spec in specs:
        position = names.index(spec.name)
        added = encode_column(spec, [values[position] for _, values in upserts])
        columns[spec.name] = np.concatenate([base.columns[spec.name][stay], added])
    src = np.concatenate([src[stay], new_src])
    dst = np.concatenate([dst[stay], new_dst])
    order = np.argsort(_keys(src, dst), kind="stable")
    return RelIndex.build(
        rel_type, src[order], dst[order], {k: v[order] for k, v in columns.items()}, n
    )
