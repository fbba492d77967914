"""From a file's bytes to rows: encoding, separator, headers, blank lines, trimming.

>>> data = "\\ufeffPrénom;Nom\\r\\n Anne ;Dupont\\r\\n;\\r\\n".encode()
>>> f = SourceFile.from_bytes("membres.csv", data)
>>> table = read_table(f)
>>> table.encoding, table.delimiter, table.headers, [(r.line, r.cells) for r in table.rows]
('utf-8-sig', ';', ['Prénom', 'Nom'], [(2, ['Anne', 'Dupont'])])

Decisions:

* Encoding: UTF-8 (with or without BOM) when the bytes decode as UTF-8, else
  Windows-1252, what French Excel writes; Windows-1252 decodes any byte, so a file in
  another 8-bit encoding shows up as odd letters in the report, never as a crash. No
  detection library: these two cover the spreadsheets we get, and the rule is
  predictable.
* Separator: whichever of ``;``, ``,``, tab occurs most in the header line, outside
  quotes (a header has no decimal commas).
* Lines are counted as a spreadsheet shows them (the header is line 1; a quoted cell
  spanning lines counts them all), so a problem's line is the one the user sees.
* Blank lines (every cell empty) are skipped; cells are trimmed (also non-breaking
  spaces).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from graph.model import WHITESPACE

DELIMITERS = (";", ",", "\t")


@dataclass(frozen=True)
class SourceFile:
    """A file given to an import: its name (as the user knows it) and its bytes."""

    name: str
    data: bytes

    @classmethod
    def from_bytes(cls, name: str, data: bytes) -> SourceFile:
        return cls(name, data)

    @classmethod
    def from_path(cls, path: str | Path) -> SourceFile:
        path = Path(path)
        return cls(path.name, path.read_bytes())


class Row(NamedTuple):
    line: int
    cells: list[str]


@dataclass
class Table:
    name: str
    encoding: str
    delimiter: str
    headers: list[str]
    rows: list[Row] = field(default_factory=list)


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 with or without BOM, else Windows-1252.

    >>> decode("é".encode("cp1252")), decode("\\ufeffé".encode())
    (('é', 'cp1252'), ('é', 'utf-8-sig'))
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def sniff_delimiter(line: str) -> str:
    """The separator of a header line: the most frequent of ``;``, ``,`` and tab outside
    quotes (``;`` when none).

    >>> sniff_delimiter('a,b,"c;d"'), sniff_delimiter("a;b;c,d"), sniff_delimiter("a")
    (',', ';', ';')
    """
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif not quoted and c in counts:
            counts[c] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ";"


def trim(cell: str) -> str:
    """A cell without the spaces around it (also non-breaking ones)."""
    return cell.strip(WHITESPACE)


def read_table(source: SourceFile, skip_until: str | None = None) -> Table:
    """The file's header and non-blank rows, trimmed.

    ``skip_until``: lines before the first one that starts with this text (folded) are
    notes, not data (a LinkedIn export); the header is that line.
    """
    text, encoding = decode(source.data)
    lines = text.splitlines(keepends=True)
    start = 0
    if skip_until is not None:
        wanted = skip_until.casefold()
        start = next(
            (i for i, ln in enumerate(lines) if trim(ln).casefold().startswith(wanted)), 0
        )
    while start < len(lines) and not trim(lines[start]).strip(";,\t"):
        start += 1  # blank lines (or empty cells only) before the header
    if start >= len(lines):
        return Table(source.name, encoding, ";", [])
    delimiter = sniff_delimiter(lines[start])
    reader = csv.reader(io.StringIO("".join(lines[start:])), delimiter=delimiter)
    table = Table(source.name, encoding, delimiter, [])
    rows = table.rows
    first = True
    after = start  # physical lines read so far (the next record starts on after + 1)
    for cells in reader:
        line = after + 1
        after = start + reader.line_num
        # str.strip() (C) first; the model's whitespace set only where it differs
        cells = [c.strip() for c in cells]
        if first:
            table.headers = [trim(c) for c in cells]
            first = False
            continue
        if not any(cells):
            continue
        rows.append(Row(line, cells))
    return table


def unzip(source: SourceFile, wanted: str | None = None) -> Iterator[SourceFile]:
    """The CSV files of a zip (only the one named ``wanted`` when given), or the file
    itself when it is not a zip."""
    if not source.data.startswith(b"PK\x03\x04"):
        yield source
        return
    with zipfile.ZipFile(io.BytesIO(source.data)) as archive:
        for info in archive.infolist():
            base = info.filename.rsplit("/", 1)[-1]
            if info.is_dir() or not base.lower().endswith(".csv"):
                continue
            if wanted is not None and base.lower() != wanted.lower():
                continue
            yield SourceFile(base, archive.read(info))
