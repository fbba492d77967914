"""The public codes of bassins and sectors: one set, for the API, the CLI and the dashboard.

A bassin d'emploi, a bassin de vie and a sector are named to users by their own
``code`` (``ZE-33-1``, ``BV-33-1``, ``defense``); their node id (``be-ZE-33-1``,
``bv-BV-33-1``, ``sec-defense``) is internal. Every entry point shows the code and takes
either (the id for compatibility with what was published before).

Decisions:

* Codes are read once per store version (a few hundred nodes) and kept in a
  :class:`graph.memo.VersionMemo`, with the bassins' département and région.
* :func:`resolve` raises :class:`graph.errors.NotFound` naming the caller's field when
  the value is neither a code nor an id of the expected label.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from graph.errors import NotFound
from graph.memo import VersionMemo
from graph.model import BassinEmploi, BassinVie, Label, RelType, Sector
from graph.store import GraphStore, find_all
from graph.view import GraphView

#: the labels whose public name is their code
CODED = (Label.BASSIN_EMPLOI, Label.BASSIN_VIE, Label.SECTOR)


@dataclass(frozen=True)
class Place:
    """A bassin (d'emploi or de vie) as listed: its code, name and where it lies."""

    code: str
    name: str
    departement: str | None
    departement_name: str | None
    region: str | None
    region_name: str | None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class SectorInfo:
    """A sector as listed."""

    code: str
    name: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class Codes:
    """The coded nodes of one store version."""

    #: node id -> code
    code_of: dict[str, str]
    #: (label, code) -> node id
    id_of: dict[tuple[Label, str], str]
    #: node id -> label
    label_of: dict[str, Label]
    bassins: tuple[Place, ...]
    bassins_vie: tuple[Place, ...]
    sectors: tuple[SectorInfo, ...]


_CODES: VersionMemo[Codes] = VersionMemo("place codes", versions=2)


def codes(store: GraphStore, view: GraphView | None = None) -> Codes:
    """The codes of ``store`` at ``view``'s version (the store's current view by default)."""
    view = store.view() if view is None else view
    return _CODES.get(store, view.version, "codes", lambda: _read(store, view))


def public_id(store: GraphStore, node_id: str) -> str:
    """What users read for a node: a bassin's or sector's code, else the id itself."""
    return codes(store).code_of.get(node_id, node_id)


def public_ids(store: GraphStore, node_ids: Iterable[str]) -> list[str]:
    """:func:`public_id` of each, in order."""
    code_of = codes(store).code_of
    return [code_of.get(i, i) for i in node_ids]


def resolve(store: GraphStore, label: Label, value: str, field: str) -> str:
    """The node id of a bassin or sector given by code (``ZE-33-1``) or by node id
    (``be-ZE-33-1``)."""
    known = codes(store)
    node_id = known.id_of.get((label, value))
    if node_id is not None:
        return node_id
    if known.label_of.get(value) == label:
        return value
    raise NotFound(label.value, value, field)


def id_or_given(store: GraphStore, label: Label, value: str) -> str:
    """The node id of a bassin or sector given by code or id; any other value as it is
    (for the caller's own check to report where it stands, e.g. ``sector_ids[1]``)."""
    return codes(store).id_of.get((label, value), value)


def list_bassins(
    store: GraphStore,
    departement: str | None = None,
    region: str | None = None,
    kind: Label = Label.BASSIN_EMPLOI,
) -> list[Place]:
    """The bassins d'emploi (or de vie) by code, of a département or a région if given."""
    known = codes(store)
    rows = known.bassins if kind == Label.BASSIN_EMPLOI else known.bassins_vie
    return [
        p
        for p in rows
        if (departement is None or p.departement == departement)
        and (region is None or p.region == region)
    ]


def list_sectors(store: GraphStore) -> list[SectorInfo]:
    """Every sector, by code."""
    return list(codes(store).sectors)


def _read(store: GraphStore, view: GraphView) -> Codes:
    code_of: dict[str, str] = {}
    id_of: dict[tuple[Label, str], str] = {}
    label_of: dict[str, Label] = {}
    records = {label: list(find_all(store, label)) for label in CODED}
    for label, found in records.items():
        for record in found:
            code = getattr(record, "code", None)
            label_of[record.id] = label
            if isinstance(code, str):
                code_of[record.id] = code
                id_of.setdefault((label, code), record.id)
    geo = {r.id: r for label in (Label.DEPARTEMENT, Label.REGION) for r in find_all(store, label)}
    part_of = view.rel(RelType.PART_OF)
    parent: dict[str, str] = {}
    for src, dst in zip(part_of.src.tolist(), part_of.dst.tolist(), strict=True):
        parent.setdefault(view.ids[src], view.ids[dst])

    def place(record: BassinEmploi | BassinVie) -> Place:
        dep = geo.get(parent.get(record.id, ""))
        reg = geo.get(parent.get(dep.id, "")) if dep is not None else None
        return Place(
            code=record.code,
            name=record.name,
            departement=getattr(dep, "code", None),
            departement_name=getattr(dep, "name", None),
            region=getattr(reg, "code", None),
            region_name=getattr(reg, "name", None),
        )

    def bassins(label: Label) -> tuple[Place, ...]:
        found = [place(r) for r in records[label] if isinstance(r, BassinEmploi | BassinVie)]
        return tuple(sorted(found, key=lambda p: _natural(p.code)))

    sectors = tuple(
        sorted(
            (SectorInfo(r.code, r.name) for r in records[Label.SECTOR] if isinstance(r, Sector)),
            key=lambda s: s.code,
        )
    )
    return Codes(
        code_of, id_of, label_of, bassins(Label.BASSIN_EMPLOI), bassins(Label.BASSIN_VIE), sectors
    )


def _natural(code: str) -> tuple[object, ...]:
    """``ZE-2-10`` after ``ZE-2-9``: numbers compare as numbers.

    >>> sorted(["ZE-33-10", "ZE-33-9", "ZE-2A-1"], key=_natural)
    ['ZE-2A-1', 'ZE-33-9', 'ZE-33-10']
    """
    parts = (re.match(r"(\d*)(.*)", part) for part in code.split("-"))
    return tuple((int(m[1]) if m[1] else -1, m[2]) for m in parts if m is not None)
