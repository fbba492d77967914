"""The domain's exception tree.

Callers catch at the level they can handle: the API maps each class to a status code,
the CLI prints ``str(error)`` on one line and exits non-zero.
"""

from __future__ import annotations

from typing import Any


class PasserelleError(Exception):
    """Base class of every error Passerelle raises on purpose."""


class InvalidInput(PasserelleError):
    """A value given by a caller is not acceptable.

    ``field`` names the offending field (dotted for nested values, e.g. ``rels[3].strength``),
    ``value`` is the rejected value (never logged for personal fields).
    """

    def __init__(self, field: str, message: str, value: Any = None) -> None:
        self.field = field
        self.message = message
        self.value = value
        super().__init__(f"{field}: {message}")


class NotFound(PasserelleError):
    """An id that does not name anything (of the expected kind) in the store."""

    def __init__(self, kind: str, id: str, field: str = "id") -> None:
        self.kind = kind
        self.id = id
        self.field = field
        super().__init__(f"{field}: no {kind} with id {id!r}")


class AccessDenied(PasserelleError):
    """The caller's role or scope does not allow this (:mod:`graph.access`).

    ``field`` names what is out of the caller's reach when one field is (e.g.
    ``changes[0].person_id``), else None.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        self.message = message
        super().__init__(message if field is None else f"{field}: {message}")


class Conflict(PasserelleError):
    """The request contradicts what is stored (e.g. an id reused with another label)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class AlreadyExists(Conflict):
    """A create of a node whose id is taken (``Batch(create_only=...)``), decided inside
    the write transaction: it holds across processes writing to the same store."""

    def __init__(self, field: str, id: str) -> None:
        self.id = id
        super().__init__(field, f"{id!r} already exists")


class StoreUnavailable(PasserelleError):
    """The store cannot be reached or opened (server down, locked beyond the busy timeout,
    unreadable file). Never raised because another process wrote: writes wait their turn."""


class ConfigError(PasserelleError):
    """A setting is missing or invalid."""
