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
* Several processes may open the same directory (API workers). Writes from all of them
  serialise on SQLite's write lock: ``BEGIN IMMEDIATE`` waits for another process's write
  up to the busy timeout (10 s), then, holding the lock, this process catches up with
  what was written meanwhile and plans the batch against that (node numbers, ``create_only``
  conflicts): a write never fails because another process wrote, and two creates of one
  id give one success and one :class:`~graph.errors.AlreadyExists`.
  :class:`~graph.errors.StoreUnavailable` means the store itself failed (busy beyond the
  timeout, disk error, closed).
* How a process learns of another's write: every read that needs the memory (``view``,
  ``version``) first reads the version in ``meta`` (one indexed read); when it moved, the
  process applies the change log's entries in between (:mod:`graph.embedded.changes`),
  and reloads everything only when the log cannot say (trimmed, a large batch, a
  surprise). Record reads (``get``, ``find``…) go to SQLite and are always current.

Decisions:

* Three locks, always taken in this order: ``_write_lock`` (this process's writers, one
  at a time), SQLite's write lock (other processes), ``_lock`` (the memory mirror). A
  write waiting for another process holds neither ``_lock`` nor the connection the
  readers use, so this process keeps answering reads meanwhile.
* Connections: ``_conn`` writes (only under ``_write_lock``); ``_meta`` reads the
  version, the log and full reloads (only under ``_lock``); one read-only connection per
  thread for record reads.
* Counters :attr:`EmbeddedStore.sync_stats` say how this process caught up (entries
  applied, full reloads): tests use them, and they are cheap.

The SQL it runs is in :mod:`graph.embedded.sql`; the port's database-independent parts
(argument checks, ``relationships``/``neighbours``…) in :class:`graph.store_base.StoreBase`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from graph import native_heap
from graph.embedded import changes, snapshot, sql
from graph.embedded.memory import Memory, build_view, load
from graph.embedded.plan import Plan, plan
from graph.errors import InvalidInput, NotFound, StoreUnavailable
from graph.frames import rel_specs
from graph.model import NODE_MODELS, REL_MODELS, Label, NodeRecord, RelRecord, RelType
from graph.schema import FieldSpec
from graph.store import Batch, Counts, DeleteResult, Direction, WriteResult
from graph.store_base import (
    LOG_KEEP_SECONDS,
    LOG_KEEP_VERSIONS,
    StoreBase,
    SyncStats,
    canonical_ends,
    log_complete,
    patched,
)
from graph.view import LABELS, GraphView

_logger = logging.getLogger(__name__)


