"""Whose name a viewer may see: consent, the groupement's own view, and candidates.

Decisions:

* Someone may be **named** outside their groupement's own view only when they consented
  to introduce or to be listed in the directory (:func:`may_be_named`); the path engine
  names intermediaries and contacts by the same rule.
* A **candidate** is never named outside their groupement's own view, whatever they
  consented to: being in transition is the référent's to know (:func:`named_in_lists`).
* In a groupement that is not theirs, a référent sees nobody named in its gaps
  (:func:`names_in_gaps`): the national cell may, as the people named there consented.
* Contact details (e-mail, phone) are :meth:`graph.access.roles.Principal.sees_contact`.
"""

from __future__ import annotations

from graph.access.scope import GroupementView
from graph.model import Person, PersonStatus

_CANDIDATE_STATUSES = frozenset({PersonStatus.CANDIDATE, PersonStatus.BOTH})


def may_be_named(person: Person) -> bool:
    """Whether someone outside the person's groupement may see their name.

    >>> may_be_named(Person(id="p-1", first_name="A", last_name="B", consent_directory=True))
    True
    >>> may_be_named(Person(id="p-2", first_name="A", last_name="B"))
    False
    """
    return bool(person.consent_introducer or person.consent_directory)


def named_in_lists(person: Person, view: GroupementView) -> bool:
    """Whether a list of a groupement's people (a picker) names ``person`` for a viewer
    with this view of the groupement: always in the own view; elsewhere only consenting
    people who are not candidates.

    >>> p = Person(id="p-1", first_name="Anne", last_name="Roux", status="candidate",
    ...            consent_directory=True)
    >>> named_in_lists(p, GroupementView.OWN), named_in_lists(p, GroupementView.NATIONAL)
    (True, False)
    """
    if view == GroupementView.OWN:
        return True
    return may_be_named(person) and person.status not in _CANDIDATE_STATUSES


def names_in_gaps(view: GroupementView) -> bool:
    """Whether the people a groupement's gaps mention (a helper who could become its
    référent…) are named for a viewer with this view.

    >>> names_in_gaps(GroupementView.NATIONAL), names_in_gaps(GroupementView.OTHER)
    (True, False)
    """
    return view != GroupementView.OTHER
