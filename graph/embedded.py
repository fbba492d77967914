"""The embedded store: SQLite on disk for durability, numpy arrays in memory for speed.

* Durability: one SQLite database in WAL mode with ``synchronous=FULL``; every batch is
  one ``BEGIN IMMEDIATE … COMMIT`` transaction, so an acknowledged write survives a
  ``kill -9`` (and a power cut) and a failed or interrupted one leaves nothing behind.
* Validation happens completely before the transaction starts: a bad batch writes
  nothing and raises an error naming the field and row.
* Speed: the algorithms read a :class:`~graph.view.GraphView` built from in-memory arrays
  that are kept in step with the database after each commit. Writes append small deltas;
  the next :meth:`EmbeddedStore.view` merges them with numpy, so a seed of millions of
  ties pays for one merge, not one per batch.
* Several processes may open the same directory (API workers): a process that sees a
  version on disk it did not write reloads its memory before answering.

Tables: ``nodes(nid, id, label, props JSON)`` and one ``rel_<type>`` table per
relationship type with typed columns derived from the model, keyed by
``(src, dst)`` node numbers.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import groupby, repeat
from pathlib import Path
from typing import Any

import numpy as np

from graph.errors import Conflict, InvalidInput, NotFound, StoreUnavailable
from graph.frames import ValidRels, frames_from_records, rel_specs, validate_rel_frame
from graph.model import (
    NODE_MODELS,
    REL_MODELS,
    Label,
    NodeRecord,
    RelRecord,
    RelType,
    parse_label,
)
from graph.schema import FieldSpec, field_specs
from graph.store import Batch, Counts, DeleteResult, Direction, WriteResult
from graph.view import (
    LABEL_CODE,
    LABELS,
    NO_DATE,
    GraphView,
    RelIndex,
    empty_column,
    encode_column,
    node_view_specs,
    rel_view_specs,
)

SCHEMA_VERSION = "1"
DB_FILE = "passerelle.sqlite3"
_READ_CHUNK = 500_000


def _table(rel_type: RelType) -> str:
    return f"rel_{rel_type.value.lower()}"


def _schema_sql() -> list[str]:
    # Table and column names come from the model classes, never from input.
    stmts = [
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS nodes ("
        " nid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, label TEXT NOT NULL,"
        " props TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS nodes_label ON nodes(label)",
    ]
    for rel_type in RelType:
        cols = "".join(
            f", {s.name} {s.sql_type}{'' if s.nullable else ' NOT NULL'}"
            for s in rel_specs(rel_type)
        )
        table = _table(rel_type)
        stmts.append(
            f"CREATE TABLE IF NOT EXISTS {table} (src INTEGER NOT NULL, dst INTEGER NOT NULL{cols},"
            " PRIMARY KEY (src, dst)) WITHOUT ROWID"
        )
        stmts.append(f"CREATE INDEX IF NOT EXISTS {table}_dst ON {table}(dst)")
    return stmts


def _upsert_rel_sql(rel_type: RelType) -> str:
    # Every column is given, so replacing the row on a key conflict is an upsert, and
    # SQLite's REPLACE path is cheaper than ON CONFLICT DO UPDATE for bulk loads.
    names = [s.name for s in rel_specs(rel_type)]
    cols = ", ".join(["src", "dst", *names])
    marks = ", ".join("?" * (len(names) + 2))
    return f"INSERT OR REPLACE INTO {_table(rel_type)} ({cols}) VALUES ({marks})"


def _view_expr(spec: FieldSpec, column: str) -> str:
    """SQL computing the view encoding of a stored value, so loading runs in SQLite's C.

    Must agree with :func:`graph.view.encode_column` (a test checks both paths).
    """
    if spec.kind == "date":
        return f"COALESCE(CAST(julianday({column}) - 2440587.5 AS INTEGER), {NO_DATE})"
    if spec.kind == "enum":
        assert spec.enum is not None
        cases = " ".join(f"WHEN '{m.value}' THEN {i}" for i, m in enumerate(spec.enum))
        return f"(CASE {column} {cases} ELSE -1 END)"
    if spec.kind == "float":
        return f"COALESCE({column}, 'NaN')"
    return f"COALESCE({column}, -1)"


_NUMPY_TYPE = {"date": "i4", "enum": "i1", "bool": "i1", "int": "i4", "float": "f8"}


class _Growable:
    """A numpy array with amortised appends (capacity doubles)."""

    def __init__(self, fill: np.ndarray) -> None:
        self._fill = fill  # one-element array giving dtype and null value
        self.data = np.repeat(fill, 1024)

    def ensure(self, n: int) -> None:
        if n > len(self.data):
            grown = np.repeat(self._fill, max(n, 2 * len(self.data)))
            grown[: len(self.data)] = self.data
            self.data = grown


class _Memory:
    """The in-memory mirror of the database, from which views are built."""

    def __init__(self) -> None:
        self.version = 0
        self.index: dict[str, int] = {}
        self.ids: list[str | None] = []
        self.labels = _Growable(np.array([-1], dtype=np.int8))
        self.columns = {
            key: _Growable(empty_column(spec, 1)) for key, (_, spec) in node_view_specs().items()
        }
        self.rel_base: dict[RelType, RelIndex | None] = dict.fromkeys(RelType)
        self.pending: dict[RelType, list[tuple[str, Any]]] = {t: [] for t in RelType}
        self.view: GraphView | None = None
        self._directory: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def directory(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(hashes sorted, their ids, their numbers): resolves big frames without a dict."""
        if self._directory is None:
            ids = np.array(list(self.index), dtype=str) if self.index else np.empty(0, "<U1")
            nids = np.fromiter(self.index.values(), dtype=np.int64, count=len(self.index))
            hashes = _hash_ids(ids)
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


