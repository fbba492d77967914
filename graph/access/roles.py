"""Roles, what each may do, and the principal: the caller as their token describes them.

Every entry point (the API, the dashboard, the CLI) asks these questions the same way;
the API turns a refusal into 403, the dashboard into a login page or a hidden panel.

Roles and their permissions (:data:`GRANTS`, the one table the tests check):

=================== ===== ======== ======== ======
permission          admin referent national portal
=================== ===== ======== ======== ======
paths:query         yes   scoped   yes      yes
members:read        yes   scoped   -        -
members:write       yes   scoped   -        -
organisations:read  yes   yes      yes      -
organisations:write yes   -        -        -
employers:read      yes   yes      yes      yes
employers:write     yes   -        -        -
offers:read         yes   yes      yes      yes
offers:write        yes   -        -        -
coverage:read       yes   scoped   yes      -
audit:read          yes   -        -        -
introductions:write yes   scoped   -        -
=================== ===== ======== ======== ======

"scoped": a référent acts only on people who are ``IN_GROUPEMENT`` one of the token's
groupements (path queries: the candidate; coverage: their groupements; see
:mod:`graph.access.scope` and :mod:`graph.access.coverage`). The national cell sees
paths (ids and names only of consenting people, never contact details) but no member
records. Portals get path queries, and the employers and offers they need to name
targets, rate limited per token.

Decisions:

* Pure values and functions, no I/O: a principal is built by whoever authenticated the
  caller (an API request, a dashboard session) and the rules are asked of it.
* Contact details (e-mail, phone) follow :meth:`Principal.sees_contact` (the role's
  part: the admin, and the référent of one of the person's groupements; nobody else,
  whatever later routes are added) AND the person's ``consent_contact``: ask
  :func:`graph.access.visibility.contact_shown`, which checks both.
* Whom a path query may ask about (and so name) per role: :mod:`graph.access.paths`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """Who holds a token; what each role may do is :data:`GRANTS`."""

    REFERENT = "referent"
    NATIONAL = "national"
    PORTAL = "portal"
    ADMIN = "admin"


class Permission(StrEnum):
    PATHS = "paths:query"
    MEMBERS_READ = "members:read"
    MEMBERS_WRITE = "members:write"
    ORGANISATIONS_READ = "organisations:read"
    ORGANISATIONS_WRITE = "organisations:write"
    EMPLOYERS_READ = "employers:read"
    EMPLOYERS_WRITE = "employers:write"
    OFFERS_READ = "offers:read"
    OFFERS_WRITE = "offers:write"
    #: coverage of every scope, its gaps, actions and what-if (the dashboard needs it)
    COVERAGE_READ = "coverage:read"
    #: the audit log of accesses to personal data (graph.audit)
    AUDIT_READ = "audit:read"
    #: request, follow, withdraw introductions and record outcomes (graph.access.introductions)
    INTRODUCTIONS = "introductions:write"


P = Permission
GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.REFERENT: frozenset(
        {
            P.PATHS,
            P.MEMBERS_READ,
            P.MEMBERS_WRITE,
            P.ORGANISATIONS_READ,
            P.EMPLOYERS_READ,
            P.OFFERS_READ,
            P.COVERAGE_READ,
            P.INTRODUCTIONS,
        }
    ),
    Role.NATIONAL: frozenset(
        {P.PATHS, P.ORGANISATIONS_READ, P.EMPLOYERS_READ, P.OFFERS_READ, P.COVERAGE_READ}
    ),
    Role.PORTAL: frozenset({P.PATHS, P.EMPLOYERS_READ, P.OFFERS_READ}),
}
#: roles whose requests are rate limited per token
RATE_LIMITED: frozenset[Role] = frozenset({Role.PORTAL})


@dataclass(frozen=True)
class Principal:
    """The caller, as their token describes them.

    >>> ref = Principal("tok-1", Role.REFERENT, frozenset({"grp-a"}))
    >>> ref.can(Permission.MEMBERS_READ), ref.covers(["grp-b"]), ref.covers(["grp-b", "grp-a"])
    (True, False, True)
    """

    token_id: str
    role: Role
    groupements: frozenset[str] = frozenset()

    def can(self, permission: Permission) -> bool:
        return permission in GRANTS[self.role]

    @property
    def scoped(self) -> bool:
        """True when the caller only sees people of their own groupements."""
        return self.role is Role.REFERENT

    @property
    def rate_limited(self) -> bool:
        """True when the caller's requests are rate limited per token (portals)."""
        return self.role in RATE_LIMITED

    def covers(self, person_groupements: Iterable[str]) -> bool:
        """Whether a person attached to these groupements is in the caller's scope."""
        if not self.scoped:
            return True
        return not self.groupements.isdisjoint(person_groupements)

    def sees_contact(self, person_groupements: Iterable[str]) -> bool:
        """E-mail and phone: the admin, and the référent of one of the person's groupements.

        >>> Principal("t", Role.NATIONAL).sees_contact(["grp-a"])
        False
        >>> Principal("t", Role.REFERENT, frozenset({"grp-a"})).sees_contact(["grp-a"])
        True
        """
        if self.role is Role.ADMIN:
            return True
        return self.role is Role.REFERENT and self.covers(person_groupements)


def may_open_dashboard(role: Role) -> bool:
    """Whether a token of this role may log in to the dashboard: those that read coverage
    (a portal's token is a machine's).

    >>> [r.value for r in Role if may_open_dashboard(r)]
    ['referent', 'national', 'admin']
    """
    return Permission.COVERAGE_READ in GRANTS[role]
