"""The service end to end over the embedded store: request, links, reminders, expiry,
scope, reroute, outcome and erasure, with a clock moved by hand."""

from __future__ import annotations

import pytest

from graph.errors import Conflict, InvalidInput, NotFound
from graph.introductions import links
from graph.introductions.model import HopState, Outcome, State
from graph.introductions.outbox import Outbox
from graph.model import Knows, Label, RelType
from tests.introductions.conftest import (
    ADMIN,
    EMPLOYER,
    OTHER_REFERENT,
    REFERENT,
    Net,
    links_of,
    make_service,
)


def request(net: Net, **kw):
    kw.setdefault("message", "Pouvez-vous aider ?")
    return net.service.request(REFERENT, candidate_id="cand-a", target=EMPLOYER, **kw)


def kinds(net: Net) -> list[tuple[str, str | None]]:
    return [(m.kind, m.to_person_id) for m in reversed(Outbox(net.db).messages())]


def test_request_records_the_path_as_it_was_and_asks_the_first_person(net: Net) -> None:
    intro = request(net, requester_label="Mme Carpentier, référente du groupement A")
    assert intro.candidate_id == "cand-a" and intro.target["id"] == "emp-1"
    assert intro.groupements == ("grp-a",) and intro.requested_by == "tok-ref"
    assert [h.person_id for h in intro.hops] == ["help-a", "work-1"]
    assert intro.path["hops"][0]["explanation"].startswith("Mme Aubert et Mme Bernard")
    assert intro.created_at == net.clock.now
    assert kinds(net) == [("ask", "help-a")]
    (message,) = Outbox(net.db).messages()
    assert message.to_addr == "bernard@example.org" and message.status == "pending"
    assert "Mme Carpentier" in message.text and "Prénom Fournier" in message.text
    assert "<p>" in message.html and message.message_id.startswith(f"<{intro.id}.")
    # only the hop's digest is stored, never the link
    token = links_of(net, intro.id)[0]
    assert token in message.text and token not in net.db.read("SELECT doc FROM introductions")[0][0]


def test_whole_flow_to_introduced(net: Net) -> None:
    intro = request(net)
    net.clock.advance(hours=2)
    view = net.service.link_view(links_of(net, intro.id)[0])
    assert view.person == "Prénom Bernard" and view.next_person == "Prénom Fournier"
    assert view.candidate == "Prénom Aubert" and not view.is_contact
    assert "email" not in str(view.to_dict()) and "@" not in str(view.to_dict())
    net.service.answer(links_of(net, intro.id)[0], accept=True)
    contact_view = net.service.link_view(links_of(net, intro.id)[1])
    assert contact_view.is_contact and contact_view.next_person is None
    after = net.service.answer(links_of(net, intro.id)[1], accept=True)
    assert after.state is State.INTRODUCED
    assert kinds(net) == [("ask", "help-a"), ("ask", "work-1"), ("introduced", "cand-a"),
                          ("introduced", "work-1")]  # fmt: skip
    to_candidate, to_contact = Outbox(net.db).messages()[1], Outbox(net.db).messages()[0]
    # the candidate consented to share their contact details, the contact did not
    assert "anne.aubert@example.org" in to_contact.text
    assert "fournier@example.org" not in to_candidate.text
    assert "Votre référent vous mettra en relation" in to_candidate.text


def test_addresses_are_exchanged_only_with_consent_to_share_them(net: Net) -> None:
    net.store.update_node(Label.PERSON, "work-1", {"consent_contact": True})
    intro = request(net)
    net.service.answer(links_of(net, intro.id)[0], accept=True)
    net.service.answer(links_of(net, intro.id)[1], accept=True)
    to_contact, to_candidate = Outbox(net.db).messages()[:2]
    assert (to_candidate.to_person_id, to_contact.to_person_id) == ("cand-a", "work-1")
    assert "fournier@example.org" in to_candidate.text  # the contact agreed
    net.store.update_node(Label.PERSON, "cand-a", {"consent_contact": False})
    intro = net.service.request(REFERENT, candidate_id="cand-a", target=EMPLOYER, message="")
    net.service.answer(links_of(net, intro.id)[0], accept=True)
    net.service.answer(links_of(net, intro.id)[1], accept=True)
    to_contact = Outbox(net.db).messages()[0]
    assert to_contact.to_person_id == "work-1"
    assert "anne.aubert@example.org" not in to_contact.text  # the candidate withdrew
    assert "Votre référent vous mettra en relation" in to_contact.text


