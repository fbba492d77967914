"""Write seed/templates/*.csv from the formats' examples: ``python tools/make_templates.py``.

The templates are the formats of :mod:`graph.exchange.formats` (headers and one example
row each), in French Excel's dialect; a test checks they are up to date.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph.exchange.formats import FORMATS, Kind  # noqa: E402

TEMPLATES = ROOT / "seed" / "templates"


def template(kind: Kind) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    columns = FORMATS[kind]
    writer.writerow([c.header for c in columns])
    writer.writerow([c.example for c in columns])
    return out.getvalue().encode("utf-8-sig")


def main() -> None:
    TEMPLATES.mkdir(parents=True, exist_ok=True)
    for kind in Kind:
        (TEMPLATES / f"{kind.value}.csv").write_bytes(template(kind))


if __name__ == "__main__":
    main()
