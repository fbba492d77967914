"""``passerelle audit list|purge``: the audit log of accesses to personal data.

``list`` reads it (newest first; ``--person``, ``--since``, ``--until``, ``--actor``,
``--action``, ``--kind``; ``--json``), ``purge`` removes the entries older than 12 months
(the API also purges at start and daily). Errors are one French line on stderr: exit 1
for a bad argument or an unknown id, 3 when a database cannot be opened.

Decisions:

* Reading the entries of a person is itself recorded (``kind`` audit), as through the
  API; the command line acts as ``cli:<system user>`` with the admin's role (whoever can
  run it can read the data directory).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, NoReturn

import click

from cli.context import AppContext, emit
from graph.access.tokens import TokenStore
from graph.audit import Action, AuditEntry, AuditFilter, AuditLog, cli_actor, utc_now
from graph.errors import InvalidInput, NotFound, PasserelleError, StoreUnavailable

EXIT_USER_ERROR = 1
EXIT_UNAVAILABLE = 3
CLI_ROLE = "admin"


def fail(message: str, code: int = EXIT_USER_ERROR) -> NoReturn:
    """Print one French line on stderr and exit with ``code``."""
    click.echo(f"erreur : {message}", err=True)
    sys.exit(code)


@contextmanager
def french_errors() -> Iterator[None]:
    """Domain errors as one French line and an exit code."""
    try:
        yield
    except NotFound as exc:
        fail(f"aucune personne avec l'identifiant {exc.id!r}")
    except InvalidInput as exc:
        fail(f"{exc.field} : {exc.message}")
    except StoreUnavailable as exc:
        fail(f"données inaccessibles ({exc})", EXIT_UNAVAILABLE)
    except PasserelleError as exc:
        fail(str(exc))


def open_audit(app: AppContext) -> AuditLog:
    app.require_store()
    return AuditLog(app.settings.audit_db_path)


def record(
    app: AppContext, action: Action, kind: str, operation: str, ids: tuple[str, ...]
) -> None:
    """Append one entry for a command (the caller has the log closed afterwards)."""
    with open_audit(app) as log:
        log.append(AuditEntry(utc_now(), cli_actor(), CLI_ROLE, action, kind, operation, ids))


def _day(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        fail(f"{option} : date attendue au format AAAA-MM-JJ (reçu {value!r})")
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@click.group()
def audit() -> None:
    """Lire et purger le journal des accès aux données personnelles."""


@audit.command("list")
@click.option(
    "--person", "person_id", help="Seulement les entrées qui nomment cette personne (identifiant)."
)
@click.option("--since", help="À partir de ce jour (AAAA-MM-JJ).")
@click.option("--until", help="Avant ce jour (AAAA-MM-JJ).")
@click.option("--actor", help="Seulement ce jeton (identifiant), ou cli:<utilisateur>.")
@click.option(
    "--action", type=click.Choice([a.value for a in Action]), help="Seulement cette action."
)
@click.option("--kind", help="Seulement ce type d'enregistrement (person, paths, coverage…).")
@click.option("--limit", type=click.IntRange(1, 100_000), default=100, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0)
@click.option("--json", "as_json", is_flag=True, help="Résultat en JSON.")
@click.pass_obj
def list_(
    app: AppContext,
    person_id: str | None,
    since: str | None,
    until: str | None,
    actor: str | None,
    action: str | None,
    kind: str | None,
    limit: int,
    offset: int,
    as_json: bool,
) -> None:
    """Lister les entrées, les plus récentes d'abord."""
    where = AuditFilter(
        person_id=person_id,
        since=_day(since, "--since"),
        until=_day(until, "--until"),
        actor=actor,
        action=Action(action) if action else None,
        kind=kind,
    )
    with french_errors(), open_audit(app) as log:
        names = _token_names(app)
        entries, total = log.list(where, limit=limit, offset=offset)
        if person_id is not None:
            log.append(
                AuditEntry(utc_now(), cli_actor(), CLI_ROLE, Action.READ, "audit",
                           "passerelle audit list", (person_id,))
            )  # fmt: skip
    data = {"items": [_named(e.to_dict(), names) for e in entries], "total": total}

    def render(d: dict[str, Any]) -> None:
        if not d["items"]:
            click.echo("Aucune entrée.")
        for e in d["items"]:
            people = ", ".join(e["person_ids"])
            who = f"{e['actor']} « {e['actor_name']} »" if e["actor_name"] else e["actor"]
            click.echo(
                f"{e['at']}  {who} ({e['role']})  {e['action']} {e['kind']}"
                f"  {e['operation']}" + (f"  [{people}]" if people else "")
            )
        click.echo(f"{len(d['items'])} entrée(s) sur {d['total']}.")

    emit(data, as_json, render)


def _token_names(app: AppContext) -> dict[str, str | None]:
    """Token ids and names, so that the log says who holds a token."""
    tokens = TokenStore(app.settings.auth_db_path)
    try:
        return {t.id: t.name for t in tokens.list()}
    finally:
        tokens.close()


def _named(entry: dict[str, Any], names: dict[str, str | None]) -> dict[str, Any]:
    return {**entry, "actor_name": names.get(entry["actor"])}


@audit.command("purge")
@click.option("--json", "as_json", is_flag=True, help="Résultat en JSON.")
@click.pass_obj
def purge(app: AppContext, as_json: bool) -> None:
    """Supprimer les entrées de plus de 12 mois."""
    with french_errors(), open_audit(app) as log:
        removed = log.purge()
    render: Callable[[Any], None] = lambda d: click.echo(  # noqa: E731
        f"{d['removed']} entrée(s) de plus de 12 mois supprimée(s)."
    )
    emit({"removed": removed}, as_json, render)
