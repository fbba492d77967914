"""The read-only graph view served to the algorithms.

A :class:`GraphView` is an immutable snapshot at one store ``version``: node ids and
labels, the properties the algorithms need as numpy columns, and every relationship
type as sorted edge arrays with CSR offsets in both directions. Flat arrays hold ten
million ties in a few hundred megabytes, where Python objects per edge would take
gigabytes (see ``shared/SCALE.md``).

Text properties (names, contexts) are not in the view: the service fetches them from
the store for the few nodes a result shows.

:meth:`GraphView.to_networkx` gives the same graph as a ``networkx.MultiDiGraph``: the
reference for tests and the baseline for benchmarks.

Encoding of columns: enums are ``int8`` codes (index in the enum, -1 for null), booleans
``int8`` (0/1, -1 null), integers ``int32`` (-1 null), reals ``float64`` (NaN null) and
dates ``int32`` days since 1970-01-01 (:data:`NO_DATE` for null).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any, cast

import networkx as nx
import numpy as np

from graph.errors import NotFound
from graph.model import NODE_MODELS, REL_MODELS, Label, RelType
from graph.schema import FieldSpec

NO_DATE = np.iinfo(np.int32).min
LABELS: tuple[Label, ...] = tuple(Label)
LABEL_CODE: dict[Label, int] = {label: i for i, label in enumerate(LABELS)}
_EPOCH = date(1970, 1, 1)


def day_number(d: date | None) -> int:
    """Days since 1970-01-01, the view's date encoding (:data:`NO_DATE` for None).

    >>> day_number(date(1970, 1, 11))
    10
    """
    return NO_DATE if d is None else (d - _EPOCH).days


def encode_column(spec: FieldSpec, values: Sequence[Any]) -> np.ndarray:
    """Encode storage values (enum value, ISO date text, 0/1, None) as a view column."""
    n = len(values)
    if spec.kind == "date":
        days = np.array(values, dtype="datetime64[D]")
        out = days.astype(np.int64)
        out[np.isnat(days)] = NO_DATE
        return out.astype(np.int32)
    if spec.kind == "enum":
        assert spec.enum is not None
        arr = np.array(["" if v is None else v for v in values], dtype=object)
        out = np.full(n, -1, dtype=np.int8)
        for code, member in enumerate(spec.enum):
            out[arr == member.value] = code
        return out
    if spec.kind == "float":
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    if spec.kind in ("int", "bool"):
        dtype = np.int8 if spec.kind == "bool" else np.int32
        return np.array([-1 if v is None else int(v) for v in values], dtype=dtype)
    raise ValueError(f"{spec.name}: text properties are not kept in the view")


def empty_column(spec: FieldSpec, n: int) -> np.ndarray:
    """A column of ``n`` nulls in the encoding of ``spec``."""
    if spec.kind == "date":
        return np.full(n, NO_DATE, dtype=np.int32)
    if spec.kind in ("enum", "bool"):
        return np.full(n, -1, dtype=np.int8)
    if spec.kind == "float":
        return np.full(n, np.nan, dtype=np.float64)
    return np.full(n, -1, dtype=np.int32)


def decode_value(spec: FieldSpec, raw: Any) -> Any:
    """The Python value of one encoded cell (for networkx export and debugging)."""
    if spec.kind == "date":
        return None if raw == NO_DATE else date.fromordinal(_EPOCH.toordinal() + int(raw))
    if spec.kind == "enum":
        assert spec.enum is not None
        return None if raw < 0 else list(spec.enum)[int(raw)].value
    if spec.kind == "bool":
        return None if raw < 0 else bool(raw)
    if spec.kind == "float":
        return None if np.isnan(raw) else float(raw)
    return None if raw < 0 else int(raw)


@dataclass(frozen=True)
class RelIndex:
    """All relationships of one type: edges sorted by (src, dst), CSR both ways.

    ``out_ptr[u]:out_ptr[u+1]`` are the positions of ``u``'s outgoing edges;
    ``in_perm[in_ptr[v]:in_ptr[v+1]]`` the positions of ``v``'s incoming edges.
    """

    type: RelType
    src: np.ndarray
    dst: np.ndarray
    columns: dict[str, np.ndarray]
    out_ptr: np.ndarray
    in_perm: np.ndarray
    in_ptr: np.ndarray

    @classmethod
    def build(
        cls,
        rel_type: RelType,
        src: np.ndarray,
        dst: np.ndarray,
        columns: dict[str, np.ndarray],
        n_nodes: int,
    ) -> RelIndex:
        """Index edges already sorted by (src, dst) and free of duplicates."""
        src = src.astype(np.int32, copy=False)
        dst = dst.astype(np.int32, copy=False)
        out_ptr = np.zeros(n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(src, minlength=n_nodes), out=out_ptr[1:])
        in_perm = np.argsort(dst, kind="stable")
        in_ptr = np.zeros(n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(dst, minlength=n_nodes), out=in_ptr[1:])
        return cls(rel_type, src, dst, columns, out_ptr, in_perm, in_ptr)

    def __len__(self) -> int:
        return len(self.src)

    def out_positions(self, u: int) -> np.ndarray:
        if u >= len(self.out_ptr) - 1:
            return np.empty(0, dtype=np.int64)
        return np.arange(self.out_ptr[u], self.out_ptr[u + 1])

    def in_positions(self, v: int) -> np.ndarray:
        if v >= len(self.in_ptr) - 1:
            return np.empty(0, dtype=np.int64)
        return self.in_perm[self.in_ptr[v] : self.in_ptr[v + 1]]

    def targets(self, u: int) -> np.ndarray:
        """Nodes that ``u`` points to."""
        return self.dst[self.out_positions(u)]

    def sources(self, v: int) -> np.ndarray:
        """Nodes that point to ``v``."""
        return self.src[self.in_positions(v)]

    def out_degree(self) -> np.ndarray:
        return np.diff(self.out_ptr)

    def in_degree(self) -> np.ndarray:
        return np.diff(self.in_ptr)


@dataclass(frozen=True)
class GraphView:
    """An immutable snapshot of the graph for the algorithms; cache by ``version``.

    Node numbers (``nid``) index every array; a number whose label is -1 is free.
    """

    version: int
    ids: Sequence[str | None]
    index: dict[str, int]
    labels: np.ndarray
    node_columns: dict[str, np.ndarray]
    rels: dict[RelType, RelIndex]
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def n_slots(self) -> int:
        return len(self.labels)

    def nid(self, node_id: str, label: Label | None = None, field: str = "id") -> int:
        """Number of the node ``node_id``; :class:`NotFound` if absent or of another label."""
        nid = self.index.get(node_id)
        if nid is None or (label is not None and self.labels[nid] != LABEL_CODE[label]):
            raise NotFound(label.value if label else "node", node_id, field)
        return nid

    def label_of(self, nid: int) -> Label:
        return LABELS[int(self.labels[nid])]

    def nodes_with_label(self, label: Label) -> np.ndarray:
        """Numbers of all nodes of ``label``, ascending."""
        key = f"label:{label}"
        if key not in self._cache:
            self._cache[key] = np.flatnonzero(self.labels == LABEL_CODE[label])
        return self._cache[key]

    def rel(self, rel_type: RelType) -> RelIndex:
        return self.rels[rel_type]

    def column(self, label: Label, name: str) -> np.ndarray:
        """The view column of property ``name`` of ``label`` nodes, indexed by nid."""
        return self.node_columns[column_key(label, name)]

    @cached_property
    def node_counts(self) -> dict[Label, int]:
        counts = np.bincount(self.labels[self.labels >= 0], minlength=len(LABELS))
        return {label: int(counts[i]) for i, label in enumerate(LABELS)}

    @cached_property
    def rel_counts(self) -> dict[RelType, int]:
        return {t: len(self.rels[t]) for t in RelType}

    def iter_nodes(self) -> Iterator[tuple[int, str, Label]]:
        ids = cast("Sequence[str]", self.ids)  # a slot with a label holds a node
        for nid in np.flatnonzero(self.labels >= 0).tolist():
            yield nid, ids[nid], LABELS[int(self.labels[nid])]

    def to_networkx(self, rel_types: Sequence[RelType] | None = None) -> nx.MultiDiGraph:
        """The snapshot as a networkx graph keyed by node id.

        Nodes carry ``label`` and their view columns; edges carry ``key=type`` and their
        non-text properties. Undirected types appear once, from ``src`` to ``dst``.
        Meant for small graphs: tests, oracles and benchmark baselines.
        """
        from graph.frames import rel_specs

        g = nx.MultiDiGraph(version=self.version)
        node_specs = node_view_specs()
        for nid, node_id, label in self.iter_nodes():
            attrs = {
                spec.name: decode_value(spec, self.node_columns[key][nid])
                for key, (owner, spec) in node_specs.items()
                if owner == label
            }
            g.add_node(node_id, label=label.value, **attrs)
        for rel_type in rel_types or list(RelType):
            index = self.rels[rel_type]
            specs = [s for s in rel_specs(rel_type) if s.name in index.columns]
            for pos in range(len(index)):
                attrs = {s.name: decode_value(s, index.columns[s.name][pos]) for s in specs}
                g.add_edge(
                    self.ids[index.src[pos]], self.ids[index.dst[pos]], key=rel_type.value, **attrs
                )
        return g


def column_key(label: Label, name: str) -> str:
    """Key of a node view column: properties of the same name differ between labels."""
    return f"{label.value}.{name}"


def node_view_specs() -> dict[str, tuple[Label, FieldSpec]]:
    """The node properties kept as view columns, by :func:`column_key`."""
    from graph.schema import field_specs

    return {
        column_key(label, spec.name): (label, spec)
        for label, model in NODE_MODELS.items()
        for spec in field_specs(model)
        if spec.name in model.VIEW_FIELDS
    }


def rel_view_specs(rel_type: RelType) -> list[FieldSpec]:
    """The properties of ``rel_type`` kept as view columns (all but text)."""
    from graph.frames import rel_specs

    return [s for s in rel_specs(rel_type) if s.kind != "str"]


def is_undirected(rel_type: RelType) -> bool:
    return REL_MODELS[rel_type].UNDIRECTED
