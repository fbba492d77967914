"""A store's in-memory mirror of its database, and the views built from it (both stores).

A :class:`Memory` holds what the algorithms read, as numpy arrays indexed by node number:
labels, the view's node columns, and per relationship type a sorted
:class:`~graph.view.RelIndex` plus the small deltas written since it was built. A store
loads it in one snapshot (the embedded store from its tables,
:func:`graph.embedded.memory.load`; the Neo4j store from a streamed view,
:meth:`Memory.of`), keeps it in step after each commit (:meth:`Memory.apply`,
:meth:`Memory.forget_node`, :meth:`Memory.forget_relationship`), and turns it into an
immutable :class:`~graph.view.GraphView` on demand (:func:`build_view`).

Decisions:

* **A view costs what changed since the previous one.** Node columns and labels are
  prefixes of :class:`Growable` buffers shared with the views; a write copies a column
  (one ``memcpy``) only when a value at a number some view holds changes, so a member
  update copies the one or two columns it changed, and new nodes write past every view's
  end without copying. Ids and numbers are never copied per view: the id list is only
  appended to (a deleted node keeps its id there; its label -1 hides it) and the view
  reads it through its own labels (:class:`~graph.view.NodeIds`); the id → number
  dictionary is shared, with the numbers of deleted ids kept in ``retired``, and a view
  accepts a number only if it holds that id there (:class:`~graph.view.NodeIndex`).
  A relationship type without deltas is the same :class:`~graph.view.RelIndex`.
* Writes append deltas; the next view applies them: up to :data:`PATCH_MAX` changed
  relationships of a type, as an edit of the sorted arrays (:func:`patch`: one copy of
  each array, no sort); past it (a batch, an import), with one merge and sort
  (:func:`merge`), so a seed of millions of ties pays for one merge, not one per batch.
* Each view says what changed since the view before it (:class:`~graph.view.ViewChanges`,
  also recorded in the shared :class:`~graph.view.ChangeLog`); it is None after a full
  load or a merge past :data:`PATCH_MAX`, and state derived from views rebuilds then.
* Arrays grow by doubling (:class:`Growable`): appending a batch of new nodes does not
  copy every column.
* Big frames resolve their ids by binary search over 64-bit hashes of the ids
  (:meth:`Memory.directory`) instead of a Python dictionary lookup per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Any, Protocol

import numpy as np

from graph.edits import Edit
from graph.frames import ValidRels
from graph.model import NodeRecord, RelType
from graph.view import (
    LABEL_CODE,
    NO_DATE,
    ChangeLog,
    GraphView,
    NodeIds,
    NodeIndex,
    RelChanges,
    RelIndex,
    ViewChanges,
    edge_keys,
    empty_column,
    encode_column,
    key_ends,
    node_view_specs,
    rel_view_specs,
)

#: a pending change of one relationship type: ("upsert", (src, dst, columns)),
#: ("delete_nodes", nids) or ("delete_keys", (src, dst))
Delta = tuple[str, Any]


class Planned(Protocol):
    """A committed write as :meth:`Memory.apply` mirrors it (the embedded store's
    :class:`~graph.embedded.plan.Plan`, or one rebuilt from a change log entry)."""

    @property
    def nodes(self) -> Sequence[tuple[int, NodeRecord]]:
        """(number, record) of every node written."""

    @property
    def new(self) -> dict[str, int]:
        """Numbers of the new nodes among them (the next free numbers, in order)."""

    @property
    def props(self) -> Sequence[dict[str, Any]]:
        """Storage values of each written node (``record.props()``), as ``nodes``."""

    @property
    def rels(self) -> Sequence[tuple[ValidRels, np.ndarray, np.ndarray]]:
        """Relationships with their ends' numbers."""