class EmbeddedStore:
    """The default :class:`~graph.store.GraphStore`: a directory holding one SQLite file."""

    def __init__(self, data_dir: str | Path, *, busy_timeout_s: float = 10.0) -> None:
        self.data_dir = Path(data_dir)
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self.path = self.data_dir / DB_FILE
            self._busy_timeout_s = busy_timeout_s
            self._conn = self._connect()
            self._init_schema()
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailable(
                f"cannot open the embedded store in {self.data_dir}: {exc}"
            ) from None
        self._lock = threading.RLock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._mem = _Memory()
        self._stale = True
        self._closed = False
        self._sync()

    # ------------------------------------------------------------------ connections

    def _connect(self, read_only: bool = False) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=self._busy_timeout_s, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA cache_size=-131072")  # 128 MiB of page cache
        conn.execute("PRAGMA temp_store=MEMORY")
        if read_only:
            conn.execute("PRAGMA query_only=1")
        return conn

    def _init_schema(self) -> None:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            for stmt in _schema_sql():
                conn.execute(stmt)
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO meta VALUES ('schema', ?), ('version', '0')", (SCHEMA_VERSION,)
                )
            elif row[0] != SCHEMA_VERSION:
                raise StoreUnavailable(
                    f"store schema {row[0]} is not supported (expected {SCHEMA_VERSION})"
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _reader(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise StoreUnavailable("the store is closed")
            conn = self._connect(read_only=True)
            self._local.conn = conn
            with self._lock:
                self._readers.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for conn in [*self._readers, self._conn]:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._readers.clear()

    def __enter__(self) -> EmbeddedStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ version and memory

    def _disk_version(self, conn: sqlite3.Connection | None = None) -> int:
        row = (
            (conn or self._conn).execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        )
        return int(row[0])

    @property
    def version(self) -> int:
        with self._lock:
            self._sync()
            return self._mem.version

    def _sync(self) -> None:
        """Reload memory when it is stale or another process has written."""
        if self._closed:
            raise StoreUnavailable("the store is closed")
        try:
            if self._stale or self._disk_version() != self._mem.version:
                self._mem = self._load()
                self._stale = False
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot read the embedded store: {exc}") from None

    def _load(self) -> _Memory:
        """Rebuild the in-memory graph from the database."""
        conn = self._conn
        mem = _Memory()
        conn.execute("BEGIN")  # one consistent snapshot of every table
        try:
            mem.version = self._disk_version(conn)
            rows = conn.execute("SELECT nid, id, label FROM nodes ORDER BY nid").fetchall()
            n_slots = (rows[-1][0] + 1) if rows else 0
            mem.ensure_slots(n_slots)
            labels = mem.labels.data
            for nid, node_id, label in rows:
                mem.index[node_id] = nid
                mem.ids[nid] = node_id
                labels[nid] = LABEL_CODE[Label(label)]
            del rows
            by_label: dict[Label, list[tuple[str, FieldSpec]]] = {}
            for key, (label, spec) in node_view_specs().items():
                by_label.setdefault(label, []).append((key, spec))
            for label, cols in by_label.items():
                exprs = ", ".join(
                    _view_expr(spec, f"json_extract(props, '$.{spec.name}')") for _, spec in cols
                )
                cur = conn.execute(
                    f"SELECT nid, {exprs} FROM nodes WHERE label = ?", (label.value,)
                )
                dtype = [("nid", "i8")] + [(key, _NUMPY_TYPE[spec.kind]) for key, spec in cols]
                table = np.fromiter(cur, dtype=dtype)
                for key, _ in cols:
                    mem.columns[key].data[table["nid"]] = table[key]
            for rel_type in RelType:
                mem.rel_base[rel_type] = self._load_rel(conn, rel_type, n_slots)
        finally:
            conn.execute("COMMIT")
        return mem

    def _load_rel(self, conn: sqlite3.Connection, rel_type: RelType, n_slots: int) -> RelIndex:
        specs = rel_view_specs(rel_type)
        exprs = ", ".join(["src", "dst", *(_view_expr(s, s.name) for s in specs)])
        dtype = [("src", "i4"), ("dst", "i4")] + [(s.name, _NUMPY_TYPE[s.kind]) for s in specs]
        # The primary key (src, dst) returns rows already sorted and unique.
        cur = conn.execute(f"SELECT {exprs} FROM {_table(rel_type)} ORDER BY src, dst")
        table = np.fromiter(cur, dtype=dtype)
        columns = {s.name: np.ascontiguousarray(table[s.name]) for s in specs}
        return RelIndex.build(
            rel_type,
            np.ascontiguousarray(table["src"]),
            np.ascontiguousarray(table["dst"]),
            columns,
            n_slots,
        )

    # ------------------------------------------------------------------ view

    def view(self) -> GraphView:
        with self._lock:
            self._sync()
            mem = self._mem
            if mem.view is None or mem.view.version != mem.version:
                mem.view = self._build_view(mem)
            return mem.view

    def view_if_current(self) -> GraphView | None:
        """The view, only if it is ready now: None when the store is busy (a write or a
        reload under way), when another process has written, or when the view must be
        rebuilt. For callers on an event loop, which must not wait for those (a reload
        takes seconds on a large store): they call :meth:`view` in a worker thread."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            mem = self._mem
            if self._closed or self._stale or mem.view is None or mem.view.version != mem.version:
                return None
            return mem.view if self._disk_version() == mem.version else None
        except sqlite3.Error:
            return None
        finally:
            self._lock.release()

    def _build_view(self, mem: _Memory) -> GraphView:
        n = mem.n_slots
        for rel_type in RelType:
            if mem.pending[rel_type] or mem.rel_base[rel_type] is None:
                mem.rel_base[rel_type] = _merge(
                    rel_type, mem.rel_base[rel_type], mem.pending[rel_type], n
                )
                mem.pending[rel_type] = []
            elif len(mem.rel_base[rel_type].out_ptr) != n + 1:  # type: ignore[union-attr]
                base = mem.rel_base[rel_type]
                assert base is not None
                mem.rel_base[rel_type] = RelIndex.build(
                    rel_type, base.src, base.dst, base.columns, n
                )
        return GraphView(
            version=mem.version,
            ids=tuple(mem.ids),
            index=dict(mem.index),
            labels=mem.labels.data[:n].copy(),
            node_columns={k: c.data[:n].copy() for k, c in mem.columns.items()},
            rels={t: mem.rel_base[t] for t in RelType},  # type: ignore[misc]
        )

    # ------------------------------------------------------------------ writes

    def write(self, batch: Batch) -> WriteResult:
        with self._lock:
            self._sync()
            plan = self._plan(batch)
            version = self._commit(plan)
            self._apply(plan, version)
            return WriteResult(len(plan.nodes), sum(len(r[0]) for r in plan.rels), version)

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Load many batches faster: secondary indexes are rebuilt once at the end.

        Each batch is still its own transaction. If the process dies inside the block the
        indexes are missing until the next open, which recreates them.
        """
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            for rel_type in RelType:
                self._conn.execute(f"DROP INDEX IF EXISTS {_table(rel_type)}_dst")
            self._conn.execute("COMMIT")
            try:
                yield
            finally:
                self._init_schema()

    def upsert_nodes(self, nodes: Iterable[NodeRecord]) -> WriteResult:
        return self.write(Batch(nodes=list(nodes)))

    def upsert_relationships(self, rels: Iterable[RelRecord]) -> WriteResult:
        return self.write(Batch(rels=list(rels)))

    def _plan(self, batch: Batch) -> _Plan:
        """Validate a batch completely and resolve its node numbers; touch nothing."""
        mem = self._mem
        nodes: dict[str, tuple[int, NodeRecord]] = {}
        new: dict[str, int] = {}
        next_nid = mem.n_slots
        for i, node in enumerate(batch.nodes):
            if not isinstance(node, NodeRecord):
                raise InvalidInput(f"nodes[{i}]", "expected a node record")
            existing = mem.index.get(node.id)
            if existing is not None and LABELS[mem.labels.data[existing]] != node.label:
                stored = LABELS[mem.labels.data[existing]].value
                raise Conflict(
                    f"nodes[{i}].id", f"{node.id!r} is a {stored}, not a {node.label.value}"
                )
            previous = nodes.get(node.id)
            if previous is not None and previous[1].label != node.label:
                raise Conflict(
                    f"nodes[{i}].id", f"{node.id!r} appears with two labels in the batch"
                )
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
            src = self._resolve(rel.src, new, where, "src", rows)
            dst = self._resolve(rel.dst, new, where, "dst", rows)
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
        return _Plan(list(nodes.values()), new, rels)

    def _resolve(
        self,
        ids: Sequence[str],
        new: dict[str, int],
        where: str,
        name: str,
        rows: Sequence[int] | None = None,
    ) -> np.ndarray:
        if isinstance(ids, np.ndarray) and len(ids) > 10_000:
            found = self._search(ids)
        else:
            found = np.fromiter(
                map(self._mem.index.get, ids, repeat(-1)), dtype=np.int64, count=len(ids)
            )
        missing = np.flatnonzero(found < 0)
        for i in missing:
            nid = new.get(ids[i], self._mem.index.get(ids[i]))
            if nid is None:
                row = i if rows is None else rows[i]
                raise InvalidInput(f"{where}[{row}].{name}", f"no node with id {ids[i]!r}", ids[i])
            found[i] = nid
        return found

    def _search(self, ids: np.ndarray) -> np.ndarray:
        """Numbers of ``ids`` (-1 when not found) by binary search on hashes of the ids.

        A hash collision only makes an id "not found" here; the caller then falls back to
        the dictionary, so the answer stays exact.
        """
        hashes, sorted_ids, sorted_nids = self._mem.directory()
        if len(hashes) == 0:
            return np.full(len(ids), -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(hashes, _hash_ids(ids)), len(hashes) - 1)
        return np.where(sorted_ids[pos] == ids, sorted_nids[pos], -1)

    def _commit(self, plan: _Plan) -> int:
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"the store is busy or unwritable: {exc}") from None
        try:
            if self._disk_version(conn) != self._mem.version:
                # Another process wrote since we loaded: our node numbers may clash.
                self._stale = True
                raise StoreUnavailable("the store changed under this process; retry the write")
            conn.executemany(
                "INSERT INTO nodes (nid, id, label, props) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (nid) DO UPDATE SET props = excluded.props",
                (
                    (nid, node.id, node.label.value, json.dumps(props, ensure_ascii=False))
                    for (nid, node), props in zip(plan.nodes, plan.props, strict=True)
                ),
            )
            for rel, src, dst in plan.rels:
                names = [s.name for s in rel_specs(rel.type)]
                # Inserting in key order keeps SQLite's B-tree writes sequential.
                order = np.lexsort((dst, src))
                columns = [src[order].tolist(), dst[order].tolist()]
                columns += [np.asarray(rel.columns[n], dtype=object)[order].tolist() for n in names]
                conn.executemany(_upsert_rel_sql(rel.type), zip(*columns, strict=True))
            version = self._bump(conn)
            conn.execute("COMMIT")
            return version
        except BaseException as exc:
            conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StoreUnavailable(f"the write failed and was rolled back: {exc}") from None
            raise

    def _bump(self, conn: sqlite3.Connection) -> int:
        conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'version'")
        return self._disk_version(conn)

    def _apply(self, plan: _Plan, version: int) -> None:
        """Mirror a committed batch in memory; on any surprise, reload from disk instead."""
        mem = self._mem
        try:
            mem.ensure_slots(mem.n_slots + len(plan.new))
            if plan.new:
                mem.forget_directory()
            for node_id, nid in plan.new.items():
                mem.index[node_id] = nid
                mem.ids[nid] = node_id
            specs = node_view_specs()
            ordered = sorted(
                zip(plan.nodes, plan.props, strict=True), key=lambda item: item[0][1].label
            )
            for label, group in groupby(ordered, key=lambda item: item[0][1].label):
                items = list(group)
                nids = np.fromiter((nid for (nid, _), _ in items), dtype=np.int64, count=len(items))
                mem.labels.data[nids] = LABEL_CODE[label]
                dumped = [props for _, props in items]
                for key, (owner, spec) in specs.items():
                    if owner == label:
                        values = [d[spec.name] for d in dumped]
                        mem.columns[key].data[nids] = encode_column(spec, values)
            for rel, src, dst in plan.rels:
                cols = {
                    s.name: _days(rel.dates[s.name])
                    if s.name in rel.dates
                    else encode_column(s, rel.columns[s.name])
                    for s in rel_view_specs(rel.type)
                }
                mem.pending[rel.type].append(("upsert", (src, dst, cols)))
            mem.version = version
        except Exception:
            self._stale = True

    # ------------------------------------------------------------------ deletes

    def delete_node(self, node_id: str, label: Label | None = None) -> DeleteResult:
        with self._lock:
            self._sync()
            mem = self._mem
            nid = mem.index.get(node_id)
            if nid is None or (label is not None and LABELS[mem.labels.data[nid]] != label):
                raise NotFound(label.value if label else "node", node_id)
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                # Another process may have written since _sync(): then trust the disk for
                # the node's number and reload memory afterwards (its deltas would be lost).
                behind = self._disk_version(conn) != mem.version
                if behind:
                    row = conn.execute(
                        "SELECT nid, label FROM nodes WHERE id = ?", (node_id,)
                    ).fetchone()
                    if row is None or (label is not None and row[1] != label.value):
                        raise NotFound(label.value if label else "node", node_id)
                    nid = row[0]
                removed = 0
                for rel_type in RelType:
                    table = _table(rel_type)
                    removed += conn.execute(f"DELETE FROM {table} WHERE src = ?", (nid,)).rowcount
                    removed += conn.execute(f"DELETE FROM {table} WHERE dst = ?", (nid,)).rowcount
                conn.execute("DELETE FROM nodes WHERE nid = ?", (nid,))
                version = self._bump(conn)
                conn.execute("COMMIT")
            except BaseException as exc:
                conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise StoreUnavailable(
                        f"the delete failed and was rolled back: {exc}"
                    ) from None
                raise
            if behind:
                self._stale = True
                return DeleteResult(node_id, removed, version)
            try:
                del mem.index[node_id]
                mem.forget_directory()
                mem.ids[nid] = None
                mem.labels.data[nid] = -1
                for key, (_, spec) in node_view_specs().items():
                    mem.columns[key].data[nid] = empty_column(spec, 1)[0]
                gone = np.array([nid], dtype=np.int64)
                for rel_type in RelType:
                    mem.pending[rel_type].append(("delete_nodes", gone))
                mem.version = version
            except Exception:
                self._stale = True
            return DeleteResult(node_id, removed, version)

    def delete_person(self, node_id: str) -> DeleteResult:
        return self.delete_node(node_id, Label.PERSON)

    def delete_relationship(self, rel_type: RelType, src: str, dst: str) -> bool:
        if REL_MODELS[rel_type].UNDIRECTED and dst < src:
            src, dst = dst, src
        with self._lock:
            self._sync()
            mem = self._mem
            a, b = mem.index.get(src), mem.index.get(dst)
            if a is None or b is None:
                return False
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                behind = self._disk_version(conn) != mem.version  # see delete_node
                if behind:
                    nids = dict(
                        conn.execute("SELECT id, nid FROM nodes WHERE id IN (?, ?)", (src, dst))
                    )
                    a, b = nids.get(src, -1), nids.get(dst, -1)
                n = conn.execute(
                    f"DELETE FROM {_table(rel_type)} WHERE src = ? AND dst = ?", (a, b)
                ).rowcount
                version = self._bump(conn) if n else self._disk_version(conn)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            if behind:
                self._stale = True
            elif n:
                mem.pending[rel_type].append(
                    ("delete_keys", (np.array([a], np.int64), np.array([b], np.int64)))
                )
                mem.version = version
            return bool(n)

    # ------------------------------------------------------------------ reads

    def get(self, node_id: str) -> NodeRecord | None:
        row = self._read("SELECT label, props FROM nodes WHERE id = ?", (node_id,)).fetchone()
        return None if row is None else _node(node_id, row[0], row[1])

    def get_many(self, node_ids: Sequence[str]) -> dict[str, NodeRecord]:
        """Nodes by id (absent ids are left out), in one round trip per 500 ids."""
        out: dict[str, NodeRecord] = {}
        ids = list(dict.fromkeys(node_ids))
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ", ".join("?" * len(part))
            for node_id, label, props in self._read(
                f"SELECT id, label, props FROM nodes WHERE id IN ({marks})", part
            ):
                out[node_id] = _node(node_id, label, props)
        return out

    def find(
        self,
        label: Label,
        where: dict[str, Any] | None = None,
        *,
        limit: int = 100,
        offset: int = 0,
    ) -> list[NodeRecord]:
        label = parse_label(str(label))
        specs = {s.name: s for s in field_specs(NODE_MODELS[label])}
        clauses, params = ["label = ?"], [label.value]
        for name, value in (where or {}).items():
            spec = specs.get(name)
            if spec is None:
                raise InvalidInput(name, f"not a property of {label.value}", name)
            if name == "id":
                clauses.append("id = ?")
                params.append(value)
            elif value is None:
                clauses.append("json_extract(props, ?) IS NULL")
                params.append(f"$.{name}")
            else:
                clauses.append("json_extract(props, ?) = ?")
                params.extend([f"$.{name}", _json_scalar(spec, value)])
        if not 0 < limit <= 10_000:
            raise InvalidInput("limit", "must be between 1 and 10000", limit)
        if offset < 0:
            raise InvalidInput("offset", "must not be negative", offset)
        query = (
            f"SELECT id, label, props FROM nodes WHERE {' AND '.join(clauses)}"
            " ORDER BY id LIMIT ? OFFSET ?"
        )
        return [_node(i, lab, p) for i, lab, p in self._read(query, [*params, limit, offset])]

    def relationships(
        self, node_id: str, rel_type: RelType | None = None, direction: Direction = "both"
    ) -> list[RelRecord]:
        return [rel for rel, _ in self._attached(node_id, rel_type, direction)]

    def neighbours(
        self, node_id: str, rel_type: RelType, direction: Direction = "both"
    ) -> list[NodeRecord]:
        others = [other for _, other in self._attached(node_id, rel_type, direction)]
        found = self.get_many(others)
        return [found[o] for o in dict.fromkeys(others) if o in found]

    def get_relationship(self, rel_type: RelType, src: str, dst: str) -> RelRecord | None:
        if REL_MODELS[rel_type].UNDIRECTED and dst < src:
            src, dst = dst, src
        names = [s.name for s in rel_specs(rel_type)]
        cols = "".join(f", r.{n}" for n in names)
        row = self._read(
            f"SELECT 1{cols} FROM {_table(rel_type)} r JOIN nodes a ON a.nid = r.src"
            " JOIN nodes b ON b.nid = r.dst WHERE a.id = ? AND b.id = ?",
            (src, dst),
        ).fetchone()
        if row is None:
            return None
        return REL_MODELS[rel_type].model_validate(
            {"src": src, "dst": dst, **dict(zip(names, row[1:], strict=True))}
        )

    def _attached(
        self, node_id: str, rel_type: RelType | None, direction: Direction
    ) -> Iterator[tuple[RelRecord, str]]:
        if direction not in ("out", "in", "both"):
            raise InvalidInput("direction", "expected out, in or both", direction)
        types = [rel_type] if rel_type is not None else list(RelType)
        for t in types:
            model = REL_MODELS[t]
            names = [s.name for s in rel_specs(t)]
            cols = "".join(f", r.{n}" for n in names)
            table = _table(t)
            sides = []
            if direction in ("out", "both") or model.UNDIRECTED:
                sides.append(("src", "dst"))
            if direction in ("in", "both") or model.UNDIRECTED:
                sides.append(("dst", "src"))
            for mine, other in sides:
                query = (
                    f"SELECT o.id{cols} FROM {table} r JOIN nodes me ON me.nid = r.{mine}"
                    f" JOIN nodes o ON o.nid = r.{other} WHERE me.id = ? ORDER BY o.id"
                )
                for other_id, *values in self._read(query, (node_id,)):
                    ends = {mine: node_id, other: other_id}
                    props = dict(zip(names, values, strict=True))
                    yield model.model_validate({**ends, **props}), other_id

    def _read(self, query: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        try:
            return self._reader().execute(query, params)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot read the embedded store: {exc}") from None

    def counts(self) -> Counts:
        view = self.view()
        return Counts(dict(view.node_counts), dict(view.rel_counts))


class _Plan:
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


def _node(node_id: str, label: str, props: str) -> NodeRecord:
    return NODE_MODELS[Label(label)].model_validate({"id": node_id, **json.loads(props)})


def _json_scalar(spec: FieldSpec, value: Any) -> Any:
    """A query value as ``json_extract`` returns it for this property."""
    if spec.kind == "bool":
        return int(bool(value))
    if hasattr(value, "value"):
        return value.value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


def _hash_ids(ids: np.ndarray) -> np.ndarray:
    """64-bit FNV-1a of each id of a numpy text array, vectorised over characters.

    numpy pads shorter strings with NUL code points, which ids never contain, so padding
    is skipped and the hash of an id does not depend on the array's width.
    """
    width = ids.dtype.itemsize // 4
    codes = np.ascontiguousarray(ids).view(np.uint32).reshape(len(ids), width)
    h = np.full(len(ids), _FNV_OFFSET, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(width):
            c = codes[:, j].astype(np.uint64)
            h = np.where(c != 0, (h ^ c) * _FNV_PRIME, h)
    return h


def _days(dates: np.ndarray) -> np.ndarray:
    """datetime64[D] as the view's int32 day numbers."""
    out = dates.astype(np.int64)
    out[np.isnat(dates)] = NO_DATE
    return out.astype(np.int32)


def _keys(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    return (src.astype(np.int64) << 32) | dst.astype(np.int64)


def _merge(
    rel_type: RelType, base: RelIndex | None, pending: list[tuple[str, Any]], n_slots: int
) -> RelIndex:
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
