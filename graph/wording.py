"""French agreement shared by every text the core writes (and the dashboard's i18n).

* :func:`de`: the preposition "de" elided before a vowel ("d'ANOCR", "d'Implic'Action",
  "de La Saint-Cyrienne"); not before an h, which is often aspirated in the names we
  write ("de Haute-Garonne", "de Hauts-de-France");
* :func:`plural`: a count and its noun agreed in number ("1 candidat", "3 candidats");
  in French 0 and 1 take the singular; a withheld count ("< 5") the plural;
* :func:`verb`: the verb agreed with such a count ("n'a" / "n'ont").
"""

from __future__ import annotations

import unicodedata

_VOWELS = frozenset("aeiouy")


def _starts_with_vowel(word: str) -> bool:
    first = word.lstrip()[:1]
    if not first:
        return False
    base = unicodedata.normalize("NFD", first)[0].lower()
    return base in _VOWELS


def de(name: str) -> str:
    """``de`` + ``name``, elided before a vowel (not an h: see the module).

    >>> de("ANOCR Gironde"), de("Implic'Action Sud-Ouest"), de("La Saint-Cyrienne")
    ("d'ANOCR Gironde", "d'Implic'Action Sud-Ouest", 'de La Saint-Cyrienne')
    >>> de("Évreux"), de("Bordeaux"), de("les employeurs du secteur BTP"), de("le bassin")
    ("d'Évreux", 'de Bordeaux', 'des employeurs du secteur BTP', 'du bassin')
    """
    if name.startswith("les "):
        return "des " + name[4:]
    if name.startswith("le "):
        return "du " + name[3:]
    return f"d'{name.lstrip()}" if _starts_with_vowel(name) else f"de {name}"


def is_plural(n: int | str) -> bool:
    """Whether ``n`` takes the plural: 2 and more, or a withheld count ("< 5").

    >>> is_plural(0), is_plural(1), is_plural(2), is_plural("< 5")
    (False, False, True, True)
    """
    return not isinstance(n, int) or n >= 2


def plural(n: int | str, singular: str, plural_form: str | None = None) -> str:
    """``n`` and the noun agreed (the number as given: format it before if needed).

    >>> plural(1, "candidat"), plural(3, "candidat"), plural("< 5", "bassin", "bassins")
    ('1 candidat', '3 candidats', '< 5 bassins')
    """
    word = (plural_form or singular + "s") if is_plural(n) else singular
    return f"{n} {word}"


def verb(n: int | str, singular: str, plural_form: str) -> str:
    """The verb form agreed with ``n``.

    >>> verb(1, "n'a", "n'ont"), verb(4, "n'a", "n'ont")
    ("n'a", "n'ont")
    """
    return plural_form if is_plural(n) else singular