class Growable:
    """A numpy array with amortised appends (capacity doubles), copied before a write
    only when a view shares the part written (copy-on-write)."""

    def __init__(self, fill: np.ndarray) -> None:
        self._fill = fill  # one-element array giving dtype and null value
        self.data = np.repeat(fill, 1024)
        #: length of the prefix of ``data`` that views hold (writes there copy first)
        self.shared = 0

    @classmethod
    def over(cls, data: np.ndarray, fill: np.ndarray) -> Growable:
        """A growable array whose values are ``data`` (a read-only map of a snapshot,
        say): its first write or growth copies them (:mod:`graph.embedded.snapshot`)."""
        grown = cls.__new__(cls)
        grown._fill = fill
        grown.data = data
        grown.shared = len(data)
        return grown

    def ensure(self, n: int) -> None:
        if n > len(self.data):
            grown = np.repeat(self._fill, max(n, 2 * len(self.data)))
            grown[: len(self.data)] = self.data
            self.data = grown
            self.shared = 0

    def export(self, n: int) -> np.ndarray:
        """The first ``n`` values, read-only, shared with this array until it is written."""
        self.shared = max(self.shared, n)
        out = self.data[:n]
        out.flags.writeable = False
        return out

    def write(self, nids: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Write ``values`` at ``nids``; returns the numbers whose value changed."""
        old = self.data[nids]
        changed = (old != values) & ~(_isnan(old) & _isnan(values))
        nids, values = nids[changed], values[changed]
        if len(nids):
            if not self.data.flags.writeable or (self.shared and int(nids.min()) < self.shared):
                self.data = self.data.copy()
                self.shared = 0
            self.data[nids] = values
        return nids


def _isnan(a: np.ndarray) -> np.ndarray:
    return np.isnan(a) if a.dtype.kind == "f" else np.zeros(a.shape, dtype=bool)


class _Since:
    """What changed since the last view was built (see :class:`~graph.view.ViewChanges`)."""

    def __init__(self, version: int, n_slots: int) -> None:
        self.version = version
        self.n_slots = n_slots
        self.upserted: set[int] = set()
        self.columns: dict[str, set[int]] = {}
        self.labels: set[int] = set()

    def column(self, key: str, nids: np.ndarray) -> None:
        below = nids[nids < self.n_slots]
        if len(below):
            self.columns.setdefault(key, set()).update(below.tolist())


class Memory:
    """The in-memory mirror of the database, from which views are built."""

    def __init__(self) -> None:
        self.version = 0
        self.index: dict[str, int] = {}
        #: id by node number; shared with the views, so only appended to (a deleted node
        #: keeps its id here: its label, -1, says it is gone)
        self.ids: list[str | None] = []
        #: numbers an id had before it was deleted (older views still answer with them)
        self.retired: dict[str, list[int]] = {}
        self.labels = Growable(np.array([-1], dtype=np.int8))
        self.columns = {
            key: Growable(empty_column(spec, 1)) for key, (_, spec) in node_view_specs().items()
        }
        self.rel_base: dict[RelType, RelIndex | None] = dict.fromkeys(RelType)
        self.pending: dict[RelType, list[Delta]] = {t: [] for t in RelType}
        self.view: GraphView | None = None
        self.log = ChangeLog()
        #: changes since the last view; None until a first view is built (a full load)
        self.since: _Since | None = None
        self._ids_shared = 0
        self._directory: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @classmethod
    def of(cls, view: GraphView) -> Memory:
        """A memory holding what ``view`` holds (a view read in full, e.g. streamed from
        Neo4j), from which views sharing their arrays are built; ``view`` is not kept."""
        mem = cls()
        n = view.n_slots
        mem.version = view.version
        mem.ensure_slots(n)
        mem.ids[:n] = list(view.ids)
        mem.index.update(view.index)
        mem.labels.data[:n] = view.labels
        for key, column in mem.columns.items():
            column.data[:n] = view.node_columns[key]
        for rel_type in RelType:
            mem.rel_base[rel_type] = view.rels[rel_type]
        return mem

    def directory(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(hashes sorted, their ids, their numbers): resolves big frames without a dict."""
        if self._directory is None:
            ids = np.array(list(self.index), dtype=str) if self.index else np.empty(0, "<U1")
            nids = np.fromiter(self.index.values(), dtype=np.int64, count=len(self.index))
            hashes = hash_ids(ids)
            order = np.argsort(hashes, kind="stable")
            self._directory = (hashes[order], ids[order], nids[order])
        return self._directory

    def forget_directory(self) -> None:
        self._directory = None

    @property
    def n_slots(self) -> int:
        return len(self.ids)

    def ensure_slots(self, n: int) -> None:
        if n > len(self.ids):
            self.ids.extend([None] * (n - len(self.ids)))
        self.labels.ensure(n)
        for col in self.columns.values():
            col.ensure(n)

    def _set_id(self, nid: int, node_id: str) -> None:
        old = self.ids[nid]
        if old is not None and old != node_id and nid < self._ids_shared:
            self.ids = list(self.ids)  # a view reads this slot: rewrite a copy
            self._ids_shared = 0
        self.ids[nid] = node_id

    def apply(self, plan: Planned, version: int) -> None:
        """Mirror a committed batch (raises on any surprise: the caller reloads then)."""
        self.ensure_slots(self.n_slots + len(plan.new))
        if plan.new:
            self.forget_directory()
        for node_id, nid in plan.new.items():
            self.index[node_id] = nid
            self._set_id(nid, node_id)
        specs = node_view_specs()
        ordered = sorted(
            zip(plan.nodes, plan.props, strict=True), key=lambda item: item[0][1].label
        )
        since = self.since
        for label, group in groupby(ordered, key=lambda item: item[0][1].label):
            items = list(group)
            nids = np.fromiter((nid for (nid, _), _ in items), dtype=np.int64, count=len(items))
            codes = np.full(len(nids), LABEL_CODE[label], dtype=np.int8)
            relabelled = self.labels.write(nids, codes)
            dumped = [props for _, props in items]
            changed = {
                key: self.columns[key].write(
                    nids, encode_column(spec, [d[spec.name] for d in dumped])
                )
                for key, (owner, spec) in specs.items()
                if owner == label
            }
            if since is not None:
                since.upserted.update(nids.tolist())
                since.labels.update(relabelled[relabelled < since.n_slots].tolist())
                for key, at in changed.items():
                    since.column(key, at)
        for rel, src, dst in plan.rels:
            cols = {
                s.name: days(rel.dates[s.name])
                if s.name in rel.dates
                else encode_column(s, rel.columns[s.name])
                for s in rel_view_specs(rel.type)
            }
            self.pending[rel.type].append(("upsert", (src, dst, cols)))
        self.version = version

    def forget_node(self, node_id: str, nid: int, version: int) -> None:
        """Mirror a committed delete of a node and its relationships."""
        del self.index[node_id]
        self.retired.setdefault(node_id, []).append(nid)
        self.forget_directory()
        at = np.array([nid], dtype=np.int64)
        self.labels.write(at, np.array([-1], dtype=np.int8))
        since = self.since
        if since is not None and nid < since.n_slots:
            since.labels.add(nid)
        for key, (_, spec) in node_view_specs().items():
            changed = self.columns[key].write(at, empty_column(spec, 1))
            if since is not None:
                since.column(key, changed)
        for rel_type in RelType:
            self.pending[rel_type].append(("delete_nodes", at))
        self.version = version

    def forget_relationship(self, rel_type: RelType, src: int, dst: int, version: int) -> None:
        """Mirror a committed delete of one relationship (by its ends' numbers)."""
        self.pending[rel_type].append(
            ("delete_keys", (np.array([src], np.int64), np.array([dst], np.int64)))
        )
        self.version = version


# --------------------------------------------------------------------------- views


def build_view(mem: Memory) -> GraphView:
    """The view of ``mem``'s version, sharing with the previous view all it can.

    Node columns and labels are prefixes of ``mem``'s arrays (copied by ``mem`` before a
    write only if a view holds them); ids and numbers are read through the shared list
    and dictionary; a relationship type with pending deltas is patched (:func:`patch`)
    or, past :data:`PATCH_MAX` changed relationships, merged again (:func:`merge`).
    """
    n = mem.n_slots
    since = mem.since
    rels: dict[RelType, RelIndex] = {}
    rel_changes: dict[RelType, RelChanges] = {}
    known = since is not None
    for rel_type in RelType:
        base, pending = mem.rel_base[rel_type], mem.pending[rel_type]
        if pending and base is not None and known:
            patched = patch(rel_type, base, pending, n)
            if patched is None:
                known = False
                base = merge(rel_type, base, pending, n)
            else:
                base, change = patched
                if len(change):
                    rel_changes[rel_type] = change
        elif pending or base is None:
            base = merge(rel_type, base, pending, n)
        else:
            base = base.spanning(n)
        mem.pending[rel_type] = []
        mem.rel_base[rel_type] = rels[rel_type] = base
    labels = mem.labels.export(n)
    ids = NodeIds(mem.ids, labels)
    mem._ids_shared = n
    changes = None
    if known and since is not None:
        changes = ViewChanges(
            base=since.version,
            n_base=since.n_slots,
            upserted=np.array(sorted(since.upserted), dtype=np.int64),
            columns={k: np.array(sorted(v), dtype=np.int64) for k, v in since.columns.items()},
            labels=np.array(sorted(since.labels), dtype=np.int64),
            rels=rel_changes,
        )
        mem.log.record(mem.version, changes)
    mem.since = _Since(mem.version, n)
    return GraphView(
        version=mem.version,
        ids=ids,
        index=NodeIndex(mem.index, mem.retired, ids),
        labels=labels,
        node_columns={k: c.export(n) for k, c in mem.columns.items()},
        rels=rels,
        changes=changes,
        log=mem.log,
    )


#: past this many changed relationships of one type, a view merges them again (a sort)
#: rather than patching its arrays, and says its changes are unknown
PATCH_MAX = 10_000


def patch(
    rel_type: RelType, base: RelIndex, pending: list[Delta], n_slots: int
) -> tuple[RelIndex, RelChanges] | None:
    """Apply a few pending deltas to ``base`` at the cost of one copy of its arrays, and
    say which relationships changed; None when there are more than :data:`PATCH_MAX`."""
    if sum(_delta_size(kind, p) for kind, p in pending) > PATCH_MAX:
        return None
    names = [s.name for s in rel_view_specs(rel_type)]
    # The net effect of the deltas, in write order: key -> row of values, or None (gone).
    net: dict[int, tuple[Any, ...] | None] = {}
    for kind, payload in pending:
        if kind == "upsert":
            src, dst, cols = payload
            rows = (
                zip(*(cols[name].tolist() for name in names), strict=True)
                if names
                else (() for _ in range(len(src)))
            )
            for key, row in zip(edge_keys(src, dst).tolist(), rows, strict=True):
                net[key] = tuple(row)
        elif kind == "delete_keys":
            for key in edge_keys(*payload).tolist():
                net[key] = None
        else:  # delete_nodes: every edge at those nodes, stored or pending
            gone = set(payload.tolist())
            spanned = base.spanning(max(n_slots, len(base.out_ptr) - 1))
            for nid in gone:
                pos = np.concatenate([spanned.out_positions(nid), spanned.in_positions(nid)])
                for key in edge_keys(base.src[pos], base.dst[pos]).tolist():
                    net[key] = None
            for key in list(net):
                if key >> 32 in gone or key & 0xFFFFFFFF in gone:
                    net[key] = None
        if len(net) > PATCH_MAX:
            return None
    spanned = base.spanning(n_slots)
    removed_pos: list[int] = []
    removed_keys: list[int] = []
    updated_keys: list[int] = []
    added_keys: list[int] = []
    updated_rows: list[tuple[Any, ...]] = []
    added_rows: list[tuple[Any, ...]] = []
    insert_points: list[int] = []
    for key in sorted(net):
        found = net[key]
        src, dst = key >> 32, key & 0xFFFFFFFF
        at = spanned.position(src, dst)
        if at >= 0 and found is None:
            removed_pos.append(at)
            removed_keys.append(key)
        elif at >= 0 and found is not None:
            updated_keys.append(key)
            updated_rows.append(found)
        elif found is not None:
            added_keys.append(key)
            added_rows.append(found)
            insert_points.append(spanned.insertion_point(src, dst))
    change = RelChanges(
        *(np.array(k, dtype=np.int64) for k in (removed_keys, added_keys, updated_keys))
    )
    if not len(change):
        return spanned, change
    removed = np.array(removed_pos, dtype=np.int64)
    insert_at = np.array(insert_points, dtype=np.int64)
    insert_at -= np.searchsorted(removed, insert_at)  # counted after the removals
    edit = Edit(removed, insert_at, len(base))
    a_src, a_dst = key_ends(np.array(added_keys, dtype=np.int64))
    a_cols = _columns(rel_type, added_rows)
    u_cols = _columns(rel_type, updated_rows)
    old_at = np.array(
        [spanned.position(k >> 32, k & 0xFFFFFFFF) for k in updated_keys], dtype=np.int64
    )
    patched = spanned.edited(edit, (a_src, a_dst, a_cols), (edit.remap(old_at), u_cols), n_slots)
    change = RelChanges(
        *(np.array(k, dtype=np.int64) for k in (removed_keys, added_keys, updated_keys))
    )
    return patched, change


def _delta_size(kind: str, payload: Any) -> int:
    return len(payload[0]) if kind in ("upsert", "delete_keys") else len(payload)


def _columns(rel_type: RelType, rows: list[tuple[Any, ...]]) -> dict[str, np.ndarray]:
    """Rows of view values as columns in the view's dtypes."""
    specs = rel_view_specs(rel_type)
    return {
        s.name: np.array([row[i] for row in rows], dtype=empty_column(s, 0).dtype)
        if rows
        else empty_column(s, 0)
        for i, s in enumerate(specs)
    }


_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


def hash_ids(ids: np.ndarray) -> np.ndarray:
    """64-bit FNV-1a of each id of a numpy text array, vectorised over characters.

    numpy pads shorter strings with NUL code points, which ids never contain, so padding
    is skipped and the hash of an id does not depend on the array's width.

    >>> a, b = hash_ids(np.array(["p-1", "p-10"])), hash_ids(np.array(["p-1"]))
    >>> bool(a[0] == b[0]), bool(a[0] != a[1])
    (True, True)
    """
    width = ids.dtype.itemsize // 4
    codes = np.ascontiguousarray(ids).view(np.uint32).reshape(len(ids), width)
    h = np.full(len(ids), _FNV_OFFSET, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(width):
            c = codes[:, j].astype(np.uint64)
            h = np.where(c != 0, (h ^ c) * _FNV_PRIME, h)
    return h


def days(dates: np.ndarray) -> np.ndarray:
    """datetime64[D] as the view's int32 day numbers."""
    out = dates.astype(np.int64)
    out[np.isnat(dates)] = NO_DATE
    return out.astype(np.int32)


def _keys(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    return (src.astype(np.int64) << 32) | dst.astype(np.int64)


def merge(rel_type: RelType, base: RelIndex | None, pending: list[Delta], n_slots: int) -> RelIndex:
    """Apply pending upserts and deletes to a relationship index, with numpy."""
    specs = rel_view_specs(rel_type)
    if base is None:
        src = np.empty(0, np.int64)
        dst = np.empty(0, np.int64)
        cols = {s.name: empty_column(s, 0) for s in specs}
    else:
        src, dst, cols = base.src.astype(np.int64), base.dst.astype(np.int64), dict(base.columns)
    for kind, group in groupby(pending, key=lambda item: item[0]):
        payloads = [p for _, p in group]
        if kind == "upsert":
            s = np.concatenate([p[0] for p in payloads])
            d = np.concatenate([p[1] for p in payloads])
            c = {name: np.concatenate([p[2][name] for p in payloads]) for name in cols}
            keys = _keys(s, d)
            # Last write wins within the group. A stable sort keeps equal keys in write
            # order, so the last of each run of equal keys is the one to keep.
            order = np.argsort(keys, kind="stable")
            sorted_keys = keys[order]
            last = np.ones(len(order), dtype=bool)
            last[:-1] = sorted_keys[1:] != sorted_keys[:-1]
            keep = order[last]
            s, d, keys = s[keep], d[keep], sorted_keys[last]
            c = {name: arr[keep] for name, arr in c.items()}
            stay = ~np.isin(_keys(src, dst), keys) if len(src) else np.ones(0, dtype=bool)
            src = np.concatenate([src[stay], s])
            dst = np.concatenate([dst[stay], d])
            cols = {name: np.concatenate([cols[name][stay], c[name]]) for name in cols}
        else:
            if kind == "delete_nodes":
                gone = np.concatenate(payloads)
                stay = ~(np.isin(src, gone) | np.isin(dst, gone))
            else:  # delete_keys
                keys = np.concatenate([_keys(a, b) for a, b in payloads])
                stay = ~np.isin(_keys(src, dst), keys)
            src, dst = src[stay], dst[stay]
            cols = {name: arr[stay] for name, arr in cols.items()}
    # Both parts are sorted runs here, which a stable (merge-based) sort joins in linear time.
    order = np.argsort(_keys(src, dst), kind="stable")
    return RelIndex.build(
        rel_type, src[order], dst[order], {name: arr[order] for name, arr in cols.items()}, n_slots
    )
