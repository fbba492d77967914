"""Who may read and write which relationship: the rules of relationship edits.

Relationships anchored on a **person** (ties, mentors, employments, targets, places,
memberships) are read with ``members:read`` and written with ``members:write``: the
admin everywhere, a référent only on people of their groupements, nobody else (the
national cell reads no member records; portals write nothing). Relationships anchored on
an **organisation** (a groupement's référents and charters, an association's
conventions) are read with ``organisations:read`` and written with
``organisations:write`` (the admin only).

* The **anchor** person (the one in the URL or on the command line) must be in the
  caller's scope: :func:`graph.access.scope.person_in_scope`, so an unknown id and a
  person outside a référent's groupements raise the same :class:`NotFound`.
* The **other person** of a tie or of a mentoring (:func:`contact_in_reach`) must be
  one the caller may see: in their scope, or someone a list of another groupement
  names (:func:`graph.access.visibility.named_in_lists`: consented to be named, and not
  a candidate), read from the view's columns.
  Anyone else is refused exactly as an id that names nobody, so an edit does not tell a
  référent who exists elsewhere.
* **Memberships**: a référent attaches people to (or detaches them from) their own
  groupements only, and to the associations of those groupements only
  (:func:`may_edit_membership`).

Decisions:

* Refusals of a whole operation raise :class:`AccessDenied` (403 in the API); a value
  that names something out of reach raises the error an unknown value raises.
* Pure functions over a view and plain values, like the rest of :mod:`graph.access`.
"""

from __future__ import annotations

from collections.abc import Collection

from graph.access.roles import Permission, Principal
from graph.access.scope import groupements_of
from graph.errors import AccessDenied, InvalidInput
from graph.model import Label, PersonStatus
from graph.view import LABEL_CODE, GraphView

NOT_THEIR_GROUPEMENT = "not one of this token's groupements"
NOT_THEIR_ASSOCIATION = "not the association of one of this token's groupements"
_STATUSES = list(PersonStatus)  # the view's status column holds positions in this list
_CANDIDATES = frozenset({PersonStatus.CANDIDATE, PersonStatus.BOTH})


def permission_for(organisation: bool, write: bool) -> Permission:
    """The permission a relationship read or write needs.

    >>> permission_for(organisation=False, write=True).value
    'members:write'
    >>> permission_for(organisation=True, write=False).value
    'organisations:read'
    """
    if organisation:
        return Permission.ORGANISATIONS_WRITE if write else Permission.ORGANISATIONS_READ
    return Permission.MEMBERS_WRITE if write else Permission.MEMBERS_READ


def require(principal: Principal, permission: Permission) -> None:
    """:class:`AccessDenied` unless the principal's role holds ``permission``.

    >>> from graph.access.roles import Role
    >>> require(Principal("t", Role.NATIONAL), Permission.MEMBERS_WRITE)
    Traceback (most recent call last):
    ...
    graph.errors.AccessDenied: a national token may not use this operation
    """
    if not principal.can(permission):
        raise AccessDenied(f"a {principal.role.value} token may not use this operation")


def contact_in_reach(view: GraphView, principal: Principal, person_id: str, field: str) -> int:
    """The number of the other person of a tie or a mentoring, if the caller may link to
    them; else :class:`InvalidInput` naming ``field``, the same for an unknown id.

    A référent reaches the people of their groupements and anyone who consented to
    introduce or to be listed and is not a candidate; the admin reaches everyone.
    """
    nid = view.index.get(person_id)
    unknown = InvalidInput(field, f"no Person with id {person_id!r}", person_id)
    if nid is None or view.labels[nid] != LABEL_CODE[Label.PERSON]:
        raise unknown
    if not principal.scoped or principal.covers(groupements_of(view, nid)):
        return nid
    named = bool(view.column(Label.PERSON, "consent_introducer")[nid]) or bool(
        view.column(Label.PERSON, "consent_directory")[nid]
    )
    status = _STATUSES[int(view.column(Label.PERSON, "status")[nid])]
    if not named or status in _CANDIDATES:
        raise unknown
    return nid


def may_edit_membership(
    principal: Principal, label: Label, target_id: str, own_associations: Collection[str]
) -> bool:
    """Whether the caller may attach a person to (or detach them from) ``target_id``, a
    groupement or an association; ``own_associations`` are the associations of the
    caller's groupements.

    >>> from graph.access.roles import Role
    >>> ref = Principal("t", Role.REFERENT, frozenset({"grp-a"}))
    >>> may_edit_membership(ref, Label.GROUPEMENT, "grp-a", {"asso-a"})
    True
    >>> may_edit_membership(ref, Label.GROUPEMENT, "grp-b", {"asso-a"})
    False
    >>> may_edit_membership(ref, Label.ASSOCIATION, "asso-a", {"asso-a"})
    True
    """
    if not principal.scoped:
        return True
    if label is Label.GROUPEMENT:
        return target_id in principal.groupements
    return target_id in own_associations


def check_membership(
    principal: Principal,
    label: Label,
    target_id: str,
    own_associations: Collection[str],
    field: str,
) -> None:
    """:class:`AccessDenied` naming ``field`` unless :func:`may_edit_membership`."""
    if not may_edit_membership(principal, label, target_id, own_associations):
        reason = NOT_THEIR_GROUPEMENT if label is Label.GROUPEMENT else NOT_THEIR_ASSOCIATION
        raise AccessDenied(reason, field)
