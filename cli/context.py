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
    _store: GraphStore | None = field(default=None, repr=False)

    def store(self) -> GraphStore:
        if self._store is None:
            from graph.bootstrap import open_store

            self._store = open_store(self.settings)
        return self._store

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
