"""What every store adapter does the same way, written once.

:class:`StoreBase` implements the parts of the :class:`~graph.store.GraphStore` port
that do not depend on the database: the argument checks of ``find`` and of the
relationship reads (so both adapters raise the same errors for the same bad value), the
reads derived from others (``relationships`` and ``neighbours`` from one walk of a node's
relationships, ``delete_person`` from ``delete_node``, ``upsert_*`` from ``write``), and
the context manager. An adapter implements only what its database does differently:
the ``_find`` query and the ``_attached`` walk, and the rest of the port.

Decisions:

* A base class rather than free functions: the shared methods are the port's own
  methods, and a template method (``find`` checks, then calls ``_find``) keeps the
  checks in front of every adapter's query without each adapter calling them.
* The order of checks is part of the behaviour (the first error is the one reported):
  ``find`` checks the label, then each ``where`` name in order, then ``limit``, then
  ``offset``; the relationship reads check ``direction`` before touching the database.
* Undirected relationship types are stored once, ``src`` ≤ ``dst``
  (:func:`canonical_ends`); every adapter reads and deletes them by that order.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self, cast

from pydantic import ValidationError as PydanticValidationError

from graph.errors import InvalidInput, NotFound
from graph.model import (
    NODE_MODELS,
    REL_MODELS,
    Label,
    NodeRecord,
    RelRecord,
    RelType,
    invalid_from_pydantic,
    parse_label,
)
from graph.schema import FieldSpec, field_specs
from graph.store import Batch, DeleteResult, Direction, WriteResult

#: the largest ``limit`` of ``find``
MAX_FIND_LIMIT = 10_000

# The change log every adapter keeps (graph.embedded.changes, graph.neo4j.mirror): one
# entry per version, written in that version's transaction, from which other processes
# keep their in-memory state in step instead of reading the whole graph again.
#: writes of more rows than this (nodes plus relationships) are logged without payload:
#: the other processes read the graph again, once
LOG_MAX_ROWS = 10_000
#: an entry is kept while it is among the last LOG_KEEP_VERSIONS versions…
LOG_KEEP_VERSIONS = 1_000
#: …or younger than LOG_KEEP_SECONDS
LOG_KEEP_SECONDS = 600.0
DIRECTIONS = ("out", "in", "both")


def canonical_ends(rel_type: RelType, src: str, dst: str) -> tuple[str, str]:
    """The ends as stored: an undirected relationship is kept from the smaller id.

    >>> canonical_ends(RelType.KNOWS, "b", "a"), canonical_ends(RelType.MENTORS, "b", "a")
    (('a', 'b'), ('b', 'a'))
    """
    if REL_MODELS[rel_type].UNDIRECTED and dst < src:
        return dst, src
    return src, dst


@dataclass
class SyncStats:
    """How one store object kept its in-memory graph in step with the database, in this
    process: cheap counters, read by tests and diagnostics."""

    #: change-log entries applied (other processes' writes, or this one's seen by a reader)
    applied: int = 0
    #: full reads of the graph (the first one included)
    reloads: int = 0


def check_direction(direction: Any) -> Direction:
    """``direction`` when it is ``out``, ``in`` or ``both``; else :class:`InvalidInput`."""
    if direction not in DIRECTIONS:
        raise InvalidInput("direction", "expected out, in or both", direction)
    return cast(Direction, direction)


def check_create_only(batch: Batch) -> frozenset[str]:
    """The ids of ``batch.create_only``, each the id of a node of the batch; else
    :class:`InvalidInput` naming it.

    >>> from graph.model import Sector
    >>> batch = Batch(nodes=[Sector(id="s1", code="c1", name="x")], create_only=["s1"])
    >>> sorted(check_create_only(batch))
    ['s1']
    >>> check_create_only(Batch(create_only=["s2"]))
    Traceback (most recent call last):
    ...
    graph.errors.InvalidInput: create_only[0]: 's2' is not a node of the batch
    """
    if isinstance(batch.create_only, str):
        raise InvalidInput("create_only", "expected a collection of ids", batch.create_only)
    if not batch.create_only:
        return frozenset()
    ids = {n.id for n in batch.nodes if isinstance(n, NodeRecord)}
    for i, node_id in enumerate(batch.create_only):
        if node_id not in ids:
            raise InvalidInput(
                f"create_only[{i}]", f"{node_id!r} is not a node of the batch", node_id
            )
    return frozenset(batch.create_only)


def patched(record: NodeRecord, changes: Mapping[str, Any]) -> NodeRecord:
    """``record`` with some properties replaced, validated again as a whole (the id stays);
    an invalid result is :class:`InvalidInput` naming the field.

    >>> from graph.model import Sector
    >>> patched(Sector(id="s1", code="c1", name="x"), {"name": "y"}).name
    'y'
    >>> patched(Sector(id="s1", code="c1", name="x"), {"code": "?"})
    Traceback (most recent call last):
    ...
    graph.errors.InvalidInput: code: String should match pattern '^[a-z0-9-]{2,40}$'
    """
    data = {**record.model_dump(), **changes, "id": record.id}
    try:
        return type(record).model_validate(data)
    except PydanticValidationError as exc:
        raise invalid_from_pydantic(exc) from None


def log_complete(entries: Sequence[tuple[int, str | None]], since: int, until: int) -> bool:
    """Whether change-log ``entries`` (version, payload) are every version after ``since``
    up to ``until``, each with its payload (nothing trimmed, nothing too large to log).

    >>> log_complete([(3, "{}"), (4, "{}")], 2, 4), log_complete([(4, "{}")], 2, 4)
    (True, False)
    >>> log_complete([(3, "{}"), (4, None)], 2, 4)
    False
    """
    return [v for v, _ in entries] == list(range(since + 1, until + 1)) and all(
        p is not None for _, p in entries
    )


def check_page(limit: Any, offset: Any) -> None:
    """``find``'s paging: ``limit`` between 1 and :data:`MAX_FIND_LIMIT`, ``offset`` ≥ 0."""
    if not 0 < limit <= MAX_FIND_LIMIT:
        raise InvalidInput("limit", f"must be between 1 and {MAX_FIND_LIMIT}", limit)
    if offset < 0:
        raise InvalidInput("offset", "must not be negative", offset)


