"""The dashboard's own settings (``PASSERELLE_DASHBOARD_*``); the rest is :mod:`graph.settings`.

>>> DashboardSettings(session_hours=4).session_hours
4
"""

from __future__ import annotations

from datetime import date

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class DashboardSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PASSERELLE_DASHBOARD_", extra="ignore")

    secret: SecretStr | None = Field(
        None,
        description="key that signs session cookies [default: generated once in "
        "<data_dir>/dashboard.secret, shared by the workers]",
    )
    session_hours: int = Field(8, ge=1, le=24 * 30, description="how long a login lasts")
    as_of: date | None = Field(
        None, description="date the dashboard measures coverage at [default: today]"
    )
    secure_cookie: bool = Field(
        False, description="send the session cookie over HTTPS only (behind a TLS proxy)"
    )
