"""The coverage service: what the CLI, the API and the dashboard call.

Plain values in, dataclasses out (exact values; render them for a viewer with
:mod:`graph.coverage.privacy`). The :class:`~graph.coverage.state.CoverageState` is
built once per (store version, date) and kept for the newest versions (:mod:`graph.memo`),
on top of the path engine's kept index (:func:`graph.paths.path_index`), so only the
first call after a write pays for the reachability. A call about one groupement while no
national state is kept builds a state focused on that groupement instead (same figures,
a fraction of the cost: :func:`groupement_state`); what-if works from the national state.

* :func:`coverage` – one :class:`~graph.coverage.metrics.Coverage` per groupement of the
  scope, per département and région, and the total;
* :func:`gaps` – the ranked gaps of a groupement, or of every groupement of a scope;
* :func:`what_if` – before/after of hypothetical changes, nothing written;
* :func:`national_actions` – per groupement, its most useful single action (the one that
  gives a path to the most candidates, by :func:`~graph.coverage.whatif.referent_gain`;
  else its first gap), ranked nationally.

Scopes: ``Scope.national()``, ``Scope.groupement(id)``, ``Scope.departement(code)``,
``Scope.region(code)``; codes are the reference codes ("33", "75"), node ids are
accepted too.

Decisions (figures after a write; issue 16):

* **Exact when the write only adds.** When the changes since the newest kept national
  state only add (a tie, a consent granted, a current job, a référent, a capacity, a
  name: :mod:`graph.coverage.follow`), the state of the new version is derived from it
  at the cost of the change, exactly (tested against a full recompute), and the rows
  and gaps of the groupements the change cannot move are kept.
* **Otherwise labelled, never silently stale.** When they remove something or are
  unknown (a consent withdrawn, a tie or a node deleted, a membership, a large
  batch…), ONE background rebuild of the current version starts (per store and date;
  single flight through :mod:`graph.memo`), and national, département and région
  reports are answered meanwhile from the **newest complete** state, labelled:
  :class:`~graph.coverage.metrics.CoverageReport` and :class:`GapReport` carry the
  ``version`` they were computed at, ``computed_at`` (when) and ``current`` (False
  while a newer version exists). A state older than the newest complete one is never
  served; the first report after the rebuild is exact (``current``) again. A
  groupement's report is labelled the same way when the newest complete state measures
  it; only a groupement no kept state holds is computed on the request (a focused state
  costs a fraction of a second, but one per groupement and per write is what saturated
  a server taking five writes a second).
* **Derivations are rationed**: a new version's state (followed or rebuilt) is derived
  at most once per :data:`REBUILD_GAP_S`, and no sooner than :data:`REBUILD_RATIO` times
  the last derivation's duration after it ended; at most one runs in the background per
  store and date, and it waits for its turn, then derives the newest version at that
  moment. A request within the gap is answered from the newest complete state, labelled.
  So a write now and then is followed exactly on the next request, and a steady stream
  of writes costs a worker at most a third of a core whatever its rate (at five writes
  a second, following each write and re-rendering every report for it took most of the
  server's CPU and tripled path latency); answers are then at most about one gap plus
  three derivation times old, and say so.
* **Waiting is the caller's choice**: ``exact=True`` (the CLI, what-if, tests) waits
  for the state of the current version instead of a labelled answer.
* **Memory**: states are kept per version by :data:`_STATES` (newest two versions,
  :data:`_KEPT_STATES` entries per store); an older one is released when a newer
  version's state is kept.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np

from graph.access.scope import GroupementView
from graph.access.visibility import UNNAMED_MEMBER, named_in_gaps
from graph.coverage import reach as R
from graph.coverage import whatif as W
from graph.coverage.follow import classify, follow
from graph.coverage.gaps import Gap, Labels, gaps_of, rank
from graph.coverage.metrics import SCOPES, Coverage, CoverageReport
from graph.coverage.state import CoverageState, measure
from graph.errors import InvalidInput, NotFound
from graph.memo import VersionMemo
from graph.model import Label, RelType
from graph.paths.explain import display_name
from graph.paths.index import PathIndex, into
from graph.paths.query import node_of
from graph.paths.service import path_index
from graph.store import GraphStore, find_all
from graph.view import LABEL_CODE, GraphView, day_number

#: coverage states kept per store (national and focused, over the newest two versions)
_KEPT_STATES = 4

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scope:
    """Which part of the network a report is about.

    >>> Scope.departement("33")
    Scope(kind='departement', id='33')
    """

    kind: str = "national"
    id: str | None = None

    @classmethod
    def national(cls) -> Scope:
        return cls("national")

    @classmethod
    def groupement(cls, groupement_id: str) -> Scope:
        return cls("groupement", groupement_id)

    @classmethod
    def departement(cls, code: str) -> Scope:
        return cls("departement", code)

    @classmethod
    def region(cls, code: str) -> Scope:
        return cls("region", code)

    def check(self) -> None:
        if self.kind not in SCOPES:
            raise InvalidInput("scope.kind", f"must be one of {', '.join(SCOPES)}", self.kind)
        if self.kind != "national" and (not isinstance(self.id, str) or not self.id):
            raise InvalidInput(self.kind, "an id or code is required", self.id)


@dataclass(frozen=True)
class GapReport:
    as_of: date
    #: the store version the gaps were computed at
    version: int
    scope: str
    scope_id: str
    gaps: tuple[Gap, ...]
    #: when the state they come from was computed
    computed_at: datetime | None = None
    #: False while a newer version's state is being computed (see the module docstring)
    current: bool = True


@dataclass(frozen=True)
class WhatIfResult:
    """Coverage before and after hypothetical changes (exact), for what can change."""

    as_of: date
    version: int
    changes: tuple[W.Change, ...]
    before: tuple[Coverage, ...]
    after: tuple[Coverage, ...]
    national_before: Coverage
    national_after: Coverage


@dataclass(frozen=True)
class RankedAction:
    """A groupement's most useful single action."""

    rank: int
    groupement_id: str
    groupement: str
    gap: Gap
    #: candidates of the groupement who would gain a path (0 when not measurable)
    gain: int
    candidates: int
    candidates_with_path: int


