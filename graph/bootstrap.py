"""The one place that turns settings into a wired store."""

from __future__ import annotations

from graph.errors import ConfigError
from graph.settings import Settings
from graph.store import GraphStore


def store_exists(settings: Settings) -> bool:
    """Whether the store the settings name holds a graph already (a Neo4j server is taken
    to: it is reached on opening). An embedded store is its database file in the data
    directory; opening one where there is none creates it."""
    if settings.store == "embedded":
        from graph.embedded.sql import DB_FILE

        return (settings.data_dir / DB_FILE).is_file()
    return True


def open_store(settings: Settings) -> GraphStore:
    """Open the store the settings ask for."""
    if settings.store == "embedded":
        from graph.embedded import EmbeddedStore

        return EmbeddedStore(settings.data_dir)
    if settings.store == "neo4j":
        from graph.neo4j import Neo4jStore

        return Neo4jStore.from_settings(settings)
    raise ConfigError(f"store: unknown backend {settings.store!r}")
