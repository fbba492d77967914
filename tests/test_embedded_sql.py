"""The embedded store's SQL (graph.embedded.sql): loading encodes values as the view does."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import numpy as np
import pytest

from graph.embedded.sql import NUMPY_TYPE, schema_sql, table, view_expr
from graph.model import RelType
from graph.schema import FieldSpec
from graph.view import encode_column, node_view_specs, rel_view_specs


def _samples(spec: FieldSpec, as_json: bool) -> list[Any]:
    """Values as the store keeps them (JSON booleans in node properties, 0/1 in columns)."""
    if spec.kind == "date":
        return ["2024-02-29", "1970-01-01", "1969-12-31", "2031-07-14", None]
    if spec.kind == "enum":
        assert spec.enum is not None
        return [m.value for m in spec.enum] + [None]
    if spec.kind == "bool":
        return [True, False, None] if as_json else [1, 0, None]
    if spec.kind == "int":
        return [0, 7, 120, None]
    return [0.0, 0.25, 2.5, None]


def _loaded(conn: sqlite3.Connection, expr: str, spec: FieldSpec) -> np.ndarray:
    rows = [row[0] for row in conn.execute(f"SELECT {expr} FROM t ORDER BY rowid")]
    return np.array(rows, dtype=NUMPY_TYPE[spec.kind])


SPECS = [(f"node {key}", spec, True) for key, (_, spec) in node_view_specs().items()] + [
    (f"rel {t.value}.{s.name}", s, False) for t in RelType for s in rel_view_specs(t)
]


@pytest.mark.parametrize(("name", "spec", "as_json"), SPECS, ids=[s[0] for s in SPECS])
def test_sql_encoding_agrees_with_the_view_encoding(name: str, spec: FieldSpec, as_json: bool):
    values = _samples(spec, as_json)
    conn = sqlite3.connect(":memory:")
    if as_json:  # a node property, read from the JSON of the props column
        conn.execute("CREATE TABLE t (props TEXT)")
        conn.executemany(
            "INSERT INTO t VALUES (?)", [(json.dumps({spec.name: v}),) for v in values]
        )
        expr = view_expr(spec, f"json_extract(props, '$.{spec.name}')")
    else:  # a relationship column, with the type affinity of its table
        conn.execute(f"CREATE TABLE t (v {spec.sql_type})")
        conn.executemany("INSERT INTO t VALUES (?)", [(v,) for v in values])
        expr = view_expr(spec, "v")
    got = _loaded(conn, expr, spec)
    want = encode_column(spec, values)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_schema_is_idempotent_and_has_one_table_per_relationship_type() -> None:
    conn = sqlite3.connect(":memory:")
    for _ in range(2):
        for stmt in schema_sql():
            conn.execute(stmt)
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert names == {"meta", "nodes", "changes"} | {table(t) for t in RelType}
