"""A délégation's référent is "not required", in the core's answer the CLI's JSON carries
and in the dashboard's word: "non requis" (graph.coverage.metrics.Coverage.referent_status)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from cli.main import main
from dashboard import data as D
from graph.coverage.service import Scope, coverage
from graph.embedded import EmbeddedStore
from tests.coverage_net import AS_OF, build


def test_delegation_referent_is_not_required_in_cli_and_dashboard(tmp_path):
    path = tmp_path / "store"
    with EmbeddedStore(path) as store:
        build(store)
        report = coverage(store, Scope.national(), AS_OF, exact=True)
        words = {c.id: D.referent_word(c) for c in report.groupements}
    assert words == {"G": "oui", "G2": "non", "D": "non requis"}
    args = ["--data-dir", str(path), "coverage", "--as-of", AS_OF.isoformat()]
    result = CliRunner().invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in json.loads(result.output)["rows"] if r["scope"] == "groupement"}
    assert {g: r["referent_status"] for g, r in rows.items()} == {
        "G": "present",
        "G2": "missing",
        "D": "not_required",
    }
