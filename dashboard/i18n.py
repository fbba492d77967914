"""French formatting of numbers, shares and dates, and the dashboard's words.

Thousands are separated by a narrow no-break space (U+202F) and decimals by a comma, as
the French typographic rules and the CLDR ``fr`` locale write them; a percentage keeps a
narrow no-break space before ``%``. A count withheld by the small-count rule
(:data:`graph.access.counts.SUPPRESSED`, "< 5") is shown as it is.

>>> number(12345), number(3), number("< 5"), number(None)
('12\u202f345', '3', '< 5', '–')
>>> percent(0.4237), percent(1.0), percent(None)
('42\u202f%', '100\u202f%', 'n.c.')
>>> decimal(0.5612, 2)
'0,56'
>>> long_date(date(2026, 11, 22)), long_date(date(2026, 11, 1))
('22 novembre 2026', '1er novembre 2026')
"""

from __future__ import annotations

from datetime import date

from graph import wording
from graph.access.counts import SUPPRESSED

NNBSP = "\u202f"
#: what a share withheld or undefined is shown as ("non communiqué")
NOT_SHOWN = "n.c."
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)

ROLE_LABELS = {
    "admin": "administration",
    "national": "cellule nationale",
    "referent": "référent",
    "portal": "portail",
}
STATUS_LABELS = {
    "candidate": "candidat",
    "helper": "aidant",
    "both": "candidat et aidant",
    "neither": "membre",
}
KIND_LABELS = {"groupement": "groupement", "delegation": "délégation", "antenne": "antenne"}


def number(value: int | float | str | None) -> str:
    """An integer count in French (a suppressed ``"< 5"`` passes through)."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    return f"{round(value):,}".replace(",", NNBSP)


def decimal(value: float | None, digits: int = 1) -> str:
    """A real number with a decimal comma."""
    if value is None:
        return NOT_SHOWN
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", NNBSP)


def percent(share: float | None) -> str:
    """A share in [0, 1] as a whole percentage; ``None`` (withheld, undefined) as "n.c."."""
    if share is None:
        return NOT_SHOWN
    return f"{round(share * 100)}{NNBSP}%"


def long_date(d: date) -> str:
    """``22 novembre 2026``; the first of the month is ``1er``."""
    day = "1er" if d.day == 1 else str(d.day)
    return f"{day} {MONTHS[d.month - 1]} {d.year}"


def is_suppressed(value: object) -> bool:
    return value == SUPPRESSED


def plural(n: int | str, singular: str, plural_form: str | None = None) -> str:
    """``3 candidats``, ``1 candidat``, ``< 5 candidats`` (French: 0 and 1 are singular;
    the rule is :func:`graph.wording.plural`'s, the number written in French).

    >>> plural(0, "lacune"), plural(2, "lacune"), plural("< 5", "candidat")
    ('0 lacune', '2 lacunes', '< 5 candidats')
    >>> plural(12345, "candidat")
    '12\u202f345 candidats'
    """
    word = (plural_form or singular + "s") if wording.is_plural(n) else singular
    return f"{number(n)} {word}"


def verb(n: int | str, singular: str, plural_form: str) -> str:
    """The verb agreed with a count: ``1 candidat n'a``, ``3 candidats n'ont``.

    >>> verb(1, "n'a", "n'ont"), verb(3, "n'a", "n'ont"), verb("< 5", "est", "sont")
    ("n'a", "n'ont", 'sont')
    """
    return wording.verb(n, singular, plural_form)


def de(name: str) -> str:
    """``de`` before a name, elided before a vowel: ``d'ANOCR Gironde``.

    >>> de("ANOCR Gironde"), de("La Saint-Cyrienne")
    ("d'ANOCR Gironde", 'de La Saint-Cyrienne')
    """
    return wording.de(name)


def quantity(n: int | str, unit: str) -> str:
    """A size with the engine's unit word, agreed in number (``1 employeur``, ``3 secteurs``).

    >>> quantity(1, "employeurs"), quantity(3, "secteur"), quantity("< 5", "candidats")
    ('1 employeur', '3 secteurs', '< 5 candidats')
    """
    word = unit.removesuffix("s")
    return plural(n, word)
