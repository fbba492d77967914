"""Whom a path query may ask about: the candidate and a person target, per role.

A path answer names its candidate and, for a ``person`` target, the person asked for; so
asking about someone is being told their name. Who may ask about whom:

=========== =============================================================================
role        may ask about (as the candidate or as the person target)
=========== =============================================================================
admin       anyone
référent    people ``IN_GROUPEMENT`` one of their token's groupements
national    people who consented to introduce or to be listed (the national cell sees
            names only of people who agreed: :func:`graph.access.visibility.may_be_named`)
portal      people who consented to portal searches (``consent_portal``)
=========== =============================================================================

Anyone else is answered by :func:`person_asked` with exactly the error an unknown id
gives (:class:`~graph.errors.NotFound`, same kind, id and field): unknown, out-of-scope
and non-consenting ids cannot be told apart, so nobody collects names (or learns who is
in the network) by trying sequential ids.

Decisions:

* The rule is about *people*: an id that names a node of another label (an employer
  given as the candidate) is left to the path service, which says the label is wrong;
  employers and offers are not personal data.
* The check reads the person's current record, so a consent withdrawn (``portal``,
  ``directory``, ``introducer``) is refused on the next query.
* Intermediaries and the contact are named by :func:`graph.access.visibility.may_be_named`
  whoever asks; the people a query may ask about are named because the asker may.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from graph.access.roles import Principal, Role
from graph.access.scope import groupements_of
from graph.access.visibility import may_be_named
from graph.errors import NotFound
from graph.model import Label, NodeRecord, Person
from graph.view import LABEL_CODE, GraphView


def may_ask_about(principal: Principal, person: Person, groupements: Iterable[str]) -> bool:
    """Whether ``principal`` may name ``person`` (in ``groupements``) in a path query.

    >>> anne = Person(id="p-1", first_name="Anne", last_name="Roux", consent_directory=True)
    >>> ask = lambda role, p, g=("grp-a",): may_ask_about(Principal("t", role), p, g)
    >>> ask(Role.NATIONAL, anne), ask(Role.PORTAL, anne), ask(Role.ADMIN, anne)
    (True, False, True)
    >>> ask(Role.PORTAL, anne.model_copy(update={"consent_portal": True}))
    True
    >>> ref = Principal("t", Role.REFERENT, frozenset({"grp-b"}))
    >>> may_ask_about(ref, anne, ["grp-a"]), may_ask_about(ref, anne, ["grp-b"])
    (False, True)
    """
    if principal.role is Role.ADMIN:
        return True
    if principal.role is Role.REFERENT:
        return principal.covers(groupements)
    if principal.role is Role.NATIONAL:
        return may_be_named(person)
    return principal.role is Role.PORTAL and person.consent_portal


def person_asked(
    view: GraphView,
    principal: Principal,
    get: Callable[[str], NodeRecord | None],
    person_id: str,
    field: str,
) -> None:
    """:class:`NotFound` naming ``field`` (as for an unknown id) unless ``principal`` may
    ask about ``person_id``; ``get`` reads a current record (``store.get``), only when
    the answer depends on it.

    Nothing is checked for an id of a node that is not a person (see the decisions).
    """
    if principal.role is Role.ADMIN:
        return
    nid = view.index.get(person_id)
    if nid is not None and view.labels[nid] != LABEL_CODE[Label.PERSON]:
        return
    if nid is None:
        raise NotFound(Label.PERSON.value, person_id, field)
    groupements = groupements_of(view, nid)
    if principal.scoped and not principal.covers(groupements):
        raise NotFound(Label.PERSON.value, person_id, field)
    record = get(person_id)
    if not isinstance(record, Person) or not may_ask_about(principal, record, groupements):
        raise NotFound(Label.PERSON.value, person_id, field)
