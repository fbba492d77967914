"""Settings from the environment, typed and checked once.

Every setting can also be given on the command line; the CLI passes overrides to
:func:`get_settings`. Tests build :class:`Settings` directly.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from graph.errors import ConfigError

StoreKind = Literal["embedded", "neo4j"]


class Settings(BaseSettings):
    """Passerelle's settings; environment variables are named ``PASSERELLE_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="PASSERELLE_", extra="ignore")

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
    neo4j_paths_in_database: bool = Field(
        False,
        description="evaluate referral-path traversals in Neo4j instead of in memory "
        "(for graphs too large to copy into each process)",
    )

    # HTTP API (``passerelle serve``)
    api_host: str = Field("127.0.0.1", description="address the API listens on")
    api_port: int = Field(8000, ge=1, le=65535, description="port the API listens on")
    api_workers: int = Field(1, ge=1, le=64, description="API worker processes")
    api_auth_db: Path | None = Field(
        None, description="token database of the API [default: <data_dir>/auth.sqlite3]"
    )
    api_max_body_bytes: int = Field(
        65_536, ge=1_024, le=10_485_760, description="largest request body the API accepts"
    )
    api_portal_rate: float = Field(
        5.0, gt=0, le=1_000_000, description="requests per second allowed to each portal token"
    )
    api_portal_burst: int = Field(
        20, ge=1, le=1_000_000, description="requests a portal token may make at once"
    )
    api_path_threads: int = Field(
        2, ge=1, le=64, description="path searches one API worker runs at once"
    )
    api_warm: bool = Field(True, description="build the path index when the API starts")
    api_docs: bool = Field(True, description="serve /docs and /openapi.json")

    @property
    def auth_db_path(self) -> Path:
        """Where the API's token database lives (separate from the graph)."""
        return self.api_auth_db or self.data_dir / "auth.sqlite3"


@lru_cache
def get_settings(**overrides: object) -> Settings:
    """The settings, from the environment with explicit ``overrides`` on top."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"setting {field}: {err['msg']}") from None
