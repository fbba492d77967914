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
            "give exactly one of --employer ID, --offer ID, --person ID"
            " or --sector CODE --bassin CODE" + (f" (got {', '.join(given)})" if given else ""),
        )
    if bassin and not sector:
        raise InvalidInput("--bassin", "goes with --sector CODE", bassin)
    if employer:
        return Target.employer(employer)
    if offer:
        return Target.offer(offer)
    if person:
        return Target.person(person)
    if not sector or not bassin:  # the one target given is --sector here
        raise InvalidInput("--bassin", "is required with --sector", None)
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


def _render_path(path: Path, head: str) -> None:
    n = len(path.intermediaries)
    count = "mise en relation directe" if n == 0 else f"{n} intermédiaire{'s' if n > 1 else ''}"
    click.echo(f"{head} coût {path.cost:.2f}, {count}")
    for reason in path.reasons:
        click.echo(f"   • {reason}")


@click.command()
@click.argument("candidate_id")
@click.option("--employer", help="Employer id: end at one of its current employees.")
@click.option(
    "--offer", help="Job offer id: end at its reporter or at an employee of its employer."
)
@click.option("--person", help="Person id: end at this person.")
@click.option(
    "--sector", help="Sector code (with --bassin): any employer of the sector in the bassin."
)
@click.option("--bassin", help="Bassin d'emploi code (with --sector).")
@click.option("--k", "k", type=int, default=3, show_default=True, help="Number of paths (1-10).")
@click.option(
    "--max-intermediaries",
    type=int,
    default=3,
    show_default=True,
    help="Most people between the candidate and the contact (1-5).",
)
@click.option("--as-of", help="Date of the query, YYYY-MM-DD [default: today].")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
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
    """Who can introduce CANDIDATE_ID to someone at the target."""
    target = _target(employer, offer, person, sector, bassin)
    policy = PathPolicy(k=k, max_intermediaries=max_intermediaries)
    when: date | None = None
    if as_of is not None:
        try:
            when = datetime.strptime(as_of, "%Y-%m-%d").date()
        except ValueError:
            raise InvalidInput(
                "--as-of", f"expected a date YYYY-MM-DD (got {as_of!r})", as_of
            ) from None
    result = find_paths(app.store(), candidate_id, target, policy, when)
    note_persons(h.to_id for p in result.paths for h in p.hops if h.to_id)  # cli.trail
    emit(result.to_dict() if as_json else result, as_json, _render)
