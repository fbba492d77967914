"""Snapshots: the heavy arrays of one version in files that every process maps read-only.

Several processes (API workers) open one store and each needs the whole graph as numpy
arrays (:class:`~graph.embedded.memory.Memory`). Built from SQLite, every process would
hold its own copy. Instead, after a full load at version *v*, the arrays are written once
to ``<data_dir>/snapshots/v<v>/`` (one ``.npy`` file per array, and ``meta.json``) and
every process that needs version *v* maps them (``np.load(mmap_mode="r")``): N workers
share one copy in the page cache, and a process that opens a snapshot reads no table.

What a snapshot holds: node labels and view columns, and per relationship type its
sorted edges, their columns and both CSRs (``out_ptr``, ``in_perm``, ``in_ptr``); the
node ids as one text array (the id → number dictionary and the id list are Python
objects that each process rebuilds from it: they cannot be mapped).

Decisions:

* **When**: after a full load from the tables (the first open of a store, or a reload
  after a change the log cannot say, such as a large batch), and only when the store
  holds at least ``min_rows`` nodes plus relationships (:data:`MIN_ROWS`; a small store
  loads in milliseconds and gains nothing from files).
* **Which one a process uses**: the newest complete snapshot of this store (its
  ``store_id``, a random id kept in ``meta``, so a database recreated in the same
  directory never takes another's snapshot) whose version is at most the disk's, *if*
  the change log holds every entry from it to the disk's version (the process then
  replays them, as after any other process's write). Otherwise it loads from the tables
  and writes a snapshot of what it loaded.
* **One writer**: a process about to load from the tables takes an exclusive ``flock``
  on ``snapshots/.lock`` (released by the kernel if the process dies, unlike a lock
  file), looks for a snapshot again (another process may just have written it), and
  only then loads and writes. Workers started together thus load once: the first one
  reads SQLite and writes, the others wait for it and map. A process that cannot take
  the lock within :data:`LOCK_WAIT_S` loads on its own, without writing.
* **Atomic publication**: files are written to ``snapshots/.tmp-v<v>-<pid>-<random>/``,
  each ``fsync``-ed, ``meta.json`` last; the directory is then renamed to ``v<v>`` and
  the parent ``fsync``-ed. A crash mid-write leaves only a ``.tmp-`` directory, never
  read (removed by the next writer once older than :data:`STALE_TMP_S`). A reader checks
  every array listed in ``meta.json`` (present, of the recorded dtype and shape); any
  failure means no snapshot, never a partial one.
* **Read-only**: mapped arrays are never written in place. ``Memory`` copies a mapped
  array before its first write (:meth:`~graph.memory.Growable.write` checks
  ``writeable``), and every derived view or index builds new arrays for what a write
  touches (:func:`~graph.embedded.memory.patch`, :mod:`graph.edits`); numpy raises on a
  write to a read-only map, so a missed copy fails loudly instead of corrupting the file.
* **Retention**: when a process publishes or opens a snapshot, it deletes every
  snapshot of a lower version whose successor was published more than
  :data:`GRACE_S` ago (and every snapshot of another store). A process that mapped
  the files keeps them: on Linux an unlinked file stays valid while it is mapped.
  So at most the newest snapshot plus those superseded within the last minute stay on
  disk.
* ``.npy`` with ``np.save``/``np.load``: no new dependency, one file per array (each
  mapped on its own, aligned), readable by any numpy.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import json
import logging
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from graph.embedded.memory import Growable, Memory
from graph.model import RelType
from graph.view import RelIndex, empty_column, node_view_specs, rel_view_specs

_logger = logging.getLogger(__name__)

#: format of the files (bumped when what is written changes)
FORMAT = 1
DIR = "snapshots"
#: stores smaller than this (nodes plus relationships) are not snapshotted
MIN_ROWS = 100_000
#: a superseded snapshot is deleted once its successor is this old
GRACE_S = 60.0
#: a temporary directory this old is a crashed writer's
STALE_TMP_S = 3600.0
#: how long a process waits for another one writing a snapshot
LOCK_WAIT_S = 300.0

#: SQL of the store's identity (a row of ``meta``)
INIT_STORE_ID = "INSERT OR IGNORE INTO meta VALUES ('store_id', ?)"
GET_STORE_ID = "SELECT value FROM meta WHERE key = 'store_id'"


def new_store_id() -> str:
    return secrets.token_hex(8)


@dataclass
class SnapshotStats:
    """How a store's memory was obtained, in this process (read by tests)."""

    #: snapshots mapped instead of loading from the tables
    mapped: int = 0
    #: snapshots written by this process
    written: int = 0


