"""graph.access.counts: small counts of people withheld outside the own view."""

from __future__ import annotations

from typing import get_args

from hypothesis import given
from hypothesis import strategies as st

from graph.access.counts import (
    SUPPRESSED,
    THRESHOLD,
    Suppressed,
    count,
    is_small,
    ratio_shown,
    share,
)


def test_the_text_and_its_type_are_one() -> None:
    assert get_args(Suppressed) == (SUPPRESSED,) == ("< 5",)
    assert THRESHOLD == 5


def test_counts_below_five_are_withheld_zero_included() -> None:
    assert [count(n, own_groupement=False) for n in range(7)] == [SUPPRESSED] * 5 + [5, 6]
    assert [count(n, own_groupement=True) for n in range(7)] == list(range(7))
    assert [n for n in range(10) if is_small(n)] == [0, 1, 2, 3, 4]


def test_share() -> None:
    assert share(0, 0, own_groupement=True) is None  # undefined, whoever looks
    assert share(50, 100, own_groupement=False) == 0.5
    assert share(97, 100, own_groupement=False) is None  # 3 without: small
    assert share(3, 100, own_groupement=False) is None  # 3 with: small
    assert share(4, 4, own_groupement=False) is None  # 4 in all: small
    assert share(3, 100, own_groupement=True) == 0.03


def test_ratio_shown() -> None:
    assert ratio_shown(5, 5, own_groupement=False)
    assert not ratio_shown(40, 4, own_groupement=False)
    assert not ratio_shown(4, 40, own_groupement=False)
    assert ratio_shown(4, 40, own_groupement=True)


@given(st.integers(0, 200), st.integers(0, 200))
def test_a_share_shown_outside_the_own_view_reveals_no_small_count(a: int, b: int) -> None:
    numerator, denominator = min(a, b), max(a, b)
    shown = share(numerator, denominator, own_groupement=False)
    if shown is not None:
        assert not any(is_small(n) for n in (numerator, denominator, denominator - numerator))
        assert shown == numerator / denominator
