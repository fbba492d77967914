"""Erasure of a member (GDPR art. 17): the person leaves the store and every derived copy.

:func:`erase_person` deletes the person and every relationship attached to them through
the store port (both stores), then makes sure nothing derived from the graph before the
erasure can still show them, and leaves an audit tombstone.

What holds a person, and how each forgets them:

* **the store** (node, every relationship): :meth:`~graph.store.GraphStore.delete_person`;
* **search indexes and caches** of this process: path indexes (and the explanations'
  kept names, consents and dates, :class:`~graph.paths.explain.Kept`), coverage states
  and figures, sector codes, API answer caches, id ranks, dashboard data: all are
  :class:`~graph.memo.VersionMemo` values, forgotten for this store at once
  (:func:`graph.memo.forget_everywhere`), so the next answer is built from the graph
  without the person (a path index is then built afresh, never derived from an index
  that knew them);
* **traces a store keeps of past versions** (the embedded store's change log and
  snapshots): forgotten when the store offers :class:`ErasesTraces`;
* **the audit log**: a tombstone entry (action ``erase``, the person id, who, when)
  and no personal data; earlier entries naming the id stay until their 12 months end
  (see :mod:`graph.audit.entry`).

Decisions:

* An erasure is final: there is no "undo" and no copy kept aside.
* Forgetting a store's traces may cost a rewrite of its file (the embedded store
  vacuums its database so that deleted rows leave the free pages): the retention rule
  erases its people first and forgets traces once (``traces=False``).
* Other server processes hold their own caches: a cache of a version before the
  erasure is never used for a newer version (values are by version), and is released
  once two newer versions were built there (:mod:`graph.memo`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from graph.audit import Action, AuditEntry, AuditLog, utc_now
from graph.coverage.service import wait_for_rebuilds
from graph.errors import NotFound
from graph.memo import forget_everywhere
from graph.model import Label, Person
from graph.store import GraphStore


@runtime_checkable
class ErasesTraces(Protocol):
    """A store that keeps copies of past versions (a change log, snapshots) and can
    forget them after an erasure."""

    def erase_traces(self) -> None: ...


@dataclass(frozen=True)
class Erasure:
    """What an erasure did: no personal data, only the id and counts."""

    person_id: str
    relationships: int
    version: int
    tombstone: int | None

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.person_id,
            "erased": True,
            "relationships": self.relationships,
            "version": self.version,
            "audit_entry": self.tombstone,
        }


def erase_person(
    store: GraphStore,
    person_id: str,
    *,
    audit: AuditLog | None,
    actor: str,
    role: str,
    operation: str,
    now: datetime | None = None,
    field: str = "person_id",
    traces: bool = True,
    data_dir: str | Path | None = None,
) -> Erasure:
    """Erase ``person_id`` everywhere (see the module); :class:`NotFound` naming ``field``
    when no person has that id. The caller has checked that it may. ``traces=False``
    leaves :func:`forget_traces` to the caller, once after erasing many people. With
    ``data_dir``, the introductions kept there that involve the person are erased too.

    >>> import tempfile
    >>> from graph.embedded import EmbeddedStore
    >>> with tempfile.TemporaryDirectory() as tmp, EmbeddedStore(tmp) as store:
    ...     _ = store.upsert_nodes([Person(id="p-1", first_name="Anne", last_name="Leroy")])
    ...     done = erase_person(store, "p-1", audit=None, actor="cli:test", role="admin",
    ...                         operation="passerelle member erase")
    ...     store.get("p-1")
    >>> done.person_id
    'p-1'
    """
    if not isinstance(store.get(person_id), Person):
        raise NotFound(Label.PERSON.value, person_id, field)
    if data_dir is not None:  # their introductions (graph.introductions), kept beside
        from graph.introductions import open_service

        open_service(data_dir, store).erase_person(person_id)
    result = store.delete_person(person_id)
    if traces:
        forget_traces(store)
    tombstone = None
    if audit is not None:
        tombstone = audit.append(
            AuditEntry(now or utc_now(), actor, role, Action.ERASE, "person", operation,
                       (person_id,))
        )  # fmt: skip
    return Erasure(person_id, result.relationships, result.version, tombstone)


def forget_traces(store: GraphStore) -> None:
    """Forget every cached copy of ``store``'s earlier versions in this process, and what
    the store itself keeps of them (:class:`ErasesTraces`)."""
    # a coverage state of the version before, built in the background, must not be kept
    # after the memos were emptied
    wait_for_rebuilds(timeout=600)
    forget_everywhere(store)
    if isinstance(store, ErasesTraces):
        store.erase_traces()
