"""``passerelle coverage``: table, JSON, CSV (all or nothing) and errors."""

from __future__ import annotations

import csv
import json
import re

import pytest
from click.testing import CliRunner

from cli.main import main
from graph.embedded import EmbeddedStore
from graph.model import Label
from graph.store import find_all
from tests.coverage_net import build


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "store"
    with EmbeddedStore(path) as store:
        build(store)
    return path


def run(data_dir, *args):
    return CliRunner().invoke(
        main, ["--data-dir", str(data_dir), "coverage", "--as-of", "2025-06-01", *args]
    )


def test_table_in_french_with_small_counts_hidden(data_dir):
    result = run(data_dir)
    assert result.exit_code == 0, result.output
    words = set(result.output.split())  # headers are wrapped on words
    for label in ("Groupement", "Référent", "Candidats", "Aidants disponibles", "Part avec chemin"):
        assert set(label.split()) <= words
    line = next(x for x in result.output.splitlines() if x.startswith("G "))
    assert "< 5" in line and "ANOCR Gironde" in line


def test_table_fits_100_columns_and_numbers_are_french(data_dir):
    """Lines of 300+ characters before: the columns are now split into panels that each
    repeat the groupement's id, and decimals have a comma."""
    result = run(data_dir, "--referent-view", "--groupement", "G")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert sum(line.startswith("G ") for line in lines) >= 2  # the id starts every panel
    assert re.search(r"\b33,3 %", result.output)  # 1 candidate with a path out of 3
    assert not re.search(r"\d\.\d", result.output)


def test_referent_view_shows_exact_counts(data_dir):
    result = run(data_dir, "--groupement", "G", "--referent-view", "--json")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)["rows"]
    assert (row["candidates"], row["candidates_with_path"], row["helpers_available"]) == (3, 1, 2)
    bad = run(data_dir, "--referent-view")
    assert bad.exit_code == 1 and "--groupement" in bad.output


def test_json_rows_and_rollups(data_dir):
    result = run(data_dir, "--json")
    data = json.loads(result.output)
    scopes = [r["scope"] for r in data["rows"]]
    assert scopes.count("groupement") == 3 and scopes[-1] == "national"
    assert data["rows"][-1]["candidates"] == "< 5"


def test_csv_is_written_whole(data_dir, tmp_path):
    target = tmp_path / "couverture.csv"
    result = run(data_dir, "--region", "75", "--csv", str(target))
    assert result.exit_code == 0, result.output
    with target.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["scope"] for r in rows] == ["groupement"] * 3 + ["departement"] * 2 + ["region"]
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind


def test_csv_into_a_missing_directory_writes_nothing(data_dir, tmp_path):
    result = run(data_dir, "--csv", str(tmp_path / "missing" / "x.csv"))
    assert result.exit_code != 0
    assert not (tmp_path / "missing").exists()


def test_gaps_and_errors(data_dir):
    result = run(data_dir, "--gaps", "--limit", "2")
    assert result.exit_code == 0, result.output
    assert "Signer la charte locale avec la délégation IA Nouvelle-Aquitaine" in result.output
    unknown = run(data_dir, "--groupement", "nope")
    assert unknown.exit_code == 1 and "nope" in unknown.output
    both = run(data_dir, "--groupement", "G", "--region", "75")
    assert both.exit_code == 1 and "une seule" in both.output


def test_a_delegation_needs_no_referent_as_in_the_dashboard(tmp_path):
    """Issue 20: an Implic'Action délégation's référent read « oui » in the CLI and « non
    requis » in the dashboard; both now word it with graph.coverage.privacy."""
    from tests.cli.conftest import run as run_cli

    path = tmp_path / "store"
    with EmbeddedStore(path) as store:
        build(store)
        delegations = [
            g.id for g in find_all(store, Label.GROUPEMENT) if str(g.kind) == "delegation"
        ]
    assert delegations
    code, out, err = run_cli(path, "coverage", "--as-of", "2025-06-01")
    assert code == 0, err
    for gid in delegations:
        line = next(x for x in out.splitlines() if x.startswith(f"{gid} "))
        assert "non requis" in line
