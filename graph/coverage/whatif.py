"""What-if: coverage after hypothetical changes, computed without writing anything.

A change is one of :class:`AddReferent`, :class:`AddHelper`, :class:`AddTie`,
:class:`SignCharter` and :class:`GrantConsent`. :func:`apply` turns changes into an
overlay: a copy of the path index sharing every array but the few that change
(:meth:`PathIndex.overlay <graph.paths.index.PathIndex.overlay>`: consent, helper
status; a view whose ``PARTNER_OF`` has the new charter) and reachability inputs with
extra ties, contacts and référents; then a new :class:`CoverageState` is computed on it.
The store, its view and the cached state are never modified (the tests compare the
store's version and counts before and after).

Decisions:

* **AddHelper(person, employer)**: the person works there from the date on, consents to
  introduce, and becomes a helper (``both`` if they were a candidate). Their capacity and
  load are unchanged. A brand-new person is out of scope: without ties they reach nobody.
* **GrantConsent(person)**: the person consents to introduce (e.g. a référent asked).
* **SignCharter(groupement, partner)**: a local charter in force from the date, no end.
* Before/after are exact and are reported for the groupements whose metrics can
  change: those named by a change, those of the people a change touches, and those
  whose candidates' paths or forward reach changed; plus the national total.
* :func:`referent_gain` is the fast, exact count used to rank référent and charter
  actions nationally: these change only the référent hop and bridges of one
  groupement, so only that groupement's candidates are evaluated again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from graph.coverage import reach as R
from graph.coverage.state import CoverageState
from graph.errors import InvalidInput
from graph.model import Label, PartnerLevel, PersonStatus, RelType
from graph.view import NO_DATE, GraphView, RelIndex

_STATUS = list(PersonStatus)


@dataclass(frozen=True)
class AddReferent:
    """Name ``person_id`` référent of ``groupement_id``."""

    groupement_id: str
    person_id: str
    kind: str = "add_referent"


@dataclass(frozen=True)
class AddHelper:
    """``person_id`` becomes a consenting helper currently working at ``employer_id``."""

    person_id: str
    employer_id: str
    kind: str = "add_helper"


@dataclass(frozen=True)
class AddTie:
    """A personal tie between ``a_id`` and ``b_id``."""

    a_id: str
    b_id: str
    kind: str = "add_tie"


@dataclass(frozen=True)
class SignCharter:
    """A local charter between ``groupement_id`` and ``partner_id`` (a délégation)."""

    groupement_id: str
    partner_id: str
    kind: str = "sign_charter"


@dataclass(frozen=True)
class GrantConsent:
    """``person_id`` agrees to introduce candidates."""

    person_id: str
    kind: str = "grant_consent"


Change = AddReferent | AddHelper | AddTie | SignCharter | GrantConsent
CHANGE_KINDS: dict[str, type] = {
    "add_referent": AddReferent,
    "add_helper": AddHelper,
    "add_tie": AddTie,
    "sign_charter": SignCharter,
    "grant_consent": GrantConsent,
}


def parse_change(value: Any, where: str = "changes[0]") -> Change:
    """A change from a dict ``{"kind": ..., fields...}`` (or a change already).

    >>> parse_change({"kind": "add_tie", "a_id": "p-1", "b_id": "p-2"})
    AddTie(a_id='p-1', b_id='p-2', kind='add_tie')
    """
    if isinstance(value, AddReferent | AddHelper | AddTie | SignCharter | GrantConsent):
        return value
    if not isinstance(value, dict):
        raise InvalidInput(where, f"must be an object with a kind (got {value!r})", value)
    kind = value.get("kind")
    cls = CHANGE_KINDS.get(kind)  # type: ignore[arg-type]
    if cls is None:
        allowed = ", ".join(CHANGE_KINDS)
        raise InvalidInput(f"{where}.kind", f"must be one of {allowed} (got {kind!r})", kind)
    fields = {k: v for k, v in value.items() if k != "kind"}
    try:
        return cls(**fields)
    except TypeError as exc:
        raise InvalidInput(where, f"bad fields for {kind}: {exc}", value) from None


def _nid(view: GraphView, node_id: Any, label: Label, field: str) -> int:
    from graph.paths.service import _node

    return _node(view, node_id, label, field)


def apply(state: CoverageState, changes: list[Change]) -> CoverageState:
    """The coverage state after ``changes`` (a new object; ``state`` is unchanged)."""
    index, view, day = state.index, state.view, state.day
    inp = state.inputs
    consent = index.consent.copy()
    helper = index.helper.copy()
    status = index.status.copy()
    ties: list[tuple[int, int]] = []
    jobs: list[tuple[int, int]] = []
    refs: list[tuple[int, int]] = []
    charters: list[tuple[int, int]] = []
    for i, change in enumerate(changes):
        at = f"changes[{i}]"
        if isinstance(change, AddReferent):
            g = _nid(view, change.groupement_id, Label.GROUPEMENT, f"{at}.groupement_id")
            refs.append((_nid(view, change.person_id, Label.PERSON, f"{at}.person_id"), g))
        elif isinstance(change, AddHelper):
            p = _nid(view, change.person_id, Label.PERSON, f"{at}.person_id")
            e = _nid(view, change.employer_id, Label.EMPLOYER, f"{at}.employer_id")
            consent[p] = helper[p] = True
            was = _STATUS[status[p]] if status[p] >= 0 else PersonStatus.NEITHER
            new = (
                PersonStatus.BOTH
                if was in (PersonStatus.CANDIDATE, PersonStatus.BOTH)
                else (PersonStatus.HELPER)
            )
            status[p] = _STATUS.index(new)
            jobs.append((p, e))
        elif isinstance(change, AddTie):
            a = _nid(view, change.a_id, Label.PERSON, f"{at}.a_id")
            b = _nid(view, change.b_id, Label.PERSON, f"{at}.b_id")
            if a == b:
                raise InvalidInput(f"{at}.b_id", "a tie needs two different people", change.b_id)
            ties.append((a, b))
        elif isinstance(change, SignCharter):
            g = _nid(view, change.groupement_id, Label.GROUPEMENT, f"{at}.groupement_id")
            d = _nid(view, change.partner_id, Label.GROUPEMENT, f"{at}.partner_id")
            if g == d:
                raise InvalidInput(f"{at}.partner_id", "a charter needs two groupements", d)
            charters.append((g, d))
        elif isinstance(change, GrantConsent):
            consent[_nid(view, change.person_id, Label.PERSON, f"{at}.person_id")] = True
        else:  # pragma: no cover - parse_change only builds the kinds above
            raise InvalidInput(at, f"unknown change {change!r}")
    new_view = _with_charters(view, charters, day) if charters else view
    overlay = index.overlay(new_view, consent=consent, helper=helper, status=status)
    contact_p = np.concatenate([inp.contact_person, [p for p, _ in jobs]]).astype(np.int64)
    contact_e = np.concatenate([inp.contact_employer, [e for _, e in jobs]]).astype(np.int64)
    keep = consent[contact_p]
    key = np.unique(contact_p[keep] * index.n + contact_e[keep])
    inputs = replace(
        inp,
        index=overlay,
        relay=consent,
        contact_person=key // index.n,
        contact_employer=key % index.n,
        referent_person=np.concatenate([inp.referent_person, [r for r, _ in refs]]).astype(
            np.int64
        ),
        referent_groupement=np.concatenate([inp.referent_groupement, [g for _, g in refs]]).astype(
            np.int64
        ),
        extra_a=np.concatenate([inp.extra_a, [a for a, _ in ties]]).astype(np.int64),
        extra_b=np.concatenate([inp.extra_b, [b for _, b in ties]]).astype(np.int64),
        bridge_source=None,
        _bridges=_keep_bridges(inp, charters, jobs, consent),
    )
    return CoverageState(overlay, state.as_of, state.hidden_offers, inputs=inputs, base=state)


def _keep_bridges(
    inp: R.Inputs, charters: list[tuple[int, int]], jobs: list[tuple[int, int]], consent
) -> dict[int, np.ndarray]:
    """Bridge sets still valid: all, unless a charter or a new helper may change them."""
    if jobs:
        return {}  # a new helper may join the bridges of several groupements
    changed = {g for pair in charters for g in pair}
    return {g: h for g, h in inp._bridges.items() if g not in changed}


def _with_charters(view: GraphView, charters: list[tuple[int, int]], day: int) -> GraphView:
    """The view with extra local charters in force from ``day``."""
    rel = view.rel(RelType.PARTNER_OF)
    ids = view.ids
    src = list(rel.src.tolist())
    dst = list(rel.dst.tolist())
    added = []
    for g, d in charters:
        a, b = (g, d) if str(ids[g]) < str(ids[d]) else (d, g)
        added.append((a, b))
    new_src = np.array(src + [a for a, _ in added], dtype=np.int64)
    new_dst = np.array(dst + [b for _, b in added], dtype=np.int64)
    columns = {}
    for name, col in rel.columns.items():
        if name == "signed":
            extra = np.full(len(added), day, dtype=col.dtype)
        elif name == "expires":
            extra = np.full(len(added), NO_DATE, dtype=col.dtype)
        elif name == "level":
            extra = np.full(len(added), list(PartnerLevel).index(PartnerLevel.LOCAL), col.dtype)
        elif col.dtype.kind == "f":
            extra = np.full(len(added), np.nan, dtype=col.dtype)
        else:
            extra = np.full(len(added), -1, dtype=col.dtype)
        columns[name] = np.concatenate([col, extra])
    order = np.lexsort((new_dst, new_src))
    index = RelIndex.build(
        RelType.PARTNER_OF,
        new_src[order],
        new_dst[order],
        {k: v[order] for k, v in columns.items()},
        view.n_slots,
    )
    return replace(view, rels={**view.rels, RelType.PARTNER_OF: index}, _cache={})


def affected_bits(before: CoverageState, after: CoverageState, changes: list[Change]) -> np.ndarray:
    """Groupement bits whose metrics may differ between ``before`` and ``after``."""
    view = before.view
    found: set[int] = set()
    people: list[int] = []
    for change in changes:
        for name in ("groupement_id", "partner_id"):
            value = getattr(change, name, None)
            if value is not None:
                found.add(int(before.gbit[view.nid(value)]))
        for name in ("person_id", "a_id", "b_id"):
            value = getattr(change, name, None)
            if value is not None:
                people.append(view.nid(value))
    in_grp = view.rel(RelType.IN_GROUPEMENT)
    for p in people:
        found.update(int(b) for b in before.gbit[in_grp.targets(p)])
    # candidates whose coverage changed
    diff = np.flatnonzero(before.back.covered != after.back.covered)
    rows = np.isin(before.members.member_cand, diff)
    found.update(int(b) for b in before.gbit[before.members.member_group[rows]])
    # forward reach of contacts and offers
    for b_arr, a_arr, b_people, a_people in (
        (before.people_reach, after.people_reach, before.people, after.people),
        (before.offer_reach, after.offer_reach, before.offer_person, after.offer_person),
    ):
        union = np.union1d(b_people, a_people)
        x = _on(b_arr, b_people, union)
        y = _on(a_arr, a_people, union)
        changed = np.bitwise_or.reduce(x ^ y, axis=1) if x.shape[1] else np.zeros(x.shape[0])
        for w, word in enumerate(np.asarray(changed, dtype=np.uint64).tolist()):
            while word:
                low = word & -word
                found.add(w * 64 + low.bit_length() - 1)
                word ^= low
    found.discard(-1)
    return np.array(sorted(b for b in found if b < len(before.groups)), dtype=np.int64)


def _on(table: np.ndarray, people: np.ndarray, union: np.ndarray) -> np.ndarray:
    """``table`` columns of ``people`` placed on ``union`` (OR of duplicates; zeros elsewhere)."""
    out = R.zeros(table.shape[0], len(union))
    at = np.searchsorted(union, people)
    for w in range(table.shape[0]):
        np.bitwise_or.at(out[w], at, table[w])
    return out


def referent_gain(
    state: CoverageState, groupement: int, person: int = -1, partner: int = -1
) -> int:
    """Candidates of ``groupement`` who would gain a path if ``person`` were named référent
    (``person`` ≥ 0) or a charter signed with ``partner`` (``partner`` ≥ 0).

    These changes only add référent hops and bridges for this groupement's candidates, so
    only those are evaluated again, from the stored layers. A référent who did not consent
    is counted as if they had (the action asks them to), through the référent hop only.
    It is a lower bound in two rare cases: a candidate who is a contact of their own
    target, and walks that the newly consenting référent would relay for others.
    """
    inp, relays, back, members = state.inputs, state.relays, state.back, state.members
    bit = int(state.gbit[groupement])
    cidx = state.group_cand.of_key(bit)
    cidx = np.unique(cidx)
    if len(cidx) == 0:
        return 0
    if partner >= 0:
        change = SignCharter(str(state.view.ids[groupement]), str(state.view.ids[partner]))
        after = _bridges_after(state, groupement, change)
    else:
        after = inp.bridges(groupement)
    referents = set(state.group_referents.of_key(bit).tolist())
    if person >= 0:
        referents.add(person)
    y2, y3 = back.y[2], back.y[3]
    extra = R.zeros(y3.shape[0], 1)
    hp = relays.pos[after]
    hp = hp[hp >= 0]
    bridge = np.bitwise_or.reduce(y2[:, hp], axis=1) if len(hp) else R.zeros(y3.shape[0], 1)[:, 0]
    gains = np.zeros(len(cidx), dtype=bool)
    cand = members.cand[cidx]
    wants = back.wants[:, cidx]
    own = R.own_contact_bits(back, cand)
    covered = back.covered[cidx]
    for r in sorted(referents):
        at = int(relays.pos[r])
        if at >= 0:
            extra = y3[:, [at]] | bridge[:, None]
        elif r == person or person < 0:
            # not a relay (no consent yet): reached as a référent, relays once asked
            nbr, _ = inp.ties_of(np.array([r]))
            pos = relays.pos[nbr]
            pos = pos[pos >= 0]
            mine = np.bitwise_or.reduce(y2[:, pos], axis=1) if len(pos) else bridge & 0
            extra = (mine | bridge)[:, None]
        else:
            continue
        ok = cand != r
        sure = ((extra & wants & ~own) != 0).any(axis=0) & ok
        gains |= sure & ~covered
    return int(gains.sum())


def _bridges_after(state: CoverageState, groupement: int, change: SignCharter) -> np.ndarray:
    view = _with_charters(state.view, [(groupement, state.view.nid(change.partner_id))], state.day)
    return state.index.overlay(view).bridges(groupement, state.day).helpers.astype(np.int64)
