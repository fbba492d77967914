"""Settings from the environment, typed and checked once.

Every setting can also be given on the command line; the CLI passes overrides to
:func:`get_settings`. Tests build :class:`Settings` directly.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from graph.errors import ConfigError

StoreKind = Literal["embedded", "neo4j"]


class Settings(BaseSettings):
    """Passerelle's settings; environment variables are named ``PASSERELLE_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="PASSERELLE_", extra="ignore")

    data_dir: Path = Field(Path("data"), description="directory of the embedded store")
    store: StoreKind = Field("embedded", description="storage backend: embedded or neo4j")


@lru_cache
def get_settings(**overrides: object) -> Settings:
    """The settings, from the environment with explicit ``overrides`` on top."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"setting {field}: {err['msg']}") from None
