"""The embedded store's memory: loaded from its tables in one snapshot.

The memory itself (:class:`~graph.memory.Memory`: arrays kept in step with the database,
views derived at the cost of a write) is shared with the Neo4j store and lives in the core
(:mod:`graph.memory`); this module reads it from SQLite (:func:`load`) and re-exports the
names the embedded store uses.
"""

from __future__ import annotations

import sqlite3

import numpy as np

from graph import native_heap
from graph.embedded.sql import NODE_NUMBERS, NUMPY_TYPE, table, view_expr
from graph.memory import (
    PATCH_MAX,
    Delta,
    Growable,
    Memory,
    build_view,
    days,
    hash_ids,
    merge,
    patch,
)
from graph.model import Label, RelType
from graph.schema import FieldSpec
from graph.view import LABEL_CODE, RelIndex, node_view_specs, rel_view_specs

__all__ = [
    "PATCH_MAX",
    "Delta",
    "Growable",
    "Memory",
    "build_view",
    "days",
    "hash_ids",
    "load",
    "merge",
    "patch",
]


def load(conn: sqlite3.Connection, version_sql: str) -> Memory:
    """The memory of the database, read in one transaction (one consistent snapshot)."""
    mem = Memory()
    conn.execute("BEGIN")  # one consistent snapshot of every table
    try:
        mem.version = int(conn.execute(version_sql).fetchone()[0])
        rows = conn.execute(NODE_NUMBERS).fetchall()
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
                view_expr(spec, f"json_extract(props, '$.{spec.name}')") for _, spec in cols
            )
            cur = conn.execute(f"SELECT nid, {exprs} FROM nodes WHERE label = ?", (label.value,))
            dtype = [("nid", "i8")] + [(key, NUMPY_TYPE[spec.kind]) for key, spec in cols]
            found = np.fromiter(cur, dtype=dtype)
            for key, _ in cols:
                mem.columns[key].data[found["nid"]] = found[key]
        for rel_type in RelType:
            mem.rel_base[rel_type] = _load_rel(conn, rel_type, n_slots)
    finally:
        conn.execute("COMMIT")
    conn.execute("PRAGMA shrink_memory")  # the pages read once: not worth keeping
    native_heap.trim()  # the load's temporaries: a third of its peak at 100,000 people
    return mem


def _load_rel(conn: sqlite3.Connection, rel_type: RelType, n_slots: int) -> RelIndex:
    specs = rel_view_specs(rel_type)
    exprs = ", ".join(["src", "dst", *(view_expr(s, s.name) for s in specs)])
    dtype = [("src", "i4"), ("dst", "i4")] + [(s.name, NUMPY_TYPE[s.kind]) for s in specs]
    # The primary key (src, dst) returns rows already sorted and unique.
    cur = conn.execute(f"SELECT {exprs} FROM {table(rel_type)} ORDER BY src, dst")
    found = np.fromiter(cur, dtype=dtype)
    columns = {s.name: np.ascontiguousarray(found[s.name]) for s in specs}
    return RelIndex.build(
        rel_type,
        np.ascontiguousarray(found["src"]),
        np.ascontiguousarray(found["dst"]),
        columns,
        n_slots,
    )