class EmbeddedStore(StoreBase):
    """The default :class:`~graph.store.GraphStore`: a directory holding one SQLite file."""

    def __init__(
        self,
        data_dir: str | Path,
        *,
        busy_timeout_s: float = 10.0,
        keep_versions: int = LOG_KEEP_VERSIONS,
        keep_seconds: float = LOG_KEEP_SECONDS,
        snapshots: bool = True,
        snapshot_min_rows: int = snapshot.MIN_ROWS,
    ) -> None:
        self.data_dir = Path(data_dir)
        self._busy_timeout_s = busy_timeout_s
        #: the log's retention (see graph.embedded.changes), applied by this process's writes
        self.keep_versions = keep_versions
        self.keep_seconds = keep_seconds
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self.path = self.data_dir / sql.DB_FILE
            self._conn = self._connect()
            self._init_schema()
            self._meta = self._connect(read_only=True)
            store_id = str(self._meta.execute(snapshot.GET_STORE_ID).fetchone()[0])
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailable(
                f"cannot open the embedded store in {self.data_dir}: {exc}"
            ) from None
        self._lock = threading.RLock()
        self._write_lock = threading.RLock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        #: mapped files of full loads, shared by the processes (graph.embedded.snapshot)
        self.snapshots = (
            snapshot.Snapshots(self.data_dir, store_id, snapshot_min_rows) if snapshots else None
        )
        self._mem = Memory()
        self._stale = True
        self._closed = False
        self.sync_stats = SyncStats()
        with self._lock:
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
            # Names this database for its snapshots (a store made before they existed gets
            # its id here, at its next open).
            conn.execute(snapshot.INIT_STORE_ID, (snapshot.new_store_id(),))
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
            for conn in [*self._readers, self._conn, self._meta]:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._readers.clear()

    # ------------------------------------------------------------------ version and memory

    def _disk_version(self, conn: sqlite3.Connection) -> int:
        row = conn.execute(sql.GET_VERSION).fetchone()
        return int(row[0])

    @property
    def version(self) -> int:
        with self._lock:
            self._sync()
            return self._mem.version

    def _sync(self) -> None:
        """Bring memory to the disk's version (the caller holds ``_lock``)."""
        if self._closed:
            raise StoreUnavailable("the store is closed")
        try:
            if self._stale or self._disk_version(self._meta) != self._mem.version:
                self._catch_up(self._meta, in_transaction=False)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot read the embedded store: {exc}") from None

    def _catch_up(self, conn: sqlite3.Connection, in_transaction: bool) -> None:
        """Apply the log's entries since memory's version, or reload in full when the log
        cannot say (see :mod:`graph.embedded.changes`). The caller holds ``_lock``;
        ``conn`` is read in one snapshot (its open write transaction, or one begun here)."""
        mem = self._mem
        if not self._stale:
            if not in_transaction:
                conn.execute("BEGIN")
            try:
                disk = self._disk_version(conn)
                entries = (
                    conn.execute(sql.CHANGES_BETWEEN, (mem.version, disk)).fetchall()
                    if disk > mem.version
                    else []
                )
            finally:
                if not in_transaction:
                    conn.execute("COMMIT")
            if disk == mem.version:
                return
            if disk > mem.version and log_complete(entries, mem.version, disk):
                try:
                    for version, payload in entries:
                        changes.replay(mem, version, payload)
                        self.sync_stats.applied += 1
                    return
                except Exception as exc:  # any surprise: this memory is not to be trusted
                    _logger.warning("change log not applicable (%s): reloading the store", exc)
        self._reload()

    def _reload(self) -> None:
        """Read the whole memory (the caller holds ``_lock``): from a snapshot when one
        fits, else from the tables. Uses its own connection and snapshot: under the write
        lock, that is what the writer sees."""
        self._stale = True
        self._mem = self._full_memory()
        self._stale = False
        self.sync_stats.reloads += 1

    def _full_memory(self) -> Memory:
        """The memory at the disk's version: a snapshot's mapped arrays plus the log's
        entries since, or a load from the tables, snapshotted for the other processes
        (see :mod:`graph.embedded.snapshot`: one writer, the others wait and map)."""
        snaps = self.snapshots
        if snaps is None:
            return load(self._meta, sql.GET_VERSION)
        found = self._from_snapshot(snaps)
        if found is not None:
            return found
        with snaps.writer() as locked:
            found = self._from_snapshot(snaps) if locked else None
            if found is not None:
                return found
            mem = load(self._meta, sql.GET_VERSION)
            if not (locked and snaps.worth(mem)):
                return mem
            try:
                snaps.write(mem)
            except OSError as exc:
                _logger.warning("snapshot not written (%s): this process keeps its copy", exc)
                return mem
            mapped = snaps.open(mem.version)
        if mapped is None:
            return mem
        del mem  # this process too reads the shared pages, not its own copy
        native_heap.trim()
        return mapped

    def _from_snapshot(self, snaps: snapshot.Snapshots) -> Memory | None:
        """The newest usable snapshot brought to the disk's version by the log, or None."""
        conn = self._meta
        disk = self._disk_version(conn)
        mem = snaps.open_newest(disk)
        if mem is None:
            return None
        conn.execute("BEGIN")
        try:
            disk = self._disk_version(conn)
            entries = conn.execute(sql.CHANGES_BETWEEN, (mem.version, disk)).fetchall()
        finally:
            conn.execute("COMMIT")
        if not log_complete(entries, mem.version, disk):
            return None
        try:
            for version, payload in entries:
                changes.replay(mem, version, payload)
        except Exception as exc:  # any surprise: load from the tables instead
            _logger.warning("snapshot v%s not applicable (%s)", mem.version, exc)
            return None
        snaps.prune()
        return mem

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
        catch-up under way), when another process has written, or when the view must be
        rebuilt. For callers on an event loop, which must not wait for those (a reload
        takes seconds on a large store): they call :meth:`view` in a worker thread."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            mem = self._mem
            if self._closed or self._stale or mem.view is None or mem.view.version != mem.version:
                return None
            return mem.view if self._disk_version(self._meta) == mem.version else None
        except sqlite3.Error:
            return None
        finally:
            self._lock.release()

    # ------------------------------------------------------------------ transactions

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """This process's write transaction, once the others' are done: ``BEGIN
        IMMEDIATE`` waits for SQLite's write lock up to the busy timeout. Commits at the
        end of the block, rolls back on any error. The caller holds ``_write_lock``."""
        if self._closed:
            raise StoreUnavailable("the store is closed")
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreUnavailable(
                f"the store is busy (its write lock was held for more than"
                f" {self._busy_timeout_s:g} s) or unwritable: {exc}"
            ) from None
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as exc:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StoreUnavailable(f"the write failed and was rolled back: {exc}") from None
            raise

    def _ready_to_write(self) -> None:
        """Catch up before waiting for the write lock, so that a long catch-up (a full
        reload after a large batch) does not hold the other processes' writes back; under
        the lock only what was written meanwhile remains (usually a few log entries)."""
        with self._lock:
            self._sync()

    def _caught_up(self, conn: sqlite3.Connection) -> Memory:
        """Memory at the disk's version, read in the open write transaction ``conn``
        (the caller holds ``_lock``)."""
        if self._closed:
            raise StoreUnavailable("the store is closed")
        self._catch_up(conn, in_transaction=True)
        return self._mem

    def _log(self, conn: sqlite3.Connection, payload: str | None) -> int:
        """Bump the version and log the change, in the write transaction; trim the log."""
        conn.execute(sql.BUMP_VERSION)
        version = self._disk_version(conn)
        now = time.time()
        conn.execute(sql.LOG_CHANGE, (version, now, payload))
        conn.execute(sql.TRIM_CHANGES, (version - self.keep_versions, now - self.keep_seconds))
        return version

    def _mirror(self, version: int, change: Callable[[Memory], None]) -> None:
        """Mirror a committed change in memory. A reader may have applied it from the log
        already (memory at ``version`` or later); on any surprise, reload instead."""
        with self._lock:
            mem = self._mem
            if self._stale or mem.version >= version:
                return
            if mem.version != version - 1:
                self._stale = True
                return
            try:
                change(mem)
            except Exception:
                self._stale = True

    # ------------------------------------------------------------------ writes

    def write(self, batch: Batch) -> WriteResult:
        with self._write_lock:
            self._ready_to_write()
            with self._transaction() as conn:
                with self._lock:
                    planned = plan(self._caught_up(conn), batch)
                version = self._upsert(conn, planned)
            self._mirror(version, lambda mem: mem.apply(planned, version))
        return WriteResult(len(planned.nodes), planned.relationships, version)

    def update_nodes(
        self, label: Label, changes: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, NodeRecord]:
        label = Label(label)
        if not changes:
            return {}
        with self._write_lock:
            self._ready_to_write()
            with self._transaction() as conn:
                updated: dict[str, NodeRecord] = {}
                for node_id, change in changes.items():
                    row = conn.execute(sql.NODE_BY_ID, (node_id,)).fetchone()
                    if row is not None and row[0] == label.value:
                        updated[node_id] = patched(sql.node_record(node_id, row[0], row[1]), change)
                if not updated:
                    return {}
                with self._lock:
                    planned = plan(self._caught_up(conn), Batch(nodes=list(updated.values())))
                version = self._upsert(conn, planned)
            self._mirror(version, lambda mem: mem.apply(planned, version))
        return updated

    def _upsert(self, conn: sqlite3.Connection, planned: Plan) -> int:
        """Write a plan's rows and log it, in the open write transaction; the new version."""
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
        return self._log(conn, changes.write_payload(planned))

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Load many batches faster: secondary indexes are rebuilt once at the end.

        Each batch is still its own transaction; other threads of this process wait for
        the block to end before writing (other processes may write meanwhile, slower).
        If the process dies inside the block the indexes are missing until the next
        open, which recreates them.
        """
        with self._write_lock:
            with self._transaction() as conn:
                for rel_type in RelType:
                    conn.execute(sql.drop_dst_index_sql(rel_type))
            try:
                yield
            finally:
                self._init_schema()

    # ------------------------------------------------------------------ deletes

    def delete_node(self, node_id: str, label: Label | None = None) -> DeleteResult:
        with self._write_lock:
            self._ready_to_write()
            with self._transaction() as conn:
                with self._lock:
                    mem = self._caught_up(conn)
                    nid = mem.index.get(node_id)
                    if nid is None or (label is not None and LABELS[mem.labels.data[nid]] != label):
                        raise NotFound(label.value if label else "node", node_id)
                removed = 0
                for rel_type in RelType:
                    for end in ("src", "dst"):
                        removed += conn.execute(
                            sql.delete_rels_of_sql(rel_type, end), (nid,)
                        ).rowcount
                conn.execute(sql.DELETE_NODE, (nid,))
                version = self._log(conn, changes.delete_node_payload(nid, node_id))
            self._mirror(version, lambda mem: mem.forget_node(node_id, nid, version))
        return DeleteResult(node_id, removed, version)

    def erase_traces(self) -> None:
        """Forget what the store keeps of earlier versions, after an erasure
        (:mod:`graph.rights.erase`): the change log below the current version (its
        payloads hold earlier records), every snapshot (they hold earlier ids and
        columns; a process that mapped one keeps it until it reloads), and deleted rows
        left in the database's free pages and write-ahead log. A process behind then
        reloads from the tables."""
        with self._write_lock:
            with self._transaction() as conn:
                conn.execute(sql.FORGET_CHANGES_BEFORE, (self._disk_version(conn),))
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("VACUUM")
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        if self.snapshots is not None:
            self.snapshots.remove_all()

    def delete_relationship(self, rel_type: RelType, src: str, dst: str) -> bool:
        src, dst = canonical_ends(rel_type, src, dst)
        with self._write_lock:
            self._ready_to_write()
            with self._transaction() as conn:
                with self._lock:
                    mem = self._caught_up(conn)
                    a, b = mem.index.get(src), mem.index.get(dst)
                if a is None or b is None:
                    return False
                if not conn.execute(sql.delete_rel_sql(rel_type), (a, b)).rowcount:
                    return False  # nothing deleted: the version does not move
                version = self._log(conn, changes.delete_rel_payload(rel_type, a, b))
            self._mirror(version, lambda mem: mem.forget_relationship(rel_type, a, b, version))
        return True

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

    # ------------------------------------------------------------------ export

    def export_nodes(self, label: Label, chunk: int = 10_000) -> Iterator[list[NodeRecord]]:
        """Every node of ``label``, by id, in lists of ``chunk`` (one read snapshot)."""
        label = Label(label)
        cursor = self._read(sql.NODES_OF_LABEL, (label.value,))
        while rows := cursor.fetchmany(chunk):
            yield [sql.node_record(i, lab, p) for i, lab, p in rows]

    def export_columns(
        self, label: Label, names: Sequence[str], chunk: int = 50_000
    ) -> Iterator[list[tuple[Any, ...]]]:
        """(id, *values) of every node of ``label``: the values read from the stored JSON
        by SQLite itself, no record built (one read snapshot)."""
        label = Label(label)
        fields = NODE_MODELS[label].model_fields
        for name in names:
            if name not in fields:
                raise InvalidInput("names", f"{label.value} has no property {name!r}", name)
        cursor = self._read(sql.node_columns_sql(len(names)), (*(f"$.{n}" for n in names),
                                                                 label.value))  # fmt: skip
        while rows := cursor.fetchmany(chunk):
            yield [tuple(row) for row in rows]

    def export_relationships(
        self, rel_type: RelType, chunk: int = 50_000
    ) -> Iterator[list[RelRecord]]:
        """Every relationship of ``rel_type`` (undirected ones once, from the smaller id),
        in lists of ``chunk`` (one read snapshot)."""
        rel_type = RelType(rel_type)
        model = REL_MODELS[rel_type]
        names = ["src", "dst", *(s.name for s in rel_specs(rel_type))]
        cursor = self._read(sql.export_rels_sql(rel_type))
        while rows := cursor.fetchmany(chunk):
            yield [model.model_validate(dict(zip(names, row, strict=True))) for row in rows]

    def _read(self, query: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        try:
            return self._reader().execute(query, params)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot read the embedded store: {exc}") from None

    def counts(self) -> Counts:
        view = self.view()
        return Counts(dict(view.node_counts), dict(view.rel_counts))
