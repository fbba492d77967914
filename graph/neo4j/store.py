"""The Neo4j adapter of the :class:`~graph.store.GraphStore` port (tested on 5.26 Community).

Behaves like the embedded store for everything in the port; how:

* **Start-up** waits for the server with a bounded retry (``connect_timeout_s``, backing
  off from 0.25 s to 5 s) and fails with one :class:`~graph.errors.StoreUnavailable` line
  naming the URI (never the password); a bad URI is a :class:`~graph.errors.ConfigError`.
  Then the schema is set up, idempotently (:data:`graph.neo4j.cypher.SCHEMA`).
* **Writes** are managed write transactions (``session.execute_write``): the driver retries
  them on transient errors, so each transaction function starts from nothing and only
  MERGEs and ``SET =`` (idempotent). A batch is validated completely before its first
  write: the checks that need no stored data run before the transaction opens
  (:func:`graph.neo4j.plan.prepare`); the checks against stored labels run inside the
  transaction, after the version bump that serialises writers, and a failure rolls the
  transaction back, version included. Rows go in ``UNWIND`` statements of ``batch_rows``.
* **Large batches**: a transaction's changes live in the server's heap (Neo4j 5 stops a
  transaction past ``dbms.memory.transaction.total.max``, 70 % of the heap by default; with
  a 1 GB heap the demo seed's 500,000-tie batch does not fit). Inside :meth:`bulk` (seed,
  migrate) a batch of more than ``tx_rows`` rows is validated once against the stored
  labels, then committed in parts of at most ``tx_rows`` rows, each part checking the
  whole batch again after taking the version lock: a failure between parts leaves the
  earlier parts written, which running the same batch again completes (upserts).
  Outside :meth:`bulk` a batch stays one transaction; a server out of transaction memory
  is one :class:`~graph.errors.StoreUnavailable` line at once (the driver would retry that
  transient error for ``max_transaction_retry_time`` in vain).
* **Reads** are managed read transactions (routed to readers in a cluster); every session
  shares the driver's bookmark manager, so a read sees the writes made before it.
  Records become domain objects here (:func:`_node_record`, :func:`_rel_record`).
* **Several processes** (API workers) may use one database: every write transaction
  bumps the version node first, so writers take turns (Neo4j's lock on that node; a
  deadlock the server detects is a transient error the driver retries) and never fail
  because another wrote. What a write checks against the stored graph (``create_only``,
  stored labels, the record ``update_node`` reads) is read after that lock, so two
  creates of one id give one success and one :class:`~graph.errors.AlreadyExists`.
* **The change log** (:mod:`graph.neo4j.mirror`): every write transaction ends by writing
  its ``(:PasserelleChange)`` entry. How a process learns of another's write (and of its
  own): each ``view()`` reads the version (one indexed read); when it moved, the entries
  in between are read and applied to the process's :class:`~graph.memory.Memory` (the
  embedded store's), whose new view says what changed (:attr:`GraphView.changes`: the
  search index follows the write), and the whole graph is streamed again only when the
  log cannot say (trimmed, a large batch, a surprise).
* **The view** is otherwise streamed from Neo4j (:func:`graph.neo4j.loader.stream_view`)
  into a new memory; the version is read before and after streaming, so a view
  never mixes two versions (Neo4j reads are read-committed).
* Driver failures become :class:`~graph.errors.StoreUnavailable` (the API answers 503).
  The driver retries a transaction on transient errors and lost connections for at most
  ``connect_timeout_s`` (30 s at most), so a server that went away is reported within the
  same bound as one that is not there at start-up.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any, LiteralString, TypeVar

import neo4j
from neo4j import exceptions as neo4j_errors

from graph.errors import ConfigError, InvalidInput, NotFound, PasserelleError, StoreUnavailable
from graph.frames import ValidRels, rel_specs
from graph.memory import Memory, build_view
from graph.model import (
    NODE_MODELS,
    REL_MODELS,
    Label,
    NodeRecord,
    RelRecord,
    RelType,
)
from graph.neo4j import cypher, mirror
from graph.neo4j.loader import native, stream_view
from graph.neo4j.plan import Plan, Prepared, prepare
from graph.paths.ports import InDatabasePathSearch
from graph.schema import FieldSpec
from graph.store import Batch, Counts, DeleteResult, Direction, WriteResult
from graph.store_base import (
    LOG_KEEP_SECONDS,
    LOG_KEEP_VERSIONS,
    StoreBase,
    SyncStats,
    canonical_ends,
    check_create_only,
    log_complete,
    patched,
)
from graph.view import GraphView

if TYPE_CHECKING:
    from graph.paths.policy import PathPolicy
    from graph.paths.query import Target
    from graph.paths.results import PathResult

T = TypeVar("T")

# The driver logs failed connection attempts; without a handler of its own Python would print
# them on stderr next to our one-line error. Applications that configure logging still get them.
logging.getLogger("neo4j").addHandler(logging.NullHandler())

SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")
_LABELS = frozenset(label.value for label in Label)
_TYPES = frozenset(t.value for t in RelType)
_LOOKUP_CHUNK = 20_000
_VIEW_ATTEMPTS = 5



class _NothingToWrite(Exception):
    """Raised in a write transaction that found nothing to write: it rolls back."""

class _Unchanged(Exception):
    """Raised inside a write transaction that turned out to change nothing: roll it back."""


class _Moved(Exception):
    """The version moved while the view was being read: read it again."""


class _OutOfMemory(Exception):
    """The server refused a transaction for want of memory: not worth a retry."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Neo4jStore(StoreBase, InDatabasePathSearch):
    """A :class:`~graph.store.GraphStore` on a Neo4j database.

    >>> Neo4jStore("http://localhost:7474")
    Traceback (most recent call last):
    ...
    graph.errors.ConfigError: NEO4J_URI: 'http://localhost:7474' is not a Bolt URI (bolt://, neo4j://)
    """

    def __init__(
        self,
        uri: str,
        user: str | None = "neo4j",
        password: str | None = None,
        database: str | None = None,
        *,
        connect_timeout_s: float = 30.0,
        batch_rows: int = 10_000,
        tx_rows: int = 100_000,
        keep_versions: int = LOG_KEEP_VERSIONS,
        keep_seconds: float = LOG_KEEP_SECONDS,
    ) -> None:
        scheme = uri.split("://", 1)[0] if "://" in uri else ""
        if scheme not in SCHEMES:
            raise ConfigError(f"NEO4J_URI: {uri!r} is not a Bolt URI (bolt://, neo4j://)")
        self.uri = uri
        self.database = database or None
        self.batch_rows = batch_rows
        #: the most rows one transaction writes inside ``bulk()`` (see the module docstring)
        self.tx_rows = tx_rows
        self._bulk = threading.local()
        #: route referral-path queries to the database (see graph.paths.service.find_paths)
        self.paths_in_database = False
        self._closed = False
        #: the view's memory, kept in step from the change log (see graph.neo4j.mirror)
        self._mem: Memory | None = None
        self._view_lock = threading.Lock()
        #: the change log's retention (see graph.neo4j.mirror), applied by this object's writes
        self.keep_versions = keep_versions
        self.keep_seconds = keep_seconds
        self.sync_stats = SyncStats()
        auth = (user or "neo4j", password) if password is not None else None
        try:
            self._driver = neo4j.GraphDatabase.driver(
                uri,
                auth=auth,
                connection_timeout=max(1.0, min(connect_timeout_s, 15.0)),
                max_transaction_retry_time=max(1.0, min(connect_timeout_s, 30.0)),
            )
        except (neo4j_errors.ConfigurationError, ValueError) as exc:
            raise ConfigError(f"NEO4J_URI: {_line(exc)}") from None
        self._bookmarks = self._driver.execute_query_bookmark_manager
        try:
            self._start(connect_timeout_s)
        except BaseException:
            self._driver.close()
            raise

    @classmethod
    def from_settings(cls, settings: Any) -> Neo4jStore:
        """The store the settings describe (``NEO4J_URI``, ``NEO4J_USER``…)."""
        password = settings.neo4j_password
        store = cls(
            settings.neo4j_uri,
            settings.neo4j_user,
            password.get_secret_value() if password is not None else None,
            settings.neo4j_database,
            connect_timeout_s=settings.neo4j_connect_timeout,
        )
        store.paths_in_database = bool(settings.neo4j_paths_in_database)
        return store

    # ------------------------------------------------------------------ start-up

    def _start(self, timeout_s: float) -> None:
        """Wait for the server (bounded), then set the schema up; one clear line on failure."""
        started = time.monotonic()
        deadline = started + max(timeout_s, 0.0)
        delay, attempts = 0.25, 0
        while True:
            attempts += 1
            try:
                self._driver.verify_connectivity()
                self._init_schema()
                return
            except neo4j_errors.AuthError:
                raise StoreUnavailable(
                    f"Neo4j at {self.uri} refused the credentials (check NEO4J_USER and"
                    " NEO4J_PASSWORD)"
                ) from None
            except neo4j_errors.Neo4jError as exc:
                if _database_missing(exc):
                    raise ConfigError(
                        f"NEO4J_DATABASE: Neo4j at {self.uri} has no database {self.database!r}"
                    ) from None
                if not exc.is_retryable():
                    raise StoreUnavailable(
                        f"Neo4j at {self.uri} refused the schema set-up: {_line(exc)}"
                    ) from None
                reason = _line(exc)
            except (neo4j_errors.DriverError, OSError) as exc:
                reason = _line(exc)
            if time.monotonic() + delay > deadline:
                waited = time.monotonic() - started
                raise StoreUnavailable(
                    f"cannot connect to Neo4j at {self.uri} ({attempts} attempt"
                    f"{'s' if attempts > 1 else ''} in {waited:.1f} s): {reason}"
                )
            time.sleep(delay)
            delay = min(delay * 2, 5.0)

    def _init_schema(self) -> None:
        for statement in cypher.SCHEMA:

            def create(tx: neo4j.ManagedTransaction, q: LiteralString = statement) -> None:
                tx.run(q).consume()

            try:
                self._write_tx(create)
            except neo4j_errors.ClientError as exc:
                # Two processes creating the same constraint at once: the other one won.
                if "AlreadyExists" not in (exc.code or ""):
                    raise
        self._read_tx(lambda tx: tx.run(cypher.AWAIT_INDEXES, seconds=300).consume())
        self._write_tx(lambda tx: tx.run(cypher.META_INIT).consume())

    # ------------------------------------------------------------------ sessions

    def _session(self, mode: str) -> neo4j.Session:
        if self._closed:
            raise StoreUnavailable("the store is closed")
        return self._driver.session(
            database=self.database, default_access_mode=mode, bookmark_manager=self._bookmarks
        )

    def _read_tx(self, work: Callable[[neo4j.ManagedTransaction], T]) -> T:
        with self._session(neo4j.READ_ACCESS) as session:
            return session.execute_read(work)

    def _write_tx(self, work: Callable[[neo4j.ManagedTransaction], T]) -> T:
        with self._session(neo4j.WRITE_ACCESS) as session:
            return session.execute_write(work)

    def _read(self, work: Callable[[neo4j.ManagedTransaction], T]) -> T:
        with self._errors():
            return self._read_tx(work)

    def read(self, work: Callable[[neo4j.ManagedTransaction], T]) -> T:
        """Run ``work`` in a managed read transaction (retried by the driver: make it
        idempotent); driver failures become :class:`StoreUnavailable`. For the queries of
        this package that are not part of the port (:mod:`graph.neo4j.paths`)."""
        return self._read(work)

    def _write(self, work: Callable[[neo4j.ManagedTransaction], T]) -> T:
        with self._errors():
            return self._write_tx(work)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Driver and server failures as one-line :class:`StoreUnavailable` errors."""
        try:
            yield
        except PasserelleError:
            raise
        except neo4j_errors.Neo4jError as exc:
            raise StoreUnavailable(f"Neo4j at {self.uri} failed: {_line(exc)}") from None
        except (neo4j_errors.DriverError, OSError) as exc:
            raise StoreUnavailable(f"Neo4j at {self.uri} is unavailable: {_line(exc)}") from None

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._driver.close()

    # ------------------------------------------------------------------ version and view

    @property
    def version(self) -> int:
        return self._read(version_in)

    def view(self) -> GraphView:
        with self._view_lock:
            for _ in range(_VIEW_ATTEMPTS):
                mem = self._mem
                try:
                    read = self._read(partial(_view, known=None if mem is None else mem.version))
                except _Moved:
                    continue
                if read.streamed is not None:
                    mem = self._mem = Memory.of(read.streamed)
                    mem.view = build_view(mem)
                    self.sync_stats.reloads += 1
                elif read.entries and mem is not None:
                    try:
                        mirror.replay(mem, read.entries)
                        mem.view = build_view(mem)
                    except Exception as exc:  # any surprise: read the whole graph instead
                        logging.getLogger(__name__).warning(
                            "change log not applicable (%s): reading the whole graph", exc
                        )
                        self._mem = None  # it may hold part of the entries
                        continue
                    self.sync_stats.applied += len(read.entries)
                assert mem is not None and mem.view is not None
                return mem.view
        raise StoreUnavailable("the graph kept changing while its view was read; try again")

    # ------------------------------------------------------------------ writes

    def write(self, batch: Batch) -> WriteResult:
        check_create_only(batch)
        prepared = prepare(batch)
        if prepared.error is not None:
            # Invalid whatever is stored; ask the stored labels only to report the same
            # first error as the embedded store (a node conflict comes first).
            node_ids = sorted({n.id for n in batch.nodes if isinstance(n, NodeRecord)})
            prepared.check(self._read(lambda tx: _labels(tx, node_ids)) if node_ids else {})
            raise prepared.error
        try:
            if getattr(self._bulk, "depth", 0) and prepared.rows > self.tx_rows:
                return self._write_in_parts(prepared)
            return self._write(lambda tx: self._apply(tx, prepared))
        except _OutOfMemory as exc:
            raise StoreUnavailable(
                f"Neo4j at {self.uri} has not the memory for a transaction of"
                f" {prepared.rows:,} rows ({exc.message}): give it more heap or"
                " dbms.memory.transaction.total.max, or write smaller batches"
            ) from None

    def _apply(
        self, tx: neo4j.ManagedTransaction, prepared: Prepared, part: Statements | None = None
    ) -> WriteResult:
        """The transaction function of a write: lock, check, upsert (all the batch's
        statements, or ``part`` of them). Safe to run again."""
        version = _bump(tx)
        plan = prepared.check(_labels(tx, prepared.ids))
        for key, rows in _statements(plan, self.batch_rows) if part is None else part:
            try:
                tx.run(
                    cypher.UPSERT_NODES[key] if isinstance(key, Label) else cypher.UPSERT_RELS[key],
                    rows=rows,
                ).consume()
            except neo4j_errors.TransientError as exc:
                if "OutOfMemory" in (exc.code or "") or "MemoryLimit" in (exc.code or ""):
                    raise _OutOfMemory(_line(exc, 160)) from None
                raise
        payload = mirror.write_payload(plan.nodes, plan.rels) if part is None else None
        self._log(tx, version, payload)
        return WriteResult(len(plan.nodes), plan.relationships, version)

    def _log(self, tx: neo4j.ManagedTransaction, version: int, payload: str | None) -> None:
        """Write the change-log entry of ``version`` and trim the log, in the write's
        transaction (see :mod:`graph.neo4j.mirror`)."""
        tx.run(cypher.LOG_CHANGE, version=version, payload=payload).consume()
        tx.run(
            cypher.TRIM_CHANGES,
            version=version - self.keep_versions,
            keep_ms=int(self.keep_seconds * 1000),
        ).consume()

    def update_nodes(
        self, label: Label, changes: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, NodeRecord]:
        label = Label(label)
        if not changes:
            return {}

        def work(tx: neo4j.ManagedTransaction) -> dict[str, NodeRecord]:
            version = _bump(tx)  # the lock first: the records read below hold until commit
            updated: dict[str, NodeRecord] = {}
            for node_id, change in changes.items():
                record = tx.run(cypher.GET_NODE, id=node_id).single()
                if record is not None and label.value in record["labels"]:
                    node = _node_record(record["labels"], record["props"])
                    updated[node_id] = patched(node, change)
            if not updated:
                raise _NothingToWrite  # rolls the version bump back
            rows = [{"id": u.id, "props": _node_props(u)} for u in updated.values()]
            tx.run(cypher.UPSERT_NODES[label], rows=rows).consume()
            self._log(tx, version, mirror.write_payload(list(updated.values()), []))
            return updated

        try:
            return self._write(work)
        except _NothingToWrite:
            return {}

    def _write_in_parts(self, prepared: Prepared) -> WriteResult:
        """A large batch in transactions of at most ``tx_rows`` rows (inside ``bulk()``)."""
        plan = self._read(lambda tx: prepared.check(_labels(tx, prepared.ids)))
        parts: list[Statements] = [[]]
        size = 0
        for key, rows in _statements(plan, self.batch_rows):
            if size and size + len(rows) > self.tx_rows:
                parts.append([])
                size = 0
            parts[-1].append((key, rows))
            size += len(rows)

        def commit(part: Statements) -> WriteResult:
            return self._write(lambda tx: self._apply(tx, prepared, part))

        versions = [commit(part).version for part in parts]
        return WriteResult(len(plan.nodes), plan.relationships, versions[-1])

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Many batches in a row: Neo4j maintains its indexes as it goes, nothing to defer;
        a batch larger than ``tx_rows`` is committed in parts (see the module docstring)."""
        self._bulk.depth = getattr(self._bulk, "depth", 0) + 1
        try:
            yield
        finally:
            self._bulk.depth -= 1

    # ------------------------------------------------------------------ deletes

    def delete_node(self, node_id: str, label: Label | None = None) -> DeleteResult:
        def work(tx: neo4j.ManagedTransaction) -> DeleteResult:
            version = _bump(tx)
            record = tx.run(cypher.NODE_DEGREE, id=node_id).single()
            if record is None or (label is not None and label.value not in record["labels"]):
                raise NotFound(label.value if label else "node", node_id)
            tx.run(cypher.DELETE_NODE, id=node_id).consume()
            self._log(tx, version, mirror.delete_node_payload(node_id))
            return DeleteResult(node_id, int(record["relationships"]), version)

        return self._write(work)

    def erase_traces(self) -> None:
        """Forget the change log below the current version (its payloads hold earlier
        versions' records), after an erasure (:mod:`graph.rights.erase`); a process
        behind then reads the graph again."""

        def work(tx: neo4j.ManagedTransaction) -> None:
            tx.run(cypher.FORGET_CHANGES_BEFORE, version=version_in(tx)).consume()

        self._write(work)

    def delete_relationship(self, rel_type: RelType, src: str, dst: str) -> bool:
        src, dst = canonical_ends(rel_type, src, dst)

        def work(tx: neo4j.ManagedTransaction) -> bool:
            version = _bump(tx)
            deleted = tx.run(cypher.DELETE_REL[rel_type], src=src, dst=dst).single()
            if not deleted or not deleted["deleted"]:
                raise _Unchanged  # nothing to delete: the version must not move
            self._log(tx, version, mirror.delete_rel_payload(rel_type, src, dst))
            return True

        try:
            return self._write(work)
        except _Unchanged:
            return False

    # ------------------------------------------------------------------ reads

    def get(self, node_id: str) -> NodeRecord | None:
        record = self._read(lambda tx: tx.run(cypher.GET_NODE, id=node_id).single())
        return None if record is None else _node_record(record["labels"], record["props"])

    def get_many(self, node_ids: Sequence[str]) -> dict[str, NodeRecord]:
        """Nodes by id (absent ids are left out), in one transaction."""
        ids = list(dict.fromkeys(node_ids))

        def work(tx: neo4j.ManagedTransaction) -> dict[str, NodeRecord]:
            out: dict[str, NodeRecord] = {}
            for chunk in _chunks(ids, _LOOKUP_CHUNK):
                for record in tx.run(cypher.GET_NODES, ids=chunk):
                    out[record["id"]] = _node_record(record["labels"], record["props"])
            return out

        return self._read(work) if ids else {}

    def _find(
        self, label: Label, where: list[tuple[FieldSpec, Any]], limit: int, offset: int
    ) -> list[NodeRecord]:
        conditions: dict[str, Any] = {}
        nulls: list[str] = []
        for spec, value in where:
            if value is None:
                nulls.append(spec.name)
            else:
                conditions[spec.name] = _query_value(spec.kind, value)
        params: dict[str, Any] = {
            "where": conditions,
            "nulls": nulls,
            "limit": limit,
            "offset": offset,
        }
        if isinstance(conditions.get("id"), str):
            query = cypher.FIND_BY_ID[label]
            params["id"] = conditions["id"]
        elif label in cypher.FIND_BY_CODE and isinstance(conditions.get("code"), str):
            query = cypher.FIND_BY_CODE[label]
            params["code"] = conditions["code"]
        else:
            query = cypher.FIND[label]
        model = NODE_MODELS[label]

        def work(tx: neo4j.ManagedTransaction) -> list[NodeRecord]:
            return [model.model_validate(_native_props(r["props"])) for r in tx.run(query, params)]

        return self._read(work)

    def get_relationship(self, rel_type: RelType, src: str, dst: str) -> RelRecord | None:
        src, dst = canonical_ends(rel_type, src, dst)
        record = self._read(lambda tx: tx.run(cypher.GET_REL[rel_type], src=src, dst=dst).single())
        return None if record is None else _rel_record(rel_type, src, dst, record["props"])

    def _attached(
        self, node_id: str, types: Sequence[RelType], direction: Direction
    ) -> list[tuple[RelRecord, str]]:
        """(relationship, other end) in the embedded store's order: type, side, other id."""

        def work(tx: neo4j.ManagedTransaction) -> list[tuple[RelRecord, str]]:
            if len(types) == len(RelType):  # one query, not two per type (32 round trips)
                return _sorted_attached(node_id, direction, tx.run(cypher.REL_ALL, id=node_id))
            out: list[tuple[RelRecord, str]] = []
            for t in types:
                undirected = REL_MODELS[t].UNDIRECTED
                if direction in ("out", "both") or undirected:
                    for r in tx.run(cypher.REL_OUT[t], id=node_id):
                        out.append((_rel_record(t, node_id, r["other"], r["props"]), r["other"]))
                if direction in ("in", "both") or undirected:
                    for r in tx.run(cypher.REL_IN[t], id=node_id):
                        out.append((_rel_record(t, r["other"], node_id, r["props"]), r["other"]))
            return out

        return self._read(work)

    def counts(self) -> Counts:
        def work(tx: neo4j.ManagedTransaction) -> Counts:
            nodes = {
                label: tx.run(cypher.COUNT_NODES[label]).single(strict=True)[0] for label in Label
            }
            rels = {t: tx.run(cypher.COUNT_RELS[t]).single(strict=True)[0] for t in RelType}
            return Counts(nodes, rels)

        return self._read(work)

    # ------------------------------------------------------------------ paths in the database

    def find_paths_in_database(
        self,
        candidate_id: str,
        target: Target,
        policy: PathPolicy | None = None,
        as_of: date | None = None,
    ) -> PathResult:
        """The :class:`~graph.paths.ports.InDatabasePathSearch` port: referral paths with
        the traversal evaluated in Neo4j (:func:`graph.neo4j.paths.find_paths_in_db`)."""
        from graph.neo4j.paths import find_paths_in_db

        return find_paths_in_db(self, candidate_id, target, policy, as_of)

    # ------------------------------------------------------------------ export (migration)

    def export_nodes(self, label: Label, chunk: int = 10_000) -> Iterator[list[NodeRecord]]:
        """Every node of ``label``, streamed in lists of ``chunk`` (one auto-commit read)."""
        model = NODE_MODELS[label]
        with self._errors(), self._session(neo4j.READ_ACCESS) as session:
            page: list[NodeRecord] = []
            for record in session.run(cypher.EXPORT_NODES[label]):
                page.append(model.model_validate(_native_props(record["props"])))
                if len(page) >= chunk:
                    yield page
                    page = []
            if page:
                yield page

    def export_columns(
        self, label: Label, names: Sequence[str], chunk: int = 50_000
    ) -> Iterator[list[tuple[Any, ...]]]:
        """(id, *values) of every node of ``label``, by id: picked out of each node's
        properties (no record built, no validation)."""
        label = Label(label)
        fields = NODE_MODELS[label].model_fields
        for name in names:
            if name not in fields:
                raise InvalidInput("names", f"{label.value} has no property {name!r}", name)
        with self._errors(), self._session(neo4j.READ_ACCESS) as session:
            page: list[tuple[Any, ...]] = []
            for record in session.run(cypher.EXPORT_NODES_BY_ID[label]):
                props = record["props"]
                page.append((props["id"], *(native(props.get(n)) for n in names)))
                if len(page) >= chunk:
                    yield page
                    page = []
            if page:
                yield page

    def export_relationships(
        self, rel_type: RelType, chunk: int = 50_000
    ) -> Iterator[list[RelRecord]]:
        """Every relationship of ``rel_type``, streamed in lists of ``chunk``."""
        with self._errors(), self._session(neo4j.READ_ACCESS) as session:
            page: list[RelRecord] = []
            for record in session.run(cypher.EXPORT_RELS[rel_type]):
                page.append(_rel_record(rel_type, record["src"], record["dst"], record["props"]))
                if len(page) >= chunk:
                    yield page
                    page = []
            if page:
                yield page


