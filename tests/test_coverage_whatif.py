"""What-if and focused states against their references, on small random networks.

* The incremental what-if (:func:`graph.coverage.whatif.apply`) equals the full recompute
  on the overlay (:func:`~graph.coverage.whatif.apply_full`): the propagation layers bit
  for bit, every candidate's reach and path, and every groupement's metrics; and both
  equal the coverage of a store where the change was really written. Groupements that
  :func:`~graph.coverage.whatif.affected_bits` leaves out have the same metrics before
  and after. One test per change kind (a second, random change is sometimes added).
* A state focused on one groupement measures it exactly as the national state does
  (metrics and ranked gaps).
"""

from __future__ import annotations

import copy
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.coverage import service as S
from graph.coverage import whatif as W
from graph.coverage.gaps import gaps_of, rank
from graph.coverage.metrics import Coverage
from graph.coverage.state import CoverageState, measure
from graph.embedded import EmbeddedStore
from graph.errors import InvalidInput
from graph.model import Knows, PartnerOf, ReferentOf, WorksAt
from graph.store import Batch
from tests.coverage_net import (
    AS_OF,
    RANDOM_EMPLOYERS,
    RANDOM_GROUPEMENTS,
    random_network,
    random_person,
    write_random,
)

KINDS = ("add_tie", "grant_consent", "add_helper", "add_referent", "sign_charter")


def draw_change(draw, kind: str, people: list[str]) -> W.Change:
    person = st.sampled_from(people)
    if kind == "add_tie":
        a, b = draw(st.lists(person, min_size=2, max_size=2, unique=True))
        return W.AddTie(a, b)
    if kind == "grant_consent":
        return W.GrantConsent(draw(person))
    if kind == "add_helper":
        return W.AddHelper(draw(person), draw(st.sampled_from(sorted(RANDOM_EMPLOYERS))))
    if kind == "add_referent":
        return W.AddReferent(draw(st.sampled_from(RANDOM_GROUPEMENTS)), draw(person))
    return W.SignCharter(draw(st.sampled_from(["G", "G2"])), "D")


@st.composite
def cases(draw, kind: str):
    net = random_network(draw, st)
    changes = [draw_change(draw, kind, net["people"])]
    if draw(st.booleans()):
        changes.append(draw_change(draw, draw(st.sampled_from(KINDS)), net["people"]))
    return net, changes


def written(net: dict, changes: list[W.Change]) -> Batch:
    """The records that make ``changes`` real (what a user would write)."""
    spec = copy.deepcopy(net["spec"])
    people: dict[str, object] = {}
    rels: list = []
    for c in changes:
        if isinstance(c, W.AddTie):
            rels.append(Knows(src=c.a_id, dst=c.b_id, strength=0.5, source="declared"))
        elif isinstance(c, W.GrantConsent):
            spec[c.person_id]["consent"] = True
            people[c.person_id] = random_person(c.person_id, spec[c.person_id])
        elif isinstance(c, W.AddHelper):
            x = spec[c.person_id]
            x["consent"] = True
            x["status"] = "both" if x["status"] in ("candidate", "both") else "helper"
            people[c.person_id] = random_person(c.person_id, x)
            rels.append(WorksAt(src=c.person_id, dst=c.employer_id, since=AS_OF))
        elif isinstance(c, W.AddReferent):
            rels.append(ReferentOf(src=c.person_id, dst=c.groupement_id))
        else:
            rels.append(
                PartnerOf(src=c.groupement_id, dst=c.partner_id, signed=AS_OF, level="local")
            )
    return Batch(nodes=list(people.values()), rels=rels)


def rows(state: CoverageState) -> dict[str, Coverage]:
    """Every groupement's metrics, and the national total under "FR"."""
    out = {}
    for b, g in enumerate(state.groups.tolist()):
        gid = str(state.view.ids[g])
        out[gid] = measure(
            state, np.array([b]), state.territory(np.array([b])), "groupement", gid, ""
        )[0]
    every = np.arange(len(state.groups))
    out["FR"] = measure(state, every, state.territory(every), "national", "FR", "")[0]
    return out


