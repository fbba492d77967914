"""The referral-path service: what the CLI, the API and the dashboard call.

``find_paths(store, candidate_id, target, policy, as_of)`` takes plain values, checks them
first (errors name the field and value), runs the pure engine over the store's view and
returns a :class:`~graph.paths.results.PathResult`. The search index is built once per
store version and kept for the newest versions (:mod:`graph.memo`); the first query after
a write derives it from the index of the version before, at the cost of the write
(:meth:`~graph.paths.index.PathIndex.updated`), or builds it when that is not possible.
Answers are kept too, by query, for the same versions (at most 512 per store): the same
query at the same version (a référent asking for the introduction of the path just shown,
a page drawn again) is not searched twice. The arguments and their checks are those of
:mod:`graph.paths.query`; a store that
searches in its own database (:class:`~graph.paths.ports.InDatabasePathSearch`) is asked
instead when it says so.

Decisions:

* **Who may be the candidate**: any ``Person``. Candidates and "both" are the usual case;
  a helper or a "neither" member may be in transition before their status is updated,
  and the référent asking is the one who decides, so the search runs and the result
  carries a note saying the status is not "candidate".
* ``as_of`` (default: today) is the date at which ties are aged, employment is current and
  conventions are in force.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import date

import numpy as np

from graph.memo import VersionMemo
from graph.model import Groupement, Label, NodeRecord, RelRecord, RelType
from graph.paths import engine
from graph.paths.explain import Explainer, Kept
from graph.paths.index import PathIndex
from graph.paths.next_steps import next_steps
from graph.paths.policy import PathPolicy
from graph.paths.ports import InDatabasePathSearch
from graph.paths.query import TARGET_KINDS, Target, check_query, node_of, target_set
from graph.paths.results import PathResult
from graph.store import GraphStore, find_all
from graph.view import LABEL_CODE, GraphView, day_number

__all__ = [
    "TARGET_KINDS",
    "StoreRecords",
    "Target",
    "codes_of",
    "find_paths",
    "index_ready",
    "kept_of",
    "path_index",
]

# --------------------------------------------------------------------------- per version

#: what one store version's queries share (graph.memo: the newest two versions are kept)
_INDEXES: VersionMemo[PathIndex] = VersionMemo("path index")
_KEPT: VersionMemo[Kept] = VersionMemo("kept for explanations")
_CODES: VersionMemo[dict[tuple[Label, str], str]] = VersionMemo("sector and bassin codes")
#: answers by query: a référent who saw a path and asks for its introduction (or a page
#: drawn again) gets it without a second search; 512 per store over the two versions kept
_RESULTS: VersionMemo[PathResult] = VersionMemo("path answers", entries=512)


#: one index built at a time in a process (see path_index)
_BUILDING = threading.Lock()


def path_index(
    store: GraphStore, view: GraphView | None = None, *, newest: bool = False
) -> PathIndex:
    """The search index of ``view``'s version (default: the store's current one), built
    once per version.

    When the index of an earlier version is kept and the view knows what changed since
    (:meth:`~graph.view.GraphView.changes_since`), the index follows those changes
    (:meth:`PathIndex.updated`) instead of being built afresh.

    **One build at a time** in a process: under a stream of writes, builds of successive
    versions started together would each copy the arrays of the last index built (at a
    million people, half a gigabyte each) and then be thrown away; in turn, each follows
    the index just built. With ``newest`` (a query that may be answered at a newer
    version than the one it started at, never an older one), a caller that waited for
    its turn takes the store's newest version then, skipping the versions written
    meanwhile.
    """
    view = view or store.view()
    found = _INDEXES.peek(store, view.version, "index")
    if found is not None:
        return found
    with _BUILDING:
        if newest:
            latest = store.view()
            if latest.version > view.version:
                view = latest
        target = view

        def build() -> PathIndex:
            index = _follow(store, target) or PathIndex(target, _groupement_associations(store))
            index.warm(day_number(date.today()))
            return index

        return _INDEXES.get(store, target.version, "index", build)


def _follow(store: GraphStore, view: GraphView) -> PathIndex | None:
    """The index of ``view`` from the newest kept index of an earlier version, if any."""
    for version in reversed(_INDEXES.kept_versions(store)):
        if version >= view.version:
            continue
        earlier = _INDEXES.peek(store, version, "index")
        if earlier is None:
            continue
        changes = view.changes_since(version)
        if changes is None:
            return None
        return earlier.updated(view, changes, lambda: _groupement_associations(store))
    return None


def index_ready(store: GraphStore, view: GraphView) -> bool:
    """Whether the search index of ``view``'s version is built (a query will not build it)."""
    return _INDEXES.peek(store, view.version, "index") is not None


def _groupement_associations(store: GraphStore) -> dict[str, str]:
    return {
        g.id: g.association_id
        for g in find_all(store, Label.GROUPEMENT)
        if isinstance(g, Groupement) and g.association_id is not None
    }


