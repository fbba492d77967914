"""The Import page: who may use it, the dry-run report, the confirmed import."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from dashboard.app import match, render
from dashboard.pages import imports
from graph.access.roles import Principal, Role
from graph.embedded import EmbeddedStore
from graph.exchange import run_import
from tests.dashboard.conftest import World, context
from tests.exchange.conftest import FIXTURES


def _text(component) -> str:
    return str(component)


#: role -> what the Import page shows (the dashboard's role matrix for this page)
MATRIX = {"admin": "import-fichiers", "referent": "import-fichiers",
          "national": "import-interdit"}  # fmt: skip


@pytest.mark.parametrize(("role", "shown"), sorted(MATRIX.items()))
def test_role_matrix(world: World, role: str, shown: str) -> None:
    page = render(context(world, role).runtime, context(world, role), "/dashboard/import", "")
    assert f"'{shown}'" in _text(page)
    assert ("nav-import" in _text(page)) == (role != "national")


def test_route() -> None:
    assert match("import") == ("import", {})


def _upload(*names: str) -> tuple[list[str], list[str]]:
    contents = [
        "data:text/csv;base64," + base64.b64encode((FIXTURES / n).read_bytes()).decode()
        for n in names
    ]
    return contents, list(names)


def test_report_of_a_dry_run_and_of_the_import(tmp_path: Path) -> None:
    from tests.api.conftest import build_world

    with EmbeddedStore(tmp_path) as store:
        build_world(store)
        files = imports.sources(*_upload("membres_erreurs.csv"))
        bad = imports.report(run_import(store, files, dry_run=True), True)
        assert "import-problemes" in _text(bad) and "31/02/2027" in _text(bad)
        ref = Principal("t", Role.REFERENT, frozenset({"grp-a"}))
        good = imports.sources(*_upload("membres_virgule.csv", "liens.csv"))
        simulated = imports.report(run_import(store, good, dry_run=True, principal=ref), True)
        assert "import-simulation" in _text(simulated) and "import-comptes" in _text(simulated)
        written = imports.report(run_import(store, good, principal=ref), False)
        assert "Import écrit" in _text(written)
