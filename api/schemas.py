"""Shared response shapes and the builder of request models from the graph's records.

The graph model (:mod:`graph.model`) is the single source of truth for properties and
their constraints: request bodies are derived from its fields, so the OpenAPI schema and
the store's validation never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.fields import FieldInfo

from graph.model import ID_PATTERN, NodeRecord

T = TypeVar("T")

IdStr = Annotated[str, Field(pattern=ID_PATTERN, max_length=80, examples=["p-0000042"])]


class Page(BaseModel, Generic[T]):
    """One page of a list, ordered by id."""

    items: list[T]
    total: int = Field(description="items matching the filters, on every page")
    limit: int
    offset: int


class Deleted(BaseModel):
    id: str
    relationships: int = Field(description="relationships removed with the node")


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _field(info: FieldInfo, *, optional: bool) -> tuple[Any, FieldInfo]:
    annotation: Any = info.annotation
    if info.metadata:
        annotation = Annotated[(annotation, *info.metadata)]
    if optional:
        annotation = annotation | None
        return annotation, Field(None, description=info.description)
    default = info.get_default(call_default_factory=True) if not info.is_required() else ...
    return annotation, Field(default, description=info.description)


def input_model(
    name: str,
    record: type[NodeRecord],
    *,
    exclude: Iterable[str] = (),
    all_optional: bool = False,
    id_optional: bool = True,
    extra: dict[str, tuple[Any, Any]] | None = None,
    examples: list[dict[str, Any]] | None = None,
    doc: str | None = None,
) -> type[BaseModel]:
    """A request model with the fields (and constraints) of ``record``.

    ``all_optional`` makes a PATCH body: every field may be left out, and what is given
    replaces the stored value. Unknown fields are refused (422 naming them).
    """
    skip = set(exclude)
    fields: dict[str, Any] = {}
    for fname, info in record.model_fields.items():
        if fname in skip:
            continue
        optional = all_optional or (fname == "id" and id_optional)
        fields[fname] = _field(info, optional=optional)
    fields.update(extra or {})
    config = ConfigDict(extra="forbid", json_schema_extra={"examples": examples or []})
    model = create_model(name, __config__=config, __doc__=doc, **fields)  # type: ignore[call-overload]
    return model


def output_fields(
    record: type[NodeRecord], exclude: Iterable[str] = ()
) -> dict[str, tuple[Any, Any]]:
    """Fields of ``record`` for a response model (every field, as stored)."""
    skip = set(exclude)
    out: dict[str, tuple[Any, Any]] = {}
    for fname, info in record.model_fields.items():
        if fname not in skip:
            out[fname] = (info.annotation, Field(description=info.description))
    return out