def test_a_link_is_single_use(net: Net) -> None:
    intro = request(net)
    token = links_of(net, intro.id)[0]
    net.service.answer(token, accept=True)
    with pytest.raises(links.LinkUsed):
        net.service.answer(token, accept=False)
    with pytest.raises(links.LinkUsed):
        net.service.link_view(token)


def test_a_link_expires(net: Net) -> None:
    intro = request(net)
    token = links_of(net, intro.id)[0]
    net.clock.advance(days=14)
    with pytest.raises(links.LinkExpired):
        net.service.link_view(token)
    with pytest.raises(links.LinkExpired):
        net.service.answer(token, accept=True)
    assert net.db.get(intro.id).hops[0].state is HopState.PENDING


def test_a_tampered_link_fails(net: Net) -> None:
    intro = request(net)
    token = links_of(net, intro.id)[0]
    payload, signature = token.split(".")
    forged_payload = links._b64(links._unb64(payload).replace(b"|0|", b"|1|"))
    for bad in (forged_payload + "." + signature, token[:-3] + "abc", token + "x", "abc", ""):
        with pytest.raises(links.LinkInvalid):
            net.service.answer(bad, accept=True)
    # a link signed by another installation's key
    foreign = links.make_token(b"x" * 32, intro.id, 0, intro.hops[0].nonce, 2_000_000_000)
    with pytest.raises(links.LinkInvalid):
        net.service.link_view(foreign)


def test_another_persons_link_answers_only_their_own_question(net: Net) -> None:
    first = request(net)
    net.clock.advance(minutes=1)
    second = request(net)
    token_first = links_of(net, first.id)[0]
    net.service.answer(token_first, accept=False)
    assert net.db.get(second.id).hops[0].state is HopState.PENDING
    # a correctly signed link naming the other hop (made with the key) but not issued
    hop = net.db.get(second.id).hops[0]
    wrong_nonce = links.make_token(net.service.key, second.id, 0, "0" * 16, 2_000_000_000)
    with pytest.raises(links.LinkUsed):
        net.service.answer(wrong_nonce, accept=True)
    # the contact's hop has no link until it is asked
    not_yet = links.make_token(net.service.key, second.id, 1, hop.nonce, 2_000_000_000)
    with pytest.raises(links.LinkUsed):
        net.service.answer(not_yet, accept=True)


def test_reminder_then_expiry_with_the_clock(net: Net) -> None:
    intro = request(net)
    net.clock.advance(days=6, hours=23)
    assert net.service.tick()["reminded"] == 0
    net.clock.advance(hours=2)
    assert net.service.tick()["reminded"] == 1
    assert net.service.tick()["reminded"] == 0  # once
    reminder = Outbox(net.db).messages()[0]
    assert reminder.kind == "reminder" and reminder.subject.startswith("Rappel")
    # the reminder carries the same link as the first e-mail
    assert links_of(net, intro.id)[0] in reminder.text
    net.clock.advance(days=6, hours=22)
    assert net.service.tick()["expired"] == 0
    net.clock.advance(hours=2)
    assert net.service.tick()["expired"] == 1
    assert net.db.get(intro.id).state is State.EXPIRED


def test_reminders_and_expiry_survive_a_restart(net: Net) -> None:
    intro = request(net)
    net.db.close()
    net.clock.advance(days=15)
    again = make_service(net.store, net.data_dir, net.clock)
    assert again.tick()["expired"] == 1
    assert again.db.get(intro.id).state is State.EXPIRED
    again.db.close()


def test_configured_days(net: Net) -> None:
    service = make_service(net.store, net.data_dir, net.clock, intro_reminder_days=2,
                           intro_expiry_days=3)  # fmt: skip
    intro = service.request(REFERENT, candidate_id="cand-a", target=EMPLOYER)
    net.clock.advance(days=2, minutes=1)
    assert service.tick()["reminded"] == 1
    net.clock.advance(days=1)
    assert service.tick()["expired"] == 1
    assert service.db.get(intro.id).state is State.EXPIRED


def test_scope_other_referent_sees_nothing(net: Net) -> None:
    intro = request(net)
    with pytest.raises(NotFound):
        net.service.get(OTHER_REFERENT, intro.id)
    with pytest.raises(NotFound):
        net.service.withdraw(OTHER_REFERENT, intro.id)
    with pytest.raises(NotFound):
        net.service.request(OTHER_REFERENT, candidate_id="cand-a", target=EMPLOYER)
    assert net.service.search(OTHER_REFERENT) == ([], 0)
    assert net.service.search(REFERENT)[1] == 1 and net.service.search(ADMIN)[1] == 1
    assert net.service.get(ADMIN, intro.id).id == intro.id


