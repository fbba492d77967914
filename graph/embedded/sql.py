"""The embedded store's SQL: its tables, its statements, and values to and from rows.

Tables: ``meta(key, value)`` (schema and store version), ``nodes(nid, id, label, props
JSON)``, one ``rel_<type>`` table per relationship type with typed columns derived
from the model, keyed by ``(src, dst)`` node numbers, and ``changes(version, at,
payload)``, the change log (:mod:`graph.embedded.changes`).

Decisions:

* Table and column names come from the model classes, never from input; values are
  always parameters.
* Loading computes the view encoding in SQL (:func:`view_expr`), so millions of rows are
  converted in SQLite's C rather than in Python.
"""

from __future__ import annotations

import json
from typing import Any

from graph.frames import rel_specs
from graph.model import NODE_MODELS, Label, NodeRecord, RelType
from graph.schema import FieldSpec
from graph.view import NO_DATE

SCHEMA_VERSION = "1"
DB_FILE = "passerelle.sqlite3"

GET_VERSION = "SELECT value FROM meta WHERE key = 'version'"
BUMP_VERSION = "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'version'"
GET_SCHEMA = "SELECT value FROM meta WHERE key = 'schema'"
INIT_META = "INSERT INTO meta VALUES ('schema', ?), ('version', '0')"
UPSERT_NODE = (
    "INSERT INTO nodes (nid, id, label, props) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (nid) DO UPDATE SET props = excluded.props"
)
NODE_NUMBERS = "SELECT nid, id, label FROM nodes ORDER BY nid"
NODE_BY_ID = "SELECT label, props FROM nodes WHERE id = ?"
NODE_NUMBER_BY_ID = "SELECT nid, label FROM nodes WHERE id = ?"
NODE_NUMBERS_OF_TWO = "SELECT id, nid FROM nodes WHERE id IN (?, ?)"
DELETE_NODE = "DELETE FROM nodes WHERE nid = ?"

#: the change log: one row per version, written in the version's own transaction
LOG_CHANGE = "INSERT OR REPLACE INTO changes (version, at, payload) VALUES (?, ?, ?)"
#: entries of versions ``> ?`` and ``<= ?``, oldest first (a range of the primary key)
CHANGES_BETWEEN = (
    "SELECT version, payload FROM changes WHERE version > ? AND version <= ? ORDER BY version"
)
#: forget entries at or below a version *and* older than a time (see graph.embedded.changes)
TRIM_CHANGES = "DELETE FROM changes WHERE version <= ? AND at < ?"

#: forget every entry below a version (an erasure: graph.rights.erase)
FORGET_CHANGES_BEFORE = "DELETE FROM changes WHERE version < ?"

#: numpy dtype of each kind of view column, as loaded from SQL
NUMPY_TYPE = {"date": "i4", "enum": "i1", "bool": "i1", "int": "i4", "float": "f8"}


def table(rel_type: RelType) -> str:
    """The table of a relationship type.

    >>> table(RelType.WORKS_AT)
    'rel_works_at'
    """
    return f"rel_{rel_type.value.lower()}"


