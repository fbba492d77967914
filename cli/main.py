"""The ``passerelle`` command line.

Each command lives in its own module and is registered here. Errors a user can fix are
printed as one line on stderr with a non-zero exit code, never as a traceback.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from api.settings import get_settings
from cli import french
from cli.context import AppContext
from graph.errors import PasserelleError, StoreUnavailable
from graph.relations.messages import french as french_error

french.install()  # before the decorators below: some of click's texts are read there

EXIT_USER_ERROR = 1
#: the core's fields that are not a command's option, as the user reads them
FIELD_NAMES = {"candidate": "CANDIDATE_ID", "target": "cible"}
EXIT_UNAVAILABLE = 3


class _Group(click.Group):
    """A group that turns every error a user can fix (click's usage errors and the
    domain's) into one French line on stderr and a non-zero exit code."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            done = super().main(args, prog_name, complete_var, False, **extra)
        except click.ClickException as exc:
            if french.is_help(exc):  # a group given no command: its help, as click does
                click.echo(exc.format_message(), err=True)
            else:
                click.echo(french.one_line(exc), err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("erreur : abandon.", err=True)
            sys.exit(EXIT_USER_ERROR)
        sys.exit(done if isinstance(done, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PasserelleError as exc:
            click.echo(f"erreur : {french_error(exc, FIELD_NAMES)}", err=True)
            sys.exit(EXIT_UNAVAILABLE if isinstance(exc, StoreUnavailable) else EXIT_USER_ERROR)


@click.group(cls=_Group)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Répertoire du stockage intégré [env PASSERELLE_DATA_DIR, défaut ./data].",
)
@click.option(
    "--store",
    "store_kind",
    type=click.Choice(["embedded", "neo4j"]),
    default=None,
    help="Stockage : embedded ou neo4j [env PASSERELLE_STORE, défaut embedded].",
)
@click.version_option(package_name="passerelle")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None, store_kind: str | None) -> None:
    """Passerelle : chemins de mise en relation et couverture du réseau de reconversion."""
    app = AppContext(get_settings(data_dir=data_dir, store=store_kind))
    ctx.obj = app
    ctx.call_on_close(app.close)


def _with_store_option(command: click.Command) -> click.Command:
    """Let a command take ``--store`` after its name too: ``passerelle seed --store neo4j``.

    The option overrides the global ``--store`` (and ``PASSERELLE_STORE``) for that command.
    """
    callback = command.callback
    assert callback is not None

    @functools.wraps(callback)
    def run(*args: Any, store_kind: str | None = None, **kwargs: Any) -> Any:
        app = click.get_current_context().find_object(AppContext)
        if store_kind is not None and app is not None:  # the store opens later, on first use
            app.settings = app.settings.model_copy(update={"store": store_kind})
        return callback(*args, **kwargs)

    command.callback = run
    command.params.append(
        click.Option(
            ["--store", "store_kind"],
            type=click.Choice(["embedded", "neo4j"]),
            default=None,
            help="Stockage pour cette commande [défaut : le --store global].",
        )
    )
    return command


def _register() -> None:
    from cli.audit import audit
    from cli.coverage import coverage_cmd
    from cli.exchange import export_cmd, import_cmd
    from cli.migrate import migrate
    from cli.outbox import outbox
    from cli.path import path
    from cli.places import bassins, secteurs
    from cli.relations import COMMANDS as relation_commands
    from cli.rights import member, retention
    from cli.seed import seed, stats
    from cli.serve import serve
    from cli.token import token
    from cli.user import user

    for command in (seed, stats, path, serve, token, coverage_cmd, migrate, *relation_commands):
        main.add_command(command)
    for command in (import_cmd, export_cmd):  # cli.exchange
        main.add_command(command)
    for command in (audit, member, retention):  # personal data (cli.audit, cli.rights)
        main.add_command(command)
    for command in (user, outbox):  # people's accounts, their login links (cli.user, cli.outbox)
        main.add_command(command)
    for command in (bassins, secteurs):  # the codes of bassins and sectors (cli.places)
        main.add_command(command)
    _with_store_option(seed)
    from cli import trail

    for command in main.commands.values():  # the audit log (cli.trail)
        trail.install(command)


_register()