# --------------------------------------------------------------------------- transaction helpers


def _sorted_attached(
    node_id: str, direction: Direction, records: Iterable[Any]
) -> list[tuple[RelRecord, str]]:
    """Relationships of every type in the order of the per-type queries: type, side
    (out first), other id; undirected types on both sides whatever ``direction``."""
    keyed = []
    order = {t: i for i, t in enumerate(RelType)}
    for r in records:
        t = RelType(r["type"]) if r["type"] in _TYPES else None
        if t is None:
            continue  # not a relationship of the model
        out = bool(r["out"])
        if not REL_MODELS[t].UNDIRECTED and direction != "both" and out != (direction == "out"):
            continue
        other = r["other"]
        src, dst = (node_id, other) if out else (other, node_id)
        keyed.append(((order[t], not out, other), (_rel_record(t, src, dst, r["props"]), other)))
    keyed.sort(key=lambda pair: pair[0])
    return [value for _, value in keyed]


def version_in(tx: neo4j.ManagedTransaction) -> int:
    """The store version, read in transaction ``tx``."""
    record = tx.run(cypher.VERSION).single()
    return int(record["version"]) if record is not None else 0


@dataclass(frozen=True)
class _ViewRead:
    """What one read of the view found: nothing new, log entries to apply to the memory
    at version ``known``, or the whole graph streamed."""

    version: int
    entries: list[tuple[int, str]] = field(default_factory=list)
    streamed: GraphView | None = None