def schema_sql() -> list[str]:
    """The statements creating every table and index (idempotent)."""
    stmts = [
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS nodes ("
        " nid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, label TEXT NOT NULL,"
        " props TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS nodes_label ON nodes(label)",
        # payload NULL: the change was not logged (a large batch), readers reload in full
        "CREATE TABLE IF NOT EXISTS changes ("
        " version INTEGER PRIMARY KEY, at REAL NOT NULL, payload TEXT)",
    ]
    for rel_type in RelType:
        cols = "".join(
            f", {s.name} {s.sql_type}{'' if s.nullable else ' NOT NULL'}"
            for s in rel_specs(rel_type)
        )
        name = table(rel_type)
        stmts.append(
            f"CREATE TABLE IF NOT EXISTS {name} (src INTEGER NOT NULL, dst INTEGER NOT NULL{cols},"
            " PRIMARY KEY (src, dst)) WITHOUT ROWID"
        )
        stmts.append(f"CREATE INDEX IF NOT EXISTS {name}_dst ON {name}(dst)")
    return stmts


def drop_dst_index_sql(rel_type: RelType) -> str:
    """Drop the secondary index of a relationship table (:meth:`EmbeddedStore.bulk`)."""
    return f"DROP INDEX IF EXISTS {table(rel_type)}_dst"


def upsert_rel_sql(rel_type: RelType) -> str:
    """Insert or replace relationships of ``rel_type``: ``src, dst`` then every column."""
    # Every column is given, so replacing the row on a key conflict is an upsert, and
    # SQLite's REPLACE path is cheaper than ON CONFLICT DO UPDATE for bulk loads.
    names = [s.name for s in rel_specs(rel_type)]
    cols = ", ".join(["src", "dst", *names])
    marks = ", ".join("?" * (len(names) + 2))
    return f"INSERT OR REPLACE INTO {table(rel_type)} ({cols}) VALUES ({marks})"


def delete_rels_of_sql(rel_type: RelType, end: str) -> str:
    """Delete the relationships of ``rel_type`` whose ``end`` (``src`` or ``dst``) is a node."""
    assert end in ("src", "dst")
    return f"DELETE FROM {table(rel_type)} WHERE {end} = ?"


def delete_rel_sql(rel_type: RelType) -> str:
    """Delete one relationship by its ends' numbers."""
    return f"DELETE FROM {table(rel_type)} WHERE src = ? AND dst = ?"


def get_rel_sql(rel_type: RelType) -> str:
    """One relationship by its ends' ids: ``1`` then its columns in model order."""
    cols = "".join(f", r.{s.name}" for s in rel_specs(rel_type))
    return (
        f"SELECT 1{cols} FROM {table(rel_type)} r JOIN nodes a ON a.nid = r.src"
        " JOIN nodes b ON b.nid = r.dst WHERE a.id = ? AND b.id = ?"
    )


def attached_sql(rel_type: RelType, mine: str, other: str) -> str:
    """The relationships of a node (by id) on side ``mine``: the other end's id, then the
    columns in model order, by the other end's id."""
    cols = "".join(f", r.{s.name}" for s in rel_specs(rel_type))
    return (
        f"SELECT o.id{cols} FROM {table(rel_type)} r JOIN nodes me ON me.nid = r.{mine}"
        f" JOIN nodes o ON o.nid = r.{other} WHERE me.id = ? ORDER BY o.id"
    )


#: every node of a label, by id (:meth:`EmbeddedStore.export_nodes`)
NODES_OF_LABEL = "SELECT id, label, props FROM nodes WHERE label = ? ORDER BY id"


def node_columns_sql(n: int) -> str:
    """``id`` and ``n`` properties (JSON paths as parameters, then the label) of a label's
    nodes, by id.

    >>> node_columns_sql(2)
    'SELECT id, json_extract(props, ?), json_extract(props, ?) FROM nodes WHERE label = ? ORDER BY id'
    """  # noqa: E501
    columns = "".join(", json_extract(props, ?)" for _ in range(n))
    return f"SELECT id{columns} FROM nodes WHERE label = ? ORDER BY id"


def export_rels_sql(rel_type: RelType) -> str:
    """Every relationship of ``rel_type``: its ends' ids, then the columns in model order,
    in key order (:meth:`EmbeddedStore.export_relationships`)."""
    cols = "".join(f", r.{s.name}" for s in rel_specs(rel_type))
    return (
        f"SELECT a.id, b.id{cols} FROM {table(rel_type)} r JOIN nodes a ON a.nid = r.src"
        " JOIN nodes b ON b.nid = r.dst ORDER BY r.src, r.dst"
    )


def nodes_by_id_sql(count: int) -> str:
    """Nodes whose id is one of ``count`` parameters."""
    marks = ", ".join("?" * count)
    return f"SELECT id, label, props FROM nodes WHERE id IN ({marks})"


def find_sql(
    label: Label, where: list[tuple[FieldSpec, Any]], limit: int, offset: int
) -> tuple[str, list[Any]]:
    """The query of :meth:`EmbeddedStore.find` and its parameters (arguments checked)."""
    clauses, params = ["label = ?"], [label.value]
    for spec, value in where:
        if spec.name == "id":
            clauses.append("id = ?")
            params.append(value)
        elif value is None:
            clauses.append("json_extract(props, ?) IS NULL")
            params.append(f"$.{spec.name}")
        else:
            clauses.append("json_extract(props, ?) = ?")
            params.extend([f"$.{spec.name}", json_scalar(spec, value)])
    query = (
        f"SELECT id, label, props FROM nodes WHERE {' AND '.join(clauses)}"
        " ORDER BY id LIMIT ? OFFSET ?"
    )
    return query, [*params, limit, offset]


def view_expr(spec: FieldSpec, column: str) -> str:
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


def node_record(node_id: str, label: str, props: str) -> NodeRecord:
    """The record of a ``nodes`` row."""
    return NODE_MODELS[Label(label)].model_validate({"id": node_id, **json.loads(props)})


def json_scalar(spec: FieldSpec, value: Any) -> Any:
    """A query value as ``json_extract`` returns it for this property."""
    if spec.kind == "bool":
        return int(bool(value))
    if hasattr(value, "value"):
        return value.value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
