"""People's passwords: Argon2id hashes (``argon2-cffi``), never the password itself.

Decisions:

* Argon2id with the library's defaults (RFC 9106's low-memory profile): a password is a
  *low-entropy* secret, unlike a token (:mod:`graph.access.tokens`), so it gets a slow,
  memory-hard hash with its own random salt (kept inside the encoded hash).
* :func:`verify` also runs for an unknown e-mail (against a fixed dummy hash), so the
  time of an answer does not tell whether an account exists.
* A password is 12 to 200 characters; nothing else is imposed (length is what counts).

>>> stored = hash_password("cheval-agrafe-batterie")
>>> stored.startswith("$argon2id$"), verify(stored, "cheval-agrafe-batterie"), verify(stored, "x")
(True, True, False)
"""

from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from graph.errors import InvalidInput

MIN_LENGTH = 12
MAX_LENGTH = 200
_HASHER = PasswordHasher()


def check_password(password: str) -> str:
    """The password if acceptable, else :class:`InvalidInput` (field ``password``).

    >>> check_password("court")
    Traceback (most recent call last):
    ...
    graph.errors.InvalidInput: password: must be 12 to 200 characters
    """
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidInput("password", f"must be {MIN_LENGTH} to {MAX_LENGTH} characters")
    return password


def hash_password(password: str) -> str:
    """The encoded Argon2id hash (algorithm, parameters, salt and digest)."""
    return _HASHER.hash(check_password(password))


@lru_cache(maxsize=1)
def _dummy() -> str:
    return _HASHER.hash(secrets.token_urlsafe(16))


def verify(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored``; with no stored hash the work is done all
    the same (on a dummy) and the answer is False."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        ok = _HASHER.verify(stored or _dummy(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return ok and stored is not None


def needs_rehash(stored: str) -> bool:
    """Whether ``stored`` was made with weaker parameters than today's."""
    return _HASHER.check_needs_rehash(stored)


def generate() -> str:
    """A random password for a first login (about 120 bits), shown once to the admin."""
    return secrets.token_urlsafe(15)