def unnamed(report) -> dict[str, Coverage]:
    out = {c.id: replace(c, name="") for c in report.groupements}
    out["FR"] = replace(report.total, name="")
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_incremental_what_if_equals_full_recompute_and_the_change_written(kind):
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(cases(kind))
    def check(case):
        net, changes = case
        with (
            tempfile.TemporaryDirectory() as tmp,
            EmbeddedStore(Path(tmp) / "a") as a,
            EmbeddedStore(Path(tmp) / "b") as b,
        ):
            write_random(a, net)
            write_random(b, net)
            b.write(written(net, changes))
            state = S.coverage_state(a, AS_OF)
            inc = W.apply(state, changes)
            full = W.apply_full(state, changes)
            for x, y in zip([*inc.back.y, *inc.fwd.x], [*full.back.y, *full.fwd.x], strict=True):
                assert np.array_equal(x, y), (net, changes)
            assert np.array_equal(inc.back.reach, full.back.reach)
            assert np.array_equal(inc.back.covered, full.back.covered)
            after = rows(inc)
            assert after == rows(full), (net, changes)
            assert after == unnamed(S.coverage(b, S.Scope.national(), AS_OF)), (net, changes)
            before = rows(state)
            kept = set(range(len(state.groups))) - set(W.affected_bits(state, inc, changes))
            for bit in kept:
                gid = str(state.view.ids[state.groups[bit]])
                assert before[gid] == after[gid], (gid, net, changes)

    check()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.composite(lambda draw: random_network(draw, st))())
def test_a_focused_state_measures_its_groupement_as_the_national_state(net):
    with tempfile.TemporaryDirectory() as tmp, EmbeddedStore(tmp) as store:
        write_random(store, net)
        entry = S._entry(store, AS_OF)
        national = entry.state
        for g in RANDOM_GROUPEMENTS:
            nid = national.view.nid(g)
            focused = CoverageState(national.index, AS_OF, national.hidden_offers, focus=[nid])
            got = {}
            for state, bit in ((national, int(national.gbit[nid])), (focused, 0)):
                bits = np.array([bit])
                cov, details = measure(state, bits, state.territory(bits), "groupement", g, g, True)
                assert details is not None
                ranked = rank(gaps_of(state, details, cov.candidates, entry.labels))
                covered = dict(
                    zip(
                        state.cand[details.cand].tolist(),
                        state.back.covered[details.cand].tolist(),
                        strict=True,
                    )
                )
                got[state is focused] = (cov, ranked, covered)
            assert got[True] == got[False], (g, net)


def test_a_candidate_who_is_their_own_contact_gains_a_path_the_bits_cannot_show(tmp_path):
    """c works in the bassin they target and consents: the walk c → h → c sets the bit,
    but it is no path. A tie h–q (q works there too) opens c → h → q without changing
    any bit: what-if must decide c again (``Backward.pending``)."""
    person = {"over": False, "lives": "dep-33", "member": None, "targets": [], "job": None}
    net = {
        "people": ["c", "h", "q"],
        "spec": {
            "c": {**person, "status": "candidate", "consent": True, "job": "E1"}
            | {"targets": ["B1"], "groupement": "G"},
            "h": {**person, "status": "helper", "consent": True, "groupement": "G"},
            "q": {**person, "status": "helper", "consent": True, "job": "E1", "groupement": None},
        },
        "ties": [("c", "h")],
        "mentors": [],
        "referents": {"G": None, "G2": None, "D": None},
        "convention": False,
        "charters": [],
        "reporter": None,
    }
    with EmbeddedStore(tmp_path / "a") as store:
        state = S.coverage_state(write_random(store, net), AS_OF)
        assert not state.back.covered.any() and len(state.back.pending) == 1
        after = W.apply(state, [W.AddTie("h", "q")])
        assert after.back.covered.all()
        assert np.array_equal(after.back.reach, state.back.reach)  # no bit moved
        assert (
            after.back.covered.tolist()
            == W.apply_full(state, [W.AddTie("h", "q")]).back.covered.tolist()
        )