def _view(tx: neo4j.ManagedTransaction, known: int | None) -> _ViewRead:
    """The changes from version ``known`` to the current one: none, the log's entries
    (applied outside the transaction: the driver may run this function again), or, when
    the log cannot say (or ``known`` is None), the whole graph streamed."""
    version = version_in(tx)
    if known is not None and known == version:
        return _ViewRead(version)
    if known is not None and known < version:
        # Entries up to ``version`` only: a later write may commit meanwhile (read committed).
        entries = [
            (int(r["version"]), r["payload"])
            for r in tx.run(cypher.CHANGES_BETWEEN, since=known, until=version)
        ]
        if log_complete(entries, known, version):
            return _ViewRead(version, entries=entries)
    view = stream_view(tx, version)
    if version_in(tx) != version:
        raise _Moved
    return _ViewRead(version, streamed=view)


def _bump(tx: neo4j.ManagedTransaction) -> int:
    return int(tx.run(cypher.BUMP).single(strict=True)["version"])


def _labels(tx: neo4j.ManagedTransaction, ids: Iterable[str]) -> dict[str, Label]:
    """The stored label of each id that exists."""
    out: dict[str, Label] = {}
    for chunk in _chunks(sorted(ids), _LOOKUP_CHUNK):
        for record in tx.run(cypher.LABELS_OF, ids=chunk):
            label = _own_label(record["labels"])
            if label is not None:
                out[record["id"]] = label
    return out


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