# --------------------------------------------------------------------------- cache


class _Names:
    """Labels and codes the view does not hold, read once per version."""

    def __init__(self, store: GraphStore, full: bool = True) -> None:
        self.names: dict[str, str] = {}
        self.codes: dict[tuple[Label, str], str] = {}
        self.hidden: list[str] = []
        if not full:
            return  # names are then read one by one as labels ask for them
        for label in (
            Label.GROUPEMENT,
            Label.DEPARTEMENT,
            Label.REGION,
            Label.BASSIN_EMPLOI,
            Label.SECTOR,
        ):
            for record in find_all(store, label):
                self.names[record.id] = _display(record, record.id)
                code = getattr(record, "code", None)
                if code:
                    self.codes[(label, code)] = record.id
        self.hidden = [r.id for r in find_all(store, Label.JOB_OFFER, {"hidden": True})]


def _display(record: Any, node_id: str) -> str:
    """How coverage names a node: its name (or title), with the code of a département or
    bassin ("Bordeaux (ZE-33-1)"); the id when the record has neither."""
    name = getattr(record, "name", None) or getattr(record, "title", None) or node_id
    code = getattr(record, "code", None)
    if code and getattr(record, "label", None) in (Label.DEPARTEMENT, Label.BASSIN_EMPLOI):
        return f"{name} ({code})"
    return name


@dataclass
class _Entry:
    state: CoverageState
    names: _Names
    labels: Labels
    #: the national total and groupement rows, once computed (what-if reports them as
    #: "before"; a national report computes every row)
    national: Coverage | None = None
    rows: dict[int, Coverage] = field(default_factory=dict)
    #: département and région rows by node, once computed (a national report shows them)
    areas: dict[int, Coverage] = field(default_factory=dict)
    #: each groupement's gaps, unranked, once computed (the national report computes them
    #: all; a groupement's gaps are then a lookup, not a 15 ms measure)
    gaps: dict[int, list[Gap]] = field(default_factory=dict)
    #: when the state was computed (built or followed)
    computed_at: datetime = field(default_factory=lambda: datetime.now().astimezone())
    #: how: "built" from scratch, or "followed" from an older state
    origin: str = "built"


