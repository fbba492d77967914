"""Every ``passerelle`` command of the README runs on the default demo network.

The README's examples named ids that the default seed does not have (``path p-0000002
--employer emp-veolia-ZE-31-1``): this test runs each of them, in the README's order,
against ``passerelle seed --people 20000`` (what ``make run`` seeds) and wants exit 0.

Not run, each for a stated reason (:data:`NOT_RUN`): the seed itself (the fixture runs
the default one), ``serve`` (a server), ``migrate`` (a Neo4j server) and ``import`` (the
user's own files). Placeholders are filled in: ``psl_…`` by the secret of a référent
token of grp-anocr-33, ``tok-…`` by that token's id.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.settings import get_settings
from cli.main import main

README = Path(__file__).resolve().parents[2] / "README.md"
#: commands not run here, and why
NOT_RUN = {
    "seed": "the fixture seeds the default network",
    "serve": "starts a server",
    "migrate": "needs a Neo4j server",
    "import": "reads the user's own CSV files",
}
SECRET = re.compile(r"^psl_…$")
TOKEN_ID = re.compile(r"^tok-[0-9a-f]+$")


def readme_commands() -> list[list[str]]:
    """The arguments of each ``passerelle`` command in the README's ``sh`` blocks."""
    commands: list[list[str]] = []
    in_block = False
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_block = line.strip() == "```sh"
            continue
        if not in_block or not line.startswith((".venv/bin/passerelle ", "passerelle ")):
            continue
        words = shlex.split(line, comments=True)
        if "&&" not in words:
            commands.append(words[1:])
    return commands


COMMANDS = readme_commands()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The default demo network (as ``make run`` seeds it) and a référent token."""
    data_dir = tmp_path_factory.mktemp("readme") / "data"
    done = _run(data_dir, "seed", "--people", "20000", "--json")
    assert done.exit_code == 0, done.output
    token = _run(data_dir, "token", "create", "--role", "referent", "--groupement",
                 "grp-anocr-33", "--json")  # fmt: skip
    assert token.exit_code == 0, token.output
    created = json.loads(token.stdout)
    return {"data_dir": str(data_dir), "secret": created["token"], "id": created["id"]}


def _run(data_dir: Path | str, *args: str, stdin: str | None = None):
    get_settings.cache_clear()
    return CliRunner().invoke(main, ["--data-dir", str(data_dir), *args], input=stdin)


def test_the_readme_has_the_commands_it_should() -> None:
    names = {c[0] for c in COMMANDS}
    assert {"path", "coverage", "stats", "token", "bassins", "secteurs", "tie"} <= names
    assert len(COMMANDS) >= 25


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a)[:60])
def test_readme_command_runs_on_the_default_seed(
    demo: dict[str, str], args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if args[0] in NOT_RUN:
        pytest.skip(f"not run: {NOT_RUN[args[0]]}")
    monkeypatch.chdir(tmp_path)  # files the examples write (CSV, zip, export/) land here
    filled = [
        demo["secret"] if SECRET.match(a) else demo["id"] if TOKEN_ID.match(a) else a for a in args
    ]
    stdin = "o\n" if filled[:2] == ["member", "erase"] else None  # it asks first, in French
    result = _run(demo["data_dir"], *filled, stdin=stdin)
    assert result.exit_code == 0, (filled, result.output)
