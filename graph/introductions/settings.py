"""Settings of introductions and their e-mail: ``PASSERELLE_INTRO_*`` and ``PASSERELLE_SMTP_*``.

>>> s = IntroSettings(smtp_host="mail.example.org", smtp_security="tls")
>>> s.smtp_configured, s.smtp_port_or_default, s.intro_reminder_days, s.intro_expiry_days
(True, 465, 7, 14)

Decisions:

* A class of its own beside :class:`graph.settings.Settings` (not a subclass): the
  scheduler, the API and the dashboard all read it, whatever the store.
* No SMTP host means no sending: messages stay in the outbox and the dashboard shows
  them, so a demo works offline.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from graph.errors import ConfigError


class IntroSettings(BaseSettings):
    """Environment variables ``PASSERELLE_<NAME>`` (e.g. ``PASSERELLE_SMTP_HOST``)."""

    model_config = SettingsConfigDict(env_prefix="PASSERELLE_", extra="forbid")

    intro_reminder_days: int = Field(7, ge=1, le=60, description="days before a reminder")
    intro_expiry_days: int = Field(14, ge=2, le=120, description="days before a request expires")
    intro_tick_s: float = Field(5.0, gt=0, le=3600, description="seconds between scheduler rounds")
    intro_scheduler: bool = Field(True, description="run reminders, expiry and sending")
    intro_defer_feedback: bool = Field(
        True,
        description="write loads and confirmed ties into the graph from the scheduler "
        "(every intro_feedback_s) rather than during the request",
    )
    intro_feedback_s: float = Field(
        60.0,
        ge=0,
        le=86_400,
        description="seconds between two deferred writes of loads and confirmed ties into the "
        "graph (each graph write makes every worker follow it)",
    )
    public_url: str = Field(
        "http://127.0.0.1:8000",
        description="address of the service as people's browsers reach it (links in e-mails)",
    )
    smtp_host: str | None = Field(None, description="SMTP server (none: keep mail in the outbox)")
    smtp_port: int | None = Field(None, ge=1, le=65535, description="[587, or 465 with tls]")
    smtp_security: Literal["none", "starttls", "tls"] = Field("starttls")
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = Field("Passerelle <passerelle@localhost>", description="sender address")
    smtp_timeout_s: float = Field(10.0, gt=0, le=300)
    smtp_max_attempts: int = Field(8, ge=1, le=100, description="attempts before 'failed'")
    smtp_backoff_s: float = Field(30.0, gt=0, le=86_400, description="first retry delay")

    @model_validator(mode="after")
    def _days_in_order(self) -> IntroSettings:
        if self.intro_reminder_days >= self.intro_expiry_days:
            raise ValueError("intro_reminder_days must be less than intro_expiry_days")
        return self

    @property
    def smtp_configured(self) -> bool:
        return bool(self.smtp_host)

    @property
    def smtp_port_or_default(self) -> int:
        if self.smtp_port is not None:
            return self.smtp_port
        return 465 if self.smtp_security == "tls" else 587


@lru_cache
def get_intro_settings(**overrides: Any) -> IntroSettings:
    """From the environment with ``overrides`` on top; a bad value is a
    :class:`~graph.errors.ConfigError` naming the setting."""
    try:
        return IntroSettings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "introductions"
        raise ConfigError(f"setting {field}: {err['msg']}") from None
