"""Numbers as a French reader writes them: decimal comma, a space between thousands
and before « % ».

A few lines rather than a locale (the machine's may be anything) or a dependency. The
space is a plain one: a terminal shows it everywhere, and the output can be searched.

>>> integer(20000), decimal(15.264), decimal(2.0, 2), percent(0.1526), percent(1.0)
('20 000', '15,3', '2,00', '15,3 %', '100 %')
"""

from __future__ import annotations

#: between thousands and before « % »
SPACE = " "


def integer(value: int) -> str:
    """``20000`` as ``20 000``."""
    return f"{value:,}".replace(",", SPACE)


def decimal(value: float, places: int = 1) -> str:
    """``15.264`` as ``15,3`` (``places`` digits after the comma)."""
    text = f"{value:,.{places}f}"
    return text.replace(",", SPACE).replace(".", ",")


def percent(share: float, places: int = 1) -> str:
    """A share between 0 and 1 as a percentage, ``0.1526`` as ``15,3 %`` (a whole
    percentage without decimals: ``100 %``)."""
    value = share * 100
    text = integer(round(value)) if round(value, places) == round(value) else decimal(value, places)
    return f"{text}{SPACE}%"