#: per store version: national states by date, focused ones by (date, groupement nid)
_STATES: VersionMemo[_Entry] = VersionMemo("coverage states", entries=_KEPT_STATES)
#: per store version: national entries followed from an older one (None: refused)
_FOLLOWED: VersionMemo[_Entry | None] = VersionMemo("coverage follows", entries=_KEPT_STATES)
#: per store version: names and codes (national and focused states share them)
_NAMES: VersionMemo[_Names] = VersionMemo("coverage names")


def coverage_state(store: GraphStore, as_of: date | None = None) -> CoverageState:
    """The coverage state of the store's current version at ``as_of`` (waits for it)."""
    return _entry(store, _date(as_of), exact=True).state


def groupement_state(
    store: GraphStore, groupement_id: str, as_of: date | None = None
) -> CoverageState:
    """A coverage state that holds ``groupement_id``: the national one when it is cached,
    else one focused on that groupement (same figures for it, a fraction of the cost)."""
    as_of = _date(as_of)
    view = store.view()
    g = node_of(view, groupement_id, Label.GROUPEMENT, "groupement")
    return _entry_for(store, as_of, g).state


def candidates_without_path(
    store: GraphStore, groupement_id: str, as_of: date | None = None
) -> tuple[str, ...]:
    """Ids of the groupement's candidates with no valid path to any of their targets,
    sorted: the people behind ``Coverage.candidates_without_path``.

    Personal: for the groupement's own référent (and admins) only; callers check scope.
    """
    state = groupement_state(store, groupement_id, as_of)
    view = state.view
    bit = int(state.gbit[node_of(view, groupement_id, Label.GROUPEMENT, "groupement")])
    cidx = np.unique(state.group_cand.of_key(bit))
    uncovered = cidx[~state.back.covered[cidx]]
    return tuple(sorted(str(view.ids[state.cand[i]]) for i in uncovered))


def candidates_without_target(
    store: GraphStore, groupement_id: str, as_of: date | None = None
) -> tuple[str, ...]:
    """Ids of the groupement's candidates with no target at all (no ``TARGETS``), sorted:
    the people behind ``Coverage.candidates_without_target``, a subset of
    :func:`candidates_without_path` (with no target there is nothing to reach).

    Personal: for the groupement's own référent (and admins) only; callers check scope.
    """
    state = groupement_state(store, groupement_id, as_of)
    view = state.view
    bit = int(state.gbit[node_of(view, groupement_id, Label.GROUPEMENT, "groupement")])
    cidx = np.unique(state.group_cand.of_key(bit))
    aimless = cidx[~R.any_bits(state.back.wants[:, cidx])]
    return tuple(sorted(str(view.ids[state.cand[i]]) for i in aimless))


def _names(store: GraphStore, version: int) -> _Names:
    """Names and codes, read once per version and shared by national and focused states."""
    return _NAMES.get(store, version, "names", lambda: _Names(store))


def _entry(store: GraphStore, as_of: date, exact: bool = False) -> _Entry:
    """The national entry of the current version (followed from an older one, or built),
    or, unless ``exact``, the newest complete one while a rebuild runs in the background
    (see the module docstring)."""
    view = store.view()
    key = (as_of,)
    found = _STATES.peek(store, view.version, key)
    if found is not None:
        return found
    prev = _newest(store, view.version, key)
    if prev is not None:
        if exact or _may_derive_now(store, as_of):
            followed = _timed(store, as_of, lambda: _follow(store, view, prev, as_of))
            if followed is not None:
                return followed
        if not exact:
            _rebuild_in_background(store, as_of)
            return prev
    return _build(store, as_of, None)


def _newest(store: GraphStore, version: int, key: tuple[Any, ...]) -> _Entry | None:
    """The kept entry of ``key`` of the newest version before ``version``."""
    for v in reversed(_STATES.kept_versions(store)):
        if v < version:
            found = _STATES.peek(store, v, key)
            if found is not None:
                return found
    return None


