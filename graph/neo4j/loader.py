"""Building a :class:`~graph.view.GraphView` from what Neo4j streams back.

The view has exactly the embedded store's encoding (:mod:`graph.view`): the same columns,
built with :func:`~graph.view.encode_column` and :func:`~graph.view.day_number`, and the
same :class:`~graph.view.RelIndex` per relationship type. Two callers:

* :func:`stream_view` reads the whole graph in one read transaction, node labels then
  relationship types, with ``session.run``-style record iteration (nothing is held
  twice: values go straight into column lists);
* :mod:`graph.neo4j.paths` builds a small view of the part of the graph a path query can
  use.

Node numbers follow the order of the ids (text order), so two views of the same graph are
numbered alike whatever order Neo4j returned the nodes in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graph.model import Label, RelType
from graph.neo4j import cypher
from graph.schema import FieldSpec
from graph.view import (
    LABEL_CODE,
    GraphView,
    RelIndex,
    column_key,
    day_number,
    empty_column,
    encode_column,
    node_view_specs,
    rel_view_specs,
)


def node_fields(label: Label) -> list[str]:
    """The properties of ``label`` the view keeps, in the order the columns are built."""
    return [spec.name for (owner, spec) in node_view_specs().values() if owner == label]


def rel_fields(rel_type: RelType) -> list[str]:
    return [spec.name for spec in rel_view_specs(rel_type)]


def native(value: Any) -> Any:
    """A driver value as the model takes it (``neo4j.time.Date`` becomes ``datetime.date``)."""
    to_native = getattr(value, "to_native", None)
    return to_native() if to_native is not None else value


def encode(spec: FieldSpec, values: Sequence[Any]) -> np.ndarray:
    """A view column from stored values (dates as driver or Python dates, enums as text)."""
    if spec.kind == "date":
        return np.array([day_number(native(v)) for v in values], dtype=np.int32)
    return encode_column(spec, values)


@dataclass
class Columns:
    """Nodes and relationships as plain columns, in any order, before numbering."""

    ids: dict[Label, list[str]] = field(default_factory=lambda: {label: [] for label in Label})
    values: dict[Label, dict[str, list[Any]]] = field(
        default_factory=lambda: {label: {f: [] for f in node_fields(label)} for label in Label}
    )
    src: dict[RelType, list[str]] = field(default_factory=lambda: {t: [] for t in RelType})
    dst: dict[RelType, list[str]] = field(default_factory=lambda: {t: [] for t in RelType})
    rel_values: dict[RelType, dict[str, list[Any]]] = field(
        default_factory=lambda: {t: {f: [] for f in rel_fields(t)} for t in RelType}
    )

    def add_node(self, label: Label, node_id: str, values: Sequence[Any]) -> None:
        self.ids[label].append(node_id)
        for name, value in zip(self.values[label], values, strict=True):
            self.values[label][name].append(value)

    def add_rel(self, rel_type: RelType, src: str, dst: str, values: Sequence[Any]) -> None:
        self.src[rel_type].append(src)
        self.dst[rel_type].append(dst)
        for name, value in zip(self.rel_values[rel_type], values, strict=True):
            self.rel_values[rel_type][name].append(value)


@dataclass
class _Nodes:
    """Numbered nodes: ids in text order, their labels and view columns."""

    ids: tuple[str, ...]
    index: dict[str, int]
    labels: np.ndarray
    columns: dict[str, np.ndarray]


def _number(cols: Columns) -> _Nodes:
    labels_of = [label for label in Label for _ in cols.ids[label]]
    all_ids = [i for label in Label for i in cols.ids[label]]
    n = len(all_ids)
    order = sorted(range(n), key=all_ids.__getitem__)
    ids = tuple(all_ids[i] for i in order)
    nid_of_row = np.empty(n, dtype=np.int64)
    nid_of_row[np.array(order, dtype=np.int64)] = np.arange(n)
    labels = np.full(n, -1, dtype=np.int8)
    labels[nid_of_row] = np.array([LABEL_CODE[lab] for lab in labels_of], dtype=np.int8)
    columns = {key: empty_column(spec, n) for key, (_, spec) in node_view_specs().items()}
    start = 0
    for label in Label:
        count = len(cols.ids[label])
        nids = nid_of_row[start : start + count]
        start += count
        for spec in (s for (owner, s) in node_view_specs().values() if owner == label):
            columns[column_key(label, spec.name)][nids] = encode(
                spec, cols.values[label][spec.name]
            )
    return _Nodes(ids, {node_id: nid for nid, node_id in enumerate(ids)}, labels, columns)


class _RelBuilder:
    """One relationship type's edges, encoded chunk by chunk as they arrive.

    Streaming ten million ties must not hold ten million Python lists: every ``CHUNK``
    rows become numpy arrays (node numbers, encoded columns) and the lists are dropped.
    """

    CHUNK = 100_000

    def __init__(self, rel_type: RelType, index: Mapping[str, int]) -> None:
        self.rel_type = rel_type
        self.index = index
        self.specs = rel_view_specs(rel_type)
        self.parts: list[tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]] = []
        self._rows: list[tuple[str, str, Sequence[Any]]] = []

    def add(self, src: str, dst: str, values: Sequence[Any]) -> None:
        self._rows.append((src, dst, values))
        if len(self._rows) >= self.CHUNK:
            self._flush()

    def _flush(self) -> None:
        rows, self._rows = self._rows, []
        if not rows:
            return
        get = self.index.get
        src = np.fromiter((get(r[0], -1) for r in rows), dtype=np.int64, count=len(rows))
        dst = np.fromiter((get(r[1], -1) for r in rows), dtype=np.int64, count=len(rows))
        columns = {s.name: encode(s, [r[2][i] for r in rows]) for i, s in enumerate(self.specs)}
        self.parts.append((src, dst, columns))

    def build(self, n: int) -> RelIndex:
        """The index: ends not among the nodes dropped, a repeated edge keeps its last values."""
        self._flush()
        if self.parts:
            src = np.concatenate([p[0] for p in self.parts])
            dst = np.concatenate([p[1] for p in self.parts])
            columns = {
                s.name: np.concatenate([p[2][s.name] for p in self.parts]) for s in self.specs
            }
        else:
            src = dst = np.empty(0, dtype=np.int64)
            columns = {s.name: empty_column(s, 0) for s in self.specs}
        self.parts = []
        keep = (src >= 0) & (dst >= 0)
        if not keep.all():
            src, dst = src[keep], dst[keep]
            columns = {k: v[keep] for k, v in columns.items()}
        keys = (src << 32) | dst
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        last = np.ones(len(order), dtype=bool)
        last[:-1] = sorted_keys[1:] != sorted_keys[:-1]
        pick = order[last]
        picked = {k: np.ascontiguousarray(v[pick]) for k, v in columns.items()}
        return RelIndex.build(self.rel_type, src[pick], dst[pick], picked, n)


def _view(version: int, nodes: _Nodes, rels: dict[RelType, RelIndex]) -> GraphView:
    return GraphView(
        version=version,
        ids=nodes.ids,
        index=nodes.index,
        labels=nodes.labels,
        node_columns=nodes.columns,
        rels=rels,
    )


def assemble(version: int, cols: Columns) -> GraphView:
    """The view of ``cols``; relationships whose ends are not among the nodes are dropped.

    A relationship given twice keeps its last values (there are none in a consistent store).
    """
    nodes = _number(cols)
    rels = {}
    for rel_type in RelType:
        builder = _RelBuilder(rel_type, nodes.index)
        names = rel_fields(rel_type)
        values = cols.rel_values[rel_type]
        for i, (src, dst) in enumerate(zip(cols.src[rel_type], cols.dst[rel_type], strict=True)):
            builder.add(src, dst, [values[name][i] for name in names])
        rels[rel_type] = builder.build(len(nodes.ids))
    return _view(version, nodes, rels)


def stream_view(tx: Any, version: int) -> GraphView:
    """Read the whole graph in transaction ``tx`` (a managed read transaction).

    Nodes first (numbered once all are in), then each relationship type, encoded in chunks
    as the records arrive. Safe to run again when the driver retries: built from scratch.
    """
    cols = Columns()
    for label in Label:
        fields = node_fields(label)
        for record in tx.run(cypher.STREAM_NODES[label], fields=fields):
            cols.add_node(label, record[0], record[1])
    nodes = _number(cols)
    del cols
    rels = {}
    for rel_type in RelType:
        builder = _RelBuilder(rel_type, nodes.index)
        for record in tx.run(cypher.STREAM_RELS[rel_type], fields=rel_fields(rel_type)):
            builder.add(record[0], record[1], record[2])
        rels[rel_type] = builder.build(len(nodes.ids))
    return _view(version, nodes, rels)
