"""``passerelle token create|list|revoke``: the API's bearer tokens.

The secret is printed once, at creation; the token database (``auth.sqlite3`` in the
data directory, separate from the graph) keeps only its SHA-256 digest.
"""

from __future__ import annotations

import click

from cli.context import AppContext, emit
from graph.access.tokens import TokenStore, check_grant
from graph.errors import InvalidInput
from graph.model import Label


def _tokens(app: AppContext) -> TokenStore:
    app.require_store()
    return TokenStore(app.settings.auth_db_path)


@click.group()
def token() -> None:
    """Créer, lister et révoquer les jetons d'accès à l'API."""


@token.command("create")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["referent", "national", "portal", "admin"]),
    help="Ce que le jeton permet (voir la section API du README).",
)
@click.option(
    "--groupement",
    "groupements",
    multiple=True,
    help="Groupement d'un jeton referent (répétable ; obligatoire pour referent).",
)
@click.option("--name", help="Qui détient le jeton, ex. « Moodle Implic'Action ».")
@click.option("--json", "as_json", is_flag=True, help="Résultat en JSON.")
@click.pass_obj
def create(
    app: AppContext, role: str, groupements: tuple[str, ...], name: str | None, as_json: bool
) -> None:
    """Créer un jeton et afficher son secret (montré cette seule fois)."""
    _, scope = check_grant(role, groupements)
    if scope:
        found = app.store().get_many(list(scope))
        for gid in scope:
            record = found.get(gid)
            if record is None or record.label != Label.GROUPEMENT:
                raise InvalidInput("--groupement", f"aucun groupement d'identifiant {gid!r}", gid)
    tokens = _tokens(app)
    try:
        created = tokens.create(role, scope, name)
    finally:
        tokens.close()
    emit(
        {**created.info.to_dict(), "token": created.secret},
        as_json,
        lambda r: click.echo(
            f"Jeton {r['id']} créé ({r['role']}"
            + (f", groupements {', '.join(r['groupements'])}" if r["groupements"] else "")
            + f").\nSecret (affiché une seule fois, à garder secret) :\n{r['token']}"
        ),
    )


@token.command("list")
@click.option("--active", is_flag=True, help="Sans les jetons révoqués.")
@click.option("--json", "as_json", is_flag=True, help="Résultat en JSON.")
@click.pass_obj
def list_(app: AppContext, active: bool, as_json: bool) -> None:
    """Lister les jetons (jamais leurs secrets)."""
    tokens = _tokens(app)
    try:
        infos = [t.to_dict() for t in tokens.list(include_revoked=not active)]
    finally:
        tokens.close()

    def render(rows: list[dict]) -> None:
        if not rows:
            click.echo("Aucun jeton.")
        for r in rows:
            state = f"révoqué le {r['revoked_at']}" if r["revoked_at"] else "actif"
            scope = f" [{', '.join(r['groupements'])}]" if r["groupements"] else ""
            label = f" {r['name']!r}" if r["name"] else ""
            click.echo(f"{r['id']}  {r['role']}{scope}{label}  créé le {r['created_at']}  {state}")

    emit(infos, as_json, render)


@token.command("revoke")
@click.argument("token_id")
@click.option("--json", "as_json", is_flag=True, help="Résultat en JSON.")
@click.pass_obj
def revoke(app: AppContext, token_id: str, as_json: bool) -> None:
    """Révoquer le jeton TOKEN_ID (tel qu'affiché par `token list`) ; effet immédiat."""
    tokens = _tokens(app)
    try:
        info = tokens.revoke(token_id)
    finally:
        tokens.close()
    emit(
        info.to_dict(),
        as_json,
        lambda r: click.echo(f"Jeton {r['id']} révoqué le {r['revoked_at']}."),
    )
