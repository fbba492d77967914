"""``passerelle bassins`` and ``passerelle secteurs``: the codes the other commands take.

A bassin d'emploi and a sector are named by their code (``ZE-33-1``, ``defense``) in
every command and API route (:mod:`graph.places`); these lists show them.
"""

from __future__ import annotations

import click

from cli import table
from cli.context import AppContext, emit
from graph import places


@click.command("bassins")
@click.option("--departement", default=None, help="Un département (code, ex. 33).")
@click.option("--region", default=None, help="Une région (code, ex. 75).")
@click.option("--json", "as_json", is_flag=True, help="Résultat en JSON.")
@click.pass_obj
def bassins(app: AppContext, departement: str | None, region: str | None, as_json: bool) -> None:
    """Lister les bassins d'emploi : code, nom, département et région."""
    rows = [p.to_dict() for p in places.list_bassins(app.store(), departement, region)]

    def render(found: list[dict]) -> None:
        if not found:
            click.echo("Aucun bassin d'emploi.")
            return
        cells = [
            [r["code"], r["name"], f"{r['departement_name']} ({r['departement']})",
             r["region_name"] or ""]
            for r in found
        ]  # fmt: skip
        header = ["Code", "Bassin d'emploi", "Département", "Région"]
        for line in table.render(header, cells, table.width()):
            click.echo(line)

    emit(rows, as_json, render)


@click.command("secteurs")
@click.option("--json", "as_json", is_flag=True, help="Résultat en JSON.")
@click.pass_obj
def secteurs(app: AppContext, as_json: bool) -> None:
    """Lister les secteurs d'activité : code et nom."""
    rows = [s.to_dict() for s in places.list_sectors(app.store())]

    def render(found: list[dict]) -> None:
        cells = [[r["code"], r["name"]] for r in found]
        for line in table.render(["Code", "Secteur"], cells, table.width()):
            click.echo(line)
        if not found:
            click.echo("Aucun secteur.")

    emit(rows, as_json, render)
