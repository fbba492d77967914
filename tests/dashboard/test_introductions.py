"""The introductions pages called directly, per role: who sees the page, the request
link on paths, the public answer page, the funnel's small counts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dashboard.app import render
from dashboard.pages import introductions as P
from graph.introductions import open_service
from graph.introductions.settings import IntroSettings
from graph.model import Label
from graph.paths.policy import PathPolicy
from graph.paths.service import Target, find_paths
from tests.dashboard.conftest import AS_OF, OPTIONS, PEOPLE, World, context, make_world
from tests.dashboard.test_pages import find, text


@pytest.fixture(scope="module")
def own_world(tmp_path_factory) -> Iterator[World]:
    """A world of its own: introductions write loads and ties into the graph."""
    world = make_world(tmp_path_factory.mktemp("introductions-pages"), PEOPLE)
    open_service(world.dir, world.store, IntroSettings(intro_scheduler=False))
    yield world
    world.tokens.close()
    world.store.close()


@pytest.fixture(scope="module")
def app(own_world: World):
    from dashboard.app import create_dash

    return create_dash(own_world.settings, lambda: own_world.store, lambda: own_world.tokens,
                       options=OPTIONS)  # fmt: skip


def a_request(world: World) -> tuple[str, Target, list[str]]:
    from dashboard import data as D

    for person in D.candidates_of(world.store, world.own)[:120]:
        bassins, _ = D.targets_of(world.store, person.id)
        for bassin in bassins:
            for employer, _ in D.located_in(world.store, bassin, Label.EMPLOYER):
                target = Target.employer(employer)
                result = find_paths(world.store, person.id, target, PathPolicy(), AS_OF)
                if result.paths:
                    return person.id, target, [h.to_id for h in result.paths[0].hops]
    raise AssertionError("no path")


def test_who_sees_mes_introductions(app, own_world: World) -> None:
    with app.server.test_request_context():
        for role, allowed in (("referent", True), ("admin", True), ("national", False)):
            page = P.layout(context(own_world, role))
            assert (find(page, "intro-liste") is not None) is allowed, role
            assert (find(page, "boite-envoi") is not None) is allowed, role


def test_the_request_link_only_for_who_may_ask(app, own_world: World) -> None:
    candidate, target, _ = a_request(own_world)
    result = find_paths(own_world.store, candidate, target, PathPolicy(), AS_OF).to_dict()
    path = result["paths"][0]
    with app.server.test_request_context():
        ref = P.ask_link(context(own_world, "referent"), candidate, target, 3, 3, path)
        assert ref is not None and "demander=1" in ref.href and f"candidat={candidate}" in ref.href
        assert P.ask_link(context(own_world, "national"), candidate, target, 3, 3, path) is None


def test_answer_page_is_public_and_shows_only_what_is_needed(app, own_world: World) -> None:
    candidate, target, _ = a_request(own_world)
    service = open_service(own_world.dir, own_world.store)
    intro = service.request(own_world.principals["referent"], candidate_id=candidate,
                            target=target, message="Bonjour")  # fmt: skip
    token = service.token_of(intro, intro.hops[0])
    runtime = context(own_world, "referent").runtime
    with app.server.test_request_context():
        page = render(runtime, None, f"/dashboard/reponse/{token}", "")
        assert find(page, "reponse-question") is not None
        shown = text(page)
        assert "@" not in shown and "page-connexion" not in shown
        bad = render(runtime, None, "/dashboard/reponse/" + token[:-4] + "AAAA", "")
        assert find(bad, "reponse-erreur") is not None
        # without a session, any other page is the login page
        assert "page-connexion" in text(render(runtime, None, "/dashboard/introductions", ""))
    # the funnel: exact for the référent of the groupement, "< 5" for the national cell
    row = f"entonnoir-{own_world.own}"
    with app.server.test_request_context():
        own = find(P.funnel_section(context(own_world, "referent")), row)
        national = find(P.funnel_section(context(own_world, "national")), row)
    assert [td.children for td in own.children[1:]] == ["1", "0", "0", "0"]
    assert [td.children for td in national.children[1:]] == ["< 5"] * 4
    service.withdraw(own_world.principals["referent"], intro.id)
