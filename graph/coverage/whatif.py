"""What-if: coverage after hypothetical changes, computed without writing anything.

A change is one of :class:`AddReferent`, :class:`AddHelper`, :class:`AddTie`,
:class:`SignCharter` and :class:`GrantConsent`. :func:`overlay` turns changes into an
overlay: a copy of the path index sharing every array but the few that change
(:meth:`PathIndex.overlay <graph.paths.index.PathIndex.overlay>`: consent, helper
status; a view whose ``PARTNER_OF`` has the new charter) and reachability inputs with
extra ties, contacts and référents. :func:`apply` then recomputes only what the changes
can reach (:mod:`graph.coverage.incremental`: a fraction of a second at 1M people, where
a whole state costs seconds); :func:`apply_full` computes a whole new
:class:`CoverageState` on the overlay and is the reference the tests hold it to. The
store, its view and the cached state are never modified (the tests compare the store's
version and counts before and after).

Decisions:

* **AddHelper(person, employer)**: the person works there from the date on, consents to
  introduce, and becomes a helper (``both`` if they were a candidate). Their capacity and
  load are unchanged. A brand-new person is out of scope: without ties they reach nobody.
* **GrantConsent(person)**: the person consents to introduce (e.g. a référent asked);
  like a written consent, it makes them a contact at each of their current employers.
* **SignCharter(groupement, partner)**: a local charter in force from the date, no end.
* Before/after are exact and are reported for the groupements whose metrics can
  change (:func:`affected_bits`), plus the national total.
* :func:`referent_gain` is the fast, exact count used to rank référent and charter
  actions nationally: these change only the référent hop and bridges of one
  groupement, so only that groupement's candidates are evaluated again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from graph.coverage import incremental as I
from graph.coverage import reach as R
from graph.coverage.state import CoverageState
from graph.errors import InvalidInput
from graph.model import Label, PartnerLevel, PersonStatus, RelType
from graph.paths.index import PathIndex, gather, into
from graph.paths.query import node_of
from graph.view import LABEL_CODE, NO_DATE, GraphView, RelIndex

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


@dataclass(frozen=True)
class AddContact:
    """``person_id`` becomes a contact at ``employer_id`` (a current job of a consenting
    person): nothing else about them changes. Internal: written changes followed by
    :mod:`graph.coverage.follow`, not offered to what-if users."""

    person_id: str
    employer_id: str
    kind: str = "add_contact"


Change = AddReferent | AddHelper | AddTie | SignCharter | GrantConsent | AddContact
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
    if isinstance(value, AddContact):
        return value
    if not isinstance(value, dict):
        raise InvalidInput(where, f"must be an object with a kind (got {value!r})", value)
    kind = value.get("kind")
    cls = CHANGE_KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        allowed = ", ".join(CHANGE_KINDS)
        raise InvalidInput(f"{where}.kind", f"must be one of {allowed} (got {kind!r})", kind)
    fields = {k: v for k, v in value.items() if k != "kind"}
    try:
        return cls(**fields)
    except TypeError as exc:
        raise InvalidInput(where, f"bad fields for {kind}: {exc}", value) from None


@dataclass(frozen=True)
class Overlay:
    """Changes turned into what reachability reads: an overlay index and new inputs."""

    index: PathIndex
    inputs: R.Inputs
    delta: I.Delta  # bridges_added left empty: see _grown_bridges
    charters: tuple[tuple[int, int], ...]
    new_helpers: np.ndarray  # people who are helpers now and were not


def overlay(state: CoverageState, changes: list[Change]) -> Overlay:
    """Resolve ``changes`` against ``state`` (ids to nodes) and build the overlay.

    Consent, helper status and status are copied and changed; a charter gives a view
    with one more ``PARTNER_OF``; ties, contacts and référents are added to the inputs.
    A person who consents now becomes a contact at each of their current employers (as
    a written ``consent_introducer`` would make them), and at their new one for
    :class:`AddHelper`.
    """
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
            g = node_of(view, change.groupement_id, Label.GROUPEMENT, f"{at}.groupement_id")
            refs.append((node_of(view, change.person_id, Label.PERSON, f"{at}.person_id"), g))
        elif isinstance(change, AddHelper):
            p = node_of(view, change.person_id, Label.PERSON, f"{at}.person_id")
            e = node_of(view, change.employer_id, Label.EMPLOYER, f"{at}.employer_id")
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
            a = node_of(view, change.a_id, Label.PERSON, f"{at}.a_id")
            b = node_of(view, change.b_id, Label.PERSON, f"{at}.b_id")
            if a == b:
                raise InvalidInput(f"{at}.b_id", "a tie needs two different people", change.b_id)
            ties.append((a, b))
        elif isinstance(change, SignCharter):
            g = node_of(view, change.groupement_id, Label.GROUPEMENT, f"{at}.groupement_id")
            d = node_of(view, change.partner_id, Label.GROUPEMENT, f"{at}.partner_id")
            if g == d:
                raise InvalidInput(f"{at}.partner_id", "a charter needs two groupements", d)
            charters.append((g, d))
        elif isinstance(change, GrantConsent):
            consent[node_of(view, change.person_id, Label.PERSON, f"{at}.person_id")] = True
        elif isinstance(change, AddContact):
            p = node_of(view, change.person_id, Label.PERSON, f"{at}.person_id")
            jobs.append((p, node_of(view, change.employer_id, Label.EMPLOYER, f"{at}.employer_id")))
        else:  # pragma: no cover - parse_change only builds the kinds above
            raise InvalidInput(at, f"unknown change {change!r}")
    new_view = _with_charters(view, charters, day) if charters else view
    overlay_index = index.overlay(new_view, consent=consent, helper=helper, status=status)
    consented = np.flatnonzero(consent & ~index.consent).astype(np.int64)
    # new contact pairs: every current job of who consents now, and the new jobs
    pairs = [(p, int(e)) for p in consented.tolist() for e in index.current_employers(p, day)]
    pairs += jobs
    contact_p, contact_e = inp.contact_person, inp.contact_employer
    new_contacts = np.empty(0, dtype=np.int64)
    if pairs:
        n = index.n
        key = np.unique(np.array([p * n + e for p, e in pairs], dtype=np.int64))
        mine = np.isin(contact_p, key // n)  # the few people concerned, not all 240k pairs
        key = np.setdiff1d(key, contact_p[mine] * n + contact_e[mine])
        if len(key):
            new_contacts = np.unique(key // n)
            contact_p = np.concatenate([contact_p, key // n])
            contact_e = np.concatenate([contact_e, key % n])
    tie_a = np.array([a for a, _ in ties], dtype=np.int64)
    tie_b = np.array([b for _, b in ties], dtype=np.int64)
    inputs = replace(
        inp,
        index=overlay_index,
        relay=consent,
        contact_person=contact_p,
        contact_employer=contact_e,
        referent_person=np.concatenate([inp.referent_person, [r for r, _ in refs]]).astype(
            np.int64
        ),
        referent_groupement=np.concatenate([inp.referent_groupement, [g for _, g in refs]]).astype(
            np.int64
        ),
        extra_a=np.concatenate([inp.extra_a, tie_a]).astype(np.int64),
        extra_b=np.concatenate([inp.extra_b, tie_b]).astype(np.int64),
        bridge_source=None,
        _bridges={},
    )
    delta = I.Delta(tie_a, tie_b, consented, new_contacts, {})
    new_helpers = np.flatnonzero(helper & ~index.helper).astype(np.int64)
    return Overlay(overlay_index, inputs, delta, tuple(charters), new_helpers)


def apply(state: CoverageState, changes: list[Change]) -> CoverageState:
    """The coverage state after ``changes`` (a new object; ``state`` is unchanged).

    Incremental: only the rows of the propagation layers that the changes can reach are
    recomputed (:mod:`graph.coverage.incremental`), and only the lookups they can alter;
    the result equals :func:`apply_full`.
    """
    ov = overlay(state, changes)
    bridges, added = _grown_bridges(state, ov)
    inputs = replace(ov.inputs, _bridges=bridges)
    delta = replace(ov.delta, bridges_added=added)
    relays = R.Relays.build(inputs, state.relays)
    person, group = R.referent_pairs(inputs)
    members = replace(state.members, pair_person=person, pair_group=group)
    back = I.backward(state.back, inputs, relays, members, delta)
    fwd = I.forward(state.fwd, state.members, inputs, relays, members, delta)
    return state.derive(
        ov.index,
        inputs,
        back,
        fwd,
        contacts=len(delta.new_contacts) > 0,
        relays=len(delta.consented) > 0,
        helpers=len(ov.new_helpers) > 0,
        charters=bool(ov.charters),
    )


def apply_full(state: CoverageState, changes: list[Change]) -> CoverageState:
    """The coverage state after ``changes``, computed from scratch on the overlay.

    Seconds at 1M people: the reference :func:`apply` is tested against.
    """
    ov = overlay(state, changes)
    keep = {} if len(ov.new_helpers) else _keep_bridges(state.inputs, list(ov.charters))
    inputs = replace(ov.inputs, _bridges=keep)
    return CoverageState(ov.index, state.as_of, state.hidden_offers, inputs=inputs, base=state)


def _keep_bridges(inp: R.Inputs, charters: list[tuple[int, int]]) -> dict[int, np.ndarray]:
    """Bridge sets still valid when no helper was added: all but the charters' groupements."""
    changed = {g for pair in charters for g in pair}
    return {g: h for g, h in inp._bridges.items() if g not in changed}


