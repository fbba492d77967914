"""Cell values: French and ISO dates, decimal commas, oui/non, enumeration labels.

Each reader takes a trimmed, non-empty cell and returns the model's value, or raises
:class:`CellError` whose reason is French, for the import's report.

>>> read_date("15/03/2024"), read_date("2024-03-15"), read_date("15 Mar 2024")
(datetime.date(2024, 3, 15), datetime.date(2024, 3, 15), datetime.date(2024, 3, 15))
>>> read_float("0,8"), read_bool("Oui"), read_enum("Candidat", PersonStatus)
(0.8, True, 'candidate')
>>> read_date("31/02/2024")
Traceback (most recent call last):
...
graph.exchange.values.CellError: date invalide (attendu JJ/MM/AAAA ou AAAA-MM-JJ)
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from functools import lru_cache

from graph.exchange.formats import ENUM_LABELS, fold
from graph.model import PersonStatus

__all__ = ["CellError", "PersonStatus", "read_bool", "read_date", "read_enum", "read_float"]

_FR = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.]+)?$")
_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("jan", "janv", "janvier", "january"),
            ("feb", "fev", "fevr", "fevrier", "february"),
            ("mar", "mars", "march"),
            ("apr", "avr", "avril", "april"),
            ("may", "mai"),
            ("jun", "juin", "june"),
            ("jul", "juil", "juillet", "july"),
            ("aug", "aou", "aout", "august"),
            ("sep", "sept", "septembre", "september"),
            ("oct", "octobre", "october"),
            ("nov", "novembre", "november"),
            ("dec", "decembre", "december"),
        ]
    )
    for m in names
}
_WORDS = re.compile(r"^(\d{1,2})\s+([a-z]+)\.?\s+(\d{4})$")
_TRUE = frozenset({"oui", "o", "yes", "y", "true", "vrai", "1", "x"})
_FALSE = frozenset({"non", "n", "no", "false", "faux", "0"})


class CellError(ValueError):
    """A cell that cannot be read; the message is the reason, in French."""


@lru_cache(maxsize=65_536)
def read_date(text: str) -> date:
    """A date written 15/03/2024, 15/03/24, 2024-03-15 or 15 Mar 2024 (LinkedIn)."""
    try:
        if m := _FR.match(text):
            day, month, year = (int(g) for g in m.groups())
            if len(m.group(3)) == 2:
                year += 2000 if year < 70 else 1900
            return date(year, month, day)
        if m := _ISO.match(text):
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if (m := _WORDS.match(fold(text))) and m.group(2) in _MONTHS:
            return date(int(m.group(3)), _MONTHS[m.group(2)], int(m.group(1)))
    except ValueError:
        pass
    raise CellError("date invalide (attendu JJ/MM/AAAA ou AAAA-MM-JJ)")


@lru_cache(maxsize=4_096)
def read_float(text: str) -> float:
    """A number with a decimal comma or point (``0,8``, ``0.8``)."""
    try:
        value = float(text.replace("\u202f", "").replace(" ", "").replace(",", "."))
    except ValueError:
        raise CellError("nombre invalide (exemple : 0,8)") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise CellError("nombre invalide (exemple : 0,8)")
    return value


def read_int(text: str) -> int:
    """A whole number (``2``, ``2 000``)."""
    cleaned = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    if not re.fullmatch(r"[+-]?\d{1,12}", cleaned):
        raise CellError("nombre entier invalide")
    return int(cleaned)


def read_bool(text: str) -> bool:
    """oui/non (also yes/no, vrai/faux, 1/0, x)."""
    key = fold(text)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise CellError("valeur invalide (attendu oui ou non)")


@lru_cache(maxsize=4_096)
def read_enum(text: str, enum: type[StrEnum]) -> str:
    """An enumeration's value, from the value itself or a French label, without accents
    or case."""
    key = fold(text)
    values = {fold(m.value): m.value for m in enum}
    if key in values:
        return values[key]
    mapped = ENUM_LABELS.get(key)
    if mapped is not None and mapped in {m.value for m in enum}:
        return mapped
    allowed = ", ".join(m.value for m in enum)
    raise CellError(f"valeur inconnue (valeurs possibles : {allowed})")
