"""Field specifications derived from the pydantic model classes.

Storage tables, columnar bulk validation and the view's columns all need to know, for a
property, its kind (text, integer, real, boolean, date, enum), whether it may be null
and its bounds. Reading that from the model classes keeps one source of truth.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

Kind = Literal["str", "int", "float", "bool", "date", "enum"]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """What a property may hold."""

    name: str
    kind: Kind
    nullable: bool
    required: bool
    default: Any = None
    enum: type[StrEnum] | None = None
    ge: float | None = None
    le: float | None = None
    max_length: int | None = None
    pattern: str | None = None

    @property
    def sql_type(self) -> str:
        return {"int": "INTEGER", "bool": "INTEGER", "float": "REAL"}.get(self.kind, "TEXT")


def _unwrap(annotation: Any) -> tuple[Any, bool, list[Any]]:
    """(base type, nullable, constraint metadata) of an annotation."""
    nullable = False
    metadata: list[Any] = []
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        nullable = len(args) < len(get_args(annotation))
        annotation = args[0]
        origin = get_origin(annotation)
    if origin is Annotated:
        annotation, *extra = get_args(annotation)
        for item in extra:
            metadata.extend(item.metadata if isinstance(item, FieldInfo) else [item])
    return annotation, nullable, metadata


def _kind(base: Any) -> Kind:
    if isinstance(base, type) and issubclass(base, StrEnum):
        return "enum"
    if base is bool:
        return "bool"
    if base is int:
        return "int"
    if base is float:
        return "float"
    if base is date:
        return "date"
    return "str"


@cache
def field_specs(
    model: type[BaseModel], exclude: frozenset[str] = frozenset()
) -> tuple[FieldSpec, ...]:
    """The property specs of ``model``, in declaration order, minus ``exclude``.

    >>> from graph.model import Knows
    >>> [(f.name, f.kind) for f in field_specs(Knows, frozenset({"src", "dst"}))][:2]
    [('strength', 'float'), ('source', 'enum')]
    """
    specs = []
    for name, info in model.model_fields.items():
        if name in exclude:
            continue
        base, nullable, metadata = _unwrap(info.annotation)
        metadata = [*metadata, *info.metadata]
        spec: dict[str, Any] = {}
        for item in metadata:
            if isinstance(item, annotated_types.Ge):
                spec["ge"] = item.ge
            elif isinstance(item, annotated_types.Le):
                spec["le"] = item.le
            elif isinstance(item, annotated_types.MaxLen):
                spec["max_length"] = item.max_length
            elif hasattr(item, "pattern") and isinstance(item.pattern, str):
                spec["pattern"] = item.pattern
        kind = _kind(base)
        specs.append(
            FieldSpec(
                name=name,
                kind=kind,
                nullable=nullable,
                required=info.is_required(),
                default=None if info.is_required() else info.default,
                enum=base if kind == "enum" else None,
                **spec,
            )
        )
    return tuple(specs)
