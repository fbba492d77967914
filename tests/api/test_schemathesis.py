"""Schemathesis against the live OpenAPI schema of the app, in-process, as an admin.

The schema is fetched from the running app (``/openapi.json``). Every operation gets
``MAX_EXAMPLES`` generated requests of valid data and as many of invalid data; each
response must be no 5xx and have a documented status, content type and headers, with a
body matching its documented schema.

Operations are listed at collection time from an app built without I/O, one pytest test
each; the hypothesis strategies come from the live schema at run time.
(``schemathesis.pytest.from_fixture`` would do the same but reads a private pytest
attribute that pytest 9 no longer has.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import load_all_checks

from api.app import create_app
from api.settings import ApiSettings
from tests.api.conftest import World, make_world

MAX_EXAMPLES = 10

load_all_checks()
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
]

_SCHEMA = create_app(ApiSettings(data_dir=Path("unused"), api_warm=False)).openapi()
#: (method, path, mode): invalid data only where the operation takes some input
CASES = sorted(
    (method.upper(), path, mode)
    for path, operations in _SCHEMA["paths"].items()
    for method, spec in operations.items()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE or spec.get("parameters") or spec.get("requestBody")
)


@pytest.fixture(scope="module")
def fuzz_world(tmp_path_factory) -> Iterator[World]:
    yield from make_world(tmp_path_factory.mktemp("fuzz"))


@pytest.fixture(scope="module")
def api_schema(fuzz_world: World):
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_world.app)


@pytest.mark.parametrize(("method", "path", "mode"), CASES)
def test_operation_conforms_to_the_schema(
    api_schema, fuzz_world: World, method: str, path: str, mode: GenerationMode
) -> None:
    operation = api_schema[path][method]
    headers = fuzz_world.headers("admin")

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()


#: ids that exist in the fixture world, so generated requests also reach the 2xx answers
KNOWN = {
    "person_id": "help-b",
    "association_id": "asso-b",
    "groupement_id": "grp-b",
    "employer_id": "emp-1",
    "offer_id": "off-1",
    # the other end of a relationship route (/members/{person_id}/ties/{other_id}...)
    "other_id": "work-1",
    "mentor_id": "help-a",
    "target_id": "sec-defense",
    "departement_id": "dep-33",
    "bassin_vie_id": "bv-none",
    "partner_id": "grp-a",
}
#: path parameters whose known value depends on the route
KNOWN_BY_PATH = {
    "/api/v1/coverage/regions/{code}": "75",
    "/api/v1/coverage/departements/{code}": "33",
    "/api/v1/associations/{association_id}/conventions/{partner_id}": "asso-a",
}


def _introduction(world: World, name: str) -> str:
    """An introduction of the fuzz world: its id, or its first person's link."""
    from graph.access.roles import Principal, Role
    from graph.introductions import open_service
    from graph.paths import Target

    service = open_service(world.data_dir, world.store)
    intro = service.request(Principal("fuzz", Role.ADMIN), candidate_id="cand-a",
                            target=Target("employer", id="emp-1"))  # fmt: skip
    return intro.id if name == "introduction_id" else service.token_of(intro, intro.hops[0])


WITH_ID = sorted(
    (method, path) for method, path, mode in CASES
    if mode is GenerationMode.POSITIVE and "{" in path and method != "DELETE"
    and not path.endswith("/erase")  # destructive, like DELETE: the others need the record
)  # fmt: skip


@pytest.mark.parametrize(("method", "path"), WITH_ID)
def test_operation_on_existing_records(
    api_schema, fuzz_world: World, method: str, path: str
) -> None:
    operation = api_schema[path][method]
    names = re.findall(r"{(\w+)}", path)
    headers = fuzz_world.headers("admin")

    known = {name: KNOWN.get(name) for name in names}
    last = names[-1]
    known[last] = KNOWN_BY_PATH.get(path) or KNOWN.get(last) or _introduction(fuzz_world, last)

    @given(case=operation.as_strategy(path_parameters=known))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()