class StoreBase(ABC):
    """The database-independent half of a :class:`~graph.store.GraphStore` adapter."""

    # ------------------------------------------------------------------ what adapters provide

    @abstractmethod
    def write(self, batch: Batch) -> WriteResult: ...

    @abstractmethod
    def delete_node(self, node_id: str, label: Label | None = None) -> DeleteResult: ...

    def update_node(self, label: Label, node_id: str, changes: Mapping[str, Any]) -> NodeRecord:
        """Replace some properties of a stored node, read and written in one transaction
        (so concurrent updates of different properties are both kept); the whole record is
        validated again (:func:`patched`). :class:`NotFound` when there is no such node."""
        updated = self.update_nodes(label, {node_id: changes})
        if node_id not in updated:
            raise NotFound(Label(label).value, node_id)
        return updated[node_id]

    @abstractmethod
    def update_nodes(
        self, label: Label, changes: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, NodeRecord]:
        """:meth:`update_node` for many nodes at once: one transaction, one new version.
        Ids without a stored ``label`` node are left out of the answer (nothing written
        for them); one invalid value raises :class:`InvalidInput` and writes nothing."""

    @abstractmethod
    def get_many(self, node_ids: Sequence[str]) -> dict[str, NodeRecord]: ...

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def _find(
        self, label: Label, where: list[tuple[FieldSpec, Any]], limit: int, offset: int
    ) -> list[NodeRecord]:
        """Nodes of ``label`` whose properties equal ``where`` (checked), ordered by id."""

    @abstractmethod
    def _attached(
        self, node_id: str, types: Sequence[RelType], direction: Direction
    ) -> Iterable[tuple[RelRecord, str]]:
        """(relationship, other end) of a node, by type (in ``types`` order), then side
        (outgoing first), then other end's id; both sides for an undirected type."""

    # ------------------------------------------------------------------ shared

    def find(
        self,
        label: Label,
        where: dict[str, Any] | None = None,
        *,
        limit: int = 100,
        offset: int = 0,
    ) -> list[NodeRecord]:
        """Nodes of ``label`` whose properties equal ``where``, ordered by id."""
        label = parse_label(str(label))
        specs = {s.name: s for s in field_specs(NODE_MODELS[label])}
        checked: list[tuple[FieldSpec, Any]] = []
        for name, value in (where or {}).items():
            spec = specs.get(name)
            if spec is None:
                raise InvalidInput(name, f"not a property of {label.value}", name)
            checked.append((spec, value))
        check_page(limit, offset)
        return self._find(label, checked, limit, offset)

    def relationships(
        self, node_id: str, rel_type: RelType | None = None, direction: Direction = "both"
    ) -> list[RelRecord]:
        """Relationships attached to a node."""
        return [rel for rel, _ in self._walk(node_id, rel_type, direction)]

    def neighbours(
        self, node_id: str, rel_type: RelType, direction: Direction = "both"
    ) -> list[NodeRecord]:
        """Nodes at the other end of ``rel_type`` relationships of a node."""
        others = [other for _, other in self._walk(node_id, rel_type, direction)]
        found = self.get_many(others)
        return [found[o] for o in dict.fromkeys(others) if o in found]

    def _walk(
        self, node_id: str, rel_type: RelType | None, direction: Direction
    ) -> Iterable[tuple[RelRecord, str]]:
        direction = check_direction(direction)
        types = [rel_type] if rel_type is not None else list(RelType)
        return self._attached(node_id, types, direction)

    def delete_person(self, node_id: str) -> DeleteResult:
        """Delete a person and every relationship attached to them."""
        return self.delete_node(node_id, Label.PERSON)

    def upsert_nodes(self, nodes: Iterable[NodeRecord]) -> WriteResult:
        return self.write(Batch(nodes=list(nodes)))

    def upsert_relationships(self, rels: Iterable[RelRecord]) -> WriteResult:
        return self.write(Batch(rels=list(rels)))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
