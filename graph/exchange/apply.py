"""An import planned and written: one transaction, or nothing.

>>> import tempfile
>>> from graph.embedded import EmbeddedStore
>>> from graph.exchange.reading import SourceFile
>>> f = SourceFile("employeurs.csv", b"identifiant;nom\\nemp-x;Chantiers X\\n")
>>> with tempfile.TemporaryDirectory() as tmp, EmbeddedStore(tmp) as store:
...     first = run_import(store, [f])
...     again = run_import(store, [f])
>>> first.written, again.written, again.plan.counts["Employer"].unchanged
(True, False, 1)

Decisions:

* The plan's records go into one :class:`~graph.store.Batch` written outside
  ``bulk()``: both stores write it in one transaction (the embedded store: one SQLite
  transaction, durable at commit; Neo4j: one managed write transaction), so a ``kill -9``
  leaves all of it or none of it. Derived state (the view, the path index, coverage) is
  rebuilt once, after that one write, by the first reader that needs it.
* A plan with problems writes nothing; a plan that changes nothing writes nothing and
  leaves the store's version as it was.
* The version is checked before writing: if the store changed since the plan was made
  (another writer), the plan is made again against the new state, once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from graph.access.roles import Principal
from graph.exchange.plan import ImportPlan, Progress, plan_import
from graph.exchange.reading import SourceFile
from graph.store import Batch, GraphStore


@dataclass
class ImportResult:
    plan: ImportPlan
    written: bool
    version: int

    def to_dict(self) -> dict[str, object]:
        return {**self.plan.to_dict(), "written": self.written, "version": self.version}


def write_plan(store: GraphStore, plan: ImportPlan) -> ImportResult:
    """Write a valid plan's records in one transaction (nothing when it changes nothing)."""
    if not plan.ok or plan.changes == 0:
        return ImportResult(plan, False, store.version)
    result = store.write(Batch(nodes=plan.nodes, frames=plan.frames))
    return ImportResult(plan, True, result.version)


def run_import(
    store: GraphStore,
    files: Iterable[SourceFile],
    *,
    dry_run: bool = False,
    principal: Principal | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Plan the import of ``files`` and, unless ``dry_run`` or a problem, write it."""
    files = list(files)
    plan = plan_import(store, files, principal=principal, progress=progress)
    if dry_run or not plan.ok:
        return ImportResult(plan, False, plan.version)
    if store.version != plan.version:
        plan = plan_import(store, files, principal=principal, progress=progress)
    if progress is not None:
        progress("écriture", 0, 1)
    result = write_plan(store, plan)
    if progress is not None:
        progress("écriture", 1, 1)
    return result
