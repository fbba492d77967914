"""A referral-path query's arguments: what they may be, and what they name on a view.

Both ways of answering a query use this module, so they check the same things in the
same order and raise the same errors: the in-memory service (:mod:`graph.paths.service`)
on the store's whole view, the in-database search (:mod:`graph.neo4j.paths`) on the small
view of the part of the graph a path can use.

* :class:`Target` – what the candidate should be introduced to;
* :func:`check_query` – the policy, the target and the date, checked first;
* :func:`node_of` – the number of a node given by id, of the expected label;
* :func:`target_set` – the engine's :class:`~graph.paths.engine.TargetSet` of a target.

Decisions:

* A person target that is the candidate themselves is an error; so is a target id of
  another kind (e.g. a person id given as ``--employer``).
* Sectors and bassins are given by their ``code`` (``btp``, ``ZE-33-1``); a node id is
  accepted as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from graph.errors import InvalidInput, NotFound
from graph.model import Label
from graph.paths import engine
from graph.paths.index import PathIndex
from graph.paths.policy import PathPolicy
from graph.store import GraphStore
from graph.view import LABELS, GraphView

TARGET_KINDS = ("person", "employer", "offer", "set")


@dataclass(frozen=True)
class Target:
    """What the candidate should be introduced to.

    >>> Target.employer("emp-thales-33").kind
    'employer'
    >>> Target.sector_in_bassin("defense", "ZE-33-1").bassin
    'ZE-33-1'
    """

    kind: str
    id: str | None = None
    sector: str | None = None
    bassin: str | None = None

    @classmethod
    def person(cls, person_id: str) -> Target:
        return cls("person", id=person_id)

    @classmethod
    def employer(cls, employer_id: str) -> Target:
        return cls("employer", id=employer_id)

    @classmethod
    def offer(cls, offer_id: str) -> Target:
        return cls("offer", id=offer_id)

    @classmethod
    def sector_in_bassin(cls, sector: str, bassin: str) -> Target:
        return cls("set", sector=sector, bassin=bassin)

    def check(self) -> None:
        if self.kind not in TARGET_KINDS:
            raise InvalidInput(
                "target.kind",
                f"must be one of {', '.join(TARGET_KINDS)} (got {self.kind!r})",
                self.kind,
            )
        if self.kind == "set":
            for name in ("sector", "bassin"):
                if not isinstance(getattr(self, name), str) or not getattr(self, name):
                    raise InvalidInput(
                        name, "is required for a sector-and-bassin target", getattr(self, name)
                    )
        elif not isinstance(self.id, str) or not self.id:
            raise InvalidInput(self.kind, "an id is required", self.id)

    def sector_and_bassin(self) -> tuple[str, str]:
        """The codes (or ids) of a checked sector-and-bassin target."""
        if self.sector is None or self.bassin is None:
            raise InvalidInput("target", "is not a sector-and-bassin target", self.kind)
        return self.sector, self.bassin


def check_query(target: Any, policy: Any, as_of: Any) -> tuple[Target, PathPolicy, date]:
    """The target, the policy (default :class:`PathPolicy`) and the date (default today),
    checked in this order: policy, target, date.

    >>> check_query(Target.person("p"), None, date(2025, 1, 1))[2]
    datetime.date(2025, 1, 1)
    >>> check_query("p", None, None)
    Traceback (most recent call last):
    ...
    graph.errors.InvalidInput: target: must be a Target
    """
    policy = PathPolicy() if policy is None else policy
    if not isinstance(policy, PathPolicy):
        raise InvalidInput("policy", "must be a PathPolicy", policy)
    if not isinstance(target, Target):
        raise InvalidInput("target", "must be a Target", target)
    target.check()
    as_of = date.today() if as_of is None else as_of
    if not isinstance(as_of, date):
        raise InvalidInput("as_of", f"must be a date (got {as_of!r})", as_of)
    return target, policy, as_of


def node_of(view: GraphView, node_id: Any, label: Label, field: str) -> int:
    """The number of node ``node_id`` in ``view``; the errors name ``field``.

    :class:`~graph.errors.NotFound` for an unknown id, :class:`~graph.errors.InvalidInput`
    for a value that is not an id or a node of another label.
    """
    if not isinstance(node_id, str) or not node_id:
        raise InvalidInput(field, f"must be a {label.value} id (got {node_id!r})", node_id)
    nid = view.index.get(node_id)
    if nid is None:
        raise NotFound(label.value, node_id, field)
    actual = LABELS[int(view.labels[nid])]
    if actual != label:
        raise InvalidInput(
            field, f"{node_id!r} is {_a(actual.value)}, not {_a(label.value)}", node_id
        )
    return nid


def _a(word: str) -> str:
    return f"{'an' if word[0] in 'AEIOU' else 'a'} {word}"


def _by_code(
    store: GraphStore,
    view: GraphView,
    code: str,
    label: Label,
    field: str,
    codes: Mapping[tuple[Label, str], str] | None,
) -> int:
    """The node of a sector or bassin given by code (or by id), from ``codes`` when
    given (:func:`graph.paths.service.codes_of`), else from the store."""
    if codes is not None:
        node_id = codes.get((label, code))
    else:
        found = store.find(label, {"code": code}, limit=1)
        node_id = found[0].id if found else None
    if node_id is not None and node_id in view.index:
        return view.nid(node_id)
    return node_of(view, code, label, field)


def target_set(
    store: GraphStore,
    view: GraphView,
    index: PathIndex,
    target: Target,
    candidate: int,
    day: int,
    codes: Mapping[tuple[Label, str], str] | None = None,
) -> engine.TargetSet:
    """The contacts the engine looks for, for a checked ``target`` at ``day``."""
    if target.kind == "person":
        person = node_of(view, target.id, Label.PERSON, "person")
        if person == candidate:
            raise InvalidInput("person", f"{target.id!r} is the candidate themselves", target.id)
        return engine.person_target(index, person)
    if target.kind == "employer":
        return engine.employer_target(
            index, node_of(view, target.id, Label.EMPLOYER, "employer"), day
        )
    if target.kind == "offer":
        return engine.offer_target(index, node_of(view, target.id, Label.JOB_OFFER, "offer"), day)
    sector_code, bassin_code = target.sector_and_bassin()
    sector = _by_code(store, view, sector_code, Label.SECTOR, "sector", codes)
    bassin = _by_code(store, view, bassin_code, Label.BASSIN_EMPLOI, "bassin", codes)
    return engine.set_target(index, sector, bassin, day)