class StoreRecords:
    """The :class:`~graph.paths.explain.Records` lookup over a store."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store

    def nodes(self, ids: Sequence[str]) -> Mapping[str, NodeRecord]:
        return self.store.get_many(list(ids))

    def rel(self, rel_type: RelType, src: str, dst: str) -> RelRecord | None:
        return self.store.get_relationship(rel_type, src, dst)


def kept_of(store: GraphStore, index: PathIndex) -> Kept:
    """What explanations keep for ``index`` (:class:`~graph.paths.explain.Kept`)."""
    return _KEPT.get(store, index.version, "kept", Kept)


def codes_of(store: GraphStore, index: PathIndex) -> dict[tuple[Label, str], str]:
    """Sector and bassin ids by (label, code) at ``index``'s version (read once: a
    query by code is a scan of the node properties, for a few hundred nodes)."""

    def read() -> dict[tuple[Label, str], str]:
        codes: dict[tuple[Label, str], str] = {}
        for label in (Label.SECTOR, Label.BASSIN_EMPLOI):
            for record in find_all(store, label):
                code = getattr(record, "code", None)
                if isinstance(code, str):
                    codes.setdefault((label, code), record.id)
        return codes

    def follow() -> dict[tuple[Label, str], str]:
        # Codes of an earlier version stay true while no sector or bassin was written.
        for version in reversed(_CODES.kept_versions(store)):
            earlier = _CODES.peek(store, version, "codes") if version < index.version else None
            if earlier is not None:
                if _untouched(index.view, version, (Label.SECTOR, Label.BASSIN_EMPLOI)):
                    return earlier
                break
        return read()

    return _CODES.get(store, index.version, "codes", follow)


def _untouched(view: GraphView, version: int, labels: Sequence[Label]) -> bool:
    """Whether no node of ``labels`` was written or deleted from ``version`` to ``view``."""
    changes = view.changes_since(version)
    if changes is None:
        return False
    written = np.union1d(
        np.union1d(changes.upserted, changes.labels), np.arange(changes.n_base, view.n_slots)
    )
    codes = [LABEL_CODE[label] for label in labels]
    # A deleted node's label is gone from this view: its old label is unknown here.
    return len(changes.labels) == 0 and not np.isin(view.labels[written], codes).any()


# --------------------------------------------------------------------------- the service


def find_paths(
    store: GraphStore,
    candidate_id: str,
    target: Target,
    policy: PathPolicy | None = None,
    as_of: date | None = None,
) -> PathResult:
    """Up to ``policy.k`` diverse introduction paths, explained in French.

    No path is an answer: ``result.no_path`` says why and ``result.alternatives`` lists
    the nearest reachable employers like the target. Raises
    :class:`~graph.errors.NotFound` for an unknown id and
    :class:`~graph.errors.InvalidInput` for a wrong kind or a bad value, naming it.

    >>> import tempfile
    >>> from graph.embedded import EmbeddedStore
    >>> from graph.model import Knows, Person
    >>> with tempfile.TemporaryDirectory() as tmp, EmbeddedStore(tmp) as store:
    ...     _ = store.upsert_nodes([
    ...         Person(id="c", first_name="Paul", last_name="Martin", civility="M."),
    ...         Person(id="p", first_name="Anne", last_name="Leroy", civility="Mme",
    ...                consent_introducer=True)])
    ...     _ = store.upsert_relationships([Knows(src="c", dst="p", strength=0.9, source="unit")])
    ...     result = find_paths(store, "c", Target.person("p"), as_of=date(2025, 1, 1))
    >>> result.paths[0].reasons[0]
    'M. Martin et Mme Leroy se connaissent : même unité, lien jamais confirmé'
    """
    if isinstance(store, InDatabasePathSearch) and store.paths_in_database:
        # A Neo4j deployment whose graph is too large to copy into each process: the
        # traversal runs in the database and the same engine ranks and explains it.
        return store.find_paths_in_database(candidate_id, target, policy, as_of)
    target, policy, as_of = check_query(target, policy, as_of)
    index = path_index(store, newest=True)
    return _RESULTS.get(
        store,
        index.version,
        (candidate_id, target, policy, as_of),
        lambda: _search(store, index, candidate_id, target, policy, as_of),
    )


def _search(
    store: GraphStore,
    index: PathIndex,
    candidate_id: str,
    target: Target,
    policy: PathPolicy,
    as_of: date,
) -> PathResult:
    """The answer of one query at ``index``'s version (pure: kept per version)."""
    view = index.view
    day = day_number(as_of)
    candidate = node_of(view, candidate_id, Label.PERSON, "candidate")
    codes = codes_of(store, index)
    targets = target_set(store, view, index, target, candidate, day, codes)
    outcome = engine.find(index, candidate, targets, policy, day)
    explainer = Explainer(
        index, StoreRecords(store), candidate, targets, as_of, kept=kept_of(store, index)
    )
    paths = tuple(explainer.path(p, rank) for rank, p in enumerate(outcome.paths, start=1))
    alternatives = tuple(explainer.alternative(a) for a in outcome.alternatives)
    steps = next_steps(explainer, targets, alternatives, day) if outcome.reason else None
    return PathResult(
        candidate=explainer.person(candidate),
        target=explainer.target_ref(),
        as_of=as_of,
        version=view.version,
        policy=policy.to_dict(),
        paths=paths,
        no_path=explainer.no_path(outcome.reason, outcome.facts) if outcome.reason else None,
        alternatives=alternatives,
        notes=explainer.notes(),
        next_steps=steps,
    )