def _follow(store: GraphStore, view: GraphView, prev: _Entry, as_of: date) -> _Entry | None:
    """The entry of ``view``'s version derived from ``prev`` when the changes between them
    only add (:mod:`graph.coverage.follow`), else None. Single flight per version."""
    changes = view.changes_since(prev.state.version)
    if changes is None or classify(changes, view) is None:
        return None

    def build() -> _Entry | None:
        index = path_index(store, view)
        found = follow(prev.state, index, changes)
        if found is None:
            return None
        state = found.state
        affected = set(found.affected.tolist())
        entry = _Entry(state, prev.names, _labels(store, state, prev.names), origin="followed")
        # copies of prev's rows taken at once (under the GIL): request threads may be
        # adding rows to prev while it is followed
        entry.rows = {b: r for b, r in list(prev.rows.items()) if b not in affected}
        entry.areas = _areas_kept(prev, affected)
        named = {str(state.view.ids[p]) for p in changes.upserted.tolist()}
        entry.gaps = {
            b: g
            for b, g in list(prev.gaps.items())
            if b not in affected and not _names_any(g, named)
        }
        return entry

    # Its own memo: a request must not wait for a background rebuild of the same version
    # (which holds the flight of the version's key in _STATES), and a refusal is kept.
    entry = _FOLLOWED.get(store, view.version, (as_of, prev.state.version), build)
    if entry is not None:
        _STATES.put(store, view.version, (as_of,), entry)
    return entry


def _names_any(found: list[Gap], people: set[str]) -> bool:
    """Whether any of the gaps names one of ``people`` (their name is in its text)."""
    return bool(people) and any(
        str(v) in people for gap in found for v in gap.action.params.values()
    )


_REBUILDS_LOCK = threading.Lock()
#: background rebuilds under way, by (id(store), date): at most one each
_REBUILDS: dict[tuple[int, date], threading.Thread] = {}
#: when the last rebuild of each key ended, and how long it took (monotonic seconds)
_LAST_REBUILD: dict[tuple[int, date], tuple[float, float]] = {}
#: a rebuild starts no sooner than this after the previous one ended…
REBUILD_GAP_S = 1.0
#: …nor sooner than this many times the previous one's duration: under a steady stream
#: of writes, rebuilds take at most a third of one core, whatever the network's size
REBUILD_RATIO = 2.0


def _allowed_at(key: tuple[int, date]) -> float:
    """When the next derivation of ``key``'s state may start (monotonic seconds)."""
    ended, took = _LAST_REBUILD.get(key, (0.0, 0.0))
    return ended + max(REBUILD_GAP_S, REBUILD_RATIO * took)


def _may_derive_now(store: GraphStore, as_of: date) -> bool:
    """Whether a request may derive the current version's state itself now: no refresh
    under way and the last derivation far enough back (see :data:`REBUILD_RATIO`)."""
    key = (id(store), as_of)
    with _REBUILDS_LOCK:
        running = _REBUILDS.get(key)
        if running is not None and running.is_alive():
            return False
        return time.monotonic() >= _allowed_at(key)


def _timed(store: GraphStore, as_of: date, derive: Callable[[], _Entry | None]) -> _Entry | None:
    """``derive()``, its end and duration recorded for the rationing when it gave a state."""
    started = time.monotonic()
    found = derive()
    if found is not None:
        ended = time.monotonic()
        with _REBUILDS_LOCK:
            _LAST_REBUILD[(id(store), as_of)] = (ended, ended - started)
    return found


def _rebuild_in_background(store: GraphStore, as_of: date) -> None:
    """Start deriving the national state of the newest version in the background (followed
    when the writes since the kept one only add, else built), unless one is under way for
    this store and date; it starts when the rationing allows (see the module docstring)."""
    key = (id(store), as_of)
    with _REBUILDS_LOCK:
        running = _REBUILDS.get(key)
        if running is not None and running.is_alive():
            return
        ref = weakref.ref(store)
        thread = threading.Thread(
            target=_rebuild, args=(ref, as_of, key), name="coverage-rebuild", daemon=True
        )
        _REBUILDS[key] = thread
        thread.start()


def _rebuild(ref: weakref.ref[GraphStore], as_of: date, key: tuple[int, date]) -> None:
    while True:  # its turn (read again and again: the rationing may be changed meanwhile)
        with _REBUILDS_LOCK:
            delay = _allowed_at(key) - time.monotonic()
        if delay <= 0:
            break
        time.sleep(min(delay, 0.05))
    started = time.monotonic()
    try:
        store = ref()
        if store is not None:
            _entry(store, as_of, exact=True)  # the newest version at this moment
            del store
    except Exception:  # a closed store, a failed read: the next request tries again
        _log.exception("coverage: background rebuild failed")
    finally:
        ended = time.monotonic()
        with _REBUILDS_LOCK:
            _LAST_REBUILD[key] = (ended, ended - started)
            if _REBUILDS.get(key) is threading.current_thread():
                del _REBUILDS[key]


