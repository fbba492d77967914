"""Members' rights over ``/api/v1/members/{person_id}``: access and portability (export),
erasure. Rectification is the member update (``PATCH /api/v1/members/{person_id}``).

For the admin and the person's référent: the same scope as reading and changing the
member (a person outside a référent's groupements answers 404, like an unknown id).

* ``GET /members/{person_id}/export?format=json|csv``: the person's full record
  (:func:`graph.rights.person_record`): properties, contact details, consents,
  memberships, ties (other people by id only), targets, employments, places, offers
  reported, and the audit entries naming them; ``csv`` is a zip of French CSV files.
* ``POST /members/{person_id}/erase``: erasure (:func:`graph.rights.erase_person`).

Decisions:

* Erasure is its own operation, ``POST …/erase``, not ``DELETE``: ``DELETE`` removes the
  record from the graph (an ordinary write, audited as one), while an erasure also
  forgets every cached copy and writes a tombstone in the audit log, and says so in its
  answer. Both take the person out of the graph; the GDPR request is answered by
  ``erase``, which the CLI's ``passerelle member erase`` also runs.
* The erasure writes its tombstone itself, synchronously (it is the proof the request
  was answered); the middleware records nothing more for it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from api.audit import AuditDep, audited, from_path, records_itself
from api.deps import MembersRead, MembersWrite, StoreDep
from api.problems import problem_responses
from graph.access.scope import person_in_scope
from graph.audit import Action, AuditFilter
from graph.model import ID_PATTERN
from graph.rights import erase_person, export_name, person_record, to_csv_zip, to_json

router = APIRouter(
    prefix="/members",
    tags=["members' rights"],
    responses=problem_responses(401, 403, 404, 422, 429, 503),
)

PersonId = Annotated[
    str,
    Path(pattern=ID_PATTERN, max_length=80, description="a person's id", examples=["p-0000042"]),
]
ERASE_OPERATION = "POST /api/v1/members/{person_id}/erase"


class Erased(BaseModel):
    id: str
    erased: bool = True
    relationships: int = Field(description="relationships removed with the person")
    version: int = Field(description="store version after the erasure")
    audit_entry: int | None = Field(description="the tombstone's id in the audit log")


@router.get(
    "/{person_id}/export",
    summary="Export a member's data (access, portability)",
    response_class=Response,
    responses={
        200: {
            "description": "the record as JSON, or a zip of CSV files",
            "content": {"application/json": {}, "application/zip": {}},
        }
    },
)
@audited(Action.EXPORT, "person", from_path("person_id"))
def export_member(
    person_id: PersonId,
    principal: MembersRead,
    store: StoreDep,
    audit: AuditDep,
    format: Annotated[Literal["json", "csv"], Query(description="json, or csv (a zip)")] = "json",
) -> Response:
    """Everything stored about the person, with the audit entries naming them."""
    person_in_scope(store.view(), principal, person_id, "person_id")
    entries = list(audit.all(AuditFilter(person_id=person_id)))
    record = person_record(store, person_id, entries)
    body = to_csv_zip(record) if format == "csv" else to_json(record)
    media = "application/zip" if format == "csv" else "application/json"
    name = export_name(person_id, format)
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.post(
    "/{person_id}/erase", response_model=Erased, summary="Erase a member (right to erasure)"
)
@records_itself
def erase_member(
    request: Request,
    person_id: PersonId,
    principal: MembersWrite,
    store: StoreDep,
    audit: AuditDep,
) -> dict[str, object]:
    """Remove the person everywhere (graph, indexes, caches); an audit tombstone stays."""
    person_in_scope(store.view(), principal, person_id, "person_id")
    done = erase_person(
        store,
        person_id,
        audit=audit,
        actor=principal.token_id,
        role=principal.role.value,
        operation=ERASE_OPERATION,
        data_dir=request.app.state.settings.data_dir,
    )
    return done.to_dict()
