"""Columnar batches of relationships, validated with numpy.

The demo seed and CSV imports write millions of ties; validating them one pydantic object
at a time would cost more than storing them. A :class:`RelFrame` holds one relationship
type as columns; :func:`validate_rel_frame` applies the same rules as the pydantic model
(kinds, enums, bounds, lengths, ordered dates, no self-loop, canonical order of undirected
ties) to whole columns and names the first offending row and field.

>>> frame = RelFrame(RelType.KNOWS, ["p-2"], ["p-1"], {"strength": [0.5], "source": ["unit"]})
>>> valid = validate_rel_frame(frame)
>>> valid.src.tolist(), valid.dst.tolist(), valid.columns["source"]
(['p-1'], ['p-2'], ['unit'])
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graph.errors import InvalidInput
from graph.model import ID_PATTERN, REL_MODELS, WHITESPACE, RelRecord, RelType, is_valid_id
from graph.schema import FieldSpec, field_specs

_ENDPOINTS = frozenset({"src", "dst"})
_ID_CHUNK = 1 << 20
#: ASCII code -> allowed in an id (anywhere / as first character); index 128 = non-ASCII
_ID_CHAR = np.zeros(129, dtype=bool)
_ID_CHAR[[ord(c) for c in "0123456789_.:-"]] = True
_ID_CHAR[ord("A") : ord("Z") + 1] = _ID_CHAR[ord("a") : ord("z") + 1] = True
_ID_FIRST = _ID_CHAR.copy()
_ID_FIRST[[ord(c) for c in "_.:-"]] = False


def rel_specs(rel_type: RelType) -> tuple[FieldSpec, ...]:
    """Property specs of a relationship type, without its endpoints."""
    return field_specs(REL_MODELS[rel_type], _ENDPOINTS)


@dataclass(frozen=True)
class RelFrame:
    """Relationships of one type as columns; optional properties may be left out."""

    type: RelType
    src: Sequence[str] | np.ndarray
    dst: Sequence[str] | np.ndarray
    columns: Mapping[str, Sequence[Any] | np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.src)


@dataclass(frozen=True)
class ValidRels:
    """Validated relationships of one type, with storage values.

    Columns hold what the stores keep: enums as their value, dates as ISO text,
    booleans as 0/1, ``None`` for null.
    """

    type: RelType
    src: list[str] | np.ndarray
    dst: list[str] | np.ndarray
    columns: dict[str, list[Any]]
    #: date columns as datetime64[D], when validation produced them (spares re-parsing)
    dates: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.src)

    def rows(self) -> Iterable[tuple[Any, ...]]:
        names = [s.name for s in rel_specs(self.type)]
        return zip(self.src, self.dst, *(self.columns[n] for n in names), strict=True)


def _bad(where: str, row: int, name: str, message: str, value: Any = None) -> InvalidInput:
    return InvalidInput(f"{where}[{row}].{name}", message, value)


def _shown(value: Any) -> str:
    """A rejected value as the caller wrote it: ``1.5``, not ``np.float64(1.5)``."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _first(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _to_dates(values: Any, where: str, name: str) -> np.ndarray:
    """Dates as datetime64[D] (NaT for null), from datetime64, date objects or ISO text."""
    arr = np.asarray(values)
    if np.issubdtype(arr.dtype, np.datetime64):
        return arr.astype("datetime64[D]")
    out = np.empty(len(arr), dtype="datetime64[D]")
    for i, v in enumerate(arr.tolist()):
        try:
            out[i] = np.datetime64("NaT") if v is None else np.datetime64(v, "D")
        except (ValueError, TypeError):
            raise _bad(where, i, name, "expected a date YYYY-MM-DD", v) from None
    return out


def _iso_dates(dates: np.ndarray, nat: np.ndarray) -> list[str | None]:
    """ISO texts of dates; formats each distinct day once (a column spans few distinct days)."""
    if nat.all():
        return [None] * len(dates)
    days = dates.astype(np.int64)
    first = int(days[~nat].min())
    span = int(days[~nat].max()) - first + 1
    if span > 4 * len(dates) + 1024:  # scattered days: format each one
        text = np.datetime_as_string(dates).astype(object)
    else:
        lookup = np.datetime_as_string(np.arange(first, first + span).astype("datetime64[D]"))
        text = lookup.astype(object)[np.where(nat, 0, days - first)]
    text[nat] = None
    return text.tolist()


