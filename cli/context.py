"""What every ``passerelle`` command shares: the app context and how results are printed.

Apart from :mod:`cli.main`, which registers the commands, so that a command's module can
be imported on its own (the registry imports the commands, not the other way round).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import click

from api.settings import ApiSettings
from graph.store import GraphStore


@dataclass
class AppContext:
    """What every command needs: settings and a lazily opened store.

    The settings are the API's (:class:`api.settings.ApiSettings`, the core's and the
    server's): ``passerelle serve`` and ``passerelle token`` need the server's part, and
    a bad ``PASSERELLE_API_*`` value is reported by every command alike.
    """

    settings: ApiSettings
    #: whether this command may create the store (``seed``, ``serve``, ``migrate``); the
    #: others refuse a data directory without one rather than create an empty one
    may_create: bool = False
    _store: GraphStore | None = field(default=None, repr=False)

    def store(self) -> GraphStore:
        if self._store is None:
            from graph.bootstrap import open_store

            self.require_store()
            self._store = open_store(self.settings)
        return self._store

    def require_store(self) -> None:
        """Refuse, in one French line, a data directory that holds no store (unless this
        command may create it): a command run from elsewhere would otherwise create an
        empty ``./data`` and work on it (a token there is unknown to the server)."""
        from graph.bootstrap import store_exists

        if self.may_create or store_exists(self.settings):
            return
        raise click.ClickException(
            f"aucun stockage dans {self.settings.data_dir.resolve()} : indiquez le répertoire"
            " des données avec --data-dir ou PASSERELLE_DATA_DIR"
            " (ou créez-le avec « passerelle seed »)"
        )

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def emit(data: Any, as_json: bool, render: Callable[[Any], None]) -> None:
    """Print ``data`` as JSON or through ``render`` for people."""
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        render(data)
