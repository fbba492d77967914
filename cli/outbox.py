"""``passerelle outbox list``: the e-mails of the outbox (introductions, login links).

Without an SMTP server (a demo) e-mails stay in the outbox: ``--texte`` prints their
text, so the operator can pass a login link on by hand. Once sent, a text is erased
(:mod:`graph.introductions.outbox`); subject, recipient, status and dates stay.
"""

from __future__ import annotations

from typing import Any

import click

from cli.context import AppContext, emit
from graph.introductions.db import IntroDB
from graph.introductions.outbox import Outbox

STATUS = {
    "pending": "en attente",
    "sending": "en cours d'envoi",
    "sent": "envoyé",
    "held": "sans adresse",
    "failed": "échec",
}
KINDS = {"login_link": "lien de connexion"}


@click.group()
def outbox() -> None:
    """La boîte d'envoi des e-mails (introductions, liens de connexion)."""


@outbox.command("list")
@click.option("--kind", help="Seulement ce type (login_link, ask, introduced…).")
@click.option("--status", type=click.Choice(list(STATUS)), help="Seulement cet état.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--texte", "bodies", is_flag=True, help="Afficher aussi le texte de chaque e-mail.")
@click.option("--json", "as_json", is_flag=True, help="Résultat en JSON.")
@click.pass_obj
def list_(
    app: AppContext, kind: str | None, status: str | None, limit: int, bodies: bool, as_json: bool
) -> None:
    """Lister les e-mails, les plus récents d'abord."""
    db = IntroDB.in_dir(app.settings.data_dir)
    try:
        messages = Outbox(db).messages(kind=kind, status=status, limit=limit)
    finally:
        db.close()
    rows = [m.to_dict(bodies=bodies) for m in messages]

    def render(items: list[dict[str, Any]]) -> None:
        if not items:
            click.echo("Aucun courriel.")
        for m in items:
            when = m["created_at"][:16].replace("T", " ")
            click.echo(
                f"n° {m['id']}  {when}  {STATUS.get(m['status'], m['status'])}  "
                f"{KINDS.get(m['kind'], m['kind'])}  à {m['to_addr'] or '—'}  "
                f"« {m['subject']} »"
            )
            if bodies and m["text"]:
                click.echo("    " + m["text"].rstrip().replace("\n", "\n    "))

    emit(rows, as_json, render)