def _grown_bridges(
    state: CoverageState, ov: Overlay
) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    """Bridge sets of every groupement with a référent after the changes, and per
    groupement the helpers added to its set (a charter or a new helper only add)."""
    day = state.day
    changed = {g for pair in ov.charters for g in pair}
    bridges: dict[int, np.ndarray] = {}
    added: dict[int, np.ndarray] = {}
    for g in np.unique(ov.inputs.referent_groupement).tolist():
        old = state.inputs.bridges(g)
        if g in changed:
            new = ov.index.bridges(g, day).helpers.astype(np.int64)
            gained = np.setdiff1d(new, old)
        else:
            gained = np.array(
                [p for p in ov.new_helpers.tolist() if joins_bridges(ov.index, p, g, day)],
                dtype=np.int64,
            )
            new = np.union1d(old, gained) if len(gained) else old
        bridges[g] = new
        if len(gained):
            added[g] = gained
    return bridges, added


def joins_bridges(index: PathIndex, person: int, groupement: int, day: int) -> bool:
    """Whether ``person`` is a bridge helper of ``groupement`` at ``day``.

    The rule of :meth:`PathIndex.bridges <graph.paths.index.PathIndex.bridges>` for one
    person (the index computes a whole territory at once, seconds for every groupement):
    a helper who lives in a département the groupement covers, or is attached to a
    groupement covering one, and who is a member of an association bound by a
    convention in force to the groupement's association, or attached to a groupement
    (délégation) bound to it by a local charter in force.
    """
    view = index.view
    if not index.helper[person]:
        return False
    covers = view.rel(RelType.COVERS)
    depts = np.unique(covers.targets(groupement))
    agreements = np.array(index.agreements(groupement, day), dtype=np.int64)
    if len(depts) == 0 or len(agreements) == 0:
        return False
    pos, _ = into(covers, depts)
    covering = covers.src[pos]
    lives = view.rel(RelType.LIVES_IN).targets(person)
    attached = view.rel(RelType.IN_GROUPEMENT).targets(person)
    if not (np.isin(lives, depts).any() or np.isin(attached, covering).any()):
        return False
    partner = view.rel(RelType.PARTNER_OF)
    src, dst = partner.src[agreements], partner.dst[agreements]
    association = int(index.groupement_association[groupement])
    for own, member_rel, label in (
        (association, RelType.MEMBER_OF, Label.ASSOCIATION),
        (groupement, RelType.IN_GROUPEMENT, Label.GROUPEMENT),
    ):
        if own < 0:
            continue
        mine = (src == own) | (dst == own)
        other = np.where(src[mine] == own, dst[mine], src[mine])
        other = other[view.labels[other] == LABEL_CODE[label]]
        if np.isin(view.rel(member_rel).targets(person), other).any():
            return True
    return False


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
    """Groupement bits whose metrics may differ between ``before`` and ``after``.

    Those named by a change; those of the people a change names (as members or as
    référents); those covering the bassin of a new contact or of an offer with a new
    contact; those with a candidate whose path changed. And, for contacts and offers'
    contacts that a groupement now reaches and did not: only where that can move one of
    its figures, i.e. the contact works at an employer of its territory, or in a sector
    where it reached at most one contact (:meth:`CoverageState.thin_sectors`), or is a
    contact of an offer of its territory. (A contact newly reached by most groupements,
    elsewhere, changes none of their figures: measuring all of them again would cost
    seconds at 1M people.)
    """
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
    in_grp, referent_of = view.rel(RelType.IN_GROUPEMENT), view.rel(RelType.REFERENT_OF)
    for p in people:
        found.update(int(b) for b in before.gbit[in_grp.targets(p)])
        found.update(int(b) for b in before.gbit[referent_of.targets(p)])
    # candidates whose coverage changed
    diff = np.flatnonzero(before.back.covered != after.back.covered)
    rows = np.isin(before.members.member_cand, diff)
    found.update(int(b) for b in before.gbit[before.members.member_group[rows]])

    words = before.people_reach.shape[0]
    bits = R.zeros(words, 1)[:, 0]
    territory = before.bassin_groupements()
    thin = before.thin_sectors()

    def where(bassins: np.ndarray) -> np.ndarray:
        """Per bassin (nid or -1): groupements whose territory holds it."""
        out = territory[:, np.maximum(bassins, 0)]
        out[:, bassins < 0] = 0
        return out

    # new contact pairs (appended by the overlay): the territory of their employer, and
    # the thin sectors of their employer for the groupements that reach them
    n_old = len(before.inputs.contact_employer)
    new_emp = after.inputs.contact_employer[n_old:]
    if len(new_emp):
        bits |= np.bitwise_or.reduce(where(before.index.bassin_of[new_emp]), axis=1)
        person = np.searchsorted(after.people, after.inputs.contact_person[n_old:])
        sectors = view.rel(RelType.IN_SECTOR)
        pos, owner = gather(sectors.out_ptr, new_emp)
        sec = after.sec_pos[sectors.dst[pos]]
        bits |= np.bitwise_or.reduce(thin[:, sec] & after.people_reach[:, person[owner]], axis=1)
    # offers with new contacts: their territory
    if after.offer_pairs is not before.offer_pairs:
        grew = np.diff(after.offer_pairs.ptr) != np.diff(before.offer_pairs.ptr)
        bits |= np.bitwise_or.reduce(where(after.offer_bassin[grew]), axis=1)

    # contacts newly reached by some groupements
    gained = _gained(before.people_reach, after.people_reach, before.people, after.people)
    moved = np.flatnonzero(R.any_bits(gained))
    if len(moved):
        mask = np.zeros(len(after.people), dtype=bool)
        mask[moved] = True
        pairs = np.flatnonzero(mask[after.cp_person])
        who = gained[:, after.cp_person[pairs]]
        bits |= np.bitwise_or.reduce(where(after.cp_bassin[pairs]) & who, axis=1)
        pairs = np.flatnonzero(mask[after.pss_person])
        who = gained[:, after.pss_person[pairs]]
        bits |= np.bitwise_or.reduce(thin[:, after.pss_sector[pairs]] & who, axis=1)
    # offers' contacts newly reached
    gained = _gained(before.offer_reach, after.offer_reach, before.offer_people, after.offer_people)
    moved = np.flatnonzero(R.any_bits(gained))
    if len(moved):
        mask = np.zeros(len(after.offer_people), dtype=bool)
        mask[moved] = True
        op = after.offer_pairs
        offer = np.repeat(np.arange(len(op.ptr) - 1), np.diff(op.ptr))
        pairs = np.flatnonzero(mask[op.items])
        who = gained[:, op.items[pairs]]
        bits |= np.bitwise_or.reduce(where(after.offer_bassin[offer[pairs]]) & who, axis=1)
    found.update(R.bits_of(bits.reshape(-1, 1), 0))
    found.discard(-1)
    return np.array(sorted(b for b in found if b < len(before.groups)), dtype=np.int64)


def _gained(
    b_arr: np.ndarray, a_arr: np.ndarray, b_people: np.ndarray, a_people: np.ndarray
) -> np.ndarray:
    """Per person of ``a_people`` (the state after): the groupements that reach them now
    and did not (changes only add: ``b_people`` is within ``a_people``)."""
    if b_people is a_people or np.array_equal(b_people, a_people):
        return a_arr & ~b_arr
    union = _union(b_people, a_people)
    old = _on(b_arr, b_people, union)
    if union is not a_people:
        old = old[:, np.searchsorted(union, a_people)]
    return a_arr & ~old


def _union(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Sorted union of two ascending arrays; ``after`` itself when it holds ``before``
    (changes only add contacts: the usual case, without a sort of 240k people)."""
    at = np.minimum(np.searchsorted(after, before), max(len(after) - 1, 0))
    if len(after) and np.array_equal(after[at], before):
        return after
    return np.union1d(before, after)


def _on(table: np.ndarray, people: np.ndarray, union: np.ndarray) -> np.ndarray:
    """``table`` columns of ``people`` (ascending, distinct) placed on ``union``."""
    out = R.zeros(table.shape[0], len(union))
    out[:, np.searchsorted(union, people)] = table
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
