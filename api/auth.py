"""Who is calling: bearer tokens checked per request, the permission an operation needs.

Every ``/api/v1`` operation needs a bearer token (``passerelle token create``). The
order of checks never depends on the resource asked for, so a refusal says nothing
about whether it exists: **401** (no valid token) → **429** (portal over its rate) →
**403** (the role lacks the operation's permission) → only then the resource is looked
up. For a référent, a person outside their groupements is answered exactly like an id
that does not exist (404 with the same body), see
:func:`graph.access.scope.person_in_scope`.

Roles, permissions and scopes are the core's access policy (:mod:`graph.access.roles`,
with the role table); this module only turns a request into a
:class:`~graph.access.roles.Principal` and a missing permission into 403.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.problems import Forbidden, RateLimited, Unauthorized
from graph.access.roles import Permission, Principal

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
    principal = info.principal()
    request.state.principal = principal  # for the access log (token id and role only)
    if principal.rate_limited:
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
