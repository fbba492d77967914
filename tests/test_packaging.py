"""A fresh clone: ``make run`` installs what running needs and nothing else (the test
tools are the ``dev`` extra, installed by ``make test``), and the install prints no
deprecation warning from the build backend.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: tools for testing and checking the code, never needed to run it
TEST_TOOLS = {
    "pytest",
    "pytest-timeout",
    "pytest-xdist",
    "hypothesis",
    "ruff",
    "mypy",
    "selenium",
    "schemathesis",
    "import-linter",
    "aiosmtpd",
    "httpx",
    "psutil",
}


def _name(requirement: str) -> str:
    """The normalised project name of a requirement (``uvicorn[standard]>=0.29`` → uvicorn)."""
    found = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert found, requirement
    return re.sub(r"[-_.]+", "-", found.group(1)).lower()


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_runtime_dependencies_hold_no_test_tool() -> None:
    project = _project()
    runtime = {_name(r) for r in project["dependencies"]}
    dev = {_name(r) for r in project["optional-dependencies"]["dev"]}
    assert runtime & TEST_TOOLS == set()
    assert runtime & dev == set()
    # every test tool the suite uses is in the dev extra
    assert dev >= TEST_TOOLS


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's files as a fresh clone has them: tracked files only, no venv, no
    stamps, no data (the working tree's version of each)."""
    if shutil.which("git") is None or shutil.which("make") is None:
        pytest.skip("needs git and make")
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    dest = tmp_path_factory.mktemp("fresh-clone")
    for raw in filter(None, listed):
        rel = raw.decode()
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def _installs(clone: Path, target: str) -> list[str]:
    """The pip install lines ``make TARGET`` would run in the clone (``make -n``)."""
    out = subprocess.run(
        ["make", "-n", target], cwd=clone, capture_output=True, text=True, check=True
    ).stdout
    return [
        line for line in out.splitlines() if "pip install" in line and "--upgrade pip" not in line
    ]


def test_make_run_installs_only_what_running_needs(clone: Path) -> None:
    lines = _installs(clone, "run")
    assert len(lines) == 1, lines
    assert re.search(r"pip install (--quiet )?-e \.$", lines[0].strip()), lines[0]
    assert "[dev]" not in lines[0]


def test_make_test_installs_the_test_tools(clone: Path) -> None:
    lines = _installs(clone, "test")
    assert any("-e '.[dev]'" in line for line in lines), lines


def test_install_prints_no_build_warning(clone: Path, tmp_path: Path) -> None:
    """``pip install -e .`` as ``make run`` runs it (the packages themselves are not needed
    to see what the build backend says, so ``--no-deps``), into a new empty environment."""
    target = tmp_path / "venv"
    venv.create(target, with_pip=False)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(target / "bin" / "python"),
            "install",
            "--quiet",
            "--no-deps",
            "-e",
            str(clone),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    said = done.stdout + done.stderr
    assert "Warning" not in said and "deprecated" not in said, said[-3000:]