def _arrays(mem: Memory) -> dict[str, np.ndarray]:
    """Every array of a freshly loaded ``mem``, by file name (without ``.npy``)."""
    n = mem.n_slots
    ids = np.array(["" if i is None else i for i in mem.ids], dtype=str)
    out: dict[str, np.ndarray] = {"ids": ids, "labels": mem.labels.data[:n]}
    for key, col in mem.columns.items():
        out[f"node.{key}"] = col.data[:n]
    for rel_type in RelType:
        rel = mem.rel_base[rel_type]
        if rel is None:
            raise ValueError(f"{rel_type.value}: not loaded")
        prefix = f"rel.{rel_type.value}"
        for name in ("src", "dst", "out_ptr", "in_perm", "in_ptr"):
            out[f"{prefix}.{name}"] = getattr(rel, name)
        for name, arr in rel.columns.items():
            out[f"{prefix}.col.{name}"] = arr
    return out


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Snapshots:
    """The snapshots of one store directory (``<data_dir>/snapshots``)."""

    def __init__(self, data_dir: Path, store_id: str, min_rows: int = MIN_ROWS) -> None:
        self.root = Path(data_dir) / DIR
        self.store_id = store_id
        self.min_rows = min_rows
        self.stats = SnapshotStats()

    # ------------------------------------------------------------------ writing

    def worth(self, mem: Memory) -> bool:
        """Whether ``mem`` is large enough to be worth a snapshot."""
        rows = len(mem.index) + sum(len(r) for r in mem.rel_base.values() if r is not None)
        return rows > 0 and rows >= self.min_rows

    def write(self, mem: Memory, *, fail_after: int | None = None) -> Path:
        """Publish the snapshot of a freshly loaded ``mem`` (no view built, no delta),
        replacing an unusable one of the same version. The caller holds :meth:`writer`.

        ``fail_after`` (tests) raises after that many array files, as a crash would.
        """
        final = self.root / f"v{mem.version}"
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".tmp-v{mem.version}-{os.getpid()}-{secrets.token_hex(4)}"
        tmp.mkdir()
        try:
            listed: dict[str, Any] = {}
            for i, (name, arr) in enumerate(_arrays(mem).items()):
                if fail_after is not None and i >= fail_after:
                    raise OSError("simulated crash while writing a snapshot")
                path = tmp / f"{name}.npy"
                np.save(path, np.ascontiguousarray(arr), allow_pickle=False)
                _fsync(path)
                listed[name] = [arr.dtype.str, list(arr.shape)]
            meta = {
                "format": FORMAT,
                "store_id": self.store_id,
                "version": mem.version,
                "n_slots": mem.n_slots,
                "arrays": listed,
            }
            (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
            _fsync(tmp / "meta.json")
            if final.exists():  # unusable (the caller found no snapshot): replace it
                shutil.rmtree(final)
            os.rename(tmp, final)
            _fsync(self.root)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self.stats.written += 1
        self.prune()
        return final

    @contextlib.contextmanager
    def writer(self, wait_s: float = LOCK_WAIT_S) -> Iterator[bool]:
        """Hold the writers' lock (True), or give up after ``wait_s`` (False)."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + wait_s
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        yield False
                        return
                    time.sleep(0.05)
            try:
                yield True
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    # ------------------------------------------------------------------ reading

    def versions(self) -> list[int]:
        """Versions of the published snapshots on disk, ascending (of any store)."""
        if not self.root.is_dir():
            return []
        found = []
        for entry in self.root.iterdir():
            name = entry.name
            if name.startswith("v") and name[1:].isdigit():
                found.append(int(name[1:]))
        return sorted(found)

    def open_newest(self, at_most: int) -> Memory | None:
        """The memory of this store's newest complete snapshot of a version up to
        ``at_most``, its arrays mapped read-only; None when there is none."""
        for version in reversed(self.versions()):
            if version > at_most:
                continue
            mem = self.open(version)
            if mem is not None:
                return mem
        return None

    def open(self, version: int) -> Memory | None:
        """The memory of snapshot ``version`` (mapped), or None when it is missing,
        incomplete, of another store or of another format."""
        where = self.root / f"v{version}"
        try:
            meta = json.loads((where / "meta.json").read_text(encoding="utf-8"))
            if (
                meta.get("format") != FORMAT
                or meta.get("store_id") != self.store_id
                or meta.get("version") != version
            ):
                return None
            arrays: dict[str, np.ndarray] = {}
            for name, (dtype, shape) in meta["arrays"].items():
                arr = np.load(where / f"{name}.npy", mmap_mode="r", allow_pickle=False)
                if arr.dtype.str != dtype or list(arr.shape) != shape:
                    return None
                # A plain read-only ndarray over the map (np.memmap's subclass leaks into
                # results of ufuncs and slicing; the map stays alive as the base).
                arrays[name] = arr.view(np.ndarray)
            mem = _memory(version, int(meta["n_slots"]), arrays)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            _logger.info("snapshot v%s not usable: %s", version, exc)
            return None
        self.stats.mapped += 1
        return mem

    # ------------------------------------------------------------------ retention

    def remove_all(self) -> None:
        """Delete every published snapshot (after an erasure: they hold earlier versions)."""
        for version in self.versions():
            shutil.rmtree(self.root / f"v{version}", ignore_errors=True)

    def prune(self, now: float | None = None) -> None:
        """Delete superseded snapshots past the grace period, and crashed writers' files."""
        if not self.root.is_dir():
            return
        now = time.time() if now is None else now
        versions = self.versions()
        for older, newer in itertools.pairwise(versions):
            try:
                published = (self.root / f"v{newer}").stat().st_mtime
            except OSError:
                continue
            if now - published >= GRACE_S:
                shutil.rmtree(self.root / f"v{older}", ignore_errors=True)
        for entry in self.root.iterdir():
            if entry.name.startswith(".tmp-"):
                with contextlib.suppress(OSError):
                    if now - entry.stat().st_mtime >= STALE_TMP_S:
                        shutil.rmtree(entry, ignore_errors=True)


def _memory(version: int, n: int, arrays: dict[str, np.ndarray]) -> Memory:
    """A :class:`Memory` over mapped arrays (what :func:`~graph.embedded.memory.load`
    would have read at ``version``)."""
    mem = Memory()
    mem.version = version
    labels = arrays["labels"]
    if len(labels) != n:
        raise ValueError(f"labels hold {len(labels)} slots, not {n}")
    live = labels >= 0
    ids: list[str | None] = arrays["ids"].tolist()
    for nid in np.flatnonzero(~live).tolist():
        ids[nid] = None
    mem.ids = ids
    mem.index = {ids[nid]: nid for nid in np.flatnonzero(live).tolist()}  # type: ignore[misc]
    mem.labels = Growable.over(labels, np.array([-1], dtype=np.int8))
    for key, (_, spec) in node_view_specs().items():
        mem.columns[key] = Growable.over(arrays[f"node.{key}"], empty_column(spec, 1))
    for rel_type in RelType:
        prefix = f"rel.{rel_type.value}"
        mem.rel_base[rel_type] = RelIndex(
            rel_type,
            arrays[f"{prefix}.src"],
            arrays[f"{prefix}.dst"],
            {s.name: arrays[f"{prefix}.col.{s.name}"] for s in rel_view_specs(rel_type)},
            arrays[f"{prefix}.out_ptr"],
            arrays[f"{prefix}.in_perm"],
            arrays[f"{prefix}.in_ptr"],
        )
    return mem
