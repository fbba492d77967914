"""The command line's audit trail: every command that reads personal data or writes is
recorded once it succeeded, from one table (:data:`COMMANDS`), as the API's middleware
records its routes.

Who: ``cli:<system user>`` with the admin's role (whoever runs the command line can read
the data directory); when a relationship command is given ``--token``, the entry still
names the system user, the token only narrows what the command may do.

Which people: the command's arguments and options that name a person of the graph (the
candidate of ``path``, the anchor of ``tie add``…), plus those a command notes itself
with :func:`note_persons` (the people a path answer named). Commands that record
themselves (``seed``, ``migrate``, ``member export|erase``, ``retention``, ``audit``)
are marked None, as are those that touch no personal data (``serve``, ``stats``,
``token``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import click

from cli.context import AppContext
from graph.audit import Action, AuditEntry, AuditLog, cli_actor, unique_ids, utc_now
from graph.audit.people import persons_among

CLI_ROLE = "admin"
_NOTED = "passerelle_audit_persons"


@dataclass(frozen=True)
class Recorded:
    action: Action
    kind: str
    #: a read that named nobody records nothing
    when_named: bool = False


#: top-level command -> how it is recorded (None: not here; see the module)
COMMANDS: dict[str, Recorded | None] = {
    "path": Recorded(Action.READ, "paths", when_named=True),
    "coverage": Recorded(Action.READ, "coverage", when_named=True),
    "import": Recorded(Action.WRITE, "import"),
    "export": Recorded(Action.EXPORT, "export"),
    "seed": None,
    "stats": None,
    "serve": None,
    "token": None,
    "migrate": None,
    "audit": None,
    "member": None,
    "retention": None,
    "user": None,  # people's accounts (not members): graph.accounts records its writes
    # the e-mails waiting or sent: they name candidates and intermediaries
    "outbox": Recorded(Action.READ, "outbox"),
    "bassins": None,
    "secteurs": None,
}
#: a relationship command (``tie list|add|update|end|remove`` …): ``list`` reads
RELATION_READ = Recorded(Action.READ, "relation", when_named=True)
RELATION_WRITE = Recorded(Action.WRITE, "relation")


def note_persons(ids: Iterable[str]) -> None:
    """Add people this command concerned that its arguments do not name (its answer's)."""
    meta = click.get_current_context().meta
    meta[_NOTED] = (*meta.get(_NOTED, ()), *ids)


def how(path: tuple[str, ...]) -> Recorded | None:
    """How the command at ``path`` (names below ``passerelle``) is recorded.

    >>> how(("path",)).kind, how(("tie", "list")).action.value, how(("tie", "add")).kind
    ('paths', 'read', 'relation')
    >>> how(("serve",)) is None
    True
    """
    if path[0] in COMMANDS:
        return COMMANDS[path[0]]
    return RELATION_READ if path[-1] == "list" else RELATION_WRITE


def _values(params: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for value in params.values():
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, tuple | list):
            out.extend(v for v in value if isinstance(v, str))
    return out


def _record(app: AppContext, path: tuple[str, ...], spec: Recorded, ctx: click.Context) -> None:
    if spec.action is Action.WRITE and ctx.params.get("dry_run"):
        return  # a dry run writes nothing
    store = app._store  # never open the store just for the log
    candidates = [*ctx.meta.get(_NOTED, ()), *_values(ctx.params)]
    ids = unique_ids(persons_among(store, candidates) if store is not None else [])
    if spec.when_named and not ids:
        return
    entry = AuditEntry(
        utc_now(), cli_actor(), CLI_ROLE, spec.action, spec.kind,
        "passerelle " + " ".join(path), ids,
    )  # fmt: skip
    with AuditLog(app.settings.audit_db_path) as log:
        log.append(entry)


def install(command: click.Command, path: tuple[str, ...] = ()) -> None:
    """Record ``command`` (and, for a group, every command under it) per :func:`how`."""
    path = (*path, command.name or "")
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            install(sub, path)
        return
    spec = how(path)
    callback = command.callback
    if spec is None or callback is None:
        return

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        result = callback(*args, **kwargs)
        ctx = click.get_current_context()
        app = ctx.find_object(AppContext)
        if app is not None:
            _record(app, path, spec, ctx)
        return result

    command.callback = run
