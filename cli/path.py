"""``passerelle path``: introduction paths for a candidate, explained in French."""

from __future__ import annotations

from datetime import date, datetime

import click

from cli.context import AppContext, emit
from cli.trail import note_persons
from graph.errors import InvalidInput
from graph.paths import PathPolicy, PathResult, Target, find_paths
from graph.paths.results import Path


def _target(
    employer: str | None,
    offer: str | None,
    person: str | None,
    sector: str | None,
    bassin: str | None,
) -> Target:
    given = [
        name
        for name, value in (
            ("--employer", employer),
            ("--offer", offer),
            ("--person", person),
            ("--sector", sector),
        )
        if value
    ]
    if len(given) != 1:
        raise InvalidInput(
            "target",
            "donnez une seule cible : --employer ID, --offer ID, --person ID"
            " ou --sector CODE --bassin CODE" + (f" (reçu {', '.join(given)})" if given else ""),
        )
    if bassin and not sector:
        raise InvalidInput("--bassin", "va avec --sector CODE", bassin)
    if employer:
        return Target.employer(employer)
    if offer:
        return Target.offer(offer)
    if person:
        return Target.person(person)
    if not sector or not bassin:  # the one target given is --sector here
        raise InvalidInput("--bassin", "obligatoire avec --sector", None)
    return Target.sector_in_bassin(sector, bassin)


def _render(result: PathResult) -> None:
    click.echo(
        f"Mises en relation de {result.candidate.name} vers {result.target.label} "
        f"(au {result.as_of.strftime('%d/%m/%Y')})"
    )
    for note in result.notes:
        click.echo(f"  note : {note}")
    for path in result.paths:
        _render_path(path, f"{path.rank}.")
    if result.no_path is not None:
        click.echo(f"Aucun chemin : {result.no_path.message}.")
        if result.alternatives:
            click.echo("Employeurs proches joignables :")
            for alt in result.alternatives:
                _render_path(alt.path, f"- {alt.employer} :")
        if result.next_steps is not None and result.next_steps.advice:
            click.echo("Et maintenant ?")
            for advice in result.next_steps.advice:
                click.echo(f"  • {advice}")


def _render_path(path: Path, head: str) -> None:
    n = len(path.intermediaries)
    count = "mise en relation directe" if n == 0 else f"{n} intermédiaire{'s' if n > 1 else ''}"
    click.echo(f"{head} coût {path.cost:.2f}, {count}")
    for reason in path.reasons:
        click.echo(f"   • {reason}")


@click.command()
@click.argument("candidate_id")
@click.option(
    "--employer", help="Employeur (identifiant) : aboutir à l'un de ses salariés actuels."
)
@click.option(
    "--offer",
    help="Offre d'emploi (identifiant) : aboutir à qui l'a signalée, ou à un salarié.",
)
@click.option("--person", help="Personne (identifiant) : aboutir à cette personne.")
@click.option(
    "--sector",
    help="Code de secteur (avec --bassin) : tout employeur du secteur dans le bassin.",
)
@click.option("--bassin", help="Code du bassin d'emploi, ex. ZE-33-1 (avec --sector).")
@click.option(
    "--k", "k", type=int, default=3, show_default=True, help="Nombre de chemins (1 à 10)."
)
@click.option(
    "--max-intermediaries",
    type=int,
    default=3,
    show_default=True,
    help="Nombre maximal de personnes entre le candidat et le contact (1 à 5).",
)
@click.option("--as-of", help="Date de la recherche, AAAA-MM-JJ [défaut : aujourd'hui].")
@click.option("--json", "as_json", is_flag=True, help="Résultat en JSON.")
@click.pass_obj
def path(
    app: AppContext,
    candidate_id: str,
    employer: str | None,
    offer: str | None,
    person: str | None,
    sector: str | None,
    bassin: str | None,
    k: int,
    max_intermediaries: int,
    as_of: str | None,
    as_json: bool,
) -> None:
    """Qui peut présenter CANDIDATE_ID à quelqu'un de la cible."""
    target = _target(employer, offer, person, sector, bassin)
    policy = PathPolicy(k=k, max_intermediaries=max_intermediaries)
    when: date | None = None
    if as_of is not None:
        try:
            when = datetime.strptime(as_of, "%Y-%m-%d").date()
        except ValueError:
            raise InvalidInput(
                "--as-of", f"date attendue AAAA-MM-JJ (reçu {as_of!r})", as_of
            ) from None
    result = find_paths(app.store(), candidate_id, target, policy, when)
    note_persons(h.to_id for p in result.paths for h in p.hops if h.to_id)  # cli.trail
    emit(result.to_dict() if as_json else result, as_json, _render)
