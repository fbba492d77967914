"""Who may do what: bearer tokens, roles, permissions and the référent's scope.

Every ``/api/v1`` operation needs a bearer token (``passerelle token create``). The
order of checks never depends on the resource asked for, so a refusal says nothing
about whether it exists: **401** (no valid token) → **429** (portal over its rate) →
**403** (the role lacks the operation's permission) → only then the resource is looked
up. For a référent, a person outside their groupements is answered exactly like an id
that does not exist (404 with the same body), see :func:`api.deps.person_in_scope`.

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
=================== ===== ======== ======== ======

"scoped": a référent acts only on people who are ``IN_GROUPEMENT`` one of the token's
groupements (path queries: the candidate; coverage: their groupements). The national
cell sees paths (ids and names only of consenting people, never contact details) but no
member records. Portals get path queries, and the employers and offers they need to
name targets, rate limited per token.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.problems import Forbidden, RateLimited, Unauthorized
from api.tokens import Role


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
    #: for the coverage routes (national, région, département, groupement, gaps, what-if)
    COVERAGE_READ = "coverage:read"


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

    def covers(self, person_groupements: Iterable[str]) -> bool:
        """Whether a person attached to these groupements is in the caller's scope."""
        if not self.scoped:
            return True
        return not self.groupements.isdisjoint(person_groupements)

    def sees_contact(self, person_groupements: Iterable[str]) -> bool:
        """E-mail and phone: the admin, and the référent of one of the person's groupements."""
        if self.role is Role.ADMIN:
            return True
        return self.role is Role.REFERENT and self.covers(person_groupements)


_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearerToken",
    description="A token from `passerelle token create --role ROLE`.",
)


async def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller of this request, or 401; portal tokens are rate limited here (429).

    Runs on the event loop: the token lookup is one indexed read of a small WAL-mode
    SQLite file, which never waits for a writer.
    """
    if credentials is None:
        raise Unauthorized()
    info = request.app.state.tokens.authenticate(credentials.credentials)
    if info is None:
        raise Unauthorized()
    principal = Principal(info.id, info.role, frozenset(info.groupements))
    request.state.principal = principal  # for the access log (token id and role only)
    if principal.role in RATE_LIMITED:
        wait = request.app.state.ratelimiter.acquire(principal.token_id)
        if wait > 0:
            raise RateLimited(max(1, int(wait + 0.999)))
    return principal


def require(permission: Permission) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency giving the caller when their role holds ``permission``, else 403."""

    async def dependency(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if not principal.can(permission):
            raise Forbidden(f"a {principal.role.value} token may not use this operation")
        return principal

    dependency.__name__ = f"require_{permission.name.lower()}"
    return dependency
