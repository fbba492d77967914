"""``passerelle import`` and ``passerelle export``: CSV files in and out, LinkedIn connections.

The work is :mod:`graph.exchange`; this module reads the files, shows a progress bar and
prints the report in French. Exit code 1 when the import has problems (nothing written).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.context import AppContext, emit
from cli.trail import note_persons
from graph.errors import InvalidInput, NotFound
from graph.exchange import SourceFile, run_import
from graph.exchange.apply import ImportResult, write_plan
from graph.exchange.export import export_files, write_dir
from graph.exchange.linkedin import plan_linkedin

EXIT_PROBLEMS = 1
#: problems printed in full; the rest are counted (all of them are in --json)
SHOWN = 50


@click.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Vérifier et rendre compte ; ne rien écrire.")
@click.option(
    "--linkedin", is_flag=True, help="FILES est le Connections.csv d'un membre (ou son zip)."
)
@click.option("--member", default=None, help="Avec --linkedin : l'identifiant du membre.")
@click.option("--json", "as_json", is_flag=True, help="Rapport en JSON.")
@click.pass_obj
def import_cmd(
    app: AppContext,
    files: tuple[Path, ...],
    dry_run: bool,
    linkedin: bool,
    member: str | None,
    as_json: bool,
) -> None:
    """Importer des fichiers CSV (membres, liens, emplois, cibles, parrainages, referents,
    chartes, employeurs) : tout ou rien, et sans effet la seconde fois."""
    store = app.store()
    sources = [SourceFile.from_path(f) for f in files]
    if linkedin:
        if not member:
            raise InvalidInput("--member", "obligatoire avec --linkedin (l'identifiant du membre)")
        if len(sources) != 1:
            raise InvalidInput("files", "--linkedin takes one file (Connections.csv or a zip)")
        plan = plan_linkedin(store, member, sources[0])
        result = (
            ImportResult(plan, False, store.version) if dry_run or not plan.ok
            else write_plan(store, plan)
        )  # fmt: skip
    else:
        with Progress(
            TextColumn("[bold]{task.description}[/bold]"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            disable=as_json or not sys.stderr.isatty(),
            transient=True,
        ) as bar:
            tasks: dict[str, Any] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=max(total, 1))
                bar.update(tasks[stage], completed=done, total=max(total, 1))

            result = run_import(store, sources, dry_run=dry_run, progress=progress)
    note_persons(sorted(result.plan.person_ids))  # the audit log (cli.trail)
    emit(result.to_dict(), as_json, lambda _: _render(result, dry_run))
    if not result.plan.ok:
        sys.exit(EXIT_PROBLEMS)


def _render(result: ImportResult, dry_run: bool) -> None:
    console = Console()
    plan = result.plan
    for f in plan.files:
        console.print(f"{f.name} : {f.kind or '?'} ({f.rows:,} lignes, {f.encoding},"
                      f" séparateur « {f.delimiter} »)")  # fmt: skip
    if plan.problems:
        table = Table(title=f"{len(plan.problems):,} problème(s) : rien n'a été écrit")
        for col in ("fichier", "ligne", "colonne", "valeur", "raison"):
            table.add_column(col)
        for p in plan.problems[:SHOWN]:
            table.add_row(p.file, str(p.line or ""), p.column or "", p.value or "", p.reason)
        console.print(table)
        if len(plan.problems) > SHOWN:
            console.print(f"… et {len(plan.problems) - SHOWN:,} autre(s) (--json pour tout voir)")
        return
    counts = Table(title="Simulation (rien n'a été écrit)" if dry_run else "Import")
    for col in ("", "créés", "modifiés", "inchangés"):
        counts.add_column(col, justify="left" if not col else "right")
    for _what, c in plan.to_dict()["counts"].items():
        counts.add_row(c["label"], f"{c['created']:,}", f"{c['changed']:,}", f"{c['unchanged']:,}")
    console.print(counts)
    for note in plan.notes[:SHOWN]:
        console.print(f"note : {note}")
    linkedin = plan.extra.get("linkedin")
    if linkedin:
        console.print(
            f"LinkedIn : {linkedin['members']:,} membres parmi {linkedin['rows']:,} contacts"
            f" ({linkedin['non_members']:,} non-membres, jamais enregistrés)"
        )
        for m in linkedin["companies_to_review"]:
            shown = ", ".join(m["candidates"]) or "aucun employeur proche"
            console.print(f"à vérifier : « {m['company']} » ({m['confidence']:.2f}) → {shown}")
    if dry_run:
        console.print("Simulation : rien n'a été écrit.")
    elif result.written:
        console.print(f"Écrit en une transaction (version {result.version}).")
    else:
        console.print("Rien à changer : la base est déjà à jour.")


@click.command("export")
@click.option("--groupement", "groupement_id", default=None, help="Ce groupement seulement.")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Répertoire où écrire.",
)
@click.option("--json", "as_json", is_flag=True, help="Résultat en JSON.")
@click.pass_obj
def export_cmd(app: AppContext, groupement_id: str | None, out_dir: Path, as_json: bool) -> None:
    """Exporter tout (ou un groupement) en fichiers CSV pour Excel, aux formats de
    l'import."""
    store = app.store()
    if groupement_id is not None and store.get(groupement_id) is None:
        raise NotFound("Groupement", groupement_id, "--groupement")
    files = export_files(store, None if groupement_id is None else [groupement_id])
    paths = write_dir(files, out_dir)
    emit(
        {"files": [str(p) for p in paths]},
        as_json,
        lambda r: click.echo(f"{len(r['files'])} fichiers écrits dans {out_dir}"),
    )
