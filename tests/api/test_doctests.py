"""The examples in the API modules' docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["api.app", "api.auth", "api.logging", "api.ratelimit", "api.settings", "api.tokens"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
