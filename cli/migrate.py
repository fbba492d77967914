"""``passerelle migrate --from embedded --to neo4j`` (and back): copy a whole store exactly.

The copy and its checks are :func:`graph.migrate.copy_store` (what happens when it fails,
and ``--resume``, are described there); this module opens the two stores from the
settings and prints the report.
"""

from __future__ import annotations

import click

from cli.audit import record
from cli.context import AppContext, emit
from graph.audit import Action
from graph.errors import InvalidInput
from graph.migrate import MigrationReport, copy_store
from graph.settings import Settings
from graph.store import GraphStore

STORES = ("embedded", "neo4j")


def _open(settings: Settings, kind: str) -> GraphStore:
    from graph.bootstrap import open_store

    return open_store(settings.model_copy(update={"store": kind}))


@click.command()
@click.option(
    "--from", "source_kind", type=click.Choice(STORES), required=True, help="Copier depuis."
)
@click.option("--to", "target_kind", type=click.Choice(STORES), required=True, help="Copier vers.")
@click.option(
    "--resume",
    is_flag=True,
    help="Copier dans une cible non vide : achever une migration interrompue (idempotent).",
)
@click.option(
    "--batch-size",
    type=int,
    default=20_000,
    show_default=True,
    help="Enregistrements par écriture (chaque écriture est une transaction).",
)
@click.option("--json", "as_json", is_flag=True, help="Résultat en JSON.")
@click.pass_obj
def migrate(
    app: AppContext,
    source_kind: str,
    target_kind: str,
    resume: bool,
    batch_size: int,
    as_json: bool,
) -> None:
    """Copier tout le graphe d'un stockage à l'autre, puis comparer les effectifs.

    Le stockage intégré est celui de --data-dir ; Neo4j, celui de NEO4J_URI,
    NEO4J_USER, NEO4J_PASSWORD et NEO4J_DATABASE.
    """
    app.may_create = True  # the target may be new
    if source_kind == target_kind:
        raise InvalidInput(
            "--to", f"doit différer de --from (les deux : {source_kind})", target_kind
        )
    if batch_size < 1:
        raise InvalidInput("--batch-size", "doit valoir au moins 1", batch_size)
    shown = False

    def show(report: MigrationReport) -> None:
        nonlocal shown
        if not as_json:
            shown = True
            click.echo(
                f"\r{report.nodes:,} nœuds, {report.relationships:,} relations copiés".replace(
                    ",", " "
                ),
                err=True,
                nl=False,
            )

    source = _open(app.settings, source_kind)
    try:
        target = _open(app.settings, target_kind)
        try:
            report = copy_store(source, target, resume=resume, batch_size=batch_size, progress=show)
        finally:
            target.close()
            if shown:
                click.echo("", err=True)  # end the progress line before any error line
    finally:
        source.close()
    record(app, Action.WRITE, "graph", "passerelle migrate", ())  # the audit log (cli.audit)
    emit(
        report.to_dict(),
        as_json,
        lambda r: click.echo(
            f"{r['nodes']:,} nœuds et {r['relationships']:,} relations copiés de".replace(",", " ")
            + f" {source_kind} vers {target_kind} en {r['seconds']} s ; les effectifs concordent."
        ),
    )