def wait_for_rebuilds(timeout: float | None = None) -> None:
    """Wait for the background rebuilds under way (tests, benchmarks, shutdown)."""
    with _REBUILDS_LOCK:
        running = list(_REBUILDS.values())
    for thread in running:
        thread.join(timeout)


def _entry_for(store: GraphStore, as_of: date, groupement: int, exact: bool = False) -> _Entry:
    """An entry holding ``groupement``: the cached national one, else, unless ``exact``,
    the newest complete national one (labelled, as :func:`_entry`), else a focused one.

    A focused state computes one groupement's candidates and reach only (well under a
    second at 1M people, against seconds for the national state): the first look at one
    groupement after a write does not pay for the whole country.
    """
    view = store.view()
    found = _STATES.peek(store, view.version, (as_of,))
    if found is not None:
        return found
    prev = _newest(store, view.version, (as_of,))
    if prev is not None:
        if exact or _may_derive_now(store, as_of):
            followed = _timed(store, as_of, lambda: _follow(store, view, prev, as_of))
            if followed is not None:
                return followed
        if not exact and _holds(prev, str(view.ids[groupement])):
            _rebuild_in_background(store, as_of)
            return prev
    return _build(store, as_of, groupement)


def _holds(entry: _Entry, groupement_id: str) -> bool:
    """Whether ``entry``'s state measures the groupement ``groupement_id``."""
    nid = entry.state.view.index.get(groupement_id)
    return nid is not None and int(entry.state.gbit[nid]) >= 0


def _build(store: GraphStore, as_of: date, groupement: int | None) -> _Entry:
    view = store.view()
    key = (as_of,) if groupement is None else (as_of, groupement)
    return _STATES.get(store, view.version, key, lambda: _new_entry(store, view, as_of, groupement))


def _new_entry(store: GraphStore, view: GraphView, as_of: date, groupement: int | None) -> _Entry:
    index = path_index(store, view)
    if groupement is None:
        names = _names(store, view.version)
        hidden = np.array([view.index[i] for i in names.hidden if i in view.index], dtype=np.int64)
        focus = None
    else:
        known = _NAMES.peek(store, view.version, "names")
        if known is not None:
            names = known
            hidden = np.array(
                [view.index[i] for i in names.hidden if i in view.index], dtype=np.int64
            )
        else:
            names, hidden = _Names(store, full=False), _hidden_offers_of(store, index, groupement)
        focus = np.array([groupement], dtype=np.int64)
    as_is = R.as_is(index, day_number(as_of), store)
    state = CoverageState(index, as_of, hidden, focus=focus, as_is=as_is)
    return _Entry(state, names, _labels(store, state, names))


def at_hand(store: GraphStore, view: GraphView, scope: Scope, as_of: date) -> bool:
    """Whether the coverage and the gaps of ``scope`` at ``as_of`` are already computed
    for ``view``'s version: a groupement whose row and gaps the national state holds (the
    dashboard's national report computes them all). Answering is then a lookup, no
    measure; anything else (another scope, an unknown id, a cold state) is ``False``."""
    if scope.kind != "groupement" or not isinstance(as_of, date):
        return False
    entry = _STATES.peek(store, view.version, (as_of,))
    if entry is None:
        return False
    nid = view.index.get(scope.id) if isinstance(scope.id, str) else None
    if nid is None or view.labels[nid] != LABEL_CODE[Label.GROUPEMENT]:
        return False
    bit = int(entry.state.gbit[nid])
    return bit in entry.rows and bit in entry.gaps


def _hidden_offers_of(store: GraphStore, index: PathIndex, groupement: int) -> np.ndarray:
    """Hidden offers located in the territory of ``groupement`` (the only ones its coverage
    counts): a few records read, not every hidden offer of the country."""
    view = index.view
    depts = view.rel(RelType.COVERS).targets(groupement)
    part_of = view.rel(RelType.PART_OF)
    pos, _ = into(part_of, depts)
    bassins = part_of.src[pos]
    offers = view.nodes_with_label(Label.JOB_OFFER)
    offers = offers[np.isin(index.bassin_of[offers], bassins)]
    ids = [str(view.ids[o]) for o in offers.tolist()]
    records = store.get_many(ids)
    hidden = [i for i in ids if getattr(records.get(i), "hidden", False)]
    return np.array([view.index[i] for i in hidden], dtype=np.int64)


