"""The scheduler: one leader across workers, picks up after a restart, sends due mail."""

from __future__ import annotations

import time
from datetime import timedelta

from graph.introductions.mail import Sender, SmtpTransport
from graph.introductions.model import State
from graph.introductions.outbox import Outbox
from graph.introductions.schedule import Scheduler
from tests.introductions.conftest import EMPLOYER, REFERENT, Net, make_service
from tests.introductions.smtp_server import SmtpServer


def test_one_leader_among_workers_and_takeover(net: Net) -> None:
    a = Scheduler(net.service, None, tick_s=10, owner="a")
    other = make_service(net.store, net.data_dir, net.clock)
    b = Scheduler(other, None, tick_s=10, owner="b")
    assert a.run_once() is not None
    assert b.run_once() is None  # a holds the lease
    net.clock.advance(seconds=29)
    assert b.run_once() is None and a.run_once() is not None  # a renews
    net.clock.advance(seconds=31)  # a died: its lease ran out
    assert b.run_once() is not None
    assert a.run_once() is None
    other.db.close()


def test_a_round_reminds_expires_and_sends(net: Net) -> None:
    server = SmtpServer()
    server.start()
    try:
        intro = net.service.request(REFERENT, candidate_id="cand-a", target=EMPLOYER)
        sender = Sender(Outbox(net.db), SmtpTransport("127.0.0.1", server.port, "none"),
                        sender="p@example.org", owner="a", clock=net.clock)  # fmt: skip
        scheduler = Scheduler(net.service, sender, tick_s=1, owner="a")
        assert scheduler.run_once() == {
            "reminded": 0,
            "expired": 0,
            "loads": 0,
            "confirmed": 0,
            "sent": 1,
        }
        net.clock.advance(days=7, minutes=1)
        assert scheduler.run_once()["reminded"] == 1
        net.clock.advance(days=7)
        assert scheduler.run_once()["expired"] == 1
        assert net.db.get(intro.id).state is State.EXPIRED
        assert [m["Subject"].startswith("Rappel") for m in server.inbox.messages] == [False, True]
    finally:
        server.stop()


def test_the_thread_runs_rounds_until_stopped(net: Net) -> None:
    net.service.request(REFERENT, candidate_id="cand-a", target=EMPLOYER)
    net.clock.advance(days=15)
    scheduler = Scheduler(net.service, None, tick_s=0.05, owner="t")
    scheduler.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and net.db.search()[0][0].state is not State.EXPIRED:
        time.sleep(0.05)
    scheduler.stop()
    assert net.db.search()[0][0].state is State.EXPIRED
    assert net.db.acquire_lease("scheduler", "someone", net.clock.now,
                                net.clock.now + timedelta(seconds=1))  # released  # fmt: skip
