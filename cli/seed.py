"""``passerelle seed`` and ``passerelle stats``."""

from __future__ import annotations

import time
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.audit import record
from cli.context import AppContext, emit
from graph.audit import Action
from graph.errors import InvalidInput
from graph.model import Label
from graph.stats import groupement_counts

MAX_PEOPLE = 5_000_000


@click.command()
@click.option("--people", type=int, default=20_000, show_default=True, help="Number of people.")
@click.option("--seed", "seed_value", type=int, default=7, show_default=True, help="Random seed.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the store already holds people.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def seed(app: AppContext, people: int, seed_value: int, if_empty: bool, as_json: bool) -> None:
    """Generate the reproducible national demo network into the store."""
    from seed.demo import estimated_batches, generate

    if not 1 <= people <= MAX_PEOPLE:
        raise InvalidInput("--people", f"must be between 1 and {MAX_PEOPLE}", people)
    store = app.store()
    if if_empty and store.counts().nodes.get(Label.PERSON, 0) > 0:
        emit(
            {"seeded": False, "reason": "store not empty"},
            as_json,
            lambda _: click.echo("Store already seeded: nothing to do."),
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
            f"Seeded {r['people']:,} people ({r['records']:,} records) in {r['seconds']} s."
        ),
    )


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def stats(app: AppContext, as_json: bool) -> None:
    """Counts per label and relationship type, and per groupement."""
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
    console = Console()
    nodes = Table(title=f"Nodes (version {result['version']})")
    nodes.add_column("label")
    nodes.add_column("count", justify="right")
    for label, n in result["nodes"].items():
        nodes.add_row(label, f"{n:,}")
    rels = Table(title="Relationships")
    rels.add_column("type")
    rels.add_column("count", justify="right")
    for rel_type, n in result["relationships"].items():
        rels.add_row(rel_type, f"{n:,}")
    groups = Table(title="Groupements")
    for col in ("id", "members", "candidates", "helpers", "referents"):
        groups.add_column(col, justify="left" if col == "id" else "right")
    for g in result["groupements"]:
        groups.add_row(
            g["id"], *(f"{g[c]:,}" for c in ("members", "candidates", "helpers", "referents"))
        )
    console.print(nodes, rels, groups)
