"""Who may ask for, follow and read introductions, and what each sees of them.

* **Request, follow, withdraw, record an outcome** (``introductions:write``): the admin,
  and a référent for the candidates of their groupements. An introduction of another
  groupement is answered like one that does not exist (:func:`sees_introduction`).
  The national cell and portals: never (these are personal records).
* **The funnel per groupement** (requested, accepted, introduced, hired) is coverage
  (``coverage:read``): counts of people, withheld below 5 outside the own view
  (:func:`funnel_counts`, the rule of :mod:`graph.access.counts`).
* **The outbox**: whoever follows an introduction sees its e-mails' subject, recipient
  and status; the bodies (they hold the personal links) only while no SMTP server is
  configured (a demo: the référent passes the links on by hand) or to the admin.
* **Putting two people in touch** (the last person accepted): each receives the other's
  e-mail address only when that other person consented to share their contact details
  (``consent_contact``, :func:`address_shared`); otherwise the e-mail says the référent
  will connect them. Accepting to meet someone is not consent to hand out an address.
* **A personal link** is the whole authority of the person who holds it: it answers one
  question and shows only the candidate's name and short profile, who asks, the target
  and the next person's name (:mod:`graph.introductions.links`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from graph.access.counts import ShownCount, count
from graph.access.roles import Principal, Role
from graph.access.scope import GroupementView, groupement_view


def sees_introduction(principal: Principal, groupements: Iterable[str]) -> bool:
    """Whether the principal may read and act on an introduction of a candidate of
    these groupements (the permission is checked before, by the entry point).

    >>> ref = Principal("t", Role.REFERENT, frozenset({"grp-a"}))
    >>> sees_introduction(ref, ["grp-a"]), sees_introduction(ref, ["grp-b"])
    (True, False)
    """
    return principal.covers(groupements)


def sees_bodies(principal: Principal, smtp_configured: bool) -> bool:
    """Whether e-mail bodies (with personal links) of the outbox are shown.

    >>> sees_bodies(Principal("t", Role.REFERENT, frozenset({"g"})), smtp_configured=True)
    False
    """
    return principal.role is Role.ADMIN or not smtp_configured


def funnel_counts(
    principal: Principal, groupement_id: str, counts: Mapping[str, int]
) -> dict[str, ShownCount]:
    """A groupement's funnel as the principal may see it.

    >>> funnel_counts(Principal("t", Role.NATIONAL), "g", {"requested": 12, "hired": 1})
    {'requested': 12, 'hired': '< 5'}
    """
    own = groupement_view(principal, groupement_id) is GroupementView.OWN
    return {k: count(v, own) for k, v in counts.items()}


def address_shared(consent_contact: bool, email: str | None) -> str | None:
    """The address given to the other person of an introduction: only with consent.

    >>> address_shared(True, "a@b.fr"), address_shared(False, "a@b.fr"), address_shared(True, None)
    ('a@b.fr', None, None)
    """
    return email if consent_contact and email else None
