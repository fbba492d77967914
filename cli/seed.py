"""``passerelle seed`` and ``passerelle stats``."""

from __future__ import annotations

import time
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cli import numbers, table
from cli.audit import record
from cli.context import AppContext, emit
from graph.audit import Action
from graph.errors import InvalidInput
from graph.model import Label
from graph.stats import groupement_counts

MAX_PEOPLE = 5_000_000


@click.command()
@click.option("--people", type=int, default=20_000, show_default=True, help="Nombre de personnes.")
@click.option(
    "--seed", "seed_value", type=int, default=7, show_default=True, help="Graine aléatoire."
)
@click.option(
    "--if-empty", is_flag=True, help="Ne rien faire si le stockage contient déjà des personnes."
)
@click.option("--json", "as_json", is_flag=True, help="Résultat en JSON.")
@click.pass_obj
def seed(app: AppContext, people: int, seed_value: int, if_empty: bool, as_json: bool) -> None:
    """Générer le réseau national de démonstration (reproductible) dans le stockage."""
    from seed.demo import estimated_batches, generate

    app.may_create = True
    if not 1 <= people <= MAX_PEOPLE:
        raise InvalidInput("--people", f"doit être entre 1 et {MAX_PEOPLE}", people)
    store = app.store()
    if if_empty and store.counts().nodes.get(Label.PERSON, 0) > 0:
        emit(
            {"seeded": False, "reason": "store not empty"},
            as_json,
            lambda _: click.echo("Stockage déjà rempli : rien à faire."),
        )
        return
    started = time.perf_counter()
    written = 0
    with Progress(
        TextColumn("[bold]seeding[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=as_json,
        transient=False,
    ) as progress:
        task = progress.add_task("seed", total=estimated_batches(people))
        with store.bulk():
            for batch in generate(people, seed_value):
                written += len(batch)
                store.write(batch)
                progress.advance(task)
        # The batch count is estimated: end the bar at what was really written.
        progress.update(task, total=progress.tasks[0].completed)
    counts = store.counts()
    record(app, Action.WRITE, "graph", "passerelle seed", ())  # the audit log (cli.audit)
    result = {
        "seeded": True,
        "people": people,
        "seed": seed_value,
        "records": written,
        "seconds": round(time.perf_counter() - started, 2),
        "version": store.version,
        **counts.as_dict(),
    }
    emit(
        result,
        as_json,
        lambda r: click.echo(
            f"{numbers.integer(r['people'])} personnes générées"
            f" ({numbers.integer(r['records'])} enregistrements) en"
            f" {numbers.decimal(r['seconds'])} s."
        ),
    )


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Résultat en JSON.")
@click.pass_obj
def stats(app: AppContext, as_json: bool) -> None:
    """Effectifs par type de nœud et de relation, et par groupement."""
    store = app.store()
    view = store.view()
    counts = store.counts()
    groups = groupement_counts(view)
    result = {
        "version": view.version,
        **counts.as_dict(),
        "groupements": [g.to_dict() for g in groups],
    }
    emit(result, as_json, _render_stats)


def _render_stats(result: dict[str, Any]) -> None:
    """Three plain tables; ids are printed whole, whatever the terminal's width."""
    width = table.width()
    click.echo(f"Nœuds (version {result['version']})")
    _echo_table(["Type", "Nombre"], [[k, numbers.integer(n)] for k, n in result["nodes"].items()],
                width)  # fmt: skip
    click.echo("\nRelations")
    rels = [[k, numbers.integer(n)] for k, n in result["relationships"].items()]
    _echo_table(["Type", "Nombre"], rels, width)
    click.echo("\nGroupements")
    columns = ("members", "candidates", "helpers", "referents")
    rows = [[g["id"], *(numbers.integer(g[c]) for c in columns)] for g in result["groupements"]]
    _echo_table(["Groupement", "Membres", "Candidats", "Aidants", "Référents"], rows, width)


def _echo_table(header: list[str], rows: list[list[str]], width: int) -> None:
    right = [False] + [True] * (len(header) - 1)
    for line in table.render(header, rows, width, keys=1, right=right):
        click.echo(line)
