"""The HTTP API's settings: the core's (store, data directory, Neo4j) and the API's own.

>>> s = ApiSettings(data_dir="/srv/passerelle", api_port=8080)
>>> s.api_port, s.auth_db_path
(8080, PosixPath('/srv/passerelle/auth.sqlite3'))

Decisions:
- :class:`ApiSettings` extends :class:`graph.settings.Settings` rather than sitting beside
  it: a server process needs both, read from one environment at once, and
  :func:`api.app.create_app` and the workers take one object. The core's class stays in
  ``graph/`` and knows nothing of the API.
- The fields keep their ``api_`` prefix, so under the shared ``PASSERELLE_`` prefix the
  variables are still ``PASSERELLE_API_HOST``, ``PASSERELLE_API_PORT``…
- :func:`get_settings` is cached, as the core's is; a test builds :class:`ApiSettings`
  directly or calls ``get_settings.cache_clear()`` after changing the environment.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field

from graph.settings import Settings, load_settings

#: where the API's version 1 lives (its routes, the audit and the priority rules)
API_PREFIX = "/api/v1"


class ApiSettings(Settings):
    """Settings of the HTTP API (``passerelle serve``): ``PASSERELLE_API_<NAME>``."""

    api_host: str = Field("127.0.0.1", description="address the API listens on")
    api_port: int = Field(8000, ge=1, le=65535, description="port the API listens on")
    api_workers: int = Field(1, ge=1, le=64, description="API worker processes")
    api_auth_db: Path | None = Field(
        None, description="token database of the API [default: <data_dir>/auth.sqlite3]"
    )
    api_max_body_bytes: int = Field(
        65_536, ge=1_024, le=10_485_760, description="largest request body the API accepts"
    )
    api_max_upload_bytes: int = Field(
        50 * 2**20, ge=1_024, le=2**30, description="largest CSV upload (POST /api/v1/imports…)"
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
def get_settings(**overrides: object) -> ApiSettings:
    """The API's settings, from the environment with explicit ``overrides`` on top."""
    return load_settings(ApiSettings, overrides)
