"""Personal answer links: single-use, expiring, tamper-proof tokens, one per hop asked.

A token is ``<payload>.<signature>`` (URL-safe base64): the payload names the
introduction, the hop's position, the hop's nonce and the expiry (Unix seconds); the
signature is HMAC-SHA256 of the payload with the server secret. It is checked in this
order: well formed → signature (:class:`LinkInvalid`) → not expired
(:class:`LinkExpired`); the service then checks that the hop is still the pending one,
with the same nonce and the same digest (single use, :class:`LinkUsed`).

Decisions:

* **The server secret** is 32 random bytes in ``<data_dir>/introductions.key``
  (created once, mode 0600, atomically: two workers starting at once keep the same
  key). A token from another installation, or with any byte changed, fails the
  signature; nobody can make a link for a hop without the key.
* **Stored hashed**: a hop keeps the SHA-256 of its link, never the link. The link is
  rebuilt from the key and the hop (nonce, expiry) when the reminder is sent, so the
  person's first e-mail keeps working. A stolen database alone gives no link.
* **Single use**: answering moves the hop out of ``pending``; asking again (a reroute)
  draws a new nonce, so an old link never answers a new question.
* stdlib :mod:`hmac` rather than ``itsdangerous``: the format is twenty lines and the
  comparison is :func:`hmac.compare_digest`.

>>> key = b"k" * 32
>>> token = make_token(key, "intro-1", 0, "abcd", 2_000_000_000)
>>> read_token(key, token, now=1_900_000_000)
LinkClaim(intro_id='intro-1', position=0, nonce='abcd', expires=2000000000)
>>> read_token(key, token[:-2] + "AA", now=1_900_000_000)
Traceback (most recent call last):
...
graph.introductions.links.LinkInvalid: link: this link is not valid
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from graph.errors import NotFound, PasserelleError

KEY_FILE = "introductions.key"


class LinkError(PasserelleError):
    """A personal link that cannot be used; ``message`` is French, for the person."""

    field = "link"
    message = "ce lien n'est pas valide"
    english = "this link is not valid"

    def __init__(self) -> None:
        super().__init__(f"{self.field}: {self.english}")


class LinkInvalid(LinkError):
    """Malformed, tampered with, or signed by another key."""


class LinkExpired(LinkError):
    """Past its expiry."""

    message = "ce lien a expiré"
    english = "this link has expired"


class LinkUsed(LinkError):
    """Already answered, or replaced (the introduction moved on, was withdrawn or erased)."""

    message = "ce lien a déjà servi ou n'est plus d'actualité"
    english = "this link was already used or is no longer current"


@dataclass(frozen=True)
class LinkClaim:
    intro_id: str
    position: int
    nonce: str
    expires: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_token(key: bytes, intro_id: str, position: int, nonce: str, expires: int) -> str:
    """The link token of a hop (deterministic: the same hop gives the same token)."""
    payload = f"{intro_id}|{position}|{nonce}|{expires}".encode()
    signature = hmac.new(key, payload, hashlib.sha256).digest()
    return f"{_b64(payload)}.{_b64(signature)}"


def read_token(key: bytes, token: str, now: int) -> LinkClaim:
    """What a token claims, once its signature and expiry are checked."""
    if len(token) > 400 or token.count(".") != 1:
        raise LinkInvalid()
    payload_b64, signature_b64 = token.split(".")
    try:
        payload = _unb64(payload_b64)
        signature = _unb64(signature_b64)
    except (binascii.Error, ValueError):
        raise LinkInvalid() from None
    expected = hmac.new(key, payload, hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected):
        raise LinkInvalid()
    try:
        intro_id, position, nonce, expires = payload.decode().split("|")
        claim = LinkClaim(intro_id, int(position), nonce, int(expires))
    except ValueError:
        raise LinkInvalid() from None
    if now >= claim.expires:
        raise LinkExpired()
    return claim


def digest(token: str) -> str:
    """The stored form of a link (hex SHA-256)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def load_key(data_dir: Path) -> bytes:
    """The server secret of the links, created on first use (0600, atomically)."""
    path = Path(data_dir) / KEY_FILE
    with contextlib.suppress(FileNotFoundError):
        return _read_key(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(secrets.token_bytes(32))
        f.flush()
        os.fsync(f.fileno())
    try:
        os.link(tmp, path)  # fails when another process made the key first: keep theirs
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    key = path.read_bytes()
    if len(key) < 32:
        raise NotFound("link key", str(path))
    return key
