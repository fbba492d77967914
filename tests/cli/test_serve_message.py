"""The start-up message of ``passerelle serve`` says where to go: the dashboard, the API
docs, and that the dashboard asks for a login."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import run


def test_start_up_message_gives_the_addresses(data_dir: Path, monkeypatch) -> None:
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: None)
    monkeypatch.delenv("PASSERELLE_DATA_DIR", raising=False)
    monkeypatch.delenv("PASSERELLE_STORE", raising=False)
    code, _, err = run(data_dir, "serve", "--host", "127.0.0.1", "--port", "8125")
    assert code == 0, err
    assert "http://127.0.0.1:8125/dashboard/" in err
    assert "http://127.0.0.1:8125/docs" in err
    assert "connexion" in err.lower()