def test_request_checks_its_input(net: Net) -> None:
    with pytest.raises(InvalidInput, match="rank"):
        request(net, rank=0)
    with pytest.raises(Conflict, match="no path 2"):
        request(net, rank=2)
    with pytest.raises(Conflict, match="changed"):
        request(net, people=["help-b", "work-1"])
    with pytest.raises(InvalidInput, match="message"):
        request(net, message="x" * 1001)
    assert request(net, people=["help-a", "work-1"]).state is State.REQUESTED


def test_withdraw_and_the_links_stop_working(net: Net) -> None:
    intro = request(net)
    token = links_of(net, intro.id)[0]
    assert net.service.withdraw(REFERENT, intro.id).state is State.WITHDRAWN
    with pytest.raises(links.LinkUsed):
        net.service.answer(token, accept=True)
    with pytest.raises(Conflict):
        net.service.withdraw(REFERENT, intro.id)


def test_decline_tells_the_referent_and_reroute_keeps_going(net: Net) -> None:
    net.store.update_node(Label.PERSON, "ref-a", {"email": "ref@example.org"})
    intro = request(net)
    net.service.answer(links_of(net, intro.id)[0], accept=False, reason="Je ne le connais pas")
    assert kinds(net)[-1] == ("declined", "ref-a")
    assert "Je ne le connais pas" in Outbox(net.db).messages()[0].text
    # the same path is the only one: rerouting onto it asks help-a afresh (new nonce)
    moved = net.service.reroute(REFERENT, intro.id)
    assert moved.state is State.REQUESTED and moved.hops[0].state is HopState.PENDING
    assert len(moved.earlier_paths) == 1
    net.service.answer(links_of(net, intro.id)[0], accept=True)


def test_outcome_is_recorded_with_its_date(net: Net) -> None:
    intro = request(net)
    net.service.answer(links_of(net, intro.id)[0], accept=True)
    with pytest.raises(Conflict):
        net.service.record_outcome(REFERENT, intro.id, "hired")
    net.service.answer(links_of(net, intro.id)[1], accept=True)
    with pytest.raises(InvalidInput):
        net.service.record_outcome(REFERENT, intro.id, "promoted")
    after, adjustments = net.service.record_outcome(REFERENT, intro.id, "hired")
    assert after.outcome is Outcome.HIRED and after.outcome_dates["hired"] == net.clock.now.date()
    assert len(adjustments) == 2
    assert net.service.funnel()["grp-a"] == {"requested": 1, "accepted": 1, "introduced": 1,
                                              "hired": 1}  # fmt: skip


def test_erasing_a_person_erases_their_introductions(net: Net) -> None:
    intro = request(net)
    net.clock.advance(minutes=1)
    other = net.service.request(ADMIN, candidate_id="cand-b", target=EMPLOYER)
    assert net.service.erase_person("help-a") == [intro.id]
    with pytest.raises(NotFound):
        net.db.get(intro.id)
    assert [m.intro_id for m in Outbox(net.db).messages()] == [other.id]
    assert net.db.get(other.id).candidate_id == "cand-b"


def test_works_when_a_person_was_erased_from_the_graph(net: Net) -> None:
    intro = request(net)
    net.store.delete_person("work-1")
    net.service.answer(links_of(net, intro.id)[0], accept=True)
    assert net.db.get(intro.id).state is State.IN_PROGRESS
    assert not net.store.get_relationship(RelType.KNOWS, "help-a", "work-1")
    assert isinstance(net.store.get_relationship(RelType.KNOWS, "cand-a", "help-a"), Knows)
    (held,) = [m for m in Outbox(net.db).messages() if m.to_person_id == "work-1"]
    assert held.status == "held" and held.to_addr is None


def test_the_right_to_erasure_erases_the_introductions_too(net: Net) -> None:
    """graph.rights.erase_person, as the API and the CLI call it, reaches this database."""
    from graph.rights import erase_person

    intro = request(net)
    erase_person(
        net.store, "help-a", audit=None, actor="cli:test", role="admin",
        operation="passerelle member erase", data_dir=net.data_dir,
    )  # fmt: skip
    assert net.store.get("help-a") is None
    with pytest.raises(NotFound):
        net.db.get(intro.id)
