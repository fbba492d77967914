"""Copy a whole store into another exactly (``passerelle migrate`` is its command).

:func:`copy_store` streams every node, then every relationship, from one store to the
other in batches written through the target's port (``write``, inside ``bulk()``), and then
checks that both stores count the same nodes per label and relationships per type.

A copy between two stores cannot be one transaction. What happens when it fails:

* each batch is all or nothing, so the target holds whole batches only;
* the error is one line saying how far the copy got and that it can be resumed;
* ``--resume`` runs the same copy into the non-empty target: writes are idempotent
  upserts, so what was copied before is written again unchanged and the rest is added;
  the count check at the end says whether the two stores now agree.

Without ``--resume`` the target must be empty, so a copy never silently merges two graphs.
The source must not change during the copy; if its version moved, the command says so
(run it again with ``--resume``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from graph.errors import InvalidInput, PasserelleError, StoreUnavailable
from graph.model import Label, NodeRecord, RelRecord, RelType
from graph.store import Batch, Counts, GraphStore


class MigrationError(PasserelleError):
    """The copy ended but the two stores do not hold the same graph (or the target is not
    empty without ``--resume``)."""


@dataclass
class MigrationReport:
    nodes: int = 0
    relationships: int = 0
    batches: int = 0
    seconds: float = 0.0
    source_version: int = 0
    target_version: int = 0
    counts: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": self.nodes,
            "relationships": self.relationships,
            "batches": self.batches,
            "seconds": self.seconds,
            "source_version": self.source_version,
            "target_version": self.target_version,
            **self.counts,
        }


def copy_store(
    source: GraphStore,
    target: GraphStore,
    *,
    resume: bool = False,
    batch_size: int = 20_000,
    progress: Callable[[MigrationReport], None] | None = None,
) -> MigrationReport:
    """Copy every node and relationship of ``source`` into ``target``, then compare counts.

    >>> import tempfile
    >>> from graph.embedded import EmbeddedStore
    >>> from graph.model import Sector
    >>> with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
    ...     with EmbeddedStore(a) as src, EmbeddedStore(b) as dst:
    ...         _ = src.upsert_nodes([Sector(id="sec-btp", code="btp", name="BTP")])
    ...         report = copy_store(src, dst)
    ...         copied = dst.get("sec-btp")
    >>> report.nodes, copied.name
    (1, 'BTP')
    """
    if batch_size < 1:
        raise InvalidInput("batch_size", "must be at least 1", batch_size)
    started = time.perf_counter()
    report = MigrationReport()
    existing = _total(target.counts().nodes)
    if existing and not resume:
        raise MigrationError(
            f"the target store is not empty ({existing:,} nodes): copy into an empty store,"
            " or use --resume to complete an interrupted migration into this one"
        )
    report.source_version = source.version
    view = _LazyView(source)  # only the port-only reads need the source's view

    def flush(nodes: list[NodeRecord], rels: list[RelRecord]) -> None:
        target.write(Batch(nodes=nodes, rels=rels))
        report.nodes += len(nodes)
        report.relationships += len(rels)
        report.batches += 1
        if progress is not None:
            progress(report)

    try:
        with target.bulk():
            for label in Label:
                for node_page in _nodes(source, view, label, batch_size):
                    flush(node_page, [])
            for rel_type in RelType:
                for rel_page in _relationships(source, view, rel_type, batch_size):
                    flush([], rel_page)
    except StoreUnavailable as exc:
        raise StoreUnavailable(
            f"{exc} — migration interrupted after {report.nodes:,} nodes and"
            f" {report.relationships:,} relationships; the target keeps what was copied:"
            " run the same command with --resume to complete it"
        ) from None
    report.seconds = round(time.perf_counter() - started, 2)
    source_counts, target_counts = source.counts(), target.counts()
    report.counts = {"source": source_counts.as_dict(), "target": target_counts.as_dict()}
    report.target_version = target.version
    differences = _differences(source_counts, target_counts)
    if differences:
        raise MigrationError(
            f"the stores differ after the copy ({'; '.join(differences[:5])}): nothing was"
            " removed from the target; if the source changed during the copy, run again with"
            " --resume"
        )
    if source.version != report.source_version:
        raise MigrationError(
            "the source changed during the copy (version"
            f" {report.source_version} -> {source.version}): run again with --resume"
        )
    return report


class _LazyView:
    """The source's view, read on first use (a Neo4j source exports without it)."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self._view: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._view is None:
            self._view = self._store.view()
        return getattr(self._view, name)


def _nodes(source: GraphStore, view: Any, label: Label, size: int) -> Iterator[list[NodeRecord]]:
    """Nodes of ``label``: streamed by the adapter when it can, else by id through the port."""
    export = getattr(source, "export_nodes", None)
    if export is not None:
        yield from export(label, size)
        return
    ids = sorted(view.ids[i] for i in view.nodes_with_label(label).tolist())
    for start in range(0, len(ids), size):
        part = ids[start : start + size]
        found = source.get_many(part)
        yield [found[i] for i in part if i in found]


def _relationships(
    source: GraphStore, view: Any, rel_type: RelType, size: int
) -> Iterator[list[RelRecord]]:
    """Relationships of ``rel_type``, each once (from its ``src``), in pages of ``size``."""
    export = getattr(source, "export_relationships", None)
    if export is not None:
        yield from export(rel_type, size)
        return
    rel = view.rel(rel_type)
    sources = sorted(view.ids[i] for i in set(rel.src.tolist()))
    page: list[RelRecord] = []
    for node_id in sources:
        page.extend(r for r in source.relationships(node_id, rel_type, "out") if r.src == node_id)
        if len(page) >= size:
            yield page
            page = []
    if page:
        yield page


def _total(counts: dict[Any, int]) -> int:
    return sum(counts.values())


def _differences(a: Counts, b: Counts) -> list[str]:
    out = []
    sides: tuple[tuple[str, dict[Any, int], dict[Any, int]], ...] = (
        ("nodes", a.nodes, b.nodes),
        ("relationships", a.relationships, b.relationships),
    )
    for kind, left, right in sides:
        for key in sorted(set(left) | set(right), key=str):
            if left.get(key, 0) != right.get(key, 0):
                out.append(
                    f"{key.value} {kind}: {left.get(key, 0):,} in the source,"
                    f" {right.get(key, 0):,} in the target"
                )
    return out
