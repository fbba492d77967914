"""The ``passerelle`` group: its command modules, settings errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import run


@pytest.mark.parametrize(
    "module", ["seed", "path", "token", "serve", "coverage", "migrate", "exchange", "places"]
)
def test_each_command_module_imports_on_its_own(module: str) -> None:
    """A command's module needs no prior import of the registry (no import cycle)."""
    code = f"import cli.{module}"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_a_bad_api_setting_is_one_line_and_exit_1(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API's settings are read by every command, as before they moved to api/."""
    monkeypatch.setenv("PASSERELLE_API_PORT", "0")
    code, _, err = run(data_dir, "stats")
    assert code == 1
    assert (
        err.startswith("erreur : réglage invalide (réglage api_port : ") and "Traceback" not in err
    )
