"""``passerelle user …`` and ``passerelle outbox list``: people's accounts from the
command line, in French, audited."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from click.testing import CliRunner

from api.settings import get_settings
from cli.main import main
from graph.access.tokens import TokenStore
from graph.access.users import UserStore
from graph.audit import AuditFilter, AuditLog
from tests.cli.conftest import run


def users(data_dir: Path) -> tuple[TokenStore, UserStore]:
    tokens = TokenStore(data_dir / "auth.sqlite3")
    return tokens, UserStore(tokens)


def test_user_lifecycle(data_dir: Path) -> None:
    code, out, err = run(
        data_dir,
        "user",
        "create",
        "--email",
        "Anne@Exemple.fr",
        "--name",
        "Anne Martin",
        "--role",
        "referent",
        "--groupement",
        "grp-a",
        "--json",
    )
    assert code == 0, err
    created = json.loads(out)
    assert created["email"] == "anne@exemple.fr" and created["groupements"] == ["grp-a"]
    code, out, _ = run(data_dir, "user", "list")
    assert code == 0 and "anne@exemple.fr" in out and "référent [grp-a]" in out
    assert "sans mot de passe" in out and "actif" in out

    code, out, _ = run(data_dir, "user", "set-password", "anne@exemple.fr", "--generate")
    assert code == 0 and "affiché une seule fois" in out
    password = out.rsplit(": ", 1)[1].strip()
    tokens, store = users(data_dir)
    assert store.authenticate_password("anne@exemple.fr", password).id == created["id"]

    code, out, _ = run(data_dir, "user", "send-link", created["id"])
    assert code == 0 and "boîte d'envoi" in out and "passerelle outbox list --texte" in out
    code, out, _ = run(data_dir, "outbox", "list")
    assert code == 0 and "lien de connexion" in out and "à anne@exemple.fr" in out
    assert "/connexion/lien/" not in out  # the text only with --texte
    code, out, _ = run(data_dir, "outbox", "list", "--kind", "login_link", "--texte")
    link = next(w for w in out.split() if "/dashboard/connexion/lien/" in w)
    assert store.consume_link(link.rsplit("/", 1)[1]).id == created["id"]

    code, out, _ = run(data_dir, "user", "revoke", "anne@exemple.fr")
    assert code == 0 and "révoqué" in out
    assert store.authenticate_password("anne@exemple.fr", password) is None
    tokens.close()
    code, out, _ = run(data_dir, "user", "list", "--active", "--json")
    assert json.loads(out) == []
    with AuditLog(data_dir / "audit.sqlite3") as log:
        entries, _ = log.list(AuditFilter(person_id=created["id"]))
    assert sorted(e.operation for e in entries) == [
        "passerelle user create",
        "passerelle user revoke",
        "passerelle user send-link",
        "passerelle user set-password",
    ]
    assert all(e.actor.startswith("cli:") and e.role == "admin" for e in entries)


def test_set_password_asks_twice_and_hides_it(data_dir: Path) -> None:
    run(data_dir, "user", "create", "--email", "b@exemple.fr", "--name", "B", "--role", "national")
    get_settings.cache_clear()
    secret = "cheval-agrafe-batterie"
    result = CliRunner().invoke(
        main,
        ["--data-dir", str(data_dir), "user", "set-password", "b@exemple.fr"],
        input=f"{secret}\n{secret}\n",
    )
    assert result.exit_code == 0 and secret not in result.stdout
    tokens, store = users(data_dir)
    assert store.authenticate_password("b@exemple.fr", secret) is not None
    tokens.close()


def test_refusals_are_one_french_line(data_dir: Path) -> None:
    base = ["user", "create", "--name", "X"]
    cases = [
        ([*base, "--email", "x@exemple.fr", "--role", "referent"], "au moins un groupement"),
        (
            [*base, "--email", "x@exemple.fr", "--role", "referent", "--groupement", "grp-zz"],
            "aucun groupement avec l'identifiant 'grp-zz'",
        ),
        ([*base, "--email", "pas-une-adresse", "--role", "admin"], "adresse e-mail non valable"),
        (["user", "revoke", "nobody@exemple.fr"], "aucun compte 'nobody@exemple.fr'"),
        (["user", "revoke", "usr-nope"], "aucun compte 'usr-nope'"),
    ]
    for args, message in cases:
        code, _, err = run(data_dir, *args)
        assert code == 1 and message in err and "Traceback" not in err, (args, err)
    run(data_dir, *base, "--email", "x@exemple.fr", "--role", "admin")
    code, _, err = run(data_dir, *base, "--email", "X@exemple.fr", "--role", "admin")
    assert code == 1 and "un compte existe déjà avec cette adresse" in err


def test_ensure_demo_admin_creates_it_once(data_dir: Path) -> None:
    code, out, err = run(data_dir, "user", "ensure-demo-admin")
    assert code == 0, err
    path = data_dir / "demo-admin.txt"
    assert str(path) in out and stat.S_IMODE(path.stat().st_mode) == 0o600
    password = path.read_text().split("mot de passe : ")[1].strip()
    assert password in out  # printed once, at creation
    tokens, store = users(data_dir)
    admin = store.authenticate_password("admin@passerelle.demo", password)
    assert admin is not None and admin.role.value == "admin"
    code, again, _ = run(data_dir, "user", "ensure-demo-admin")
    assert code == 0 and password not in again and str(path) in again
    assert len(store.list()) == 1
    tokens.close()


def test_serve_says_where_to_go_and_how_to_get_in(data_dir: Path, monkeypatch) -> None:
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: None)
    code, _, err = run(data_dir, "serve", "--port", "8123")
    assert code == 0 and "http://127.0.0.1:8123/dashboard/" in err
    assert "passerelle user create --role admin" in err
    run(data_dir, "user", "ensure-demo-admin")
    code, _, err = run(data_dir, "serve", "--port", "8123", "--host", "0.0.0.0")
    assert "Tableau de bord : http://127.0.0.1:8123/dashboard/" in err
    assert f"admin@passerelle.demo, mot de passe dans {data_dir / 'demo-admin.txt'}" in err
    password = (data_dir / "demo-admin.txt").read_text().split(": ")[-1].strip()
    assert password not in err