def clear_cache(store: GraphStore | None = None) -> None:
    """Forget kept coverage states (of ``store``, or of every store): benchmarks, tests.

    The graph as it is (:func:`graph.coverage.reach.as_is`) is kept apart, like the path
    index: :func:`graph.coverage.reach.clear_as_is` forgets it."""
    _STATES.clear(store)
    _FOLLOWED.clear(store)
    _NAMES.clear(store)
    with _REBUILDS_LOCK:
        _LAST_REBUILD.clear()


def _labels(store: GraphStore, state: CoverageState, names: _Names) -> Labels:
    # A weak proxy: the kept entry must not keep its store alive (graph.memo).
    store = weakref.proxy(store)
    ids = state.view.ids

    def node_id(nid: int) -> str:
        return str(ids[nid])

    def name(nid: int) -> str:
        i = str(ids[nid])
        if i in names.names:
            return names.names[i]
        found = names.names[i] = _display(store.get(i), i)
        return found

    def person(nid: int) -> str:
        # gaps name only people who consent to be named (graph.access.visibility)
        record = store.get(str(ids[nid]))
        named = named_in_gaps(record, GroupementView.NATIONAL)
        return display_name(record) if named else UNNAMED_MEMBER

    return Labels(name=name, person=person, node_id=node_id)


def _date(as_of: date | None) -> date:
    as_of = date.today() if as_of is None else as_of
    if not isinstance(as_of, date):
        raise InvalidInput("as_of", f"must be a date (got {as_of!r})", as_of)
    return as_of


# --------------------------------------------------------------------------- scopes


def _resolve(entry: _Entry, scope: Scope) -> tuple[np.ndarray, np.ndarray, str, str]:
    """(groupement bits, territory départements, scope id, name)."""
    s, names, view = entry.state, entry.names, entry.state.view
    if scope.kind == "national":
        bits = np.arange(len(s.groups))
        return bits, s.territory(bits), "FR", "France"
    if scope.kind == "groupement":
        g = node_of(view, scope.id, Label.GROUPEMENT, "groupement")
        bits = np.array([s.gbit[g]])
        return bits, s.territory(bits), str(scope.id), entry.labels.name(g)
    label = Label.DEPARTEMENT if scope.kind == "departement" else Label.REGION
    node_id = names.codes.get((label, str(scope.id)), scope.id)
    if str(node_id) not in view.index:
        raise NotFound(label.value, str(scope.id), scope.kind)
    nid = view.nid(str(node_id), label, scope.kind)
    deps = np.array([nid]) if label == Label.DEPARTEMENT else np.flatnonzero(s.dep_region == nid)
    code = str(scope.id)
    return s.groupements_covering(deps), deps, code, entry.labels.name(nid)


def coverage(
    store: GraphStore,
    scope: Scope | None = None,
    as_of: date | None = None,
    exact: bool = False,
) -> CoverageReport:
    """Coverage of ``scope`` (default national) at ``as_of`` (default today).

    Right after a write that removes something, a national, département or région
    report comes from the newest complete state, labelled ``current=False``, unless
    ``exact`` (then it waits for the current version's state).

    Raises :class:`~graph.errors.NotFound` for an unknown groupement, département or
    région and :class:`~graph.errors.InvalidInput` for a bad scope.
    """
    scope = scope or Scope.national()
    if not isinstance(scope, Scope):
        raise InvalidInput("scope", "must be a Scope", scope)
    scope.check()
    as_of = _date(as_of)
    version = store.view().version
    entry = _scope_entry(store, scope, as_of, exact)
    s = entry.state
    bits, territory, scope_id, name = _resolve(entry, scope)
    rows = tuple(
        _groupement_row(entry, int(b))
        for b in sorted(bits.tolist(), key=lambda b: str(s.view.ids[int(s.groups[b])]))
    )
    deps: tuple[Coverage, ...] = ()
    regions: tuple[Coverage, ...] = ()
    if scope.kind in ("national", "region"):
        # Rows by id, as the groupements: node numbers differ between stores (the embedded
        # store numbers by insertion, Neo4j's view by id), the answer must not.
        dep_nodes = np.unique(territory)
        ids = s.view.ids

        def by_id(node: int) -> str:
            return str(ids[node])

        deps = tuple(_dep_row(entry, int(d)) for d in sorted(dep_nodes.tolist(), key=by_id))
        if scope.kind == "national":
            region_nodes = np.unique(s.dep_region[dep_nodes]).tolist()
            regions = tuple(
                _region_row(entry, r) for r in sorted(region_nodes, key=by_id) if r >= 0
            )
    if scope.kind == "groupement":
        total = rows[0]
    elif scope.kind == "national":
        total = _national(entry)
    else:
        total, _ = measure(s, bits, territory, scope.kind, scope_id, name)
    return CoverageReport(
        as_of,
        s.version,
        scope.kind,
        scope_id,
        rows,
        deps,
        regions,
        total,
        computed_at=entry.computed_at,
        current=s.version >= version,
    )


