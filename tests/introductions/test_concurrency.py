"""Several workers at once: answers in separate processes are all recorded, a link
answered twice at once counts once, compare-and-set refuses a stale write."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from graph.introductions.db import StaleRevision
from graph.introductions.model import HopState, State
from graph.introductions.outbox import Outbox
from tests.introductions.conftest import EMPLOYER, REFERENT, Clock, Net, links_of

CTX = multiprocessing.get_context("spawn")


def _answer(data_dir: str, token: str, accept: bool, barrier, results) -> None:
    """In a fresh process: open the store and the service, wait for the others, answer."""
    from graph.embedded import EmbeddedStore
    from graph.errors import PasserelleError
    from tests.introductions.conftest import make_service

    store = EmbeddedStore(Path(data_dir))
    service = make_service(store, Path(data_dir), Clock())
    barrier.wait()
    try:
        service.answer(token, accept=accept)
        results.put(("ok", token))
    except PasserelleError as exc:
        results.put((type(exc).__name__, token))
    finally:
        service.db.close()
        store.close()


def _run(net: Net, answers: list[tuple[str, bool]]) -> list[tuple[str, str]]:
    barrier = CTX.Barrier(len(answers))
    results = CTX.Queue()
    procs = [
        CTX.Process(target=_answer, args=(str(net.data_dir), t, a, barrier, results))
        for t, a in answers
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    return [results.get(timeout=5) for _ in procs]


def test_answers_in_several_processes_are_all_recorded(net: Net) -> None:
    intros = [net.service.request(REFERENT, candidate_id="cand-a", target=EMPLOYER)
              for _ in range(4)]  # fmt: skip
    answers = [(links_of(net, i.id)[0], n % 2 == 0) for n, i in enumerate(intros)]
    results = _run(net, answers)
    assert sorted(r[0] for r in results) == ["ok"] * 4
    states = [net.db.get(i.id).state for i in intros]
    assert states == [State.IN_PROGRESS, State.DECLINED] * 2
    # each accepted introduction asked its contact exactly once
    asks = [m.intro_id for m in Outbox(net.db).messages() if m.to_person_id == "work-1"]
    assert sorted(asks) == sorted([intros[0].id, intros[2].id])


def test_one_link_answered_twice_at_once_counts_once(net: Net) -> None:
    intro = net.service.request(REFERENT, candidate_id="cand-a", target=EMPLOYER)
    token = links_of(net, intro.id)[0]
    results = _run(net, [(token, True), (token, False), (token, True)])
    assert sorted(r[0] for r in results) == ["LinkUsed", "LinkUsed", "ok"]
    after = net.db.get(intro.id)
    assert after.hops[0].state in (HopState.ACCEPTED, HopState.DECLINED)
    assert after.revision == 2  # one change after the start


def test_compare_and_set_refuses_a_stale_write(net: Net) -> None:
    intro = net.service.request(REFERENT, candidate_id="cand-a", target=EMPLOYER)
    with net.db.transaction() as conn, pytest.raises(StaleRevision):
        net.db._save(conn, intro, expected=intro.revision - 1)
    assert net.db.get(intro.id).revision == intro.revision
