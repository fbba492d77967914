"""The referral-path service: what the CLI, the API and the dashboard call.

``find_paths(store, candidate_id, target, policy, as_of)`` takes plain values, checks them
first (errors name the field and value), runs the pure engine over the store's view and
returns a :class:`~graph.paths.results.PathResult`. The search index is built once per
store version and cached (weakly, per store), so only the first query after a write pays
for it.

Decisions:

* **Who may be the candidate**: any ``Person``. Candidates and "both" are the usual case;
  a helper or a "neither" member may be in transition before their status is updated,
  and the référent asking is the one who decides, so the search runs and the result
  carries a note saying the status is not "candidate".
* A person target that is the candidate themselves is an error; so is a target id of
  another kind (e.g. a person id given as ``--employer``).
* Sectors and bassins are given by their ``code`` (``btp``, ``ZE-33-1``); a node id is
  accepted as well.
* ``as_of`` (default: today) is the date at which ties are aged, employment is current and
  conventions are in force.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from graph.errors import InvalidInput, NotFound
from graph.model import Label, NodeRecord, RelRecord, RelType
from graph.paths import engine
from graph.paths.explain import Explainer, Kept
from graph.paths.index import PathIndex
from graph.paths.policy import PathPolicy
from graph.paths.results import PathResult
from graph.store import GraphStore
from graph.view import LABELS, GraphView, day_number

TARGET_KINDS = ("person", "employer", "offer", "set")
T = TypeVar("T")
_PAGE = 10_000


@dataclass(frozen=True)
class Target:
    """What the candidate should be introduced to.

    >>> Target.employer("emp-thales-33").kind
    'employer'
    >>> Target.sector_in_bassin("defense", "ZE-33-1").bassin
    'ZE-33-1'
    """

    kind: str
    id: str | None = None
    sector: str | None = None
    bassin: str | None = None

    @classmethod
    def person(cls, person_id: str) -> Target:
        return cls("person", id=person_id)

    @classmethod
    def employer(cls, employer_id: str) -> Target:
        return cls("employer", id=employer_id)

    @classmethod
    def offer(cls, offer_id: str) -> Target:
        return cls("offer", id=offer_id)

    @classmethod
    def sector_in_bassin(cls, sector: str, bassin: str) -> Target:
        return cls("set", sector=sector, bassin=bassin)

    def check(self) -> None:
        if self.kind not in TARGET_KINDS:
            raise InvalidInput(
                "target.kind",
                f"must be one of {', '.join(TARGET_KINDS)} (got {self.kind!r})",
                self.kind,
            )
        if self.kind == "set":
            for name in ("sector", "bassin"):
                if not isinstance(getattr(self, name), str) or not getattr(self, name):
                    raise InvalidInput(
                        name, "is required for a sector-and-bassin target", getattr(self, name)
                    )
        elif not isinstance(self.id, str) or not self.id:
            raise InvalidInput(self.kind, "an id is required", self.id)


# --------------------------------------------------------------------------- index cache

_INDEXES: weakref.WeakKeyDictionary[Any, PathIndex] = weakref.WeakKeyDictionary()
_KEPT: weakref.WeakKeyDictionary[PathIndex, Kept] = weakref.WeakKeyDictionary()
_CODES: weakref.WeakKeyDictionary[PathIndex, dict[tuple[Label, str], str]] = (
    weakref.WeakKeyDictionary()
)
_LOCK = threading.Lock()


def path_index(store: GraphStore, view: GraphView | None = None) -> PathIndex:
    """The search index of the store's current version (built once per version)."""
    view = view or store.view()
    index = _INDEXES.get(store)
    if index is not None and index.version == view.version:
        return index
    with _LOCK:
        index = _INDEXES.get(store)
        if index is None or index.version != view.version:
            index = PathIndex(view, _groupement_associations(store))
            index.warm(day_number(date.today()))
            _INDEXES[store] = index
    return index


def index_ready(store: GraphStore, view: GraphView) -> bool:
    """Whether the search index of ``view``'s version is built (a query will not build it)."""
    index = _INDEXES.get(store)
    return index is not None and index.version == view.version


def _groupement_associations(store: GraphStore) -> dict[str, str]:
    return {g.id: g.association_id for g in _every(store, Label.GROUPEMENT)}  # type: ignore[attr-defined]


def _every(store: GraphStore, label: Label) -> Iterator[NodeRecord]:
    """Every ``label`` node, by id, a page at a time."""
    offset = 0
    while True:
        page = store.find(label, limit=_PAGE, offset=offset)
        yield from page
        if len(page) < _PAGE:
            return
        offset += _PAGE