def _scope_entry(store: GraphStore, scope: Scope, as_of: date, exact: bool = False) -> _Entry:
    """The national entry, or for one groupement whatever entry holds it."""
    if scope.kind != "groupement":
        return _entry(store, as_of, exact)
    g = node_of(store.view(), scope.id, Label.GROUPEMENT, "groupement")
    return _entry_for(store, as_of, g, exact)


def _national(entry: _Entry) -> Coverage:
    """The national total of a national entry (computed once)."""
    if entry.national is None:
        s = entry.state
        every = np.arange(len(s.groups))
        entry.national = measure(s, every, s.territory(every), "national", "FR", "France")[0]
    return entry.national


def _measure_one(
    entry: _Entry, bit: int, state: CoverageState | None = None, details: bool = False
) -> tuple[Coverage, Any]:
    """Coverage of groupement ``bit`` in ``state`` (default: the entry's own)."""
    s = entry.state if state is None else state
    g = int(s.groups[bit])
    one = np.array([bit])
    name = entry.labels.name(g)
    return measure(s, one, s.territory(one), "groupement", str(s.view.ids[g]), name, details)


def _groupement_row(entry: _Entry, bit: int) -> Coverage:
    found = entry.rows.get(bit)
    if found is None:
        found = entry.rows[bit] = _measure_one(entry, bit)[0]
    return found


def _dep_row(entry: _Entry, dep: int) -> Coverage:
    found = entry.areas.get(dep)
    if found is None:
        s = entry.state
        code = str(s.view.ids[dep]).removeprefix("dep-")
        bits = s.groupements_covering(np.array([dep]))
        found, _ = measure(s, bits, np.array([dep]), "departement", code, entry.labels.name(dep))
        entry.areas[dep] = found
    return found


def _region_row(entry: _Entry, region: int) -> Coverage:
    found = entry.areas.get(region)
    if found is None:
        s = entry.state
        deps = np.flatnonzero(s.dep_region == region)
        bits = s.groupements_covering(deps)
        code = str(s.view.ids[region]).removeprefix("reg-")
        found, _ = measure(s, bits, deps, "region", code, entry.labels.name(region))
        entry.areas[region] = found
    return found


def _areas_kept(prev: _Entry, affected: set[int]) -> dict[int, Coverage]:
    """The département and région rows of ``prev`` none of whose groupements may have
    moved (a row measures the groupements covering its area over that area)."""
    s = prev.state
    kept = {}
    # a copy (as for the rows, in _follow)
    for node, row in list(prev.areas.items()):
        deps = (
            np.array([node]) if row.scope == "departement" else np.flatnonzero(s.dep_region == node)
        )
        if not affected.intersection(s.groupements_covering(deps).tolist()):
            kept[node] = row
    return kept


# --------------------------------------------------------------------------- gaps


def gaps(
    store: GraphStore,
    scope: Scope | None = None,
    as_of: date | None = None,
    limit: int | None = None,
    exact: bool = False,
) -> GapReport:
    """The ranked gaps of the groupements of ``scope`` (default national), all together;
    labelled as :func:`coverage` is."""
    scope = scope or Scope.national()
    scope.check()
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise InvalidInput("limit", f"must be a positive integer (got {limit!r})", limit)
    as_of = _date(as_of)
    version = store.view().version
    entry = _scope_entry(store, scope, as_of, exact)
    bits, _, scope_id, _ = _resolve(entry, scope)
    found: list[Gap] = []
    for b in bits.tolist():
        found.extend(_gaps_of(entry, int(b)))
    s = entry.state
    return GapReport(
        as_of,
        s.version,
        scope.kind,
        scope_id,
        rank(found, limit),
        computed_at=entry.computed_at,
        current=s.version >= version,
    )


