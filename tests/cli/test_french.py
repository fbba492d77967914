"""The command line speaks French: click's own errors, the project's errors, the help,
and refuses a data directory without a store rather than creating an empty one."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from cli.main import main
from tests.cli.conftest import run

ENGLISH = re.compile(
    r"\b(Missing|Invalid|No such|Error|error|Usage:|Show this|not one of|is not|must be|Try)\b"
)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["token", "create"], "erreur : option manquante '--role'"),
        (["token", "create", "--role", "chef"], "erreur : valeur invalide pour '--role'"),
        (["nope"], "erreur : commande inconnue : 'nope'"),
        (["path", "c", "--k", "x"], "erreur : valeur invalide pour '--k'"),
        (["stats", "--nope"], "erreur : option inconnue : '--nope'"),
        (["path"], "erreur : argument manquant 'CANDIDATE_ID'"),
        (["stats", "extra"], "erreur : argument en trop (extra)"),
    ],
)
def test_click_usage_errors_are_one_french_line(
    data_dir: Path, args: list[str], expected: str
) -> None:
    code, out, err = run(data_dir, *args)
    assert code != 0
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(expected), err
    assert not ENGLISH.search(err.replace("--help", "")), err


@pytest.mark.parametrize(
    "args",
    [
        ["path", "nobody", "--employer", "thales-bdx"],
        ["coverage", "--as-of", "2020"],
        ["coverage", "--groupement", "grp-a", "--region", "75"],
        ["token", "revoke", "tok-nope"],
        ["seed", "--people", "0"],
    ],
)
def test_domain_errors_are_one_french_line(data_dir: Path, args: list[str]) -> None:
    code, _, err = run(data_dir, *args)
    assert code == 1, err
    assert len(err.strip().splitlines()) == 1 and err.startswith("erreur : "), err
    assert not ENGLISH.search(err), err


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = [prefix]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            out += _commands(command, (*prefix, name))
        else:
            out.append((*prefix, name))
    return out


@pytest.mark.parametrize("command", _commands(main), ids=lambda c: " ".join(c) or "passerelle")
def test_every_help_is_in_french(data_dir: Path, command: tuple[str, ...]) -> None:
    code, out, _ = run(data_dir, *command, "--help")
    assert code == 0
    assert out.startswith("Usage :") and "Afficher cette aide et quitter." in out
    english = re.compile(
        r"\b(Print|Show|the result|Directory|Number of|Only|Create|List|Revoke|Copy|Serve|"
        r"Export|Import|Erase|Read|Generate|Counts|Who can|Coverage|TEXT|INTEGER)\b"
    )
    assert not english.search(out), out


def test_a_command_refuses_a_data_directory_without_a_store(tmp_path: Path) -> None:
    """``token create`` outside the repository created an empty ``./data`` and a token
    the server never knew; now it says where it looked and how to point elsewhere."""
    missing = tmp_path / "data"
    for args in (
        ["token", "create", "--role", "admin"],
        ["token", "list"],
        ["stats"],
        ["coverage"],
        ["audit", "list"],
        ["tie", "list", "p-1"],
    ):
        code, _, err = run(missing, *args)
        assert code == 1, (args, err)
        assert len(err.strip().splitlines()) == 1, err
        assert f"aucun stockage dans {missing}" in err, err
        assert "--data-dir" in err and "PASSERELLE_DATA_DIR" in err, err
        assert not missing.exists(), args


def test_seed_still_creates_its_data_directory(tmp_path: Path) -> None:
    target = tmp_path / "new"
    code, out, err = run(target, "seed", "--people", "200")
    assert code == 0, err
    assert "personnes générées" in out
    code, out, err = run(target, "token", "create", "--role", "admin")
    assert code == 0, err
    assert "créé" in out


def test_erase_asks_in_french(data_dir: Path) -> None:
    """The confirmation reads « [o/N] » and takes « o » (click's own wanted « y »)."""
    from click.testing import CliRunner

    from api.settings import get_settings

    get_settings.cache_clear()
    base = ["--data-dir", str(data_dir), "member", "erase", "help-a"]
    kept = CliRunner().invoke(main, base, input="n\n")
    assert kept.exit_code == 1 and "[o/N]" in kept.stderr and "effacement annulé" in kept.stderr
    gone = CliRunner().invoke(main, base, input="o\n")
    assert gone.exit_code == 0, gone.stderr
    assert "help-a effacé" in gone.stdout


@pytest.mark.parametrize("args", [["token"], ["audit"]])
def test_a_group_without_command_shows_its_french_help(data_dir: Path, args: list[str]) -> None:
    code, _, err = run(data_dir, *args)
    assert code == 2
    assert err.startswith("Usage :") and "Commandes:" in err and "erreur" not in err
    code, _, err = run(data_dir)  # options but no command: one line
    assert code == 2 and err.startswith("erreur : commande manquante.")
