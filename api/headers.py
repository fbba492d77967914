"""Security headers on every response of the app (the API, its docs, a mounted dashboard).

Decisions:

* ``Content-Security-Policy: frame-ancestors 'none'`` and ``X-Frame-Options: DENY``
  (for older browsers): no page of ours may be framed by another site (clickjacking).
  The policy sets nothing else: the dashboard's renderer and the API docs run scripts
  and styles that a stricter policy would have to list one by one.
* ``X-Content-Type-Options: nosniff``: a JSON answer is never run as a script.
* ``Referrer-Policy: no-referrer``: ids in our URLs (``?candidat=p-…``) never leave in a
  ``Referer`` header to another site.
* A header the wrapped app set already is kept (the dashboard sets the same ones when it
  runs alone: :mod:`dashboard.app`), never doubled.

The values are :data:`SECURITY_HEADERS`, the ones the tests check.
"""

from __future__ import annotations

from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS: Final[dict[str, str]] = {
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_ENCODED = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]


class SecurityHeaders:
    """ASGI middleware adding :data:`SECURITY_HEADERS` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in _ENCODED if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
