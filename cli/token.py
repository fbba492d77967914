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
    return TokenStore(app.settings.auth_db_path)


@click.group()
def token() -> None:
    """Create, list and revoke the API's bearer tokens."""


@token.command("create")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["referent", "national", "portal", "admin"]),
    help="What the token may do (see the README's API section).",
)
@click.option(
    "--groupement",
    "groupements",
    multiple=True,
    help="Groupement id a referent token is scoped to (repeatable; required for referent).",
)
@click.option("--name", help="Who or what holds the token, e.g. 'Moodle Implic'Action'.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def create(
    app: AppContext, role: str, groupements: tuple[str, ...], name: str | None, as_json: bool
) -> None:
    """Create a token and print its secret (shown this once only)."""
    _, scope = check_grant(role, groupements)
    if scope:
        found = app.store().get_many(list(scope))
        for gid in scope:
            record = found.get(gid)
            if record is None or record.label != Label.GROUPEMENT:
                raise InvalidInput("--groupement", f"no groupement with id {gid!r}", gid)
    tokens = _tokens(app)
    try:
        created = tokens.create(role, scope, name)
    finally:
        tokens.close()
    emit(
        {**created.info.to_dict(), "token": created.secret},
        as_json,
        lambda r: click.echo(
            f"Created {r['id']} ({r['role']}"
            + (f", groupements {', '.join(r['groupements'])}" if r["groupements"] else "")
            + f").\nToken (shown once, keep it secret):\n{r['token']}"
        ),
    )


@token.command("list")
@click.option("--active", is_flag=True, help="Leave out revoked tokens.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def list_(app: AppContext, active: bool, as_json: bool) -> None:
    """List tokens (never their secrets)."""
    tokens = _tokens(app)
    try:
        infos = [t.to_dict() for t in tokens.list(include_revoked=not active)]
    finally:
        tokens.close()

    def render(rows: list[dict]) -> None:
        if not rows:
            click.echo("No tokens.")
        for r in rows:
            state = f"revoked {r['revoked_at']}" if r["revoked_at"] else "active"
            scope = f" [{', '.join(r['groupements'])}]" if r["groupements"] else ""
            label = f" {r['name']!r}" if r["name"] else ""
            click.echo(f"{r['id']}  {r['role']}{scope}{label}  created {r['created_at']}  {state}")

    emit(infos, as_json, render)


@token.command("revoke")
@click.argument("token_id")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def revoke(app: AppContext, token_id: str, as_json: bool) -> None:
    """Revoke the token TOKEN_ID (as shown by `token list`); effective at once."""
    tokens = _tokens(app)
    try:
        info = tokens.revoke(token_id)
    finally:
        tokens.close()
    emit(info.to_dict(), as_json, lambda r: click.echo(f"Revoked {r['id']} at {r['revoked_at']}."))
