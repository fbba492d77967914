"""Whose people and groupements a principal may act on: the référent's scope.

A référent acts on the people ``IN_GROUPEMENT`` one of their token's groupements and
sees those groupements as their own; the admin and the national cell are not scoped.

Decisions:

* A person outside a référent's scope is answered exactly like an id that does not
  exist (:func:`person_in_scope` raises the same :class:`~graph.errors.NotFound`): the
  référent cannot tell "not yours" from "does not exist", so nobody learns who is in the
  network by trying ids.
* How a principal sees a groupement (:class:`GroupementView`) is one of three values,
  decided here once; what each view shows (exact counts, names) is
  :mod:`graph.access.counts` and :mod:`graph.access.visibility`.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from graph.access.roles import Principal
from graph.errors import NotFound
from graph.model import Label, RelType
from graph.view import LABEL_CODE, GraphView


class GroupementView(StrEnum):
    """How a principal sees one groupement."""

    #: its référent: exact counts, names of its candidates
    OWN = "own"
    #: the national cell and the admin: small counts withheld, consenting people named
    NATIONAL = "national"
    #: a référent of another groupement: as national, and nobody named in its gaps
    OTHER = "other"


def groupement_view(principal: Principal, groupement_id: str) -> GroupementView:
    """How ``principal`` sees ``groupement_id``.

    >>> from graph.access.roles import Role
    >>> ref = Principal("tok-1", Role.REFERENT, frozenset({"grp-a"}))
    >>> str(groupement_view(ref, "grp-a")), str(groupement_view(ref, "grp-b"))
    ('own', 'other')
    >>> str(groupement_view(Principal("tok-2", Role.NATIONAL), "grp-a"))
    'national'
    """
    if principal.scoped:
        return (
            GroupementView.OWN if groupement_id in principal.groupements else GroupementView.OTHER
        )
    return GroupementView.NATIONAL


def groupements_in_scope(principal: Principal, groupement_ids: Iterable[str]) -> list[str]:
    """The groupements among ``groupement_ids`` whose people the principal may pick
    (a référent: theirs; anyone else: all), in the given order.

    >>> from graph.access.roles import Role
    >>> ref = Principal("tok-1", Role.REFERENT, frozenset({"grp-b"}))
    >>> groupements_in_scope(ref, ["grp-a", "grp-b"])
    ['grp-b']
    >>> groupements_in_scope(Principal("tok-2", Role.ADMIN), ["grp-a", "grp-b"])
    ['grp-a', 'grp-b']
    """
    return [g for g in groupement_ids if not principal.scoped or g in principal.groupements]


def groupements_of(view: GraphView, nid: int) -> list[str]:
    """Ids of the groupements the person numbered ``nid`` is ``IN_GROUPEMENT``."""
    found = (view.ids[g] for g in view.rel(RelType.IN_GROUPEMENT).targets(nid))
    return [gid for gid in found if gid is not None]


def is_theirs(view: GraphView, principal: Principal, person_id: str) -> bool:
    """Whether ``person_id`` names a person in the principal's scope (False for an id
    that names no person)."""
    nid = view.index.get(person_id)
    return (
        nid is not None
        and view.labels[nid] == LABEL_CODE[Label.PERSON]
        and principal.covers(groupements_of(view, nid))
    )


def person_in_scope(view: GraphView, principal: Principal, person_id: str, field: str) -> int:
    """The number of a person the caller may see, else :class:`NotFound` naming ``field``.

    A person outside a référent's groupements raises exactly the error an unknown id
    raises (same kind, id and field).
    """
    nid = view.index.get(person_id)
    if (
        nid is None
        or view.labels[nid] != LABEL_CODE[Label.PERSON]
        or not principal.covers(groupements_of(view, nid))
    ):
        raise NotFound(Label.PERSON.value, person_id, field)
    return nid