#: UNWIND statements of a write: (label or relationship type, rows), in writing order
Statements = list[tuple[Label | RelType, Sequence[dict[str, Any]]]]


def _statements(plan: Plan, batch_rows: int) -> Statements:
    """A plan's rows as UNWIND statements of at most ``batch_rows``: nodes first."""
    out: Statements = []
    by_label: dict[Label, list[dict[str, Any]]] = {}
    for node in plan.nodes:
        by_label.setdefault(node.label, []).append({"id": node.id, "props": _node_props(node)})
    for label, rows in by_label.items():
        out.extend((label, chunk) for chunk in _chunks(rows, batch_rows))
    for rels in plan.rels:
        out.extend((rels.type, chunk) for chunk in _chunks(_rel_rows(rels), batch_rows))
    return out


# --------------------------------------------------------------------------- records


def _own_label(labels: Iterable[str]) -> Label | None:
    for value in labels:
        if value in _LABELS:
            return Label(value)
    return None


def _native_props(props: dict[str, Any]) -> dict[str, Any]:
    return {k: native(v) for k, v in props.items()}


def _node_record(labels: Iterable[str], props: dict[str, Any]) -> NodeRecord:
    label = _own_label(labels)
    if label is None:
        raise StoreUnavailable(f"node {props.get('id')!r} has no Passerelle label")
    return NODE_MODELS[label].model_validate(_native_props(props))


