"""Everything coverage needs at one graph version and date, and the measurement itself.

A :class:`CoverageState` is built once per (store version, date) from the read-only view
and the path engine's :class:`~graph.paths.index.PathIndex`: the reachability of every
candidate (:func:`graph.coverage.reach.backward`), the forward reach of every groupement
(:func:`graph.coverage.reach.forward`) and flat lookups (groupement members, territory,
contacts, offers, missing charters). :func:`measure` turns it into a
:class:`~graph.coverage.metrics.Coverage` for any set of groupements, plus the
:class:`Details` the gaps are made of. Pure: no I/O; the service passes in the few facts
the view does not hold (which offers are hidden, which groupement belongs to which
association is already in the index).

A state may be *focused* on one groupement (``focus``): only its candidates, their
targets and its forward reach are computed, a fraction of the national cost, for the
first look at one groupement after a write. What-if derives the state after a change
from the national one (:meth:`CoverageState.derive`).
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from graph.coverage import reach as R
from graph.coverage.metrics import Coverage
from graph.model import GroupementKind, Label, OfferStatus, RelType
from graph.paths.index import PathIndex, gather, in_force, into
from graph.view import LABEL_CODE, NO_DATE, GraphView, day_number

_GROUPEMENT_KIND = list(GroupementKind).index(GroupementKind.GROUPEMENT)
_OPEN = list(OfferStatus).index(OfferStatus.OPEN)
#: what :meth:`CoverageState._build_contact_lookups` sets (shared, never written in place)
_CONTACT_LOOKUPS = (
    "people",
    "cp_person",
    "cp_emp",
    "ps_person",
    "ps_sector",
    "ps_employer",
    "ps_bassin",
    "cp_bassin",
    "pss_person",
    "pss_sector",
    "pss_bassin",
)


def in_twelve_months(as_of: date) -> date:
    """The same day a year later (28 February for 29 February).

    >>> in_twelve_months(date(2024, 2, 29))
    datetime.date(2025, 2, 28)
    """
    try:
        return as_of.replace(year=as_of.year + 1)
    except ValueError:
        return as_of.replace(year=as_of.year + 1, day=28)


#: :meth:`CSR.union` marks items in a boolean array while the largest is at most this
#: many times their number (measured: marking wins up to about 200 times)
_MARK_SPAN = 64


@dataclass(frozen=True)
class CSR:
    """Items grouped by key number: ``items[ptr[k]:ptr[k+1]]``."""

    ptr: np.ndarray
    items: np.ndarray

    @classmethod
    def of(cls, keys: np.ndarray, items: np.ndarray, n_keys: int) -> CSR:
        keys = np.asarray(keys, dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        ptr = np.zeros(n_keys + 1, dtype=np.int64)
        np.cumsum(np.bincount(keys, minlength=n_keys), out=ptr[1:])
        return cls(ptr, np.asarray(items)[order])

    def union(self, keys: np.ndarray) -> np.ndarray:
        """Items of any of ``keys``, once each, ascending.

        Items are node or candidate numbers (≥ 0): marking them in a boolean array as
        long as the largest is several times faster than sorting them, unless they are
        few and the largest far out (a national union holds ~1M items; a département
        row's, thousands among 100,000 candidates: 0.1 ms marked, 1.8 ms sorted). The
        national report measures each of its ~120 rows again after a write.
        """
        pos, _ = gather(self.ptr, np.asarray(keys, dtype=np.int64))
        found = self.items[pos]
        if len(found) == 0 or int(found.max()) > _MARK_SPAN * len(found):
            return np.unique(found)
        seen = np.zeros(int(found.max()) + 1, dtype=bool)
        seen[found] = True
        return np.flatnonzero(seen).astype(found.dtype)

    def of_key(self, key: int) -> np.ndarray:
        return self.items[self.ptr[key] : self.ptr[key + 1]]


@dataclass
class Details:
    """What the gaps of one scope are made of (node numbers; counts of candidates)."""

    groupements: np.ndarray
    #: per groupement of the scope: (person, consented) of each référent
    referents: dict[int, list[tuple[int, bool]]]
    #: groupements of kind "groupement" in the scope
    referent_bearing: np.ndarray
    #: candidates of the scope (indices into the state's candidates)
    cand: np.ndarray
    #: uncovered candidates: (sector or -1, bassin or -1) pairs of their targets -> count
    no_path_targets: Counter[tuple[int, int]]
    #: targets -> number of the scope's candidates aiming at them (by target nid)
    wanted: dict[int, int]
    #: (sector, suggested bassin or -1) with no contact in the territory
    sectors_without_helper: list[tuple[int, int]]
    #: bassin -> employers of it with no reached contact
    employers_without_contact: dict[int, list[int]]
    #: (contact, employer, sector or -1): the only reached contact there
    single_points: list[tuple[int, int, int]]
    #: (groupement, partner structure) with no local charter in force
    partners_missing: list[tuple[int, int]]
    #: (offer, bassin) not reached
    offers_unreached: list[tuple[int, int]]
    territory_bassins: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))


class CoverageState:
    """Reachability and lookups for coverage at one version and date (see module doc).

    With ``focus`` (groupement nids), only those groupements get a bit and only their
    candidates are measured: the targets are those of these candidates (a word or two per
    person instead of five) and the forward reach has one bit per focused groupement.
    :func:`measure` of a focused groupement equals its measure on the national state
    (``tests/test_coverage_whatif.py``); other groupements are not in such a state.

    ``as_is`` is the graph as it is at the date (:func:`graph.coverage.reach.as_is`),
    shared by the states of a version; it is built when not given, and not used with
    what-if ``inputs``.
    """

    def __init__(
        self,
        index: PathIndex,
        as_of: date,
        hidden_offers: np.ndarray | None = None,
        inputs: R.Inputs | None = None,
        base: CoverageState | None = None,
        focus: np.ndarray | None = None,
        as_is: R.AsIs | None = None,
    ) -> None:
        view = index.view
        self.index = index
        self.view: GraphView = view
        self.version = view.version
        self.as_of = as_of
        self.hidden_offers = hidden_offers
        self.day = day_number(as_of)
        if inputs is not None:
            as_is = None
        else:
            as_is = as_is if as_is is not None else R.as_is(index, self.day)
            inputs = as_is.inputs
        #: the graph as it is at the date (None for what-if inputs)
        self.as_is = as_is
        self.inputs = inputs
        self.focus = None if focus is None else np.unique(np.asarray(focus, dtype=np.int64))
        members: R.Memberships | None = None
        if self.focus is None:
            self.cand = np.flatnonzero(self.inputs.candidate).astype(np.int64)
            self.groups = view.nodes_with_label(Label.GROUPEMENT).astype(np.int64)
        else:
            self.groups = self.focus
            in_grp = view.rel(RelType.IN_GROUPEMENT)
            pos, _ = into(in_grp, self.groups)
            people = np.unique(in_grp.src[pos]).astype(np.int64)
            self.cand = people[self.inputs.candidate[people]]
            members = R.Memberships.of(self.inputs, self.cand, also=self.groups)
        if as_is is not None:
            self.relays = as_is.relays
        else:
            self.relays = R.Relays.build(self.inputs, base.relays if base is not None else None)
        self.back = R.backward(
            self.inputs, self.cand, relays=self.relays, members=members, local=members is not None
        )
        self.members = self.back.members
        self.fwd = R.forward(
            self.inputs, self.members, self.relays, self.groups, local=self.focus is not None
        )
        self.gbit = self.fwd.bit
        self._static_lookups()
        self._group_lookups()
        self._contact_lookups()
        self._offer_lookups()
        self._reach_lookups()
        self.partners_missing = self._partners_missing()

    def derive(
        self,
        index: PathIndex,
        inputs: R.Inputs,
        back: R.Backward,
        fwd: R.Forward,
        *,
        contacts: bool,
        relays: bool,
        helpers: bool,
        charters: bool,
    ) -> CoverageState:
        """This state after additive changes whose reachability is ``back`` and ``fwd``.

        What-if computes those incrementally (:mod:`graph.coverage.incremental`); the
        lookups are shared with this state except those the changes can alter: the
        contacts (a new job or consent), the offers' contacts (a new relay), the helpers
        (a new helper), the charters, and always the référents, the available helpers
        and what the groupements reach. ``self`` is left untouched.
        """
        new = copy.copy(self)
        new.__dict__.pop("_thin_sectors", None)  # depends on the reach: not the base's
        new.index, new.view, new.inputs = index, index.view, inputs
        new.back, new.members, new.relays, new.fwd = back, back.members, back.relays, fwd
        new._group_lookups(helpers=helpers)
        if contacts:
            new._contact_lookups()
        if contacts or relays:
            new._offer_lookups()
        new._reach_lookups()
        if charters:
            new.partners_missing = new._partners_missing()
        return new

    # ------------------------------------------------------------------ lookups

    def _static_lookups(self) -> None:
        """What depends on the view only: territories, employers, sectors, offers, dates."""
        view, index, n = self.view, self.index, self.index.n
        g_count = len(self.groups)
        kinds = view.column(Label.GROUPEMENT, "kind")[self.groups]
        self.referent_bearing = (kinds == _GROUPEMENT_KIND) | (kinds < 0)
        # territory: groupement -> départements -> bassins -> employers
        covers = view.rel(RelType.COVERS)
        cb = self.gbit[covers.src]
        self.group_deps = CSR.of(cb[cb >= 0], covers.dst[cb >= 0].astype(np.int64), g_count)
        part_of = view.rel(RelType.PART_OF)
        is_be = view.labels[part_of.src] == LABEL_CODE[Label.BASSIN_EMPLOI]
        self.dep_bassins = CSR.of(part_of.dst[is_be], part_of.src[is_be].astype(np.int64), n)
        is_dep = view.labels[part_of.src] == LABEL_CODE[Label.DEPARTEMENT]
        self.dep_region = np.full(n, -1, dtype=np.int64)
        self.dep_region[part_of.src[is_dep]] = part_of.dst[is_dep]
        self.employers = view.nodes_with_label(Label.EMPLOYER).astype(np.int64)
        self.employer_bassin = index.bassin_of[self.employers].astype(np.int64)
        self.emp_pos = np.full(n, -1, dtype=np.int64)
        self.emp_pos[self.employers] = np.arange(len(self.employers))
        self.sectors = view.nodes_with_label(Label.SECTOR).astype(np.int64)
        self.sec_pos = np.full(n, -1, dtype=np.int64)
        self.sec_pos[self.sectors] = np.arange(len(self.sectors))
        # hidden open offers (a focused state keeps those of its territory: no other counts)
        self.offers = self._offers(self.hidden_offers)
        self.offer_bassin = index.bassin_of[self.offers].astype(np.int64)
        if self.focus is not None:
            bassins = self.dep_bassins.union(self.territory(np.arange(g_count)))
            keep = np.isin(self.offer_bassin, bassins)
            self.offers, self.offer_bassin = self.offers[keep], self.offer_bassin[keep]
        departure = view.column(Label.PERSON, "departure_date")[self.cand]
        until = day_number(in_twelve_months(self.as_of))
        self.departing = (departure != NO_DATE) & (departure >= self.day) & (departure <= until)
        # per candidate: count of each target bit, for "people affected"
        self.target_nodes = self.back.targets.nodes
        self.n_bassin_targets = int(self.back.targets.is_bassin.sum())

    def _group_lookups(self, helpers: bool = True) -> None:
        """Members, helpers, référents by groupement bit; helpers available."""
        g_count = len(self.groups)
        members = self.members
        if not hasattr(self, "group_cand"):
            gb = self.gbit[members.member_group]
            ok = gb >= 0
            self.group_cand = CSR.of(gb[ok], members.member_cand[ok], g_count)
        if helpers:
            in_grp = self.view.rel(RelType.IN_GROUPEMENT)
            if self.focus is None:
                src, dst = in_grp.src, in_grp.dst
            else:  # the focused groupements' members only, not all memberships
                pos, _ = into(in_grp, self.groups)
                src, dst = in_grp.src[pos], in_grp.dst[pos]
            helper = self.index.helper[src]
            hb = self.gbit[dst[helper]]
            ok = hb >= 0
            self.group_helpers = CSR.of(hb[ok], src[helper][ok].astype(np.int64), g_count)
        self.available = self.inputs.relay & ~self.index.over_capacity
        rb = self.gbit[members.pair_group]
        ok = rb >= 0
        self.group_referents = CSR.of(rb[ok], members.pair_person[ok], g_count)

    def _contact_lookups(self) -> None:
        """Contacts (one entry per person), their employers and sectors.

        They depend on the inputs alone: built once for the graph as it is (national and
        focused states share them), again for a what-if that changes contacts.
        """
        memo = self.as_is.memo_of(self.inputs) if self.as_is is not None else None
        found = memo.get("contacts") if memo is not None else None
        if found is not None:
            self.__dict__.update(found)
            return
        self._build_contact_lookups()
        if memo is not None:
            memo["contacts"] = {name: getattr(self, name) for name in _CONTACT_LOOKUPS}

    def _build_contact_lookups(self) -> None:
        view, index, inp = self.view, self.index, self.inputs
        self.people, cp_person = np.unique(inp.contact_person, return_inverse=True)
        self.cp_person = cp_person.astype(np.int64)  # per contact pair: index into people
        self.cp_emp = self.emp_pos[inp.contact_employer]  # per contact pair: employer index
        sectors = view.rel(RelType.IN_SECTOR)
        pos, owner = gather(sectors.out_ptr, inp.contact_employer)
        n_sec = max(len(self.sectors), 1)
        # (person, sector) once, with the smallest employer where they work in it
        key = self.cp_person[owner] * n_sec + self.sec_pos[sectors.dst[pos]]
        employer = inp.contact_employer[owner]
        order = np.lexsort((employer, key))
        key, employer = key[order], employer[order]
        first = np.ones(len(key), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        self.ps_person, self.ps_sector = key[first] // n_sec, key[first] % n_sec
        self.ps_employer = employer[first]
        # per (person, sector): is the employer in a given bassin -> via employer bassin
        self.ps_bassin = index.bassin_of[self.ps_employer].astype(np.int64)
        self.cp_bassin = index.bassin_of[inp.contact_employer].astype(np.int64)
        # all (person, sector) pairs, any employer, for "a contact of the sector in the territory"
        self.pss_person = self.cp_person[owner]
        self.pss_sector = self.sec_pos[sectors.dst[pos]]
        self.pss_bassin = index.bassin_of[inp.contact_employer[owner]].astype(np.int64)

    def _offer_lookups(self) -> None:
        """Each offer's contacts, by offer, as indices into ``offer_people``.

        At 1M people there are 1.3M (offer, contact) pairs but far fewer distinct people
        (an employer's staff is the contact of each of its offers): reach is computed
        per person, and a scope reads only the pairs of the offers in its territory.
        """
        of, person = self._offer_contacts()
        self.offer_people, idx = np.unique(person, return_inverse=True)
        self.offer_pairs = CSR.of(of, idx.astype(np.int64), len(self.offers))

    def _reach_lookups(self) -> None:
        """What the groupements reach: contacts and offers' contacts."""
        self.people_reach = self.fwd.reached(self.inputs, self.people, self.members)
        self.offer_reach = self.fwd.reached(self.inputs, self.offer_people, self.members)

    # ------------------------------------------------------------------ building

    def _offers(self, hidden: np.ndarray | None) -> np.ndarray:
        view = self.view
        offers = view.nodes_with_label(Label.JOB_OFFER).astype(np.int64)
        offers = offers[view.column(Label.JOB_OFFER, "status")[offers] == _OPEN]
        if hidden is not None:
            offers = offers[np.isin(offers, hidden)]
        return offers

    def _offer_contacts(self) -> tuple[np.ndarray, np.ndarray]:
        """(offer index, person) for each contact of each offer (the engine's offer target)."""
        view = self.view
        rep = view.rel(RelType.REPORTED)
        pos, owner = gather(rep.in_ptr, self.offers)
        of = [owner]
        people = [rep.src[rep.in_perm[pos]].astype(np.int64)]
        offers_rel = view.rel(RelType.OFFERS)
        pos, owner = gather(offers_rel.in_ptr, self.offers)
        employers = offers_rel.src[offers_rel.in_perm[pos]].astype(np.int64)
        # current consenting employees of each offering employer
        contact_person, contact_employer = self.inputs.contact_person, self.inputs.contact_employer
        _, hit = R.lookup(employers, contact_employer)
        if hit.any():
            # an employer may offer several offers: expand per (offer, employer)
            order = np.argsort(employers, kind="stable")
            srt = employers[order]
            ce = contact_employer[hit]
            cp = contact_person[hit]
            lo = np.searchsorted(srt, ce, side="left")
            hi = np.searchsorted(srt, ce, side="right")
            counts = hi - lo
            rep_i = np.repeat(np.arange(len(ce)), counts)
            j = np.repeat(lo, counts) + (
                np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
            )
            of.append(owner[order[j]])
            people.append(cp[rep_i])
        of_arr = np.concatenate(of).astype(np.int64)
        people_arr = np.concatenate(people)
        ok = self.inputs.relay[people_arr]  # contacts must consent
        return of_arr[ok], people_arr[ok]

    def _partners_missing(self) -> dict[int, list[int]]:
        """Per groupement bit: partner structures in its territory without a charter in force."""
        index, view, day = self.index, self.view, self.day
        rel = view.rel(RelType.PARTNER_OF)
        ok = in_force(rel, np.arange(len(rel)), day)
        src, dst = rel.src[ok].astype(np.int64), rel.dst[ok].astype(np.int64)
        is_assoc = view.labels == LABEL_CODE[Label.ASSOCIATION]
        is_group = view.labels == LABEL_CODE[Label.GROUPEMENT]
        conv = is_assoc[src] & is_assoc[dst]
        partners: dict[int, set[int]] = {}
        for a, b in zip(src[conv].tolist(), dst[conv].tolist(), strict=True):
            partners.setdefault(a, set()).add(b)
            partners.setdefault(b, set()).add(a)
        charter = is_group[src] & is_group[dst]
        charters = {
            (a, b) for a, b in zip(src[charter].tolist(), dst[charter].tolist(), strict=True)
        }
        charters |= {(b, a) for a, b in charters}
        assoc = index.groupement_association
        covers = view.rel(RelType.COVERS)
        by_dep: dict[int, list[int]] = {}
        for g, d in zip(covers.src.tolist(), covers.dst.tolist(), strict=True):
            by_dep.setdefault(d, []).append(g)
        out: dict[int, list[int]] = {}
        for bit, g in enumerate(self.groups.tolist()):
            mine = partners.get(int(assoc[g]), set())
            if not mine:
                continue
            found = set()
            for d in self.group_deps.of_key(bit).tolist():
                for h in by_dep.get(d, ()):
                    if h != g and int(assoc[h]) in mine and (g, h) not in charters:
                        found.add(h)
            if found:
                out[bit] = sorted(found)
        return out

    # ------------------------------------------------------------------ what-if helpers

    def bassin_groupements(self) -> np.ndarray:
        """Per node (bassin nid): bits of the groupements whose territory holds it.

        Built on first use (what-if), a (words × nodes) table of a few MB.
        """
        found = getattr(self, "_bassin_groupements", None)
        if found is None:
            words = self.fwd.x[-1].shape[0]
            found = R.zeros(words, self.index.n)
            for b in range(len(self.groups)):
                bassins = self.dep_bassins.union(self.group_deps.of_key(b))
                R.set_bits(found, bassins, np.full(len(bassins), b))
            self._bassin_groupements = found
        return found

    def thin_sectors(self) -> np.ndarray:
        """Per sector (index into ``sectors``): bits of the groupements that reach at most
        one of its contacts. Only there can a newly reached contact change the sector's
        single point of failure; elsewhere it already has two ways in and keeps them.
        """
        found = getattr(self, "_thin_sectors", None)
        if found is not None:
            return found
        words = self.people_reach.shape[0]
        found = np.full((words, max(len(self.sectors), 1)), ~np.uint64(0), dtype=np.uint64)
        order = np.argsort(self.ps_sector, kind="stable")
        sector, person = self.ps_sector[order], self.ps_person[order]
        if len(sector):
            starts = np.flatnonzero(np.r_[True, sector[1:] != sector[:-1]])
            for w in range(words):
                values = self.people_reach[w][person]
                bits = np.unpackbits(
                    values.view(np.uint8).reshape(-1, 8), axis=1, bitorder="little"
                )
                counts = np.add.reduceat(bits, starts, axis=0, dtype=np.int32)
                thin = np.packbits(counts <= 1, axis=1, bitorder="little")
                found[w, sector[starts]] = thin.view(np.uint64)[:, 0]
        self._thin_sectors = found
        return found

    # ------------------------------------------------------------------ scopes

    def bits_of(self, groupements: np.ndarray) -> np.ndarray:
        """Groupement bits of groupement nids."""
        return self.gbit[np.asarray(groupements, dtype=np.int64)]

    def territory(self, bits: np.ndarray) -> np.ndarray:
        """Départements covered by the groupements ``bits``."""
        return self.group_deps.union(bits)

    def groupements_covering(self, departements: np.ndarray) -> np.ndarray:
        """Bits of the groupements covering any of ``departements``."""
        d = self.group_deps
        key = np.repeat(np.arange(len(d.ptr) - 1), np.diff(d.ptr))
        return np.unique(key[np.isin(d.items, departements)])


def _count_bits(table: np.ndarray, n_bits: int) -> np.ndarray:
    """Per bit: in how many columns it is set."""
    out = np.zeros(n_bits, dtype=np.int64)
    for b in range(n_bits):
        row = table[b >> 6]
        out[b] = int(np.count_nonzero((row >> np.uint64(b & 63)) & np.uint64(1)))
    return out


def measure(
    state: CoverageState,
    bits: np.ndarray,
    territory: np.ndarray,
    scope: str,
    scope_id: str,
    name: str,
    details: bool = False,
) -> tuple[Coverage, Details | None]:
    """The coverage of the groupements ``bits`` over the départements ``territory``."""
    bits = np.unique(np.asarray(bits, dtype=np.int64))
    s = state
    words = s.fwd.x[-1].shape[0]
    mask = R.bit_mask(words, bits.tolist())
    groups = s.groups[bits]

    # référents
    bearing = bits[s.referent_bearing[bits]]
    referents: dict[int, list[tuple[int, bool]]] = {}
    without, unconsented = 0, 0
    for b in bearing.tolist():
        people = np.unique(s.group_referents.of_key(b))
        consent = s.inputs.relay[people]
        referents[int(s.groups[b])] = list(zip(people.tolist(), consent.tolist(), strict=True))
        if len(people) == 0:
            without += 1
        elif not consent.any():
            unconsented += 1
    all_referents = s.group_referents.union(bits)

    # candidates and helpers
    cidx = s.group_cand.union(bits)
    wants = s.back.wants[:, cidx]
    has_target = R.any_bits(wants)
    covered = s.back.covered[cidx]
    helpers = s.group_helpers.union(bits)

    # territory: employers, contacts reached
    terr_bassin = np.zeros(s.index.n, dtype=bool)
    bassins = s.dep_bassins.union(territory)
    terr_bassin[bassins] = True
    in_terr = terr_bassin[np.maximum(s.employer_bassin, 0)] & (s.employer_bassin >= 0)
    terr_employers = s.employers[in_terr]
    live = np.flatnonzero(mask)
    reached_person = ((s.people_reach[live] & mask[live, None]) != 0).any(axis=0)
    reached = reached_person[s.cp_person]  # per contact pair
    n_emp = len(s.employers)
    reached_per_emp = np.bincount(s.cp_emp[reached], minlength=n_emp)
    no_contact = np.flatnonzero(in_terr & (reached_per_emp == 0))

    # sectors targeted and sectors with no contact in the territory
    n_t = len(s.target_nodes)
    targeted_bits = np.array(R.bits_of(np.bitwise_or.reduce(wants, axis=1)[:, None], 0))
    sector_bits = targeted_bits[targeted_bits >= s.n_bassin_targets].astype(np.int64)
    targeted = s.target_nodes[sector_bits]
    n_sec = len(s.sectors)
    local = terr_bassin[np.maximum(s.pss_bassin, 0)] & (s.pss_bassin >= 0)
    staffed = np.bincount(s.pss_sector[local], minlength=n_sec) > 0
    no_helper = targeted[~staffed[s.sec_pos[targeted]]]

    # single points of failure: employers of the territory, then targeted sectors
    single: list[tuple[int, int, int]] = []
    sel = np.flatnonzero(reached & in_terr[s.cp_emp])
    once = reached_per_emp == 1
    for i in sel[once[s.cp_emp[sel]]].tolist():
        single.append((int(s.people[s.cp_person[i]]), int(s.employers[s.cp_emp[i]]), -1))
    wanted_sec = np.zeros(n_sec, dtype=bool)
    wanted_sec[s.sec_pos[targeted]] = True
    ps = np.flatnonzero(reached_person[s.ps_person] & wanted_sec[s.ps_sector])
    per_sector = np.bincount(s.ps_sector[ps], minlength=n_sec)
    for i in ps[per_sector[s.ps_sector[ps]] == 1].tolist():
        single.append(
            (int(s.people[s.ps_person[i]]), int(s.ps_employer[i]), int(s.sectors[s.ps_sector[i]]))
        )
    spof_people = {p for p, _, _ in single}

    # partners without charter
    missing = [(int(s.groups[b]), h) for b in bits.tolist() for h in s.partners_missing.get(b, [])]
    pairs_missing = {tuple(sorted(p)) for p in missing}

    # hidden offers
    in_terr_offer = terr_bassin[np.maximum(s.offer_bassin, 0)] & (s.offer_bassin >= 0)
    local_offers = np.flatnonzero(in_terr_offer)
    pos, owner = gather(s.offer_pairs.ptr, local_offers)
    people = s.offer_pairs.items[pos]
    hit = ((s.offer_reach[live][:, people] & mask[live, None]) != 0).any(axis=0)
    offer_reached = np.bincount(owner[hit], minlength=len(local_offers)) > 0
    unreached = local_offers[~offer_reached]

    cov = Coverage(
        scope=scope,
        id=scope_id,
        name=name,
        groupements=len(bits),
        groupements_without_referent=without,
        groupements_referent_required=len(bearing),
        groupements_referent_without_consent=unconsented,
        referents=len(all_referents),
        candidates=len(cidx),
        candidates_departing_12m=int(s.departing[cidx].sum()),
        candidates_without_target=int((~has_target).sum()),
        helpers=len(helpers),
        helpers_available=int(s.available[helpers].sum()),
        candidates_with_path=int(covered.sum()),
        employers=len(terr_employers),
        employers_without_contact=len(no_contact),
        sectors_targeted=len(targeted),
        sectors_without_helper=len(no_helper),
        single_points_of_failure=len(spof_people),
        partners_without_charter=len(pairs_missing),
        hidden_offers=int(in_terr_offer.sum()),
        hidden_offers_unreached=len(unreached),
    )
    if not details:
        return cov, None
    counts = _count_bits(wants, n_t)
    wanted = {int(s.target_nodes[t]): int(c) for t, c in enumerate(counts.tolist()) if c}
    no_path: Counter[tuple[int, int]] = Counter()
    for col in np.flatnonzero(~covered & has_target).tolist():
        tb = R.bits_of(wants, col)
        b_nodes = [int(s.target_nodes[t]) for t in tb if t < s.n_bassin_targets] or [-1]
        s_nodes = [int(s.target_nodes[t]) for t in tb if t >= s.n_bassin_targets] or [-1]
        for pair in {(sn, bn) for sn in s_nodes for bn in b_nodes}:
            no_path[pair] += 1
    by_bassin: dict[int, list[int]] = {}
    for e in s.employers[no_contact].tolist():
        by_bassin.setdefault(int(s.index.bassin_of[e]), []).append(e)
    sectors_gap = [
        (int(sct), _suggest_bassin(s, cidx, wants, int(sct), bassins)) for sct in no_helper
    ]
    return cov, Details(
        groupements=groups,
        referents=referents,
        referent_bearing=s.groups[bearing],
        cand=cidx,
        no_path_targets=no_path,
        wanted=wanted,
        sectors_without_helper=sectors_gap,
        employers_without_contact=by_bassin,
        single_points=single,
        partners_missing=missing,
        offers_unreached=[(int(s.offers[i]), int(s.offer_bassin[i])) for i in unreached],
        territory_bassins=bassins,
    )


def _suggest_bassin(
    s: CoverageState, cidx: np.ndarray, wants: np.ndarray, sector: int, bassins: np.ndarray
) -> int:
    """Where to recruit for ``sector``: the bassin most targeted by the candidates who target
    it, preferring bassins of the territory; the territory's first bassin otherwise."""
    bit = int(s.back.targets.bit[sector])
    who = np.flatnonzero(R.has_bit(wants, np.arange(wants.shape[1]), bit))
    counts = _count_bits(wants[:, who], s.n_bassin_targets)
    nodes = s.target_nodes[: s.n_bassin_targets]
    local = np.isin(nodes, bassins)
    for pick in (local & (counts > 0), counts > 0):
        if pick.any():
            best = np.flatnonzero(pick)[np.argmax(counts[pick])]
            return int(nodes[best])
    return int(bassins[0]) if len(bassins) else -1
