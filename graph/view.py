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

Views of successive versions share what did not change (see
:mod:`graph.embedded.memory`): ids and numbers are read through :class:`NodeIds` and
:class:`NodeIndex` over structures shared by the views of a store, unchanged columns and
relationship types are the same arrays, and :attr:`GraphView.changes` says what changed,
so derived state (the search index) can follow a write instead of being rebuilt. Every
array a view holds is read-only.

Encoding of columns: enums are ``int8`` codes (index in the enum, -1 for null), booleans
``int8`` (0/1, -1 null), integers ``int32`` (-1 null), reals ``float64`` (NaN null) and
dates ``int32`` days since 1970-01-01 (:data:`NO_DATE` for null).
"""

from __future__ import annotations

import operator
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any, cast, overload

import networkx as nx
import numpy as np

from graph.edits import Edit, counting_order, extend_ptr, insert, shift_ptr
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
        in_ptr = np.zeros(n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(dst, minlength=n_nodes), out=in_ptr[1:])
        # A counting sort by target: what a stable argsort of ``dst`` gives, in linear time.
        in_perm = counting_order(dst, in_ptr)
        return cls(rel_type, src, dst, columns, out_ptr, in_perm, in_ptr)

    def spanning(self, n_nodes: int) -> RelIndex:
        """The same edges over ``n_nodes`` nodes (more than before: new nodes have none)."""
        if len(self.out_ptr) == n_nodes + 1:
            return self
        return RelIndex(
            self.type,
            self.src,
            self.dst,
            self.columns,
            extend_ptr(self.out_ptr, n_nodes),
            self.in_perm,
            extend_ptr(self.in_ptr, n_nodes),
        )

    def position(self, src: int, dst: int) -> int:
        """Position of the edge ``src → dst``, or -1."""
        at = self.insertion_point(src, dst)
        return at if at < self.out_ptr[src + 1] and self.dst[at] == dst else -1

    def insertion_point(self, src: int, dst: int) -> int:
        """Where the edge ``src → dst`` is or would go in the (src, dst) order."""
        if src >= len(self.out_ptr) - 1:
            return len(self.src)
        lo, hi = int(self.out_ptr[src]), int(self.out_ptr[src + 1])
        return lo + int(np.searchsorted(self.dst[lo:hi], dst))

    def edited(
        self,
        edit: Edit,
        added: tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]],
        updated: tuple[np.ndarray, dict[str, np.ndarray]],
        n_nodes: int,
    ) -> RelIndex:
        """The index after ``edit``: ``added`` = (src, dst, columns) of the inserted edges
        in their order, ``updated`` = (new positions, columns) of edges whose properties
        changed. One copy of each array and two compiled passes, never a sort."""
        a_src, a_dst, a_cols = added
        base = self.spanning(n_nodes)
        removed = edit.removed
        src = edit.apply(base.src, a_src)
        dst = edit.apply(base.dst, a_dst)
        columns = {name: edit.apply(arr, a_cols[name]) for name, arr in base.columns.items()}
        at, values = updated
        for name, arr in columns.items():
            if len(at):
                arr[at] = values[name]
        out_ptr = shift_ptr(base.out_ptr, base.src[removed], a_src)
        in_ptr = shift_ptr(base.in_ptr, base.dst[removed], a_dst)
        # in_perm: drop the removed edges from their target's block, renumber the rest,
        # then put each new edge into its target's block, in position order.
        ptr, perm = base.in_ptr, base.in_perm
        drop = np.array(
            [
                ptr[d] + np.searchsorted(perm[ptr[d] : ptr[d + 1]], p)
                for p, d in zip(removed.tolist(), base.dst[removed].tolist(), strict=True)
            ],
            dtype=np.int64,
        )
        drop.sort()
        kept = np.delete(base.in_perm, drop) if len(drop) else base.in_perm
        kept = edit.remap(kept)
        new_pos = edit.added
        order = np.lexsort((new_pos, a_dst))
        where = np.empty(len(order), dtype=np.int64)
        for j, i in enumerate(order.tolist()):
            d = int(a_dst[i])
            start = int(base.in_ptr[d]) - int(np.searchsorted(drop, base.in_ptr[d]))
            end = int(base.in_ptr[d + 1]) - int(np.searchsorted(drop, base.in_ptr[d + 1]))
            where[j] = start + np.searchsorted(kept[start:end], new_pos[i])
        in_perm = insert(kept, where, new_pos[order]) if len(order) else kept
        return RelIndex(self.type, src, dst, columns, out_ptr, in_perm, in_ptr)

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
    ``changes`` says what changed since the view built before it (None: unknown, e.g.
    after a full load), so that state derived from a view can follow at the cost of the
    change (:meth:`changes_since`).
    """

    version: int
    ids: Sequence[str | None]
    index: Mapping[str, int]
    labels: np.ndarray
    node_columns: dict[str, np.ndarray]
    rels: dict[RelType, RelIndex]
    changes: ViewChanges | None = field(default=None, compare=False, repr=False)
    log: ChangeLog | None = field(default=None, compare=False, repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def changes_since(self, version: int) -> ViewChanges | None:
        """What changed from the view of ``version`` to this one; None when unknown
        (the derived state must then be rebuilt)."""
        if version == self.version:
            return ViewChanges.nothing(version, self.n_slots)
        if self.changes is None or version > self.version:
            return None
        if self.changes.base == version:
            return self.changes
        return None if self.log is None else self.log.since(version, self.version)

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


# --------------------------------------------------------------------------- node ids


class NodeIds(Sequence[str | None]):
    """The ids of one view by node number: a prefix of a list shared by every view of a
    store, read through this view's labels (a slot whose label is -1 holds no node).

    The shared list is only appended to, never rewritten (the store copies it first if it
    must rewrite a slot), so an older view keeps answering as it did.

    >>> ids = NodeIds(["a", "b", "c"], np.array([0, -1], dtype=np.int8))
    >>> len(ids), ids[0], ids[1], list(ids)
    (2, 'a', None, ['a', None])
    """

    __slots__ = ("_ids", "_labels", "_n")

    def __init__(self, ids: list[str | None], labels: np.ndarray) -> None:
        self._ids = ids
        self._labels = labels
        self._n = len(labels)

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> str | None: ...
    @overload
    def __getitem__(self, i: slice) -> list[str | None]: ...
    def __getitem__(self, i: int | slice) -> str | list[str | None] | None:
        if isinstance(i, slice):
            return self.tolist()[i]
        nid = operator.index(i)
        if nid < 0:
            nid += self._n
        if not 0 <= nid < self._n:
            raise IndexError(f"node number {i} out of range")
        return self._ids[nid] if self._labels[nid] >= 0 else None

    def __iter__(self) -> Iterator[str | None]:
        return iter(self.tolist())

    def tolist(self) -> list[str | None]:
        out = self._ids[: self._n]
        for nid in np.flatnonzero(self._labels < 0).tolist():
            out[nid] = None
        return out

    def _live(self, node_id: str, nid: int) -> bool:
        return nid < self._n and self._labels[nid] >= 0 and self._ids[nid] == node_id


class NodeIndex(Mapping[str, int]):
    """Node numbers by id for one view, over the store's shared dictionary.

    The shared dictionary holds the current number of each id; ``retired`` the numbers an
    id had before it was deleted. A number is this view's answer only when this view has
    that id at that number, so later writes never change what an older view answers.

    >>> ids = NodeIds(["a", "b"], np.array([0, 0], dtype=np.int8))
    >>> index = NodeIndex({"b": 1, "c": 2}, {"a": [0]}, ids)
    >>> index.get("a"), index["b"], "c" in index, sorted(index)
    (0, 1, False, ['a', 'b'])
    """

    __slots__ = ("_ids", "_index", "_retired")

    def __init__(self, index: dict[str, int], retired: dict[str, list[int]], ids: NodeIds):
        self._index = index
        self._retired = retired
        self._ids = ids

    def get(self, node_id: str, default: Any = None) -> Any:
        nid = self._index.get(node_id)
        if nid is not None and self._ids._live(node_id, nid):
            return nid
        for old in self._retired.get(node_id, ()):
            if self._ids._live(node_id, old):
                return old
        return default

    def __getitem__(self, node_id: str) -> int:
        nid = self.get(node_id)
        if nid is None:
            raise KeyError(node_id)
        return cast(int, nid)

    def __contains__(self, node_id: object) -> bool:
        return isinstance(node_id, str) and self.get(node_id) is not None

    def __iter__(self) -> Iterator[str]:
        ids = self._ids._ids
        return (cast(str, ids[n]) for n in np.flatnonzero(self._ids._labels >= 0).tolist())

    def __len__(self) -> int:
        return int(np.count_nonzero(self._ids._labels >= 0))


# --------------------------------------------------------------------------- changes


def edge_keys(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """One int64 per edge, ordered like (src, dst).

    >>> edge_keys(np.array([1]), np.array([2])).tolist()
    [4294967298]
    """
    return (np.asarray(src, dtype=np.int64) << 32) | np.asarray(dst, dtype=np.int64)


def key_ends(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(src, dst) of :func:`edge_keys`."""
    keys = np.asarray(keys, dtype=np.int64)
    return keys >> 32, keys & 0xFFFFFFFF


_NO_KEYS = np.empty(0, dtype=np.int64)


@dataclass(frozen=True)
class RelChanges:
    """The relationships of one type that changed, as :func:`edge_keys` (ascending):
    ``removed`` were there before and are not now, ``added`` were not and are now,
    ``updated`` are in both and may have new properties."""

    removed: np.ndarray = field(default_factory=lambda: _NO_KEYS)
    added: np.ndarray = field(default_factory=lambda: _NO_KEYS)
    updated: np.ndarray = field(default_factory=lambda: _NO_KEYS)

    def __len__(self) -> int:
        return len(self.removed) + len(self.added) + len(self.updated)

    def then(self, later: RelChanges) -> RelChanges:
        """These changes followed by ``later`` ones, as one set of changes."""
        rem1, add1, upd1 = (set(a.tolist()) for a in (self.removed, self.added, self.updated))
        rem2, add2, upd2 = (set(a.tolist()) for a in (later.removed, later.added, later.updated))
        removed, added, updated = [], [], []
        for k in rem1 | add1 | upd1 | rem2 | add2 | upd2:
            if k in rem1 or k in upd1:
                before = True
            elif k in add1:
                before = False
            else:  # untouched at first: there before iff the later changes found it
                before = k in rem2 or k in upd2
            in_between = (before and k not in rem1) or k in add1
            after = (k in add2 or k in upd2) if k in rem2 | add2 | upd2 else in_between
            if before and not after:
                removed.append(k)
            elif after and not before:
                added.append(k)
            elif before and after:
                updated.append(k)
        return RelChanges(*(np.array(sorted(x), dtype=np.int64) for x in (removed, added, updated)))


def _union(a: np.ndarray | None, b: np.ndarray | None, below: int) -> np.ndarray:
    found = np.union1d(_NO_KEYS if a is None else a, _NO_KEYS if b is None else b)
    return found[found < below].astype(np.int64)


@dataclass(frozen=True)
class ViewChanges:
    """What changed from the view of version ``base`` (with ``n_base`` slots).

    Nodes numbered ``n_base`` and up are new. Below that: ``upserted`` lists every node
    written by an upsert (changed or not: text properties are not in the view),
    ``columns`` per view column the nodes whose value changed, ``labels`` the nodes whose
    label changed (deleted). ``rels`` holds the changed relationship types only: every
    other type's :class:`RelIndex` is the very same object in both views.
    """

    base: int
    n_base: int
    upserted: np.ndarray = field(default_factory=lambda: _NO_KEYS)
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    labels: np.ndarray = field(default_factory=lambda: _NO_KEYS)
    rels: dict[RelType, RelChanges] = field(default_factory=dict)

    @classmethod
    def nothing(cls, version: int, n_slots: int) -> ViewChanges:
        return cls(version, n_slots)

    @property
    def size(self) -> int:
        """Changed nodes and relationships (new nodes are counted by the caller)."""
        return len(self.upserted) + len(self.labels) + sum(len(c) for c in self.rels.values())

    def changed(self, *keys: str) -> np.ndarray:
        """Nodes (below ``n_base``) whose value changed in any of the columns ``keys``."""
        found = [self.columns[k] for k in keys if k in self.columns]
        return np.unique(np.concatenate(found)) if found else _NO_KEYS

    def then(self, later: ViewChanges) -> ViewChanges:
        """These changes followed by ``later`` ones (which start where these end)."""
        n = self.n_base
        rels = dict(self.rels)
        for rel_type, change in later.rels.items():
            rels[rel_type] = rels[rel_type].then(change) if rel_type in rels else change
        return ViewChanges(
            base=self.base,
            n_base=n,
            upserted=np.union1d(self.upserted, later.upserted).astype(np.int64),
            columns={
                k: _union(self.columns.get(k), later.columns.get(k), n)
                for k in self.columns.keys() | later.columns.keys()
            },
            labels=_union(self.labels, later.labels, n),
            rels=rels,
        )


class ChangeLog:
    """The changes of the last few views of a store, shared by those views, so a state
    derived from an older view can catch up over several versions.

    Bound: the newest ``size`` views' changes (each as large as its writes).
    """

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._by_version: OrderedDict[int, ViewChanges] = OrderedDict()

    def record(self, version: int, changes: ViewChanges) -> None:
        with self._lock:
            self._by_version[version] = changes
            while len(self._by_version) > self.size:
                self._by_version.popitem(last=False)

    def since(self, base: int, version: int) -> ViewChanges | None:
        """The changes from the view of ``base`` to that of ``version``, if all are kept."""
        with self._lock:
            found = self._by_version.get(version)
            while found is not None and found.base > base:
                earlier = self._by_version.get(found.base)
                found = None if earlier is None else earlier.then(found)
        return found if found is not None and found.base == base else None


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
