"""The core's settings from the environment, typed and checked once: which store, where.

An entry point with settings of its own extends :class:`Settings` (the HTTP API's are
:class:`api.settings.ApiSettings`) and loads them with :func:`load_settings`, so every
bad value is reported the same way. Tests build the classes directly.

Decisions:
- Unknown keyword arguments are refused (``extra="forbid"``): a test or caller giving an
  entry point's setting to the core class fails at once instead of being silently
  ignored. Unknown ``PASSERELLE_*`` environment variables are still ignored.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import AliasChoices, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from graph.errors import ConfigError

StoreKind = Literal["embedded", "neo4j"]
S = TypeVar("S", bound="Settings")


class Settings(BaseSettings):
    """The store's settings; environment variables are named ``PASSERELLE_<NAME>``.

    >>> Settings(data_dir="/srv/passerelle").data_dir
    PosixPath('/srv/passerelle')
    """

    model_config = SettingsConfigDict(env_prefix="PASSERELLE_", extra="forbid")

    data_dir: Path = Field(Path("data"), description="directory of the embedded store")
    store: StoreKind = Field("embedded", description="storage backend: embedded or neo4j")

    # Neo4j (``store = neo4j``): the standard variable names, without the prefix
    neo4j_uri: str = Field(
        "neo4j://localhost:7687",
        validation_alias=AliasChoices("neo4j_uri", "NEO4J_URI"),
        description="Bolt URI of the Neo4j server",
    )
    neo4j_user: str = Field(
        "neo4j", validation_alias=AliasChoices("neo4j_user", "NEO4J_USER"), description="user"
    )
    neo4j_password: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("neo4j_password", "NEO4J_PASSWORD"),
        description="password (none: connect without authentication)",
    )
    neo4j_database: str | None = Field(
        None,
        validation_alias=AliasChoices("neo4j_database", "NEO4J_DATABASE"),
        description="database name [default: the server's default database]",
    )
    neo4j_connect_timeout: float = Field(
        30.0, ge=0, le=3600, description="seconds to wait for the server at start-up"
    )
    # Personal data (graph.audit, graph.rights)
    retention_months: int = Field(
        36,
        ge=1,
        le=600,
        description="members who left more than this many months ago are erased "
        "(passerelle retention)",
    )
    audit_db: Path | None = Field(
        None, description="the audit log [default: <data_dir>/audit.sqlite3]"
    )

    neo4j_paths_in_database: bool = Field(
        False,
        description="evaluate referral-path traversals in Neo4j instead of in memory "
        "(for graphs too large to copy into each process)",
    )

    @property
    def audit_db_path(self) -> Path:
        """Where the audit log lives (apart from the graph, whichever the store)."""
        return self.audit_db or self.data_dir / "audit.sqlite3"


def load_settings(cls: type[S], overrides: dict[str, object]) -> S:
    """``cls`` from the environment with the non-``None`` ``overrides`` on top; a bad
    value is a :class:`ConfigError` naming the setting.

    >>> load_settings(Settings, {"store": "sqlite"})
    Traceback (most recent call last):
    ...
    graph.errors.ConfigError: setting store: Input should be 'embedded' or 'neo4j'
    """
    try:
        return cls(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"setting {field}: {err['msg']}") from None


@lru_cache
def get_settings(**overrides: object) -> Settings:
    """The core's settings, from the environment with explicit ``overrides`` on top."""
    return load_settings(Settings, overrides)