targets = st.one_of(
    st.sampled_from(
        [
            {"kind": "employer", "id": "emp-1"},
            {"kind": "offer", "id": "off-1"},
            {"kind": "person", "id": "work-1"},
            {"kind": "person", "id": "cand-b"},
            {"kind": "set", "sector": "defense", "bassin": "ZE-33-1"},
        ]
    )
)
path_queries = st.fixed_dictionaries(
    {"candidate_id": st.sampled_from(["cand-a", "help-a", "ref-a"]), "target": targets},
    optional={
        "k": st.integers(1, 10),
        "max_intermediaries": st.integers(1, 5),
        "contact_must_consent": st.booleans(),
        "avoid_over_capacity": st.booleans(),
        "referent_bridge": st.booleans(),
        "as_of": st.dates(date(2000, 1, 1), date(2030, 12, 31)).map(date.isoformat),
        "costs": st.fixed_dictionaries(
            {}, optional={"linkedin": st.floats(0.001, 50), "per_year": st.floats(0, 5)}
        ),
    },
)


def test_path_answers_conform_to_the_schema(api_schema, fuzz_world: World) -> None:
    operation = api_schema["/api/v1/paths"]["POST"]
    headers = fuzz_world.headers("admin")
    statuses: list[int] = []

    @given(body=path_queries)
    @settings(
        max_examples=4 * MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(body: dict) -> None:
        case = operation.Case(body=body, media_type="application/json")
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        statuses.append(response.status_code)

    check()
    assert set(statuses) == {200}


people = st.sampled_from(["cand-a", "help-a", "ref-a", "cand-b", "help-b", "work-1"])
changes = st.one_of(
    st.fixed_dictionaries(
        {"kind": st.just("add_referent"), "groupement_id": st.sampled_from(["grp-a", "grp-b"]),
         "person_id": people}
    ),
    st.fixed_dictionaries(
        {"kind": st.just("add_helper"), "person_id": people, "employer_id": st.just("emp-1")}
    ),
    st.fixed_dictionaries({"kind": st.just("add_tie"), "a_id": people, "b_id": people}).filter(
        lambda c: c["a_id"] != c["b_id"]
    ),
    st.fixed_dictionaries(
        {"kind": st.just("sign_charter"), "groupement_id": st.just("grp-a"),
         "partner_id": st.just("grp-b")}
    ),
    st.fixed_dictionaries({"kind": st.just("grant_consent"), "person_id": people}),
)  # fmt: skip
what_if_bodies = st.fixed_dictionaries(
    {"changes": st.lists(changes, min_size=1, max_size=4)},
    optional={"as_of": st.dates(date(2000, 1, 1), date(2030, 12, 31)).map(date.isoformat)},
)
scopes = st.sampled_from(
    [
        {"scope": "national"},
        {"scope": "region", "id": "75"},
        {"scope": "departement", "id": "33"},
        {"scope": "groupement", "id": "grp-a"},
        {"scope": "groupement", "id": "grp-b"},
    ]
)
gap_queries = st.tuples(scopes, st.fixed_dictionaries({}, optional={"limit": st.integers(1, 500)}))


@pytest.mark.parametrize("who", ["admin", "referent"])
def test_coverage_answers_conform_to_the_schema(api_schema, fuzz_world: World, who: str) -> None:
    """What-if and gaps with ids of the world: answers (200, or 403 for a référent's
    changes outside grp-a) match their schemas, in both renderings."""
    what = api_schema["/api/v1/coverage/what-if"]["POST"]
    gaps = api_schema["/api/v1/coverage/gaps"]["GET"]
    headers = fuzz_world.headers(who)
    statuses: list[int] = []

    @given(body=what_if_bodies, query=gap_queries)
    @settings(
        max_examples=2 * MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(body: dict, query: tuple[dict, dict]) -> None:
        case = what.Case(body=body, media_type="application/json")
        statuses.append(case.call_and_validate(headers=headers, checks=CHECKS).status_code)
        case = gaps.Case(query={**query[0], **query[1]})
        statuses.append(case.call_and_validate(headers=headers, checks=CHECKS).status_code)

    check()
    assert set(statuses) == ({200} if who == "admin" else {200, 403})
