"""What a referral-path query returns: frozen dataclasses with a JSON-ready ``to_dict()``.

Only what a référent may see: ids and display names of the people on a path (names only
of people who consented), costs and the French explanation of each hop. Never contact
details: no record here has a field for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import TypeAdapter

_ADAPTERS: dict[type, TypeAdapter[Any]] = {}


def _adapter(cls: type) -> TypeAdapter[Any]:
    """The pydantic adapter of a result class, made once (two threads racing make two
    equal ones; either is kept)."""
    found = _ADAPTERS.get(cls)
    if found is None:
        found = _ADAPTERS[cls] = TypeAdapter(cls)
    return found


class _ToDict:
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values (dates as ISO text, tuples as lists)."""
        return _adapter(type(self)).dump_python(self, mode="json")

    def to_json(self) -> bytes:
        """The JSON of :meth:`to_dict`, encoded in one pass (pydantic-core): what the API
        sends, at a fraction of the cost of building the dict and encoding it."""
        return _adapter(type(self)).dump_json(self)


@dataclass(frozen=True)
class PersonRef(_ToDict):
    """A person as a référent may see them; ``id`` is None when they may not be named."""

    id: str | None
    name: str


@dataclass(frozen=True)
class Hop(_ToDict):
    """One introduction: ``from_id`` introduces the candidate on to ``to_id``."""

    from_id: str | None
    to_id: str | None
    kind: str  # knows, mentors, referent, bridge
    cost: float
    explanation: str


@dataclass(frozen=True)
class Path(_ToDict):
    rank: int
    cost: float
    intermediaries: tuple[PersonRef, ...]
    contact: PersonRef
    hops: tuple[Hop, ...]
    contact_reason: str
    #: ids of the people on this path who are at or over their monthly capacity
    over_capacity: tuple[str, ...] = ()
    #: ids of intermediaries this path shares with another returned path
    shares_intermediaries: tuple[str, ...] = ()
    #: every hop's explanation, then why the contact is at the target, then warnings
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class TargetRef(_ToDict):
    kind: str  # person, employer, offer, set
    id: str | None
    label: str
    sector: str | None = None
    bassin: str | None = None


@dataclass(frozen=True)
class NoPath(_ToDict):
    """Why there is no path: a stable ``code`` and a French ``message``."""

    code: str
    message: str


@dataclass(frozen=True)
class Alternative(_ToDict):
    """A reachable employer like the target, with the cheapest path to it."""

    employer_id: str
    employer: str
    path: Path


@dataclass(frozen=True)
class Place(_ToDict):
    """An employer (or a groupement) by id and display name."""

    id: str
    name: str


@dataclass(frozen=True)
class Referent(_ToDict):
    """A référent of a groupement covering the target's bassin, named as anyone may see."""

    groupement_id: str
    groupement: str
    person: PersonRef


@dataclass(frozen=True)
class NextSteps(_ToDict):
    """What to do when there is no path (:mod:`graph.paths.next_steps`).

    ``employers``: the nearest employers like the target the candidate can reach (those
    of ``alternatives``); ``helpers``: available helpers of the candidate's groupements
    who work in the target's sector; ``referents``: the référents of the groupements
    covering the target's bassin; ``advice``: the same, as French sentences.
    """

    sector: str | None
    bassin: str | None
    employers: tuple[Place, ...] = ()
    helpers: tuple[PersonRef, ...] = ()
    referents: tuple[Referent, ...] = ()
    advice: tuple[str, ...] = ()


@dataclass(frozen=True)
class PathResult(_ToDict):
    candidate: PersonRef
    target: TargetRef
    as_of: date
    version: int
    policy: dict[str, Any]
    paths: tuple[Path, ...]
    no_path: NoPath | None = None
    alternatives: tuple[Alternative, ...] = ()
    notes: tuple[str, ...] = ()
    #: with ``no_path`` only: what to do next
    next_steps: NextSteps | None = None

    @property
    def found(self) -> bool:
        return bool(self.paths)
