"""Whose name a viewer may see: consent, the groupement's own view, and candidates.

Who may be named to whom (the one table; the API, the dashboard, the CLI and the exports
all ask these functions):

=================== ===================================================================
who                 named to
=================== ===================================================================
the candidate of a  whoever may ask about them (:mod:`graph.access.paths`): the admin;
path query          their référent; the national cell if they consented to introduce or
                    to be listed; a portal if they consented to portal searches
the person target   the same rule as the candidate (a person nobody may ask about is
                    answered 404, exactly like an unknown id)
intermediaries,     anyone who may query paths, when they consented to introduce or to
the contact         be listed (:func:`may_be_named`); else "une personne (nom non
                    communiqué)"
people in gaps and  the admin, the national cell and the groupement's référent, when
actions             they consented to introduce or to be listed; else
                    :data:`UNNAMED_MEMBER`; a référent of another groupement sees no
                    figures of it at all (:mod:`graph.access.coverage`)
people in pickers   the groupement's own view: everyone; elsewhere consenting people who
                    are not candidates (:func:`named_in_lists`); anyone else reads
                    :func:`unnamed_label` ("Membre non nommé n° 2 (ANOCR Gironde)"),
                    never an internal id
e-mail and phone    only when the person consented to share them (``consent_contact``)
                    AND the role allows (:func:`contact_shown`)
=================== ===================================================================

Decisions:

* Someone may be **named** outside their groupement's own view only when they consented
  to introduce or to be listed in the directory (:func:`may_be_named`); the path engine
  names intermediaries and contacts by the same rule.
* A **candidate** is never named in a list outside their groupement's own view, whatever
  they consented to: being in transition is the référent's to know (:func:`named_in_lists`).
* **Gaps** name a person only if they consent now: the texts computed for a state are
  checked again against the current records when rendered (:func:`unname_gap`), so a
  consent withdrawn takes effect on the next answer even while a rebuilt state is awaited.
* Contact details need both the person's ``consent_contact`` and the role's right
  (:meth:`graph.access.roles.Principal.sees_contact`): the consent is asked even of the
  admin, so a member who did not agree has them shown to nobody.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from graph.access.roles import Principal
from graph.access.scope import GroupementView
from graph.model import NodeRecord, Person, PersonStatus

#: how gaps and actions name a member who may not be named
UNNAMED_MEMBER: Final = "un membre du groupement"
#: how a list (a picker) names a member who may not be named (:func:`unnamed_label`)
UNNAMED_LABEL: Final = "Membre non nommé"
#: the keys of a gap's action parameters that are people
GAP_PERSON_KEYS: Final = ("person", "helper")

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


def unnamed_label(groupement: str, number: int | None = None) -> str:
    """How a list names someone the viewer may not see by name: a neutral label with
    their groupement (and a number, when several are listed), never an internal id.

    >>> unnamed_label("ANOCR Gironde"), unnamed_label("ANOCR Gironde", 2)
    ('Membre non nommé (ANOCR Gironde)', 'Membre non nommé n° 2 (ANOCR Gironde)')
    """
    rank = f" n° {number}" if number is not None else ""
    return f"{UNNAMED_LABEL}{rank} ({groupement})"


def names_in_gaps(view: GroupementView) -> bool:
    """Whether the people a groupement's gaps mention (a helper who could become its
    référent…) are named for a viewer with this view.

    >>> names_in_gaps(GroupementView.NATIONAL), names_in_gaps(GroupementView.OTHER)
    (True, False)
    """
    return view != GroupementView.OTHER


def contact_shown(principal: Principal, person: Person, groupements: Iterable[str]) -> bool:
    """Whether ``principal`` may see ``person``'s e-mail and phone: the person consented to
    share them and the role allows it (the admin, the référent of one of ``groupements``).

    >>> from graph.access.roles import Role
    >>> admin = Principal("t", Role.ADMIN)
    >>> p = Person(id="p-1", first_name="A", last_name="B", email="a@b.fr")
    >>> contact_shown(admin, p, []), contact_shown(admin, p.model_copy(
    ...     update={"consent_contact": True}), [])
    (False, True)
    """
    return person.consent_contact and principal.sees_contact(groupements)


def named_in_gaps(person: NodeRecord | None, view: GroupementView) -> bool:
    """Whether a gap of a groupement seen with ``view`` may name ``person`` (its current
    record): viewers who see names in gaps, and a person who consents to be named.

    >>> p = Person(id="p-1", first_name="A", last_name="B", consent_directory=True)
    >>> named_in_gaps(p, GroupementView.NATIONAL), named_in_gaps(p, GroupementView.OTHER)
    (True, False)
    >>> named_in_gaps(p.model_copy(update={"consent_directory": False}), GroupementView.OWN)
    False
    """
    return names_in_gaps(view) and isinstance(person, Person) and may_be_named(person)


def gap_people(params: Mapping[str, Any]) -> list[str]:
    """The ids of the people a gap's action names (its ``person`` and ``helper``).

    >>> gap_people({"groupement": "grp-a", "person": "p-1", "helper": None})
    ['p-1']
    """
    return [str(params[k]) for k in GAP_PERSON_KEYS if params.get(k)]


def unname_gap(
    rendered: dict[str, Any],
    params: Mapping[str, Any],
    names: Mapping[str, str],
    records: Mapping[str, NodeRecord | None],
    view: GroupementView,
) -> dict[str, Any]:
    """A rendered gap (``title``, ``action.text``) where every person of ``params`` who may
    not be named now (:func:`named_in_gaps` on ``records``, their current records) reads
    :data:`UNNAMED_MEMBER` instead of their name (``names``: id -> the name in the text).

    >>> gap = {"title": "Référent sans accord", "action": {"text": "Demander à Mme Roux …"}}
    >>> unname_gap(gap, {"person": "p-9"}, {"p-9": "Mme Roux"}, {"p-9": None},
    ...            GroupementView.NATIONAL)["action"]["text"]
    'Demander à un membre du groupement …'
    """
    for pid in gap_people(params):
        name = names.get(pid)
        if name and not named_in_gaps(records.get(pid), view):
            rendered["title"] = rendered["title"].replace(name, UNNAMED_MEMBER)
            action = rendered["action"] = dict(rendered["action"])
            action["text"] = action["text"].replace(name, UNNAMED_MEMBER)
    return rendered