def _rel_record(rel_type: RelType, src: str, dst: str, props: dict[str, Any]) -> RelRecord:
    return REL_MODELS[rel_type].model_validate({"src": src, "dst": dst, **_native_props(props)})


def _node_props(node: NodeRecord) -> dict[str, Any]:
    """Properties as Neo4j stores them: enums as their value, dates as dates, no nulls."""
    return {
        k: (v.value if isinstance(v, Enum) else v)
        for k, v in node.model_dump().items()
        if v is not None
    }


def _rel_rows(rels: ValidRels) -> list[dict[str, Any]]:
    """UNWIND rows of validated relationships (storage values become Neo4j values)."""
    specs = rel_specs(rels.type)
    src = rels.src.tolist() if hasattr(rels.src, "tolist") else list(rels.src)
    dst = rels.dst.tolist() if hasattr(rels.dst, "tolist") else list(rels.dst)
    columns = [(s.name, s.kind, rels.columns[s.name]) for s in specs]
    rows = []
    for i, (s, d) in enumerate(zip(src, dst, strict=True)):
        props = {}
        for name, kind, values in columns:
            value = values[i]
            if value is not None:
                props[name] = _stored(kind, value)
        rows.append({"src": s, "dst": d, "props": props})
    return rows


def _stored(kind: str, value: Any) -> Any:
    if kind == "date":
        return _iso_date(value) if isinstance(value, str) else value
    if kind == "bool":
        return bool(value)
    return value


@lru_cache(maxsize=1 << 16)
def _iso_date(text: str) -> date:
    return date.fromisoformat(text)


def _query_value(kind: str, value: Any) -> Any:
    """A ``find`` condition as stored (the embedded store accepts the same forms)."""
    if isinstance(value, Enum):
        return value.value
    if kind == "bool":
        return bool(value)
    if kind == "date" and isinstance(value, str):
        try:
            return _iso_date(value)
        except ValueError:
            return value
    return value


def _database_missing(exc: neo4j_errors.Neo4jError) -> bool:
    return (exc.code or "").endswith("DatabaseNotFound")


def _line(exc: BaseException, limit: int = 300) -> str:
    """An error's message on one line (driver messages span several lines)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"
