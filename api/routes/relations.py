"""Relationship routes: a member's ties, mentors, employments, targets, home, lieux de repli,
groupements and associations; a groupement's référents and charters; an association's
conventions. Each kind is a sub-resource of the node that owns it::

    GET    /members/{person_id}/employments                 list
    POST   /members/{person_id}/employments                 create (201; 409 if there)
    PATCH  /members/{person_id}/employments/{employer_id}   change some properties
    POST   /members/{person_id}/employments/{employer_id}/end   end it (until)
    DELETE /members/{person_id}/ties/{other_id}             delete (not employments)

Who may do what is :mod:`graph.access.relations` (through :mod:`graph.relations`): a
member's relationships are read and written with ``members:read`` / ``members:write``
(the admin; a référent only on their groupements' people, others answer 404 exactly as
an unknown id), an organisation's with ``organisations:read`` / ``organisations:write``.
Every write answers the relationship as stored (or as it was, for a delete) and is seen
by the next request, paths included.

Decisions:

* One table (:data:`ROUTES`) of kind → path segment and bodies; the operations are built
  from it by :func:`_register`, with their parameters named as the kind names its ends
  (``employer_id``, ``mentor_id``…), so OpenAPI documents each operation with its own
  path parameters, bodies and answers, and every error names the field the caller typed.
* The service's :class:`~graph.relations.Change` carries the person ids a write touched
  (``people``): kept on ``request.state.touched_people`` for an audit line per request.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request, status
from pydantic import BaseModel

from api import relation_schemas as S
from api.deps import MembersRead, MembersWrite, OrganisationsRead, OrganisationsWrite, StoreDep
from api.problems import problem_responses
from graph.access.roles import Principal
from graph.model import ID_PATTERN
from graph.relations import SPECS, Change, Kind, Relation, add, end, list_relations, remove, update
from graph.store import GraphStore


@dataclass(frozen=True)
class KindRoutes:
    kind: Kind
    #: the path segment under the anchor ("employments")
    segment: str
    create: type[BaseModel]
    out: type[BaseModel]
    patch: type[BaseModel] | None = None
    #: French-free English names for the OpenAPI summaries
    one: str = ""
    many: str = ""


ROUTES: tuple[KindRoutes, ...] = (
    KindRoutes(Kind.TIE, "ties", S.TieCreate, S.Tie, S.TiePatch, "tie", "ties"),
    KindRoutes(Kind.MENTOR, "mentors", S.MentorCreate, S.Mentor, S.MentorPatch, "mentor",
               "mentors"),
    KindRoutes(Kind.EMPLOYMENT, "employments", S.EmploymentCreate, S.Employment,
               S.EmploymentPatch, "employment", "employments"),
    KindRoutes(Kind.TARGET, "targets", S.TargetCreate, S.Target, None, "target", "targets"),
    KindRoutes(Kind.HOME, "home", S.HomeCreate, S.Home, None, "home", "home"),
    KindRoutes(Kind.SETTLEMENT, "settlements", S.SettlementCreate, S.Settlement, None,
               "lieu de repli", "lieux de repli"),
    KindRoutes(Kind.GROUPEMENT, "groupements", S.GroupementMembershipCreate,
               S.GroupementMembership, S.Since, "groupement membership",
               "groupement memberships"),
    KindRoutes(Kind.ASSOCIATION, "associations", S.AssociationMembershipCreate,
               S.AssociationMembership, S.Since, "association membership",
               "association memberships"),
    KindRoutes(Kind.REFERENT, "referents", S.ReferentCreate, S.Referent, S.Since, "référent",
               "référents"),
    KindRoutes(Kind.CHARTER, "charters", S.CharterCreate, S.Charter, S.CharterPatch,
               "local charter", "local charters"),
    KindRoutes(Kind.CONVENTION, "conventions", S.CharterCreate, S.Convention, S.CharterPatch,
               "convention", "conventions"),
)  # fmt: skip

#: the collection each anchor label lives under
_COLLECTION = {"Person": "members", "Groupement": "groupements", "Association": "associations"}
_RESPONSES = problem_responses(400, 401, 403, 404, 413, 422, 429, 503)

router = APIRouter(responses=_RESPONSES)


def _id_param(name: str, description: str) -> inspect.Parameter:
    annotation = Annotated[str, Path(pattern=ID_PATTERN, max_length=80, description=description)]
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation)


def _param(name: str, annotation: Any, **default: Any) -> inspect.Parameter:
    kind = inspect.Parameter.KEYWORD_ONLY
    return inspect.Parameter(name, kind, annotation=annotation, **default)


def _answer(relation: Relation) -> dict[str, Any]:
    return relation.to_dict()


def _note(request: Request, change: Change) -> dict[str, Any]:
    """Keep the people a write touched for the request's audit line; the answer."""
    request.state.touched_people = change.people
    return _answer(change.relation)


