"""``passerelle token create|list|revoke``."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from graph.access.tokens import TokenStore, digest
from tests.cli.conftest import run


def test_token_lifecycle(data_dir: Path) -> None:
    code, out, _ = run(data_dir, "token", "create", "--role", "referent", "--groupement",
                       "grp-a", "--name", "Référent A", "--json")  # fmt: skip
    assert code == 0
    created = json.loads(out)
    secret, token_id = created["token"], created["id"]
    assert secret.startswith("psl_") and len(secret) > 40
    assert created["groupements"] == ["grp-a"] and created["role"] == "referent"
    # the secret is stored only as its digest
    raw = sqlite3.connect(data_dir / "auth.sqlite3").execute("SELECT * FROM tokens").fetchall()
    assert secret not in str(raw) and digest(secret) in str(raw)

    code, out, _ = run(data_dir, "token", "list")
    assert code == 0 and token_id in out and secret not in out and "actif" in out

    tokens = TokenStore(data_dir / "auth.sqlite3")
    assert tokens.authenticate(secret).id == token_id
    code, out, _ = run(data_dir, "token", "revoke", token_id)
    assert code == 0 and "révoqué" in out
    assert tokens.authenticate(secret) is None
    tokens.close()
    code, out, _ = run(data_dir, "token", "list", "--active", "--json")
    assert json.loads(out) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--role", "referent"],
            "--groupement : valeur refusée (un jeton referent a au moins un groupement)",
        ),
        (
            ["--role", "referent", "--groupement", "grp-zz"],
            "aucun groupement d'identifiant 'grp-zz'",
        ),
        (["--role", "referent", "--groupement", "emp-1"], "aucun groupement d'identifiant 'emp-1'"),
        (["--role", "admin", "--groupement", "grp-a"], "only a referent token is scoped"),
    ],
)
def test_token_create_refuses_bad_grants(data_dir: Path, args: list[str], message: str) -> None:
    code, _, err = run(data_dir, "token", "create", *args)
    assert code == 1 and message in err and "Traceback" not in err


def test_token_revoke_unknown(data_dir: Path) -> None:
    code, _, err = run(data_dir, "token", "revoke", "tok-nope")
    assert code == 1 and "introuvable (jeton « tok-nope »)" in err
