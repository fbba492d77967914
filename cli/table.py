"""Plain-text tables that fit a width: when the table is too wide, headers are wrapped
on words and columns split into panels that each repeat the key column; cells are never
cut (an id is shown whole).

>>> lines = render(["Identifiant", "Aidants disponibles", "Part avec chemin"],
...                [["grp-anocr-33", "12", "15,3 %"]], width=40)
>>> print("\\n".join(lines))
Identifiant   Aidants      Part avec
              disponibles  chemin
grp-anocr-33  12           15,3 %
>>> all(len(line) <= 40 for line in lines)
True
>>> render(["Code", "Bassin d'emploi"], [["ZE-33-1", "Bordeaux"]])[0]
"Code     Bassin d'emploi"
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Sequence

#: the widest a table is printed, even on a wider terminal
MAX_WIDTH = 100
GAP = "  "


def width() -> int:
    """The width to print at: the terminal's, at most :data:`MAX_WIDTH`."""
    return min(MAX_WIDTH, shutil.get_terminal_size((MAX_WIDTH, 24)).columns)


def render(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    width: int = MAX_WIDTH,
    keys: int = 1,
    right: Sequence[bool] | None = None,
) -> list[str]:
    """The lines of the table; the first ``keys`` columns start every panel, the others
    are packed into panels of at most ``width`` characters (a column wider than that
    gets a panel of its own). ``right[i]`` aligns column ``i`` on the right."""
    aligns = list(right) if right is not None else [False] * len(header)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    if sum(widths) + len(GAP) * (len(widths) - 1) > width:  # wrap the headers, then split
        widths = [_column_width(h, [r[i] for r in rows]) for i, h in enumerate(header)]
    key_cols = list(range(keys))
    key_width = sum(widths[i] + len(GAP) for i in key_cols)
    panels: list[list[int]] = []
    current: list[int] = []
    used = key_width
    for i in range(keys, len(header)):
        need = widths[i] + len(GAP)
        if current and used + widths[i] > width:
            panels.append(current)
            current, used = [], key_width
        current.append(i)
        used += need
    if current or not panels:
        panels.append(current)
    lines: list[str] = []
    for n, panel in enumerate(panels):
        if n:
            lines.append("")
        cols = key_cols + panel
        heads = [textwrap.wrap(header[i], widths[i]) or [""] for i in cols]
        for level in range(max(len(h) for h in heads)):
            parts = [
                _pad(h[level] if level < len(h) else "", widths[i], aligns[i])
                for h, i in zip(heads, cols, strict=True)
            ]
            lines.append(GAP.join(parts).rstrip())
        for row in rows:
            lines.append(GAP.join(_pad(row[i], widths[i], aligns[i]) for i in cols).rstrip())
    return lines


def _column_width(head: str, cells: Sequence[str]) -> int:
    """Wide enough for every cell and the header's longest word, and for the header on
    at most two lines."""
    words = head.split()
    longest_word = max((len(w) for w in words), default=0)
    cell = max((len(c) for c in cells), default=0)
    base = max(cell, longest_word)
    while len(textwrap.wrap(head, base)) > 2:
        base += 1
    return base


def _pad(text: str, size: int, right: bool) -> str:
    return text.rjust(size) if right else text.ljust(size)
