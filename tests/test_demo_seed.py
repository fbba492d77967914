"""The demo seed: reproducible, valid, realistic where it matters, and with real gaps.

Small sizes (a few thousand people) keep this fast; the benchmark checks the million.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date, timedelta

import numpy as np
import pytest

from graph.embedded import EmbeddedStore
from graph.model import Label, PersonStatus, RelType, TieSource, is_valid_id
from graph.store import Batch
from graph.view import NO_DATE, GraphView, day_number
from seed import reference as ref
from seed.demo import DemoStats, generate
from seed.reference_graph import convention_expiry, reference_batches

PEOPLE = 3_000
SEED = 7
AS_OF = date(2026, 11, 1)
STATUS = list(PersonStatus)


def _digest(batches: list[Batch]) -> str:
    """A hash of everything in the batches, in order."""
    h = hashlib.sha256()
    for batch in batches:
        for node in batch.nodes:
            h.update(node.model_dump_json().encode())
        for rel in batch.rels:
            h.update(f"{rel.type}{rel.model_dump_json()}".encode())
        for frame in batch.frames:
            h.update(frame.type.value.encode())
            for values in (frame.src, frame.dst, *frame.columns.values()):
                h.update(repr(np.asarray(values).tolist()).encode())
    return h.hexdigest()


def _knows_digest(batches: list[Batch]) -> str:
    pairs = sorted(
        (min(a, b), max(a, b))
        for batch in batches
        for frame in batch.frames
        if frame.type == RelType.KNOWS
        for a, b in zip(np.asarray(frame.src).tolist(), np.asarray(frame.dst).tolist(), strict=True)
    )
    return hashlib.sha256(repr(pairs).encode()).hexdigest()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Batch], DemoStats, GraphView]:
    stats = DemoStats()
    batches = list(
        generate(PEOPLE, SEED, AS_OF, stats=stats, people_per_batch=1_000, ties_per_batch=7_000)
    )
    store = EmbeddedStore(tmp_path_factory.mktemp("demo"))
    for batch in batches:
        store.write(batch)
    yield batches, stats, store.view()
    store.close()


@pytest.fixture(scope="module")
def view(seeded: tuple[list[Batch], DemoStats, GraphView]) -> GraphView:
    return seeded[2]


def _status(view: GraphView) -> np.ndarray:
    return view.column(Label.PERSON, "status")


def _is(view: GraphView, nids: np.ndarray, *statuses: PersonStatus) -> np.ndarray:
    return np.isin(_status(view)[nids], [STATUS.index(s) for s in statuses])


# --------------------------------------------------------------------------- reproducibility


def test_same_seed_gives_byte_identical_batches() -> None:
    first = list(generate(2_000, 11, AS_OF))
    again = list(generate(2_000, 11, AS_OF))
    assert len(first) == len(again)
    assert _digest(first) == _digest(again)


def test_different_seed_gives_different_ties() -> None:
    assert _knows_digest(list(generate(2_000, 11))) != _knows_digest(list(generate(2_000, 12)))


def test_every_batch_is_written_and_nothing_is_merged_away(seeded) -> None:
    # The store upserts: a duplicate tie or node would make its counts smaller than ours.
    _, stats, view = seeded
    assert {k.value: v for k, v in view.node_counts.items() if v} == dict(stats.nodes)
    assert {k.value: v for k, v in view.rel_counts.items() if v} == dict(stats.rels)
    assert stats.nodes["Person"] == PEOPLE
    assert view.ids[view.nodes_with_label(Label.PERSON)[0]] == "p-0000001"
    assert all(is_valid_id(i) for i in view.ids if i is not None)


def test_generate_rejects_a_bad_size() -> None:
    with pytest.raises(ValueError, match="people"):
        next(generate(0, 1))


# --------------------------------------------------------------------------- ties


def test_ties_are_unique_undirected_and_never_loops(view: GraphView) -> None:
    knows = view.rel(RelType.KNOWS)
    assert (knows.src != knows.dst).all()
    pairs = np.minimum(knows.src, knows.dst).astype(np.int64) << 32 | np.maximum(
        knows.src, knows.dst
    )
    assert len(np.unique(pairs)) == len(pairs)


def test_average_degree_is_about_twenty(view: GraphView) -> None:
    degree = 2 * len(view.rel(RelType.KNOWS)) / len(view.nodes_with_label(Label.PERSON))
    assert 15 <= degree <= 25


def test_tie_properties_are_plausible(view: GraphView) -> None:
    knows = view.rel(RelType.KNOWS)
    source, strength = knows.columns["source"], knows.columns["strength"]
    since, confirmed = knows.columns["since"], knows.columns["confirmed_at"]
    sources = list(TieSource)
    for s in (TieSource.PROMOTION, TieSource.UNIT, TieSource.EVENT, TieSource.LINKEDIN):
        assert (source == sources.index(s)).sum() > 0, s
    strong = np.isin(source, [sources.index(TieSource.PROMOTION), sources.index(TieSource.UNIT)])
    weak = source == sources.index(TieSource.LINKEDIN)
    assert strength[strong].mean() > 0.6 > 0.4 > strength[weak].mean()
    today = day_number(AS_OF)
    assert (since <= today).all()
    dated = confirmed != NO_DATE
    assert 0.05 < 1 - dated.mean() < 0.25  # some ties were never confirmed
    assert (confirmed[dated] >= since[dated]).all() and (confirmed[dated] <= today).all()
    stale = confirmed[dated] < today - 2 * 365
    assert 0.05 < stale.mean() < 0.5  # most confirmations are recent, some years old


# --------------------------------------------------------------------------- people


def test_statuses_consents_and_capacity(view: GraphView) -> None:
    people = view.nodes_with_label(Label.PERSON)
    shares = np.bincount(_status(view)[people], minlength=4) / len(people)
    assert shares == pytest.approx([0.35, 0.30, 0.05, 0.30], abs=0.04)
    helpers = people[_is(view, people, PersonStatus.HELPER, PersonStatus.BOTH)]
    consent = view.column(Label.PERSON, "consent_introducer")[helpers]
    assert 0.7 < consent.mean() < 0.9  # not all helpers agreed to introduce
    capacity = view.column(Label.PERSON, "capacity")[helpers]
    load = view.column(Label.PERSON, "monthly_load")[helpers]
    assert ((capacity >= 1) & (capacity <= 6) | (capacity == -1)).all()
    assert (capacity == -1).any()
    assert ((capacity > 0) & (load >= capacity)).any()  # some are at or over capacity


def test_candidates_leave_within_the_window(view: GraphView) -> None:
    people = view.nodes_with_label(Label.PERSON)
    candidates = people[_is(view, people, PersonStatus.CANDIDATE)]
    months = (view.column(Label.PERSON, "departure_date")[candidates] - day_number(AS_OF)) / 30.44
    assert (months >= -12.5).all() and (months <= 24.5).all()
    assert ((months >= 0) & (months <= 12)).mean() > 0.5


def test_candidates_target_bassins_and_sectors(view: GraphView) -> None:
    targets = view.rel(RelType.TARGETS)
    labels = view.labels[targets.dst]
    sector_targets = targets.src[labels == list(Label).index(Label.SECTOR)]
    bassin_targets = targets.src[labels == list(Label).index(Label.BASSIN_EMPLOI)]
    people = view.nodes_with_label(Label.PERSON)
    candidates = people[_is(view, people, PersonStatus.CANDIDATE, PersonStatus.BOTH)]
    for per_person in (np.bincount(sector_targets), np.bincount(bassin_targets)):
        counts = np.pad(per_person, (0, view.n_slots))[candidates]
        assert ((counts >= 1) & (counts <= 2)).mean() > 0.95
    assert _is(view, targets.src, PersonStatus.CANDIDATE, PersonStatus.BOTH).all()


def test_officers_hold_a_promotion_of_a_school_of_their_service(seeded) -> None:
    batches = seeded[0]
    people = [n for b in batches for n in b.nodes if n.label == Label.PERSON]
    schools = {s.name: s.service for s in ref.schools() if s.grade_category == "officer"}
    officers = [p for p in people if p.grade_category.value == "officer"]
    assert 0.1 < len(officers) / len(people) < 0.35
    for person in officers:
        school, year = person.promotion.rsplit(" ", 1)
        assert schools[school] == person.service.value or person.service.value == "other"
        assert 1975 <= int(year) <= 2020
    assert all(p.promotion is None for p in people if p.grade_category.value != "officer")
    assert Counter(p.service.value for p in people).most_common(1)[0][0] == "terre"


def test_contact_details_are_synthetic(seeded) -> None:
    people = [n for b in seeded[0] for n in b.nodes if n.label == Label.PERSON]
    emails = [p.email for p in people if p.email]
    assert len(set(emails)) == len(emails) > 0.9 * len(people)
    assert all(e.endswith("@example.org") for e in emails)
    assert all(p.phone.startswith(("+33 6 ", "+33 7 ")) for p in people if p.phone)


def test_people_follow_military_weight() -> None:
    lives: Counter[str] = Counter()
    for batch in generate(20_000, 3):
        for frame in batch.frames:
            if frame.type == RelType.LIVES_IN:
                lives.update(np.asarray(frame.dst).tolist())
    # Toulon and Brest against Lozère, the smallest weight of metropolitan France
    assert lives["dep-83"] > 10 * lives["dep-48"]
    assert lives["dep-29"] > 10 * lives["dep-48"]


# --------------------------------------------------------------------------- work and gaps


def test_some_jobs_are_past_ones(view: GraphView) -> None:
    until = view.rel(RelType.WORKS_AT).columns["until"]
    assert 0.05 < (until != NO_DATE).mean() < 0.2


def test_some_groupements_have_no_referent_and_some_referents_did_not_consent(view) -> None:
    groupements = view.nodes_with_label(Label.GROUPEMENT)
    anocr = [g for g in groupements if view.ids[g].startswith("grp-anocr-")]
    referent = view.rel(RelType.REFERENT_OF)
    covered = set(referent.dst.tolist())
    assert covered and any(g not in covered for g in anocr)
    consent = view.column(Label.PERSON, "consent_introducer")[referent.src]
    assert (consent == 1).mean() > 0.8
    assert (consent == 0).any()


def test_some_groupements_have_no_local_charter(view: GraphView) -> None:
    partner = view.rel(RelType.PARTNER_OF)
    charters = set(partner.src.tolist()) | set(partner.dst.tolist())
    anocr = [
        g for g in view.nodes_with_label(Label.GROUPEMENT) if view.ids[g].startswith("grp-anocr-")
    ]
    missing = [g for g in anocr if g not in charters]
    assert 0 < len(missing) < len(anocr) / 2


def _targeted_by_candidates(view: GraphView, label: Label) -> set[int]:
    targets = view.rel(RelType.TARGETS)
    wanted = (view.labels[targets.dst] == list(Label).index(label)) & _is(
        view, targets.src, PersonStatus.CANDIDATE, PersonStatus.BOTH
    )
    return set(targets.dst[wanted].tolist())


def _helped_employers(view: GraphView) -> np.ndarray:
    works = view.rel(RelType.WORKS_AT)
    return works.dst[_is(view, works.src, PersonStatus.HELPER, PersonStatus.BOTH)]


def test_a_targeted_sector_has_no_helper_at_all(view: GraphView) -> None:
    in_sector = view.rel(RelType.IN_SECTOR)
    helped = set(in_sector.dst[np.isin(in_sector.src, _helped_employers(view))].tolist())
    assert _targeted_by_candidates(view, Label.SECTOR) - helped


def test_a_targeted_bassin_has_employers_but_no_helper_working_there(view: GraphView) -> None:
    located = view.rel(RelType.LOCATED_IN)
    employers = view.labels[located.src] == list(Label).index(Label.EMPLOYER)
    with_sites = set(located.dst[employers].tolist())
    helped = set(located.dst[employers & np.isin(located.src, _helped_employers(view))].tolist())
    assert (_targeted_by_candidates(view, Label.BASSIN_EMPLOI) & with_sites) - helped


# --------------------------------------------------------------------------- reference graph


def test_renewable_convention_runs_to_the_next_anniversary() -> None:
    anocr_ia = next(c for c in ref.conventions() if c.id == "conv-anocr-implicaction")
    assert convention_expiry(anocr_ia, date(2026, 11, 1)) == date(2026, 11, 13)
    assert convention_expiry(anocr_ia, date(2027, 1, 1)) == date(2027, 11, 13)
    rels = [r for b in reference_batches(date(2030, 1, 1)) for r in b.rels]
    partner = next(r for r in rels if {r.src, r.dst} == {"asso-anocr", "asso-implicaction"})
    assert partner.expires == date(2030, 11, 13)
    assert partner.expires - date(2030, 1, 1) < timedelta(days=366)