def _gaps_of(entry: _Entry, bit: int) -> list[Gap]:
    """The gaps of groupement ``bit`` in the entry's state (computed once per entry; two
    threads racing compute the same list)."""
    found = entry.gaps.get(bit)
    if found is None:
        cov, details = _measure_one(entry, bit, details=True)
        assert details is not None
        entry.rows.setdefault(bit, cov)
        found = entry.gaps[bit] = gaps_of(entry.state, details, cov.candidates, entry.labels)
    return found


# --------------------------------------------------------------------------- what-if


def what_if(
    store: GraphStore, changes: Sequence[W.Change | dict[str, Any]], as_of: date | None = None
) -> WhatIfResult:
    """Coverage before and after ``changes``; nothing is written to the store.

    ``changes`` are :mod:`graph.coverage.whatif` changes or dicts with a ``kind``
    (``add_referent``, ``add_helper``, ``add_tie``, ``sign_charter``, ``grant_consent``).
    """
    if isinstance(changes, str | bytes) or not isinstance(changes, Sequence) or not changes:
        raise InvalidInput("changes", "must be a non-empty list of changes", changes)
    parsed = [W.parse_change(c, f"changes[{i}]") for i, c in enumerate(changes)]
    as_of = _date(as_of)
    entry = _entry(store, as_of, exact=True)
    before = entry.state
    after = W.apply(before, parsed)
    bits = W.affected_bits(before, after, parsed)

    def rows(state: CoverageState) -> tuple[Coverage, ...]:
        if state is before:
            return tuple(_groupement_row(entry, b) for b in bits.tolist())
        return tuple(_measure_one(entry, b, state)[0] for b in bits.tolist())

    every = np.arange(len(before.groups))
    national_after = measure(after, every, after.territory(every), "national", "FR", "France")[0]
    return WhatIfResult(
        as_of,
        before.version,
        tuple(parsed),
        rows(before),
        rows(after),
        _national(entry),
        national_after,
    )


def national_actions(
    store: GraphStore, as_of: date | None = None, limit: int | None = None
) -> tuple[RankedAction, ...]:
    """Per groupement, its most useful single action, ranked nationally.

    For each groupement, the référent and charter actions of its gaps are measured
    (:func:`~graph.coverage.whatif.referent_gain`: candidates who would gain a path); the
    action with the largest gain wins, else its first-ranked gap (gain 0). Groupements
    are ranked by gain, then by the candidates their action affects.
    """
    as_of = _date(as_of)
    entry = _entry(store, as_of, exact=True)
    s, view = entry.state, entry.state.view
    best: list[tuple[int, int, Gap, int, Coverage]] = []
    for b in range(len(s.groups)):
        g = int(s.groups[b])
        ranked = rank(_gaps_of(entry, b))
        cov = _groupement_row(entry, b)
        if not ranked:
            continue
        scored = []
        for gap in ranked:
            gain = 0
            params = gap.action.params
            if gap.action.kind in ("name_referent", "ask_referent_consent") and params.get(
                "person"
            ):
                gain = W.referent_gain(s, g, person=view.nid(str(params["person"])))
            elif gap.action.kind == "sign_charter":
                gain = W.referent_gain(s, g, partner=view.nid(str(params["delegation"])))
            scored.append((gain, -gap.rank, gap))
        gain, _, gap = max(scored, key=lambda t: (t[0], t[1]))
        best.append((gain, gap.affected, gap, b, cov))
    best.sort(key=lambda t: (-t[0], -t[1], t[2].groupement_id))
    if limit is not None:
        best = best[:limit]
    return tuple(
        RankedAction(
            i,
            gap.groupement_id,
            gap.groupement,
            gap,
            gain,
            cov.candidates,
            cov.candidates_with_path,
        )
        for i, (gain, _, gap, _, cov) in enumerate(best, start=1)
    )
