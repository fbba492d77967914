"""``passerelle coverage``: how well the network serves each groupement's candidates.

Prints a French table per groupement (and the total of the scope), or ``--json``, or
writes ``--csv FILE`` all or nothing (a temporary file renamed into place). Counts of
people under 5 read "< 5" unless ``--referent-view`` is given with ``--groupement`` (the
groupement's own référent view). ``--gaps`` lists the ranked gaps instead.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
import textwrap
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from cli import numbers, table
from cli.context import AppContext
from cli.trail import note_persons
from graph.audit.people import tokens
from graph.coverage import metrics, privacy
from graph.coverage.service import Scope, coverage, gaps
from graph.errors import InvalidInput

COLUMNS = (
    ("id", "Groupement"),
    ("name", "Nom"),
    ("referent_present", "Référent"),
    ("candidates", "Candidats"),
    ("candidates_departing_12m", "Départs 12 mois"),
    ("helpers_available", "Aidants disponibles"),
    ("helper_ratio", "Aidants/candidat"),
    ("share_with_path", "Part avec chemin"),
    ("employers_without_contact", "Employeurs sans contact"),
    ("sectors_without_helper", "Secteurs sans aidant"),
    ("single_points_of_failure", "Points uniques"),
    ("partners_without_charter", "Chartes manquantes"),
    ("hidden_offers_unreached", "Offres cachées non jointes"),
)


def _scope(groupement: str | None, departement: str | None, region: str | None) -> Scope:
    given = [
        n
        for n, v in (
            ("--groupement", groupement),
            ("--departement", departement),
            ("--region", region),
        )
        if v
    ]
    if len(given) > 1:
        raise InvalidInput("scope", f"une seule de ces options ({', '.join(given)})")
    if groupement:
        return Scope.groupement(groupement)
    if departement:
        return Scope.departement(departement)
    if region:
        return Scope.region(region)
    return Scope.national()


def _cell(key: str, value: Any, row: dict[str, Any]) -> str:
    if key == "referent_present" and "referent_word" in row:  # a groupement's own row
        return str(row["referent_word"])
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        return numbers.percent(value) if key == "share_with_path" else numbers.decimal(value, 2)
    if isinstance(value, int):
        return numbers.integer(value)
    return str(value)


def _rows(report, own: bool) -> list[dict[str, Any]]:
    rows = [
        {
            **privacy.render_coverage(c, own),
            "referent_word": metrics.referent_word(c),  # the core's one rule
        }
        for c in report.groupements
    ]
    if report.scope != "groupement":
        rows += [privacy.render_coverage(c) for c in (*report.departements, *report.regions)]
        if report.total is not None:
            rows.append(privacy.render_coverage(report.total))
    return rows


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    """All or nothing: write a temporary file beside ``path`` and rename it into place."""
    path = Path(path)
    fields = ["scope", *(k for k, _ in COLUMNS)] + [
        k for k in (rows[0] if rows else {}) if k not in {"scope", *(c for c, _ in COLUMNS)}
    ]
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@click.command("coverage")
@click.option("--groupement", default=None, help="Un groupement (identifiant).")
@click.option("--departement", default=None, help="Un département (code, ex. 33).")
@click.option("--region", default=None, help="Une région (code, ex. 75).")
@click.option("--as-of", "as_of", default=None, help="Date AAAA-MM-JJ [défaut : aujourd'hui].")
@click.option("--json", "as_json", is_flag=True, help="Résultat en JSON.")
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Écrire les lignes dans un fichier CSV (tout ou rien).",
)
@click.option("--gaps", "show_gaps", is_flag=True, help="Lister plutôt les lacunes, classées.")
@click.option("--limit", type=int, default=None, help="Avec --gaps : combien.")
@click.option(
    "--referent-view",
    is_flag=True,
    help="Petits effectifs exacts (vue du référent du groupement ; avec --groupement).",
)
@click.pass_obj
def coverage_cmd(
    app: AppContext,
    groupement: str | None,
    departement: str | None,
    region: str | None,
    as_of: str | None,
    as_json: bool,
    csv_file: Path | None,
    show_gaps: bool,
    limit: int | None,
    referent_view: bool,
) -> None:
    """Couverture par groupement (et cumulée), petits effectifs masqués."""
    scope = _scope(groupement, departement, region)
    if referent_view and scope.kind != "groupement":
        raise InvalidInput("--referent-view", "va avec --groupement ID")
    when = _parse_date(as_of)
    own = referent_view
    if show_gaps:
        report = gaps(app.store(), scope, when, limit, exact=True)
        rendered = [privacy.render_gap(g, own) for g in report.gaps]
        note_persons(tokens(json.dumps(rendered)))  # people the gaps name (cli.trail)
        if csv_file is not None:
            raise InvalidInput("--csv", "sert au tableau de couverture, pas à --gaps")
        if as_json:
            click.echo(json.dumps(rendered, ensure_ascii=False, indent=2))
            return
        wrap = table.width()
        for g in rendered:
            head = (
                f"{g['rank']:>3}. [{g['groupement_id']}] {g['title']}"
                f" (candidats concernés : {g['affected']})"
            )
            click.echo(textwrap.fill(head, wrap, subsequent_indent="     "))
            click.echo(
                textwrap.fill(
                    f"→ {g['action']['text']}", wrap, initial_indent="     ",
                    subsequent_indent="       ",
                )
            )  # fmt: skip
        return
    result = coverage(app.store(), scope, when, exact=True)
    rows = _rows(result, own)
    if csv_file is not None:
        _write_csv(csv_file, rows)
        click.echo(f"{len(rows)} lignes écrites dans {csv_file}")
        return
    if as_json:
        click.echo(
            json.dumps(
                {
                    "as_of": result.as_of.isoformat(),
                    "version": result.version,
                    "scope": result.scope,
                    "scope_id": result.scope_id,
                    "rows": rows,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    _print_table(rows, result.as_of)


def _print_table(rows: list[dict[str, Any]], as_of: date) -> None:
    click.echo(f"Couverture du réseau au {as_of.strftime('%d/%m/%Y')}")
    header = [label for _, label in COLUMNS]
    cells = [[_cell(k, r.get(k), r) for k, _ in COLUMNS] for r in rows]
    right = [k not in {"id", "name", "referent_present"} for k, _ in COLUMNS]
    for line in table.render(header, cells, table.width(), keys=1, right=right):
        click.echo(line)


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput("--as-of", f"date attendue AAAA-MM-JJ (reçu {value!r})", value) from None
