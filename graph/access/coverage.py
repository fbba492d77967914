"""Who may read which coverage, and ask which what-if: the coverage scope rules.

Coverage is read with ``coverage:read`` (admin, national, référent; never a portal):

* the **admin and the national cell** read every scope (national, région, département,
  groupement), its gaps and the national actions, always with small counts withheld;
* a **référent** reads only their own groupements (coverage and gaps), as the
  groupement's own view (exact counts); any other scope or groupement is refused. A
  groupement's coverage is not personal data, so its existence need not be hidden
  (refused, not "not found"), but its figures are not given;
* a référent's **what-if** may only be about their scope: each person a change names
  (:data:`PERSON_FIELDS`) is ``IN_GROUPEMENT`` one of their groupements and each
  ``groupement_id`` is theirs (``partner_id`` of ``sign_charter`` is the other party and
  may be any groupement; ``employer_id`` any employer). The answer then holds only their
  groupements' rows (:func:`graph.access.scope.groupement_view` is ``OWN``) and no
  national total.

The dashboard shows exactly what these rules let the API answer: a référent's home page
lists only their groupements (no national figures, no map of départements), another
groupement's page shows none of its figures, and a what-if shows them no national line.

Decisions:

* A person who is not theirs and an id that names no person are refused with the same
  error, so what-if does not tell a référent who exists.
* Refusals raise :class:`~graph.errors.AccessDenied` naming the field when one field is
  at fault; rules without a field are predicates, worded by each entry point (the API
  points to the route the référent may use instead).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from graph.access.roles import Principal
from graph.access.scope import is_theirs
from graph.errors import AccessDenied
from graph.view import GraphView

ScopeKind = Literal["national", "region", "departement", "groupement"]
#: the fields of a what-if change that name a person
PERSON_FIELDS = ("person_id", "a_id", "b_id")
NOT_THEIR_GROUPEMENT = "not one of this token's groupements"
NOT_THEIR_PERSON = "not a person of this token's groupements"


def may_read_scope(principal: Principal, kind: ScopeKind) -> bool:
    """Whether the principal may read coverage (or gaps) of a scope of this kind at all;
    a groupement must then also pass :func:`own_groupement`.

    >>> from graph.access.roles import Role
    >>> ref = Principal("t", Role.REFERENT, frozenset({"grp-a"}))
    >>> may_read_scope(ref, "groupement"), may_read_scope(ref, "departement")
    (True, False)
    >>> may_read_scope(Principal("t", Role.NATIONAL), "national")
    True
    """
    return not principal.scoped or kind == "groupement"


def may_read_groupement(principal: Principal, groupement_id: str) -> bool:
    """Whether the principal may read the figures of ``groupement_id`` at all (coverage,
    gaps, what-if, head counts' exact values aside): the admin and the national cell any,
    a référent only theirs. The dashboard asks this before showing a groupement's page,
    as the API refuses ``/coverage/groupements/{id}`` (:func:`own_groupement`).

    >>> from graph.access.roles import Role
    >>> ref = Principal("t", Role.REFERENT, frozenset({"grp-a"}))
    >>> may_read_groupement(ref, "grp-a"), may_read_groupement(ref, "grp-b")
    (True, False)
    >>> may_read_groupement(Principal("t", Role.NATIONAL), "grp-b")
    True
    """
    return not principal.scoped or groupement_id in principal.groupements


def may_read_actions(principal: Principal) -> bool:
    """Whether the principal may read the national ranking of actions (admin, national)."""
    return may_read_scope(principal, "national")


def own_groupement(principal: Principal, groupement_id: str, field: str) -> bool:
    """Whether the principal sees ``groupement_id`` as its own view (exact counts);
    :class:`AccessDenied` naming ``field`` for a groupement of another référent.

    >>> from graph.access.roles import Role
    >>> ref = Principal("t", Role.REFERENT, frozenset({"grp-a"}))
    >>> admin = Principal("t", Role.ADMIN)
    >>> own_groupement(ref, "grp-a", "id"), own_groupement(admin, "grp-a", "id")
    (True, False)
    >>> own_groupement(ref, "grp-b", "id")
    Traceback (most recent call last):
    ...
    graph.errors.AccessDenied: id: not one of this token's groupements
    """
    if not principal.scoped:
        return False
    if groupement_id not in principal.groupements:
        raise AccessDenied(NOT_THEIR_GROUPEMENT, field)
    return True


def check_changes(
    view: GraphView, principal: Principal, changes: Sequence[Mapping[str, Any]]
) -> None:
    """:class:`AccessDenied` naming ``changes[i].<field>`` unless every what-if change is
    about the référent's groupements and people (nothing to check for anyone else)."""
    if not principal.scoped:
        return
    for i, change in enumerate(changes):
        gid = change.get("groupement_id")
        if gid is not None:
            own_groupement(principal, gid, f"changes[{i}].groupement_id")
        for name in PERSON_FIELDS:
            pid = change.get(name)
            if pid is not None and not is_theirs(view, principal, pid):
                raise AccessDenied(NOT_THEIR_PERSON, f"changes[{i}].{name}")
