"""The outbox against a real SMTP server started by the tests (aiosmtpd): delivery,
an outage, a crash between send and mark-as-sent, two senders at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage

import pytest

from graph.introductions.mail import Sender, SmtpTransport
from graph.introductions.outbox import Outbox
from graph.introductions.settings import IntroSettings
from tests.introductions.conftest import EMPLOYER, REFERENT, Net, links_of
from tests.introductions.smtp_server import SmtpServer


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def transport(server: SmtpServer) -> SmtpTransport:
    return SmtpTransport("127.0.0.1", server.port, security="none", timeout_s=5)


def sender(net: Net, t, owner: str = "w1") -> Sender:
    return Sender(Outbox(net.db), t, sender="Passerelle <p@example.org>", owner=owner,
                  clock=net.clock, lease=timedelta(minutes=2))  # fmt: skip


def status(net: Net) -> list[str]:
    return [m.status for m in Outbox(net.db).messages()]


def test_delivers_text_and_html_with_its_message_id(net: Net, smtp: SmtpServer) -> None:
    intro = net.service.request(REFERENT, candidate_id="cand-a", target=EMPLOYER, message="Merci")
    (queued,) = Outbox(net.db).messages()
    assert sender(net, transport(smtp)).deliver_due() == 1
    (got,) = smtp.inbox.messages
    assert got["Message-ID"] == queued.message_id and got["To"] == "bernard@example.org"
    assert "présenter" in got["Subject"]
    parts = {p.get_content_type(): p.get_content() for p in got.walk() if not p.is_multipart()}
    assert set(parts) == {"text/plain", "text/html"}
    assert links_of(net, intro.id)[0] in parts["text/plain"]
    (sent,) = Outbox(net.db).messages()
    assert sent.status == "sent" and sent.text is None and sent.html is None  # link erased
    assert sender(net, transport(smtp)).deliver_due() == 0


def test_an_outage_loses_nothing_and_sends_once(net: Net, smtp: SmtpServer) -> None:
    net.service.request(REFERENT, candidate_id="cand-a", target=EMPLOYER)
    smtp.stop()
    s = sender(net, transport(smtp))
    assert s.deliver_due() == 1  # tried, failed
    (m,) = Outbox(net.db).messages()
    assert m.status == "pending" and m.attempts == 1 and "Error" in (m.last_error or "")
    assert s.deliver_due() == 0  # not before the backoff
    net.clock.advance(seconds=31)
    assert s.deliver_due() == 1  # still down: second attempt, longer backoff
    net.clock.advance(seconds=59)
    assert s.deliver_due() == 0
    smtp.start()  # the server comes back
    net.clock.advance(seconds=2)
    assert s.deliver_due() == 1
    assert status(net) == ["sent"] and len(smtp.inbox.messages) == 1
    net.clock.advance(hours=1)
    assert s.deliver_due() == 0 and len(smtp.inbox.messages) == 1


def test_gives_up_after_max_attempts(net: Net, smtp: SmtpServer) -> None:
    net.service.request(REFERENT, candidate_id="cand-a", target=EMPLOYER)
    smtp.stop()
    s = sender(net, transport(smtp))
    s.max_attempts = 2
    s.deliver_due()
    net.clock.advance(minutes=5)
    s.deliver_due()
    assert status(net) == ["failed"]


class Crash(BaseException):
    """A process dying: not an Exception, so the sender does not catch it."""


class CrashAfterSend:
    """Hands the message to the server, then the process dies before marking it sent."""

    def __init__(self, inner: SmtpTransport) -> None:
        self.inner = inner

    def send(self, message: EmailMessage) -> None:
        self.inner.send(message)
        raise Crash


class CrashBeforeSend:
    def send(self, message: EmailMessage) -> None:
        raise Crash


def test_a_crash_before_the_server_accepted_sends_once(net: Net, smtp: SmtpServer) -> None:
    net.service.request(REFERENT, candidate_id="cand-a", target=EMPLOYER)
    with pytest.raises(Crash):
        sender(net, CrashBeforeSend(), owner="dead").deliver_due()
    assert status(net) == ["sending"]
    other = sender(net, transport(smtp), owner="w2")
    assert other.deliver_due() == 0  # the claim holds until its lease runs out
    net.clock.advance(minutes=2, seconds=1)
    assert other.deliver_due() == 1
    assert len(smtp.inbox.messages) == 1 and status(net) == ["sent"]


def test_a_crash_between_send_and_mark_as_sent(net: Net, smtp: SmtpServer) -> None:
    """At least once: the message is not lost; the copy sent again carries the same
    Message-ID, and no sender sends it while the crashed one's claim holds."""
    net.service.request(REFERENT, candidate_id="cand-a", target=EMPLOYER)
    with pytest.raises(Crash):
        sender(net, CrashAfterSend(transport(smtp)), owner="dead").deliver_due()
    assert len(smtp.inbox.messages) == 1 and status(net) == ["sending"]
    other = sender(net, transport(smtp), owner="w2")
    net.clock.advance(minutes=1)
    assert other.deliver_due() == 0 and len(smtp.inbox.messages) == 1
    net.clock.advance(minutes=1, seconds=1)
    assert other.deliver_due() == 1
    ids = smtp.inbox.ids()
    assert len(ids) == 2 and ids[0] == ids[1]
    assert status(net) == ["sent"]
    # the crashed sender's late "sent" no longer counts: its claim was taken over
    (m,) = Outbox(net.db).messages()
    assert not Outbox(net.db).mark_sent(m.id, "dead", net.clock.now)


def test_two_senders_never_send_the_same_message(net: Net, smtp: SmtpServer) -> None:
    for _ in range(12):
        net.service.request(REFERENT, candidate_id="cand-a", target=EMPLOYER)
    senders = [sender(net, transport(smtp), owner=f"w{i}") for i in range(3)]
    threads = [threading.Thread(target=s.deliver_due) for s in senders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = smtp.inbox.ids()
    assert len(ids) == 12 and len(set(ids)) == 12
    assert status(net) == ["sent"] * 12


def test_no_smtp_keeps_messages_in_the_outbox() -> None:
    settings = IntroSettings()
    assert not settings.smtp_configured
    assert IntroSettings(smtp_host="localhost").smtp_port_or_default == 587


def test_starttls_and_login_are_used_when_configured(net: Net, smtp: SmtpServer) -> None:
    """The plain server offers no STARTTLS: a sender configured for it fails the attempt
    (never falls back to clear text) and the message stays pending."""
    net.service.request(REFERENT, candidate_id="cand-a", target=EMPLOYER)
    strict = SmtpTransport("127.0.0.1", smtp.port, security="starttls", timeout_s=5)
    sender(net, strict).deliver_due()
    (m,) = Outbox(net.db).messages()
    assert m.status == "pending" and "STARTTLS" in (m.last_error or "").upper()
    assert smtp.inbox.messages == []
