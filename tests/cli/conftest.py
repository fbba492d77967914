"""What the command-line tests share: a small network in a data directory, and a runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from api.settings import get_settings
from cli.main import main
from graph.embedded import EmbeddedStore
from tests.api.conftest import build_world


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """The API tests' small network (see :func:`tests.api.conftest.build_world`)."""
    with EmbeddedStore(tmp_path) as store:
        build_world(store)
    return tmp_path


def run(data_dir: Path, *args: str) -> tuple[int, str, str]:
    """``passerelle --data-dir DATA_DIR ARGS…``: exit code, stdout, stderr."""
    get_settings.cache_clear()
    result = CliRunner().invoke(main, ["--data-dir", str(data_dir), *args])
    return result.exit_code, result.stdout, result.stderr
