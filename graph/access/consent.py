"""Consent per purpose: the five flags of a :class:`~graph.model.Person` and their dates.

Each purpose is a boolean ``consent_<purpose>`` with the day it was last given or
withdrawn, ``consent_<purpose>_at`` (``None``: never asked, or not recorded):

================= ======================================================= =================
purpose           what it allows                                          where it is read
================= ======================================================= =================
``introducer``    being asked to pass a candidate on (an intermediary     path search,
                  or a contact), and being named on a path                gaps, coverage
``directory``     being named outside one's groupement (directory,        :mod:`.visibility`
                  path answers, gaps seen by the national cell)
``contact``       e-mail and phone shown to anyone at all (with the role  :func:`.visibility
                  rule :meth:`~graph.access.roles.Principal.sees_contact`) .contact_shown`
``portal``        being asked about by an association's portal (as the    :mod:`.paths`
                  candidate or the person targeted)
``social_import`` ties imported from a social network export (LinkedIn)   importers
================= ======================================================= =================

Decisions:

* Every flag defaults to ``False`` and every date to ``None``: a record written before
  the purposes were split (or by an old client) reads as "not given", never as "given".
* A consent takes effect on the next answer: the rules read the person's current record
  (no answer is kept across a write that changes a consent: caches are per store version).
* :func:`dated` stamps the day a consent changes when the caller does not give it, so the
  API, the CLI and importers record dates the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Final

from graph.model import NodeRecord

#: the purposes, in the order of the table above
PURPOSES: Final = ("introducer", "directory", "contact", "portal", "social_import")
#: the flag of each purpose on Person
FIELDS: Final = tuple(f"consent_{p}" for p in PURPOSES)


def date_field(field: str) -> str:
    """The date field of a consent flag.

    >>> date_field("consent_portal")
    'consent_portal_at'
    """
    return f"{field}_at"


def dated(
    changes: Mapping[str, Any], before: NodeRecord | None, today: date
) -> dict[str, Any]:
    """``changes`` (fields of a new or updated person) with ``<flag>_at = today`` for
    each consent flag that changes value, unless the caller gave its date.

    >>> from graph.model import Person
    >>> p = Person(id="p-1", first_name="A", last_name="B", consent_directory=True)
    >>> dated({"consent_directory": False}, p, date(2025, 6, 1))
    {'consent_directory': False, 'consent_directory_at': datetime.date(2025, 6, 1)}
    >>> dated({"consent_directory": True}, p, date(2025, 6, 1))
    {'consent_directory': True}
    >>> dated({"consent_portal": True}, None, date(2025, 6, 1))["consent_portal_at"]
    datetime.date(2025, 6, 1)
    """
    out = dict(changes)
    for field in FIELDS:
        if field not in changes or changes[field] is None:
            continue
        was = bool(getattr(before, field, False)) if before is not None else None
        if before is None and not changes[field]:
            continue  # a new person who did not give this consent: nothing to date
        if was is None or was != bool(changes[field]):
            out.setdefault(date_field(field), today)
    return out
