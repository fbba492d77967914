"""``passerelle user create|list|revoke|set-password|send-link|ensure-demo-admin``: people's
accounts (a référent, the national cell, an admin), apart from the API tokens.

    passerelle user create --email anne@exemple.fr --name "Anne Martin" --role national
    passerelle user send-link anne@exemple.fr        # a one-time link, by e-mail
    passerelle user set-password anne@exemple.fr     # asked twice, never shown

An account is named by its id (``usr-…``) or its e-mail. The command line acts as the
operator of the data directory, with the admin's rights; every write is recorded in the
audit log (actor ``cli:<user>``). A login link goes to the outbox (``passerelle outbox
list``), sent by the server's SMTP sender when one is configured.

``ensure-demo-admin`` (run by ``make run``) creates ``admin@passerelle.demo`` once, with
a random password written to ``<data dir>/demo-admin.txt`` (mode 0600) and printed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click

from cli.context import AppContext, emit
from graph.access import passwords
from graph.access.roles import Principal, Role
from graph.access.tokens import TokenStore
from graph.access.users import UserInfo, UserStore
from graph.accounts import Accounts, french, link_base
from graph.audit import AuditEntry, AuditLog, cli_actor
from graph.errors import NotFound, PasserelleError, StoreUnavailable
from graph.introductions.db import IntroDB
from graph.introductions.outbox import Outbox
from graph.introductions.settings import get_intro_settings

DEMO_EMAIL = "admin@passerelle.demo"
DEMO_FILE = "demo-admin.txt"
ROLE_LABELS = {"referent": "référent", "national": "cellule nationale", "admin": "administration"}


def _fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"erreur : {message}", err=True)
    sys.exit(code)


@contextmanager
def _accounts(app: AppContext, *, with_store: bool = False) -> Iterator[Accounts]:
    """The accounts service of the data directory; refusals as one French line."""
    tokens = TokenStore(app.settings.auth_db_path)
    db: IntroDB | None = None
    try:
        db = IntroDB.in_dir(app.settings.data_dir)
        audit_path = app.settings.audit_db_path

        def record(entry: AuditEntry) -> None:
            with AuditLog(audit_path) as log:
                log.append(entry)

        yield Accounts(
            UserStore(tokens),
            Outbox(db),
            link_base(get_intro_settings().public_url),
            record,
            via="passerelle user",
            store=app.store() if with_store else None,
        )
    except StoreUnavailable as exc:
        _fail(f"données inaccessibles ({exc})", 3)
    except PasserelleError as exc:
        _fail(french(exc))
    finally:
        if db is not None:
            db.close()
        tokens.close()


def _operator() -> Principal:
    return Principal(cli_actor(), Role.ADMIN)


def _find(users: UserStore, who: str) -> UserInfo:
    """An account by id or e-mail."""
    if "@" not in who:
        return users.get(who)
    found = users.by_email(who)
    if found is None:
        raise NotFound("user", who)
    return found


def _line(u: dict[str, Any]) -> str:
    scope = f" [{', '.join(u['groupements'])}]" if u["groupements"] else ""
    state = f"révoqué le {u['revoked_at'][:10]}" if u["revoked_at"] else "actif"
    password = "mot de passe" if u["has_password"] else "sans mot de passe"
    return (
        f"{u['id']}  {u['email']}  {u['name']}  {ROLE_LABELS[u['role']]}{scope}  "
        f"{password}  {state}"
    )


@click.group()
def user() -> None:
    """Comptes des personnes : créer, lister, révoquer, fixer un mot de passe, envoyer un
    lien de connexion."""


@user.command("create")
@click.option(
    "--email", required=True, help="Adresse e-mail (l'identifiant de connexion ; unique)."
)
@click.option("--name", required=True, help="Nom affiché dans le tableau de bord.")
@click.option("--role", required=True, type=click.Choice(["referent", "national", "admin"]))
@click.option(
    "--groupement",
    "groupements",
    multiple=True,
    help="Groupement d'un référent (répétable ; obligatoire pour un référent).",
)
@click.option("--json", "as_json", is_flag=True, help="Résultat en JSON.")
@click.pass_obj
def create(
    app: AppContext, email: str, name: str, role: str, groupements: tuple[str, ...], as_json: bool
) -> None:
    """Créer un compte (sans mot de passe : envoyez un lien ou fixez-en un)."""
    with _accounts(app, with_store=bool(groupements)) as accounts:
        created = accounts.create(_operator(), email, name, role, groupements)
    emit(
        created.to_dict(),
        as_json,
        lambda u: click.echo(
            f"Compte créé : {_line(u)}\nPour la première connexion : passerelle user send-link "
            f"{u['email']}  (ou set-password)"
        ),
    )


@user.command("list")
@click.option("--active", is_flag=True, help="Sans les comptes révoqués.")
@click.option("--json", "as_json", is_flag=True, help="Résultat en JSON.")
@click.pass_obj
def list_(app: AppContext, active: bool, as_json: bool) -> None:
    """Lister les comptes (jamais de mot de passe)."""
    with _accounts(app) as accounts:
        rows = [u.to_dict() for u in accounts.users.list(include_revoked=not active)]

    def render(items: list[dict[str, Any]]) -> None:
        if not items:
            click.echo("Aucun compte.")
        for u in items:
            click.echo(_line(u))

    emit(rows, as_json, render)


@user.command("revoke")
@click.argument("who")
@click.option("--json", "as_json", is_flag=True, help="Résultat en JSON.")
@click.pass_obj
def revoke(app: AppContext, who: str, as_json: bool) -> None:
    """Révoquer le compte QUI (identifiant ou e-mail) : ses sessions prennent fin aussitôt."""
    with _accounts(app) as accounts:
        done = accounts.revoke(_operator(), _find(accounts.users, who).id)
    emit(
        done.to_dict(),
        as_json,
        lambda u: click.echo(f"Compte {u['email']} révoqué ; ses sessions sont fermées."),
    )


@user.command("set-password")
@click.argument("who")
@click.option(
    "--generate", is_flag=True, help="Tirer un mot de passe au hasard et l'afficher une fois."
)
@click.option("--json", "as_json", is_flag=True, help="Résultat en JSON.")
@click.pass_obj
def set_password(app: AppContext, who: str, generate: bool, as_json: bool) -> None:
    """Fixer le mot de passe de QUI (demandé deux fois, ou tiré avec --generate)."""
    if generate:
        password = passwords.generate()
    else:
        password = click.prompt(
            "Mot de passe (12 caractères au moins)",
            hide_input=True,
            confirmation_prompt="Encore une fois",
        )
    with _accounts(app) as accounts:
        done = accounts.set_password(_operator(), _find(accounts.users, who).id, password)
    out = {**done.to_dict(), **({"password": password} if generate else {})}
    emit(
        out,
        as_json,
        lambda u: click.echo(
            f"Mot de passe de {u['email']} enregistré."
            + (f"\nMot de passe (affiché une seule fois) : {u['password']}" if generate else "")
        ),
    )


@user.command("send-link")
@click.argument("who")
@click.option("--json", "as_json", is_flag=True, help="Résultat en JSON.")
@click.pass_obj
def send_link(app: AppContext, who: str, as_json: bool) -> None:
    """Envoyer à QUI un lien de connexion à usage unique (15 minutes), par la boîte d'envoi."""
    with _accounts(app) as accounts:
        target = _find(accounts.users, who)
        queued = accounts.send_link(_operator(), target.id)
    smtp = get_intro_settings().smtp_configured

    def render(r: dict[str, Any]) -> None:
        if not r["queued"]:
            _fail("aucun lien envoyé : compte révoqué ou trop de liens demandés récemment.")
        click.echo(
            f"Lien de connexion pour {r['email']} mis dans la boîte d'envoi (valable 15 minutes)."
        )
        if not smtp:
            click.echo(
                "Aucun serveur SMTP configuré : lisez-le avec « passerelle outbox list --texte »."
            )

    emit({"email": target.email, "queued": queued}, as_json, render)


def write_secret_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, readable by its owner only (mode 0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)


def demo_file(app: AppContext) -> Path:
    return Path(app.settings.data_dir) / DEMO_FILE


@user.command("ensure-demo-admin")
@click.pass_obj
def ensure_demo_admin(app: AppContext) -> None:
    """Créer une fois le compte administrateur de la démo (pour `make run`), son mot de
    passe dans un fichier."""
    path = demo_file(app)
    with _accounts(app) as accounts:
        found = accounts.users.by_email(DEMO_EMAIL)
        if found is not None:
            state = "" if found.active else " (révoqué)"
            click.echo(f"Compte de démonstration : {DEMO_EMAIL}{state} ; mot de passe dans {path}.")
            return
        created = accounts.create(_operator(), DEMO_EMAIL, "Administration (démo)", "admin")
        password = passwords.generate()
        accounts.set_password(_operator(), created.id, password)
        write_secret_file(path, f"adresse : {DEMO_EMAIL}\nmot de passe : {password}\n")
    click.echo(
        f"Compte de démonstration créé : {DEMO_EMAIL}\n"
        f"Mot de passe (affiché cette fois seulement, gardé dans {path}, mode 0600) : {password}"
    )
