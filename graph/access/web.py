"""The security headers every HTTP answer carries, for the API and the dashboard alike.

Decisions:

* ``Content-Security-Policy: frame-ancestors 'none'`` and ``X-Frame-Options: DENY``
  (for older browsers): no page of ours may be framed by another site (clickjacking).
  The policy sets nothing else: the dashboard's renderer and the API docs run scripts
  and styles that a stricter policy would have to list one by one.
* ``X-Content-Type-Options: nosniff``: a JSON answer is never run as a script.
* ``Referrer-Policy: strict-origin-when-cross-origin``: ids in our URLs
  (``?candidat=p-…``) never leave in a ``Referer`` header to another site (it gets our
  origin at most). Not ``no-referrer``: under that policy browsers send ``Origin: null``
  with every POST, our own login form's included, and the login needs ``Origin``
  (:mod:`dashboard.auth`).
* The values live in the core because two entry points that may not import each other
  (:mod:`api.headers`, :mod:`dashboard.auth`) send the same ones; tests check both.
"""

from __future__ import annotations

from typing import Final

SECURITY_HEADERS: Final[dict[str, str]] = {
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
