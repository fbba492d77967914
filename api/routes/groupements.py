"""``/api/v1/groupements``: local structures (ANOCR groupements, Implic'Action délégations).

Each groupement comes with its territory (``COVERS``), its local charters (``PARTNER_OF``
another groupement) and head counts (members, candidates, helpers, référents): numbers,
never people, and under 5 read "< 5" except for the groupement's own référent (the rule
of :mod:`graph.access.counts`, as in coverage). Read by the admin, the national cell and
référents; written by the admin.
The coverage routes (issue 6) will hang their per-groupement reports under this prefix.

Decisions:

* The head counts of every groupement are computed once per store version (one pass
  over the view) and kept in a :class:`graph.memo.VersionMemo` by (store, view version):
  bound, per store, the newest 2 versions, one dict each (one entry per groupement).
* A list reads every matching groupement (:func:`graph.store.find_all`), then pages:
  the total is exact however many there are.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from api.catalog import create_node, get_node, linked, patch_node, require_nodes
from api.deps import OrganisationsRead, OrganisationsWrite, PageDep, StoreDep
from api.problems import problem_responses
from api.runtime import light
from api.schemas import Groupement as GroupementOut
from api.schemas import GroupementCreate, GroupementPatch, Page
from graph.access.counts import count
from graph.access.roles import Principal
from graph.access.scope import GroupementView, groupement_view
from graph.memo import VersionMemo
from graph.model import (
    ID_PATTERN,
    Association,
    Covers,
    Departement,
    Groupement,
    GroupementKind,
    Label,
    RelType,
)
from graph.stats import GroupementCounts, groupement_counts
from graph.store import GraphStore, find_all
from graph.view import GraphView

router = APIRouter(
    prefix="/groupements",
    tags=["groupements"],
    responses=problem_responses(400, 401, 403, 404, 413, 422, 429, 503),
)

GroupementId = Annotated[str, Path(pattern=ID_PATTERN, max_length=80, examples=["grp-anocr-33"])]

#: head counts by groupement id, by (store, view version): the newest 2 versions per store
_COUNTS: VersionMemo[dict[str, GroupementCounts]] = VersionMemo("groupement counts", versions=2)


def _counts(store: GraphStore, view: GraphView) -> dict[str, GroupementCounts]:
    """Head counts of every groupement, computed once per store version."""
    return _COUNTS.get(
        store, view.version, "counts", lambda: {c.id: c for c in groupement_counts(view)}
    )


def _out(record: Groupement, store: GraphStore, principal: Principal) -> dict[str, Any]:
    view = store.view()
    c = _counts(store, view).get(record.id)
    # head counts are counts of people: "< 5" outside the groupement's own view
    own = groupement_view(principal, record.id) is GroupementView.OWN
    return {
        **record.model_dump(mode="json"),
        "departements": linked(view, record.id, RelType.COVERS, True),
        "charters": linked(view, record.id, RelType.PARTNER_OF, True, Label.GROUPEMENT),
        "counts": {
            "members": count(c.members if c else 0, own),
            "candidates": count(c.candidates if c else 0, own),
            "helpers": count(c.helpers if c else 0, own),
            "referents": count(c.referents if c else 0, own),
        },
    }


@router.get("", response_model=Page[GroupementOut], summary="List groupements")
@light
def list_groupements(
    principal: OrganisationsRead,
    store: StoreDep,
    page: PageDep,
    association_id: Annotated[
        str | None, Query(pattern=ID_PATTERN, max_length=80, description="of this association")
    ] = None,
    kind: Annotated[GroupementKind | None, Query(description="only this kind")] = None,
) -> dict[str, Any]:
    where: dict[str, Any] = {}
    if association_id is not None:
        where["association_id"] = association_id
    if kind is not None:
        where["kind"] = kind
    records = list(find_all(store, Label.GROUPEMENT, where or None))
    chosen = records[page.offset : page.offset + page.limit]
    items = [_out(r, store, principal) for r in chosen if isinstance(r, Groupement)]
    return page.answer(items, len(records))


@router.get("/{groupement_id}", response_model=GroupementOut, summary="Read a groupement")
@light
def get_groupement(
    groupement_id: GroupementId, principal: OrganisationsRead, store: StoreDep
) -> dict[str, Any]:
    record = get_node(store, Groupement, groupement_id, "groupement_id")
    return _out(record, store, principal)


@router.post(
    "",
    response_model=GroupementOut,
    status_code=status.HTTP_201_CREATED,
    summary="Create a groupement",
    responses=problem_responses(409),
)
def create_groupement(
    body: GroupementCreate,
    principal: OrganisationsWrite,
    store: StoreDep,
) -> dict[str, Any]:
    data = body.model_dump(exclude_unset=True, exclude={"departements"})
    require_nodes(store, Association, [body.association_id], "association_id", False)
    deps = list(dict.fromkeys(body.departements))
    require_nodes(store, Departement, deps, "departements", many=True)
    record = create_node(
        store, Groupement, data, lambda gid: [Covers(src=gid, dst=d) for d in deps]
    )
    return _out(record, store, principal)


@router.patch("/{groupement_id}", response_model=GroupementOut, summary="Update a groupement")
def update_groupement(
    groupement_id: GroupementId,
    body: GroupementPatch,
    principal: OrganisationsWrite,
    store: StoreDep,
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    record = patch_node(store, Groupement, groupement_id, changes, "groupement_id")
    return _out(record, store, principal)