def _person(**kw) -> dict:
    x = {"status": "neither", "consent": False, "over": False, "job": None, "targets": []}
    return x | {"groupement": None, "lives": "dep-33", "member": None} | kw


def _net(spec: dict, ties: list) -> dict:
    return {
        "people": list(spec),
        "spec": spec,
        "ties": ties,
        "mentors": [],
        "referents": {"G": None, "G2": None, "D": None},
        "convention": False,
        "charters": [],
        "reporter": None,
    }


# Each case moves one groupement's figures for one reason only, so that the rule of
# affected_bits that covers it is the only one that can name the groupement.
SINGLE_REASON = {
    # a new contact (E4, bassin B3: Landes) gives G2 a contact of the sector its candidate
    # wants: its "sectors without helper" drops, though nobody reaches the contact
    "new contact in the territory": (
        _net(
            {
                "c": _person(status="candidate", targets=["S2"], groupement="G2", lives="dep-40"),
                "p": _person(),
            },
            [],
        ),
        [W.AddHelper("p", "E4")],
        "G2",
    ),
    # G now reaches q at E3 (Gironde): one employer fewer without a reached contact; G
    # already reached two contacts of q's sector, and E3 offers nothing
    "contact reached at an employer of the territory": (
        _net(
            {
                "c": _person(status="candidate", targets=["S2"], groupement="G"),
                "r": _person(consent=True),
                "q1": _person(status="helper", consent=True, job="E1"),
                "q2": _person(status="helper", consent=True, job="E1"),
                "q": _person(status="helper", consent=True, job="E3"),
            },
            [("c", "r"), ("r", "q1"), ("r", "q2")],
        ),
        [W.AddTie("r", "q")],
        "G",
    ),
    # G reached one contact of the sector its candidate wants (q1 at E4, Landes): a single
    # point of failure; reaching q2 there too removes it
    "second contact in a thin sector": (
        _net(
            {
                "c": _person(status="candidate", targets=["S2"], groupement="G"),
                "r1": _person(consent=True),
                "r2": _person(consent=True),
                "q1": _person(status="helper", consent=True, job="E4"),
                "q2": _person(status="helper", consent=True, job="E4"),
            },
            [("c", "r1"), ("r1", "q1"), ("c", "r2")],
        ),
        [W.AddTie("r2", "q2")],
        "G",
    ),
}


@pytest.mark.parametrize("case", sorted(SINGLE_REASON))
def test_affected_groupements_include_each_reason_a_figure_can_move(case, tmp_path):
    net, changes, gid = SINGLE_REASON[case]
    with EmbeddedStore(tmp_path / "a") as a, EmbeddedStore(tmp_path / "b") as b:
        state = S.coverage_state(write_random(a, net), AS_OF)
        write_random(b, net).write(written(net, changes))
        after = W.apply(state, changes)
        before_rows, after_rows = rows(state), rows(after)
        assert before_rows[gid] != after_rows[gid]  # the case does move this groupement
        assert after_rows == unnamed(S.coverage(b, S.Scope.national(), AS_OF))
        affected = {
            str(state.view.ids[state.groups[b]]) for b in W.affected_bits(state, after, changes)
        }
        assert gid in affected


@pytest.mark.parametrize("kind", [["add_tie"], {"a": 1}, None, 3])
def test_a_change_whose_kind_is_not_text_is_invalid_input(kind) -> None:
    """A kind that is not text (a list, once, raised TypeError: unhashable) names the field."""
    with pytest.raises(InvalidInput, match=r"changes\[2\]\.kind"):
        W.parse_change({"kind": kind, "a_id": "p-1", "b_id": "p-2"}, "changes[2]")
