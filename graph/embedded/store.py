"""The embedded store: SQLite on disk for durability, numpy arrays in memory for speed.

* Durability: one SQLite database in WAL mode with ``synchronous=FULL``; every batch is
  one ``BEGIN IMMEDIATE … COMMIT`` transaction, so an acknowledged write survives a
  ``kill -9`` (and a power cut) and a failed or interrupted one leaves nothing behind.
* Validation happens completely before the transaction starts
  (:func:`graph.embedded.plan.plan`): a bad batch writes nothing and raises an error
  naming the field and row.
* Speed: the algorithms read a :class:`~graph.view.GraphView` built from in-memory arrays
  (:mod:`graph.embedded.memory`) that are kept in step with the database after each
  commit.
* Several processes may open the same directory (API workers): a process that sees a
  version on disk it did not write reloads its memory before answering.

The SQL it runs is in :mod:`graph.embedded.sql`; the port's database-independent parts
(argument checks, ``relationships``/``neighbours``…) in :class:`graph.store_base.StoreBase`.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from graph.embedded import sql
from graph.embedded.memory import Memory, build_view, load
from graph.embedded.plan import Plan, plan
from graph.errors import NotFound, StoreUnavailable
from graph.frames import rel_specs
from graph.model import REL_MODELS, Label, NodeRecord, RelRecord, RelType
from graph.schema import FieldSpec
from graph.store import Batch, Counts, DeleteResult, Direction, WriteResult
from graph.store_base import StoreBase, canonical_ends
from graph.view import LABELS, GraphView


class EmbeddedStore(StoreBase):
    """The default :class:`~graph.store.GraphStore`: a directory holding one SQLite file."""

    def __init__(self, data_dir: str | Path, *, busy_timeout_s: float = 10.0) -> None:
        self.data_dir = Path(data_dir)
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self.path = self.data_dir / sql.DB_FILE
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
        self._mem = Memory()
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
            for stmt in sql.schema_sql():
                conn.execute(stmt)
            row = conn.execute(sql.GET_SCHEMA).fetchone()
            if row is None:
                conn.execute(sql.INIT_META, (sql.SCHEMA_VERSION,))
            elif row[0] != sql.SCHEMA_VERSION:
                raise StoreUnavailable(
                    f"store schema {row[0]} is not supported (expected {sql.SCHEMA_VERSION})"
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
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

    # ------------------------------------------------------------------ version and memory

    def _disk_version(self, conn: sqlite3.Connection | None = None) -> int:
        row = (conn or self._conn).execute(sql.GET_VERSION).fetchone()
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
                self._mem = load(self._conn, sql.GET_VERSION)
                self._stale = False
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot read the embedded store: {exc}") from None

    # ------------------------------------------------------------------ view

    def view(self) -> GraphView:
        with self._lock:
            self._sync()
            mem = self._mem
            if mem.view is None or mem.view.version != mem.version:
                mem.view = build_view(mem)
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

    # ------------------------------------------------------------------ writes

    def write(self, batch: Batch) -> WriteResult:
        with self._lock:
            self._sync()
            planned = plan(self._mem, batch)
            version = self._commit(planned)
            self._apply(planned, version)
            return WriteResult(len(planned.nodes), planned.relationships, version)

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Load many batches faster: secondary indexes are rebuilt once at the end.

        Each batch is still its own transaction. If the process dies inside the block the
        indexes are missing until the next open, which recreates them.
        """
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            for rel_type in RelType:
                self._conn.execute(sql.drop_dst_index_sql(rel_type))
            self._conn.execute("COMMIT")
            try:
                yield
            finally:
                self._init_schema()

    def _commit(self, planned: Plan) -> int:
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
                sql.UPSERT_NODE,
                (
                    (nid, node.id, node.label.value, json.dumps(props, ensure_ascii=False))
                    for (nid, node), props in zip(planned.nodes, planned.props, strict=True)
                ),
            )
            for rel, src, dst in planned.rels:
                names = [s.name for s in rel_specs(rel.type)]
                # Inserting in key order keeps SQLite's B-tree writes sequential.
                order = np.lexsort((dst, src))
                columns = [src[order].tolist(), dst[order].tolist()]
                columns += [np.asarray(rel.columns[n], dtype=object)[order].tolist() for n in names]
                conn.executemany(sql.upsert_rel_sql(rel.type), zip(*columns, strict=True))
            version = self._bump(conn)
            conn.execute("COMMIT")
            return version
        except BaseException as exc:
            conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StoreUnavailable(f"the write failed and was rolled back: {exc}") from None
            raise

    def _bump(self, conn: sqlite3.Connection) -> int:
        conn.execute(sql.BUMP_VERSION)
        return self._disk_version(conn)

    def _apply(self, planned: Plan, version: int) -> None:
        """Mirror a committed batch in memory; on any surprise, reload from disk instead."""
        try:
            self._mem.apply(planned, version)
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
                    row = conn.execute(sql.NODE_NUMBER_BY_ID, (node_id,)).fetchone()
                    if row is None or (label is not None and row[1] != label.value):
                        raise NotFound(label.value if label else "node", node_id)
                    nid = row[0]
                removed = 0
                for rel_type in RelType:
                    for end in ("src", "dst"):
                        removed += conn.execute(
                            sql.delete_rels_of_sql(rel_type, end), (nid,)
                        ).rowcount
                conn.execute(sql.DELETE_NODE, (nid,))
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
                mem.forget_node(node_id, nid, version)
            except Exception:
                self._stale = True
            return DeleteResult(node_id, removed, version)

    def delete_relationship(self, rel_type: RelType, src: str, dst: str) -> bool:
        src, dst = canonical_ends(rel_type, src, dst)
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
                    nids = dict(conn.execute(sql.NODE_NUMBERS_OF_TWO, (src, dst)))
                    a, b = nids.get(src, -1), nids.get(dst, -1)
                n = conn.execute(sql.delete_rel_sql(rel_type), (a, b)).rowcount
                version = self._bump(conn) if n else self._disk_version(conn)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            if behind:
                self._stale = True
            elif n:
                mem.forget_relationship(rel_type, a, b, version)
            return bool(n)

    # ------------------------------------------------------------------ reads

    def get(self, node_id: str) -> NodeRecord | None:
        row = self._read(sql.NODE_BY_ID, (node_id,)).fetchone()
        return None if row is None else sql.node_record(node_id, row[0], row[1])

    def get_many(self, node_ids: Sequence[str]) -> dict[str, NodeRecord]:
        """Nodes by id (absent ids are left out), in one round trip per 500 ids."""
        out: dict[str, NodeRecord] = {}
        ids = list(dict.fromkeys(node_ids))
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            for node_id, label, props in self._read(sql.nodes_by_id_sql(len(part)), part):
                out[node_id] = sql.node_record(node_id, label, props)
        return out

    def _find(
        self, label: Label, where: list[tuple[FieldSpec, Any]], limit: int, offset: int
    ) -> list[NodeRecord]:
        query, params = sql.find_sql(label, where, limit, offset)
        return [sql.node_record(i, lab, p) for i, lab, p in self._read(query, params)]

    def get_relationship(self, rel_type: RelType, src: str, dst: str) -> RelRecord | None:
        src, dst = canonical_ends(rel_type, src, dst)
        names = [s.name for s in rel_specs(rel_type)]
        row = self._read(sql.get_rel_sql(rel_type), (src, dst)).fetchone()
        if row is None:
            return None
        return REL_MODELS[rel_type].model_validate(
            {"src": src, "dst": dst, **dict(zip(names, row[1:], strict=True))}
        )

    def _attached(
        self, node_id: str, types: Sequence[RelType], direction: Direction
    ) -> Iterator[tuple[RelRecord, str]]:
        for t in types:
            model = REL_MODELS[t]
            names = [s.name for s in rel_specs(t)]
            sides = []
            if direction in ("out", "both") or model.UNDIRECTED:
                sides.append(("src", "dst"))
            if direction in ("in", "both") or model.UNDIRECTED:
                sides.append(("dst", "src"))
            for mine, other in sides:
                for other_id, *values in self._read(sql.attached_sql(t, mine, other), (node_id,)):
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