def _signed(
    fn: Callable[..., Any], params: list[inspect.Parameter], name: str
) -> Callable[..., Any]:
    fn.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    fn.__name__ = name
    return fn


def _register(r: KindRoutes) -> None:
    spec = SPECS[r.kind]
    base = f"/{_COLLECTION[spec.anchor.value]}/{{{spec.anchor_field}}}/{r.segment}"
    item = f"{base}/{{{spec.other_field}}}"
    anchor = _id_param(spec.anchor_field, f"the {spec.anchor.value.lower()} that owns it")
    other = _id_param(spec.other_field, "the other end")
    read_dep = OrganisationsRead if spec.organisation else MembersRead
    write_dep = OrganisationsWrite if spec.organisation else MembersWrite
    common_read = [_param("principal", read_dep), _param("store", StoreDep)]
    common_write = [
        _param("request", Request), _param("principal", write_dep), _param("store", StoreDep)
    ]  # fmt: skip
    tag = "memberships" if spec.rel_type.value in ("IN_GROUPEMENT", "MEMBER_OF") else r.segment

    def anchor_and_other(kw: dict[str, Any]) -> tuple[GraphStore, Principal, str]:
        return kw["store"], kw["principal"], kw[spec.anchor_field]

    def list_(**kw: Any) -> list[dict[str, Any]]:
        store, principal, anchor_id = anchor_and_other(kw)
        return [_answer(x) for x in list_relations(store, principal, r.kind, anchor_id)]

    many: Any = list[r.out]  # type: ignore[name-defined]  # a class known at run time
    router.add_api_route(
        base, _signed(list_, [anchor, *common_read], f"list_{r.kind.value}"),
        methods=["GET"], response_model=many, summary=f"List the {r.many}", tags=[tag],
    )  # fmt: skip

    def create(**kw: Any) -> dict[str, Any]:
        store, principal, anchor_id = anchor_and_other(kw)
        data = kw["body"].model_dump(exclude_unset=True)
        other_id = data.pop(spec.other_field)
        return _note(kw["request"], add(store, principal, r.kind, anchor_id, other_id, data))

    router.add_api_route(
        base,
        _signed(create, [anchor, *common_write, _param("body", Annotated[r.create, Body()])],
                f"create_{r.kind.value}"),
        methods=["POST"], response_model=r.out, status_code=status.HTTP_201_CREATED,
        summary=f"Create a {r.one}", responses=problem_responses(409), tags=[tag],
    )  # fmt: skip

    if r.patch is not None:

        def patch(**kw: Any) -> dict[str, Any]:
            store, principal, anchor_id = anchor_and_other(kw)
            changes = kw["body"].model_dump(exclude_unset=True)
            other_id = kw[spec.other_field]
            return _note(
                kw["request"], update(store, principal, r.kind, anchor_id, other_id, changes)
            )

        router.add_api_route(
            item,
            _signed(patch, [anchor, other, *common_write,
                            _param("body", Annotated[r.patch, Body()])], f"update_{r.kind.value}"),
            methods=["PATCH"], response_model=r.out, summary=f"Change a {r.one}", tags=[tag],
        )  # fmt: skip

    if spec.ended:

        def end_(**kw: Any) -> dict[str, Any]:
            store, principal, anchor_id = anchor_and_other(kw)
            until = kw["body"].until if kw["body"] is not None else None
            other_id = kw[spec.other_field]
            return _note(kw["request"], end(store, principal, r.kind, anchor_id, other_id, until))

        router.add_api_route(
            f"{item}/end",
            _signed(end_, [anchor, other, *common_write,
                           _param("body", Annotated[S.EmploymentEnd | None, Body()], default=None)],
                    f"end_{r.kind.value}"),
            methods=["POST"], response_model=r.out, summary=f"End an {r.one} (sets until)",
            description="An employment is never deleted: it ends on `until` (default today).",
            responses=problem_responses(409), tags=[tag],
        )  # fmt: skip
    else:

        def delete(**kw: Any) -> dict[str, Any]:
            store, principal, anchor_id = anchor_and_other(kw)
            other_id = kw[spec.other_field]
            return _note(kw["request"], remove(store, principal, r.kind, anchor_id, other_id))

        router.add_api_route(
            item,
            _signed(delete, [anchor, other, *common_write], f"delete_{r.kind.value}"),
            methods=["DELETE"], response_model=r.out, summary=f"Delete a {r.one}",
            description="Answers the relationship as it was.", tags=[tag],
        )  # fmt: skip


for _routes in ROUTES:
    _register(_routes)
