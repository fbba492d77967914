"""The store port: what every storage adapter offers the service layer.

Two adapters implement it: :mod:`graph.embedded` (SQLite on disk plus an in-memory view;
the default, no server) and the Neo4j adapter. :func:`graph.bootstrap.open_store` picks
one from the settings.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from graph.frames import RelFrame
from graph.model import Label, NodeRecord, RelRecord, RelType
from graph.view import GraphView

Direction = Literal["out", "in", "both"]
#: the page size :func:`find_all` reads with (the largest ``limit`` of ``find``)
FIND_PAGE = 10_000


@dataclass(frozen=True)
class Batch:
    """One all-or-nothing write: nodes, relationship records and columnar frames.

    Nodes are written before relationships, so a batch may create both ends of a tie.
    ``create_only`` names nodes of the batch that must not exist yet: the store decides it
    inside the write transaction, so two writers creating the same id at once (in two
    processes) get one success and one :class:`~graph.errors.AlreadyExists`.
    """

    nodes: Sequence[NodeRecord] = ()
    rels: Sequence[RelRecord] = ()
    frames: Sequence[RelFrame] = ()
    create_only: Collection[str] = ()

    def __len__(self) -> int:
        return len(self.nodes) + len(self.rels) + sum(len(f) for f in self.frames)


@dataclass(frozen=True)
class WriteResult:
    nodes: int
    relationships: int
    version: int


@dataclass(frozen=True)
class DeleteResult:
    node_id: str
    relationships: int
    version: int


@dataclass(frozen=True)
class Counts:
    nodes: dict[Label, int] = field(default_factory=dict)
    relationships: dict[RelType, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "nodes": {k.value: v for k, v in self.nodes.items()},
            "relationships": {k.value: v for k, v in self.relationships.items()},
        }


@runtime_checkable
class GraphStore(Protocol):
    """Durable storage of the graph.

    Every write is validated completely before anything is written and is applied in one
    transaction: it is all there or not at all. Upserts are idempotent: writing the same
    record twice leaves the store as after the first write (the version still advances).

    Several processes may open one store: their writes serialise (a write waits for
    another's, it does not fail because of it), what a write checks against the stored
    graph (``create_only``, ``update_node``'s record, delete targets) is checked inside its
    transaction, and a read that starts after a write was acknowledged, in any process,
    sees it (``version``, ``view`` and the record reads).
    """

    @property
    def version(self) -> int:
        """A number that changes whenever the graph changes."""
        ...

    def write(self, batch: Batch) -> WriteResult:
        """Upsert nodes then relationships, all or nothing."""
        ...

    def bulk(self) -> AbstractContextManager[None]:
        """A block in which many batches are written; the store may defer index upkeep."""
        ...

    def upsert_nodes(self, nodes: Iterable[NodeRecord]) -> WriteResult: ...

    def update_node(self, label: Label, node_id: str, changes: Mapping[str, Any]) -> NodeRecord:
        """Replace some properties of a stored ``label`` node, read and written in one
        transaction; the whole record is validated again. Raises
        :class:`~graph.errors.NotFound` when there is no such node."""
        ...

    def update_nodes(
        self, label: Label, changes: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, NodeRecord]:
        """:meth:`update_node` for many nodes in one transaction (one version); ids without
        such a node are left out of the answer."""
        ...

    def upsert_relationships(self, rels: Iterable[RelRecord]) -> WriteResult: ...

    def get(self, node_id: str) -> NodeRecord | None:
        """The node with this id, or None."""
        ...

    def get_many(self, node_ids: Sequence[str]) -> dict[str, NodeRecord]:
        """Nodes by id; absent ids are left out."""
        ...

    def find(
        self,
        label: Label,
        where: dict[str, Any] | None = None,
        *,
        limit: int = 100,
        offset: int = 0,
    ) -> list[NodeRecord]:
        """Nodes of ``label`` whose properties equal ``where``, ordered by id."""
        ...

    def relationships(
        self, node_id: str, rel_type: RelType | None = None, direction: Direction = "both"
    ) -> list[RelRecord]:
        """Relationships attached to a node."""
        ...

    def get_relationship(self, rel_type: RelType, src: str, dst: str) -> RelRecord | None: ...

    def neighbours(
        self, node_id: str, rel_type: RelType, direction: Direction = "both"
    ) -> list[NodeRecord]:
        """Nodes at the other end of ``rel_type`` relationships of a node."""
        ...

    def delete_relationship(self, rel_type: RelType, src: str, dst: str) -> bool: ...

    def delete_node(self, node_id: str, label: Label | None = None) -> DeleteResult:
        """Delete a node and every relationship attached to it."""
        ...

    def delete_person(self, node_id: str) -> DeleteResult:
        """Delete a person and every relationship attached to them."""
        ...

    def counts(self) -> Counts: ...

    def export_nodes(self, label: Label, chunk: int = 10_000) -> Iterator[list[NodeRecord]]:
        """Every node of ``label``, streamed in lists of at most ``chunk`` (exports)."""
        ...

    def export_relationships(
        self, rel_type: RelType, chunk: int = 50_000
    ) -> Iterator[list[RelRecord]]:
        """Every relationship of ``rel_type``, each once (an undirected one from its smaller
        id), streamed in lists of at most ``chunk`` (exports, imports' comparisons)."""
        ...

    def export_columns(
        self, label: Label, names: Sequence[str], chunk: int = 50_000
    ) -> Iterator[list[tuple[Any, ...]]]:
        """``(id, *values of names)`` of every node of ``label`` (None where a property is
        not set), streamed in lists of at most ``chunk``: a few text or number properties
        of everyone without building their records (an import matching names)."""
        ...

    def view(self) -> GraphView:
        """The read-only snapshot for the algorithms, at the current version."""
        ...

    def close(self) -> None: ...


def find_all(
    store: GraphStore,
    label: Label,
    where: dict[str, Any] | None = None,
    *,
    page: int = FIND_PAGE,
) -> Iterator[NodeRecord]:
    """Every ``label`` node whose properties equal ``where``, by id, read a page at a time.

    >>> import tempfile
    >>> from graph.embedded import EmbeddedStore
    >>> from graph.model import Sector
    >>> with tempfile.TemporaryDirectory() as tmp, EmbeddedStore(tmp) as store:
    ...     _ = store.upsert_nodes([Sector(id=f"s{i}", code=f"c{i}", name="x") for i in range(5)])
    ...     [s.id for s in find_all(store, Label.SECTOR, page=2)]
    ['s0', 's1', 's2', 's3', 's4']
    """
    offset = 0
    while True:
        found = store.find(label, where, limit=page, offset=offset)
        yield from found
        if len(found) < page:
            return
        offset += page
