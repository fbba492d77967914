"""``passerelle member export|erase`` and ``passerelle retention``: members' rights.

* ``member export ID [--format json|csv] [--output FILE]``: the person's full record
  (:mod:`graph.rights.record`); JSON on stdout, or a file; ``csv`` is a zip of French CSV
  files and needs ``--output``.
* ``member erase ID [--yes]``: the erasure (:func:`graph.rights.erase_person`): the
  person leaves the store and every cache; a tombstone stays in the audit log.
* ``retention [--dry-run] [--months N]``: members who left more than N months ago
  (``PASSERELLE_RETENTION_MONTHS``, default 36): listed with ``--dry-run``, else erased.

Each is recorded in the audit log (actor ``cli:<user>``). Errors: one French line on
stderr, exit 1 (unknown id, bad argument), 3 (store or log unavailable).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from cli import french
from cli.audit import CLI_ROLE, fail, french_errors, open_audit, record
from cli.context import AppContext, emit
from graph.audit import Action, AuditFilter, cli_actor
from graph.rights import (
    apply_retention,
    erase_person,
    person_record,
    to_csv_zip,
    to_json,
)


@click.group()
def member() -> None:
    """Droits d'un membre : export (accès, portabilité) et effacement."""


@member.command("export")
@click.argument("person_id")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json",
              show_default=True, help="json, ou csv (un zip de fichiers CSV).")  # fmt: skip
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Écrire dans ce fichier (obligatoire pour csv).")  # fmt: skip
@click.pass_obj
def export(app: AppContext, person_id: str, fmt: str, output: Path | None) -> None:
    """Exporter tout ce qui est enregistré sur PERSON_ID."""
    if fmt == "csv" and output is None:
        fail("--format csv écrit un fichier zip : indiquez --output FICHIER")
    with french_errors():
        store = app.store()
        with open_audit(app) as log:
            entries = list(log.all(AuditFilter(person_id=person_id)))
        data = person_record(store, person_id, entries)
        body = to_csv_zip(data) if fmt == "csv" else to_json(data)
        record(app, Action.EXPORT, "person", "passerelle member export", (person_id,))
    if output is None:
        click.echo(body.decode("utf-8"))
        return
    try:
        output.write_bytes(body)
    except OSError as exc:
        fail(f"impossible d'écrire {output} ({exc.strerror})")
    click.echo(f"Données de {person_id} écrites dans {output}.")


@member.command("erase")
@click.argument("person_id")
@click.option("--yes", is_flag=True, help="Ne pas demander de confirmation.")
@click.option("--json", "as_json", is_flag=True, help="Résultat en JSON.")
@click.pass_obj
def erase(app: AppContext, person_id: str, yes: bool, as_json: bool) -> None:
    """Effacer PERSON_ID partout (définitif) ; une trace reste au journal."""
    if not yes and not french.confirm(f"Effacer définitivement {person_id} ?"):
        fail("effacement annulé")
    with french_errors(), open_audit(app) as log:
        done = erase_person(
            app.store(), person_id, audit=log, actor=cli_actor(), role=CLI_ROLE,
            operation="passerelle member erase", data_dir=app.settings.data_dir,
        )  # fmt: skip
    emit(
        done.to_dict(),
        as_json,
        lambda d: click.echo(
            f"{d['id']} effacé ({d['relationships']} relation(s) supprimée(s));"
            f" trace d'effacement n° {d['audit_entry']} dans le journal."
        ),
    )


@click.command("retention")
@click.option("--dry-run", is_flag=True, help="Lister qui est concerné, n'effacer personne.")
@click.option("--months", type=click.IntRange(1, 600), default=None,
              help="Mois après le départ [défaut : PASSERELLE_RETENTION_MONTHS, 36].")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Résultat en JSON.")
@click.pass_obj
def retention(app: AppContext, dry_run: bool, months: int | None, as_json: bool) -> None:
    """Effacer les membres partis depuis plus de N mois (voir --dry-run)."""
    months = months or app.settings.retention_months
    with french_errors(), open_audit(app) as log:
        store = app.store()
        report = apply_retention(
            store,
            date.today(),
            months,
            lambda pid: erase_person(
                store,
                pid,
                audit=log,
                actor=cli_actor(),
                role=CLI_ROLE,
                operation="passerelle retention",
                traces=False,
                data_dir=app.settings.data_dir,
            ),
            dry_run=dry_run,
        )

    def render(d: dict[str, Any]) -> None:
        verb = "à effacer" if d["dry_run"] else "effacé(s)"
        count = d["due"] if d["dry_run"] else d["erased"]
        click.echo(
            f"{count} membre(s) sorti(s) avant le {d['cutoff']} ({d['months']} mois) {verb}."
        )
        for pid in d["ids"]:
            click.echo(f"  {pid}")

    emit(report.to_dict(), as_json, render)
