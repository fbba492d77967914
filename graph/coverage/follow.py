"""A coverage state that follows real writes, at the cost of what they add.

After a write, the coverage state of the new version could be built from scratch
(seconds at 1M people). When the writes since a kept state only *add* (a tie, a consent
granted, a current job of a consenting person, a référent) they are the what-if changes
of :mod:`graph.coverage.whatif`, which propagate incrementally and are checked against a
full recompute; :func:`follow` turns the view's changes
(:meth:`GraphView.changes_since <graph.view.GraphView.changes_since>`) into those changes
and applies them. Anything else returns None: the caller rebuilds.

>>> from graph.view import ViewChanges
>>> classify(ViewChanges(base=1, n_base=3, labels=np.array([2]))) is None
True

Decisions:

* **What follows incrementally** (exact, ``tests/test_coverage_follow.py`` holds it to a
  full recompute over random add-only write sequences): ties that appear in the new path
  index (``KNOWS``/``MENTORS``, however written), a consent to introduce granted, contact
  pairs gained (a current job of a consenting person), ``REFERENT_OF`` added, capacity
  and monthly load (they move the "available" helpers only), and text-only updates of
  people (names: no figure moves, their groupements' gaps are named again).
* **What does not** (returns None, the caller rebuilds): anything removed (a tie, a
  consent, a contact pair, a référent, a node), new nodes, any other column (status,
  departure date, groupement kind…), any other relationship type (memberships,
  territories, charters…), an update of a node other than a person (names of places and
  groupements are kept with the state). Conservative by design: an unknown change is a
  rebuild, never a silently wrong figure.
* The followed state keeps the kept state's view (node numbers do not move without new
  nodes) with an index overlaid with the new degrees and capacities, as what-if does; it
  carries the new version.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace

import numpy as np

from graph.coverage import whatif as W
from graph.coverage.reach.inputs import current_employment
from graph.coverage.state import CoverageState
from graph.model import Label, RelType
from graph.paths.index import PathIndex
from graph.view import GraphView, ViewChanges, column_key, key_ends

_CONSENT = column_key(Label.PERSON, "consent_introducer")
_CAPACITY = (column_key(Label.PERSON, "capacity"), column_key(Label.PERSON, "monthly_load"))
_COLUMNS = {_CONSENT, *_CAPACITY}
_TIES = (RelType.KNOWS, RelType.MENTORS)
_RELS = {*_TIES, RelType.REFERENT_OF, RelType.WORKS_AT}


@dataclass(frozen=True)
class Followed:
    """The state at the new version and the groupement bits whose figures may differ."""

    state: CoverageState
    affected: np.ndarray


def classify(changes: ViewChanges, view: GraphView | None = None) -> bool | None:
    """True when ``changes`` are of kinds :func:`follow` may apply, None otherwise
    (whether they really only add is decided against the state and the new index).
    With the new ``view``, a consent withdrawn is refused here, before any index is read."""
    if len(changes.labels):
        return None
    if view is not None and changes.columns.get(_CONSENT) is not None:
        nodes = changes.columns[_CONSENT]
        if np.any(view.column(Label.PERSON, "consent_introducer")[nodes] != 1):
            return None
    if any(len(v) for k, v in changes.columns.items() if k not in _COLUMNS):
        return None
    for rel_type, change in changes.rels.items():
        if len(change) and rel_type not in _RELS:
            return None
    return True


def follow(state: CoverageState, index: PathIndex, changes: ViewChanges) -> Followed | None:
    """``state`` after ``changes`` (from its version to ``index``'s), or None when they
    do not only add (see the module docstring). ``state`` is left untouched."""
    view, old = index.view, state.index
    if classify(changes) is None or state.focus is not None or index.n != old.n:
        return None
    if state.back.local or np.any(view.labels[changes.n_base :] >= 0):
        return None  # new nodes
    upserted = changes.upserted
    if np.any(view.labels[upserted] != state.view.labels[upserted]):
        return None
    if np.any(view.labels[upserted] != _PERSON):
        return None
    found: list[W.Change] = []
    ids = state.view.ids

    # consent: granted only
    people = changes.changed(_CONSENT)
    if np.any(old.consent[people] & ~index.consent[people]):
        return None
    granted = people[index.consent[people] & ~old.consent[people]]
    found += [W.GrantConsent(str(ids[p])) for p in granted.tolist()]

    # contact pairs: gained only; a consent granted adds the person's old current jobs
    works = changes.rels.get(RelType.WORKS_AT)
    touched = np.unique(
        np.concatenate(
            [
                granted,
                key_ends(works.added)[0],
                key_ends(works.removed)[0],
                key_ends(works.updated)[0],
            ]
        )
        if works is not None
        else granted
    ).astype(np.int64)
    if len(touched):
        gained = _contacts_gained(state, index, touched, granted)
        if gained is None:
            return None
        found += [W.AddContact(str(ids[p]), str(ids[e])) for p, e in gained]

    # ties: those the new index has and the state has not; none lost
    for rel_type in _TIES:
        change = changes.rels.get(rel_type)
        if change is None:
            continue
        keys = np.concatenate([change.added, change.updated, change.removed])
        for a, b in zip(*(k.tolist() for k in key_ends(keys)), strict=True):
            had = b in state.inputs.ties_of(np.array([a]))[0]
            has = b in index.nbr[index.ptr[a] : index.ptr[a + 1]]
            if had and not has:
                return None
            if has and not had:
                found.append(W.AddTie(str(ids[a]), str(ids[b])))

    # référents: added only
    refs = changes.rels.get(RelType.REFERENT_OF)
    if refs is not None:
        if len(refs.removed):
            return None
        known = set(
            zip(
                state.inputs.referent_person.tolist(),
                state.inputs.referent_groupement.tolist(),
                strict=True,
            )
        )
        for p, g in zip(*(k.tolist() for k in key_ends(refs.added)), strict=True):
            if (p, g) not in known:
                found.append(W.AddReferent(str(ids[g]), str(ids[p])))

    # the index read by lookups (ties per person, capacity) is the new one's
    base = state
    moved = np.flatnonzero(index.over_capacity != old.over_capacity)
    if len(moved) or any(isinstance(c, W.AddTie) for c in found):
        base = _overlaid(state, index)
    after = W.apply(base, found) if found else copy.copy(base)
    after.version = view.version
    named = W.affected_bits(state, after, found) if found else np.empty(0, dtype=np.int64)
    people_moved = np.concatenate([moved, upserted]).astype(np.int64)
    affected = np.union1d(named, _groupements_of(state, people_moved))
    return Followed(after, affected.astype(np.int64))


_PERSON = list(Label).index(Label.PERSON)


def _contacts_gained(
    state: CoverageState, index: PathIndex, people: np.ndarray, granted: np.ndarray
) -> list[tuple[int, int]] | None:
    """Contact pairs of ``people`` the new index has and the state has not; None when one
    is lost, or when a consent granted would add a job the new index does not count."""
    inp = state.inputs
    mine = np.isin(inp.contact_person, people)
    before = set(
        zip(inp.contact_person[mine].tolist(), inp.contact_employer[mine].tolist(), strict=True)
    )
    person, employer = current_employment(index, state.day)
    keep = np.isin(person, people) & index.consent[person]
    after = set(zip(person[keep].tolist(), employer[keep].tolist(), strict=True))
    if before - after:
        return None
    # what-if's GrantConsent makes the person a contact at their current jobs of the
    # state's index: each must still be one
    for p in granted.tolist():
        if any((p, int(e)) not in after for e in state.index.current_employers(p, state.day)):
            return None
    implied = {
        (p, int(e)) for p in granted.tolist() for e in state.index.current_employers(p, state.day)
    }
    return sorted(after - before - implied)


def _overlaid(state: CoverageState, index: PathIndex) -> CoverageState:
    """``state`` whose index reads the new degrees and capacities (same reachability)."""
    new = copy.copy(state)
    new.index = state.index.overlay(state.view, deg=index.deg, over_capacity=index.over_capacity)
    new.inputs = replace(state.inputs, index=new.index)
    new.available = new.inputs.relay & ~new.index.over_capacity
    return new


def _groupements_of(state: CoverageState, people: np.ndarray) -> np.ndarray:
    """Bits of the groupements ``people`` belong to or are référent of."""
    view = state.view
    found: list[int] = []
    for rel_type in (RelType.IN_GROUPEMENT, RelType.REFERENT_OF):
        rel = view.rel(rel_type)
        for p in np.unique(people).tolist():
            found += state.gbit[rel.targets(p)].tolist()
    return np.array(sorted({b for b in found if b >= 0}), dtype=np.int64)