class StoreRecords:
    """The :class:`~graph.paths.explain.Records` lookup over a store."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store

    def nodes(self, ids: Sequence[str]) -> Mapping[str, NodeRecord]:
        get_many = getattr(self.store, "get_many", None)
        if get_many is not None:
            return get_many(list(ids))
        found = {i: self.store.get(i) for i in ids}
        return {i: r for i, r in found.items() if r is not None}

    def rel(self, rel_type: RelType, src: str, dst: str) -> RelRecord | None:
        return self.store.get_relationship(rel_type, src, dst)


def kept_of(index: PathIndex) -> Kept:
    """What explanations keep for ``index`` (:class:`~graph.paths.explain.Kept`)."""
    return _of_index(_KEPT, index, Kept)


def codes_of(store: GraphStore, index: PathIndex) -> dict[tuple[Label, str], str]:
    """Sector and bassin ids by (label, code) at ``index``'s version (read once: a
    query by code is a scan of the node properties, for a few hundred nodes)."""

    def read() -> dict[tuple[Label, str], str]:
        codes: dict[tuple[Label, str], str] = {}
        for label in (Label.SECTOR, Label.BASSIN_EMPLOI):
            for record in _every(store, label):
                codes.setdefault((label, record.code), record.id)  # type: ignore[attr-defined]
        return codes

    return _of_index(_CODES, index, read)


def _of_index(
    kept: weakref.WeakKeyDictionary[PathIndex, T], index: PathIndex, make: Callable[[], T]
) -> T:
    found = kept.get(index)
    if found is None:
        with _LOCK:
            found = kept.get(index)
            if found is None:
                found = kept[index] = make()
    return found


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
    if getattr(store, "paths_in_database", False):
        # A Neo4j deployment whose graph is too large to copy into each process: the
        # traversal runs in the database and the same engine ranks and explains it.
        from graph.neo4j.paths import find_paths_in_db

        return find_paths_in_db(store, candidate_id, target, policy, as_of)  # type: ignore[arg-type]
    policy = PathPolicy() if policy is None else policy
    if not isinstance(policy, PathPolicy):
        raise InvalidInput("policy", "must be a PathPolicy", policy)
    if not isinstance(target, Target):
        raise InvalidInput("target", "must be a Target", target)
    target.check()
    as_of = date.today() if as_of is None else as_of
    if not isinstance(as_of, date):
        raise InvalidInput("as_of", f"must be a date (got {as_of!r})", as_of)
    view = store.view()
    index = path_index(store, view)
    day = day_number(as_of)
    candidate = _node(view, candidate_id, Label.PERSON, "candidate")
    codes = codes_of(store, index)
    target_set = _target_set(store, view, index, target, candidate, day, codes)
    outcome = engine.find(index, candidate, target_set, policy, day)
    explainer = Explainer(
        index, StoreRecords(store), candidate, target_set, as_of, kept=kept_of(index)
    )
    paths = tuple(explainer.path(p, rank) for rank, p in enumerate(outcome.paths, start=1))
    return PathResult(
        candidate=explainer.person(candidate),
        target=explainer.target_ref(),
        as_of=as_of,
        version=view.version,
        policy=policy.to_dict(),
        paths=paths,
        no_path=explainer.no_path(outcome.reason, outcome.facts) if outcome.reason else None,
        alternatives=tuple(explainer.alternative(a) for a in outcome.alternatives),
        notes=explainer.notes(),
    )


def _node(view: GraphView, node_id: Any, label: Label, field: str) -> int:
    if not isinstance(node_id, str) or not node_id:
        raise InvalidInput(field, f"must be a {label.value} id (got {node_id!r})", node_id)
    nid = view.index.get(node_id)
    if nid is None:
        raise NotFound(label.value, node_id, field)
    actual = LABELS[int(view.labels[nid])]
    if actual != label:
        raise InvalidInput(
            field, f"{node_id!r} is {_a(actual.value)}, not {_a(label.value)}", node_id
        )
    return nid


def _a(word: str) -> str:
    return f"{'an' if word[0] in 'AEIOU' else 'a'} {word}"


def _by_code(
    store: GraphStore,
    view: GraphView,
    code: str,
    label: Label,
    field: str,
    codes: Mapping[tuple[Label, str], str] | None,
) -> int:
    """The node of a sector or bassin given by code (or by id), from ``codes`` when
    given (:func:`codes_of`), else from the store."""
    if codes is not None:
        node_id = codes.get((label, code))
    else:
        found = store.find(label, {"code": code}, limit=1)
        node_id = found[0].id if found else None
    if node_id is not None and node_id in view.index:
        return view.nid(node_id)
    return _node(view, code, label, field)


def _target_set(
    store: GraphStore,
    view: GraphView,
    index: PathIndex,
    target: Target,
    candidate: int,
    day: int,
    codes: Mapping[tuple[Label, str], str] | None = None,
) -> engine.TargetSet:
    if target.kind == "person":
        person = _node(view, target.id, Label.PERSON, "person")
        if person == candidate:
            raise InvalidInput("person", f"{target.id!r} is the candidate themselves", target.id)
        return engine.person_target(index, person)
    if target.kind == "employer":
        return engine.employer_target(
            index, _node(view, target.id, Label.EMPLOYER, "employer"), day
        )
    if target.kind == "offer":
        return engine.offer_target(index, _node(view, target.id, Label.JOB_OFFER, "offer"), day)
    sector = _by_code(store, view, target.sector, Label.SECTOR, "sector", codes)  # type: ignore[arg-type]
    bassin = _by_code(store, view, target.bassin, Label.BASSIN_EMPLOI, "bassin", codes)  # type: ignore[arg-type]
    return engine.set_target(index, sector, bassin, day)