def _validate_column(spec: FieldSpec, values: Any, n: int, where: str) -> tuple[list[Any], Any]:
    """(storage values, comparable array for cross-field checks) of one column."""
    if values is None:
        if spec.required:
            raise InvalidInput(f"{where}.{spec.name}", "column is required")
        default = (
            spec.default.value if spec.kind == "enum" and spec.default is not None else spec.default
        )
        if spec.kind == "bool":
            default = int(bool(default))
        return [default] * n, None
    if len(values) != n:
        raise InvalidInput(f"{where}.{spec.name}", f"has {len(values)} values for {n} rows")
    if spec.kind == "date":
        dates = _to_dates(values, where, spec.name)
        nat = np.isnat(dates)
        if nat.any() and not spec.nullable:
            raise _bad(where, _first(nat), spec.name, "is required")
        return _iso_dates(dates, nat), dates
    if spec.kind in ("float", "int"):
        # Only a numeric array may be taken as is: numpy reads the list [True, "0.5"] as the
        # text ["True", "0.5"], so a valid row would fail; objects convert one by one.
        numeric = isinstance(values, np.ndarray) and values.dtype.kind in "biuf"
        arr = np.asarray(values, dtype=None if numeric and not spec.nullable else object)
        if spec.nullable:
            null = np.array([v is None for v in arr.tolist()], dtype=bool)
            filled = np.where(null, 0, arr)
        else:
            null = np.zeros(n, dtype=bool)
            filled = arr
        try:
            num = np.asarray(filled, dtype=np.float64)
        except (ValueError, TypeError):
            bad = next(i for i, v in enumerate(np.asarray(filled).tolist()) if not _is_number(v))
            raise _bad(
                where, bad, spec.name, f"expected a number, got {_shown(filled[bad])}"
            ) from None
        if not spec.nullable and null.any():
            raise _bad(where, _first(null), spec.name, "is required")
        bad_mask = ~np.isfinite(num) & ~null
        if spec.kind == "int":
            bad_mask |= (num != np.round(num)) & ~null
        if spec.ge is not None:
            bad_mask |= (num < spec.ge) & ~null
        if spec.le is not None:
            bad_mask |= (num > spec.le) & ~null
        if bad_mask.any():
            i = _first(bad_mask)
            bounds = (
                f" in [{spec.ge}, {spec.le}]" if spec.ge is not None or spec.le is not None else ""
            )
            raise _bad(where, i, spec.name, f"expected a {spec.kind}{bounds}, got {_shown(num[i])}")
        cast = num.astype(np.int64) if spec.kind == "int" else num
        out = cast.astype(object)
        out[null] = None
        return out.tolist(), None
    if spec.kind == "bool":
        out_list: list[int | None] = []
        for i, v in enumerate(np.asarray(values).tolist()):
            if v is None and spec.nullable:
                out_list.append(None)
            elif isinstance(v, bool | int) and v in (0, 1):
                out_list.append(int(v))
            else:
                raise _bad(where, i, spec.name, "expected true or false", v)
        return out_list, None
    if isinstance(values, np.ndarray) and values.dtype.kind == "U":
        # Text already in a numpy array (the bulk path): check whole columns at once.
        return _validate_text_array(spec, values, where), None
    # str and enum
    items = [
        v.value if hasattr(v, "value") else v for v in np.asarray(values, dtype=object).tolist()
    ]
    if spec.kind == "enum":
        assert spec.enum is not None
        allowed = {m.value for m in spec.enum}
        for i, v in enumerate(items):
            if v not in allowed and not (v is None and spec.nullable):
                choices = ", ".join(sorted(allowed))
                raise _bad(where, i, spec.name, f"expected one of {choices}, got {v!r}", v)
        return items, None
    for i, v in enumerate(items):
        if v is None:
            if not spec.nullable:
                raise _bad(where, i, spec.name, "is required")
            continue
        if isinstance(v, str):
            v = items[i] = str(v).strip(WHITESPACE)  # as the models' str_strip_whitespace
        if not isinstance(v, str) or (spec.max_length is not None and len(v) > spec.max_length):
            raise _bad(
                where, i, spec.name, f"expected text of at most {spec.max_length} characters"
            )
    return items, None


def _validate_text_array(spec: FieldSpec, values: np.ndarray, where: str) -> list[Any]:
    """Vectorised check of an enum or text column given as a numpy text array."""
    if spec.kind == "enum":
        assert spec.enum is not None
        allowed = np.array([m.value for m in spec.enum])
        bad = ~np.isin(values, allowed)
        if bad.any():
            i = _first(bad)
            choices = ", ".join(sorted(allowed.tolist()))
            raise _bad(where, i, spec.name, f"expected one of {choices}, got {_shown(values[i])}")
        return values.tolist()
    stripped = np.strings.strip(values, WHITESPACE)
    lengths = np.strings.str_len(stripped)
    too_long = lengths > spec.max_length if spec.max_length is not None else lengths < 0
    if too_long.any():
        raise _bad(
            where,
            _first(too_long),
            spec.name,
            f"expected text of at most {spec.max_length} characters",
        )
    return stripped.tolist()


