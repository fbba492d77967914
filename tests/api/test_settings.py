"""The API's settings: the same ``PASSERELLE_API_*`` variables and defaults, apart from the
core's."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from api.settings import ApiSettings, get_settings
from graph.errors import ConfigError
from graph.settings import Settings

API_DEFAULTS = {
    "api_host": "127.0.0.1",
    "api_port": 8000,
    "api_workers": 1,
    "api_auth_db": None,
    "api_max_body_bytes": 65_536,
    "api_portal_rate": 5.0,
    "api_portal_burst": 20,
    "api_path_threads": 2,
    "api_warm": True,
    "api_docs": True,
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch):
    for name in ("data_dir", "store", *API_DEFAULTS):
        monkeypatch.delenv(f"PASSERELLE_{name.upper()}", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_defaults_and_the_core_fields() -> None:
    s = ApiSettings()
    assert {name: getattr(s, name) for name in API_DEFAULTS} == API_DEFAULTS
    assert isinstance(s, Settings) and s.store == "embedded" and s.data_dir == Path("data")
    assert s.auth_db_path == Path("data") / "auth.sqlite3"


def test_read_from_the_same_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "PASSERELLE_DATA_DIR": "/srv/p",
        "PASSERELLE_API_HOST": "0.0.0.0",
        "PASSERELLE_API_PORT": "9000",
        "PASSERELLE_API_WORKERS": "4",
        "PASSERELLE_API_AUTH_DB": "/srv/auth.db",
        "PASSERELLE_API_MAX_BODY_BYTES": "2048",
        "PASSERELLE_API_PORTAL_RATE": "0.5",
        "PASSERELLE_API_PORTAL_BURST": "3",
        "PASSERELLE_API_PATH_THREADS": "8",
        "PASSERELLE_API_WARM": "false",
        "PASSERELLE_API_DOCS": "false",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    s = get_settings()
    assert (s.api_host, s.api_port, s.api_workers) == ("0.0.0.0", 9000, 4)
    assert (s.api_max_body_bytes, s.api_portal_rate, s.api_portal_burst) == (2048, 0.5, 3)
    assert (s.api_path_threads, s.api_warm, s.api_docs) == (8, False, False)
    assert s.auth_db_path == Path("/srv/auth.db") and s.data_dir == Path("/srv/p")


def test_a_bad_value_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PASSERELLE_API_WORKERS", "65")
    with pytest.raises(ConfigError, match=r"^setting api_workers: "):
        get_settings()


def test_the_core_settings_refuse_an_api_setting() -> None:
    """Given to the core's class, an API setting fails at once rather than being dropped."""
    with pytest.raises(ValidationError, match="api_warm"):
        Settings(data_dir="x", api_warm=False)
    assert not hasattr(Settings(), "api_port")
