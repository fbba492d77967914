"""``/api/v1/members``: the people of the network (read, create, update, delete).

Who sees what: the admin sees everyone; a référent sees, creates, changes and deletes
only people ``IN_GROUPEMENT`` one of their token's groupements (others answer 404, as if
they did not exist). Contact details (``contact``: e-mail and phone) are given only when
the person consented to share them, to the admin and to the référent of one of the
person's groupements, to nobody else; the rule is kept in one place
(:func:`graph.access.visibility.contact_shown`). A consent that changes is dated
(``consent_<purpose>_at``, :func:`graph.access.consent.dated`).

A person created by a référent joins the given groupement (``IN_GROUPEMENT``) and its
association (``MEMBER_OF``); only an admin may choose the new person's id (a référent
choosing one could learn that an id exists elsewhere from the 409).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Path, Query, status

from api.catalog import create_node, get_node, patch_node, require_nodes
from api.deps import MembersRead, MembersWrite, PageDep, StoreDep
from api.listing import page_of
from api.problems import Forbidden, problem_responses
from api.runtime import light
from api.schemas import Deleted, MemberCreate, MemberPatch, Page
from api.schemas import Member as MemberOut
from graph.access.consent import dated
from graph.access.roles import Principal
from graph.access.scope import groupements_of, person_in_scope
from graph.access.visibility import contact_shown
from graph.errors import InvalidInput, NotFound
from graph.model import (
    ID_PATTERN,
    Groupement,
    InGroupement,
    Label,
    MemberOf,
    Person,
    PersonStatus,
    RelType,
)
from graph.view import LABEL_CODE, GraphView

router = APIRouter(
    prefix="/members",
    tags=["members"],
    responses=problem_responses(400, 401, 403, 404, 413, 422, 429, 503),
)

PersonId = Annotated[
    str,
    Path(pattern=ID_PATTERN, max_length=80, description="a person's id", examples=["p-0000042"]),
]
_CONTACT = ("email", "phone")


def member_out(person: Person, view: GraphView, principal: Principal) -> dict[str, Any]:
    nid = view.index.get(person.id)
    # sorted: the view's order of a node's neighbours differs between stores
    groupements = [] if nid is None else sorted(groupements_of(view, nid))
    member_of = [] if nid is None else view.rel(RelType.MEMBER_OF).targets(nid).tolist()
    associations = sorted(str(view.ids[a]) for a in member_of)
    out = person.model_dump(mode="json", exclude=set(_CONTACT))
    out["groupements"] = groupements
    out["associations"] = associations
    out["contact"] = (
        {"email": person.email, "phone": person.phone}
        if contact_shown(principal, person, groupements)
        else None
    )
    return out


# --------------------------------------------------------------------------- routes


@router.get("", response_model=Page[MemberOut], summary="List members")
@light
def list_members(
    principal: MembersRead,
    store: StoreDep,
    page: PageDep,
    groupement_id: Annotated[
        str | None,
        Query(pattern=ID_PATTERN, max_length=80, description="only this groupement's members"),
    ] = None,
    status_: Annotated[
        PersonStatus | None, Query(alias="status", description="only this status")
    ] = None,
) -> dict[str, Any]:
    """Members ordered by id; a référent gets only the members of their groupements."""
    view = store.view()
    membership = view.rel(RelType.IN_GROUPEMENT)
    if groupement_id is not None:
        if principal.scoped and groupement_id not in principal.groupements:
            raise Forbidden(
                "a referent lists only the members of their own groupements",
                errors=[("groupement_id", "not one of your token's groupements")],
            )
        gid = view.index.get(groupement_id)
        if gid is None or view.labels[gid] != LABEL_CODE[Label.GROUPEMENT]:
            raise NotFound(Label.GROUPEMENT.value, groupement_id, "groupement_id")
        nids = membership.sources(gid)
    elif principal.scoped:
        own = [view.index[g] for g in principal.groupements if g in view.index]
        parts = [membership.sources(g) for g in own]
        nids = np.concatenate(parts) if parts else np.empty(0, np.int64)
    else:
        nids = view.nodes_with_label(Label.PERSON)
    if status_ is not None:
        codes = view.column(Label.PERSON, "status")
        nids = nids[codes[nids] == list(PersonStatus).index(status_)]
    records, total = page_of(store, view, nids, page)
    items = [member_out(p, view, principal) for p in records if isinstance(p, Person)]
    return page.answer(items, total)


@router.get("/{person_id}", response_model=MemberOut, summary="Read a member")
@light
def get_member(person_id: PersonId, principal: MembersRead, store: StoreDep) -> dict[str, Any]:
    """One member; a person outside a référent's groupements answers 404."""
    view = store.view()
    person_in_scope(view, principal, person_id, "person_id")
    return member_out(get_node(store, Person, person_id, "person_id"), view, principal)


@router.post(
    "",
    response_model=MemberOut,
    status_code=status.HTTP_201_CREATED,
    summary="Create a member",
    responses=problem_responses(409),
)
def create_member(
    body: MemberCreate,
    principal: MembersWrite,
    store: StoreDep,
) -> dict[str, Any]:
    """Create a person in the given groupements (a référent: only in theirs)."""
    data = body.model_dump(exclude={"groupements"}, exclude_unset=True)
    wanted = list(dict.fromkeys(body.groupements))
    if principal.scoped:
        if data.get("id") is not None:
            raise Forbidden(
                "only an admin may choose a new member's id",
                errors=[("id", "leave it out: the server chooses it")],
            )
        if not wanted:
            if len(principal.groupements) != 1:
                raise InvalidInput("groupements", "required: your token covers several groupements")
            wanted = sorted(principal.groupements)
        for i, gid in enumerate(wanted):
            if gid not in principal.groupements:
                raise Forbidden(
                    "a referent creates members only in their own groupements",
                    errors=[(f"groupements[{i}]", "not one of your token's groupements")],
                )
    groupements = require_nodes(store, Groupement, wanted, "groupements", many=True)
    today = date.today()
    associations = {g.association_id for g in groupements}
    known = sorted(store.get_many(sorted(associations)))

    def rels(person_id: str) -> list[Any]:
        return [InGroupement(src=person_id, dst=g.id, since=today) for g in groupements] + [
            MemberOf(src=person_id, dst=a, since=today) for a in known
        ]

    person = create_node(store, Person, dated(data, None, today), rels)
    return member_out(person, store.view(), principal)


@router.patch("/{person_id}", response_model=MemberOut, summary="Update a member")
def update_member(
    person_id: PersonId,
    body: MemberPatch,
    principal: MembersWrite,
    store: StoreDep,
) -> dict[str, Any]:
    """Change some of a member's properties (a référent: only their members')."""
    view = store.view()
    person_in_scope(view, principal, person_id, "person_id")
    changes = dated(body.model_dump(exclude_unset=True), store.get(person_id), date.today())
    updated = patch_node(store, Person, person_id, changes, field="person_id")
    return member_out(updated, store.view(), principal)


@router.delete("/{person_id}", response_model=Deleted, summary="Delete a member")
def delete_member(person_id: PersonId, principal: MembersWrite, store: StoreDep) -> Deleted:
    """Delete a person and every relationship attached to them (ties, memberships…)."""
    view = store.view()
    person_in_scope(view, principal, person_id, "person_id")
    result = store.delete_person(person_id)
    return Deleted(id=result.node_id, relationships=result.relationships)