def _plain_ids(arr: np.ndarray) -> np.ndarray:
    """Mask of the ids of a text array that match :data:`ID_PATTERN` as they are, vectorised."""
    n, width = len(arr), arr.dtype.itemsize // 4
    out = np.zeros(n, dtype=bool)
    if width == 0:
        return out
    pos = np.arange(width)
    for start in range(0, n, _ID_CHUNK):
        codes = np.ascontiguousarray(arr[start : start + _ID_CHUNK]).view(np.uint32)
        codes = codes.reshape(-1, width)
        ascii_codes = np.minimum(codes, 128)
        allowed = _ID_CHAR[ascii_codes]
        run = np.where(allowed.all(axis=1), width, np.argmin(allowed, axis=1))
        # After the run of allowed characters there must be nothing but numpy's padding.
        tail = (pos >= run[:, None]) & (codes != 0)
        out[start : start + len(codes)] = (
            _ID_FIRST[ascii_codes[:, 0]] & (run <= 80) & ~tail.any(axis=1)
        )
    return out


def _node_ids(values: Any, where: str, name: str) -> np.ndarray:
    """Endpoint ids as a text array, trimmed as the models trim them; a bad id raises."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "U":
        arr = values
    else:
        items = values.tolist() if isinstance(values, np.ndarray) else list(values)
        if not all(issubclass(t, str) for t in set(map(type, items))):
            i = next(i for i, v in enumerate(items) if not isinstance(v, str))
            raise _bad(where, i, name, "expected a node id (text)", items[i])
        arr = np.asarray(items, dtype=str) if items else np.empty(0, dtype="<U1")
    plain = _plain_ids(arr)
    if not plain.all():
        arr = arr.copy()
        for i in np.flatnonzero(~plain).tolist():
            value = str(arr[i]).strip(WHITESPACE)
            if not is_valid_id(value):
                raise _bad(where, i, name, f"String should match pattern '{ID_PATTERN}'", value)
            arr[i] = value
    return arr


def _is_number(v: Any) -> bool:
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True


def validate_rel_frame(frame: RelFrame, where: str = "rels") -> ValidRels:
    """Check a frame against its type's rules; raise :class:`InvalidInput` naming the row.

    Undirected types come back in canonical order (smaller id first).
    """
    model = REL_MODELS[frame.type]
    n = len(frame.src)
    if len(frame.dst) != n:
        raise InvalidInput(f"{where}.dst", f"has {len(frame.dst)} values for {n} rows")
    known = {s.name for s in rel_specs(frame.type)}
    unknown = set(frame.columns) - known
    if unknown:
        raise InvalidInput(f"{where}.{sorted(unknown)[0]}", f"not a property of {frame.type.value}")
    src = _node_ids(frame.src, where, "src")
    dst = _node_ids(frame.dst, where, "dst")
    loops = src == dst
    if loops.any():
        raise _bad(where, _first(loops), "dst", "a relationship cannot link a node to itself")
    if model.UNDIRECTED:
        swap = dst < src
        src, dst = np.where(swap, dst, src), np.where(swap, src, dst)
    columns: dict[str, list[Any]] = {}
    comparable: dict[str, Any] = {}
    for spec in rel_specs(frame.type):
        columns[spec.name], comparable[spec.name] = _validate_column(
            spec, frame.columns.get(spec.name), n, where
        )
    for earlier, later in model.ORDERED_DATES:
        a, b = comparable.get(earlier), comparable.get(later)
        if a is not None and b is not None:
            wrong = ~np.isnat(a) & ~np.isnat(b) & (b < a)
            if wrong.any():
                raise _bad(where, _first(wrong), later, f"must not be before {earlier}")
    # Endpoints stay numpy text arrays: the store resolves them with a vectorised search.
    dates = {k: v for k, v in comparable.items() if v is not None}
    return ValidRels(frame.type, src, dst, columns, dates)


def frames_from_records(records: Iterable[RelRecord]) -> list[ValidRels]:
    """Group already-validated relationship records into storage-ready columns, by type."""
    grouped: dict[RelType, list[RelRecord]] = defaultdict(list)
    for record in records:
        grouped[record.type].append(record)
    out = []
    for rel_type, items in grouped.items():
        specs = rel_specs(rel_type)
        dumped = [r.model_dump(mode="json") for r in items]
        columns = {
            s.name: [
                int(d[s.name]) if s.kind == "bool" and d[s.name] is not None else d[s.name]
                for d in dumped
            ]
            for s in specs
        }
        out.append(
            ValidRels(rel_type, [d["src"] for d in dumped], [d["dst"] for d in dumped], columns)
        )
    return out
