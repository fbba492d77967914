"""``passerelle path`` through the command-line entry point."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from cli.main import main
from graph.embedded import EmbeddedStore
from graph.model import BassinEmploi, Employer, Knows, LocatedIn, Person, WorksAt
from graph.store import Batch


@pytest.fixture
def data_dir(tmp_path):
    with EmbeddedStore(tmp_path) as store:
        store.write(
            Batch(
                nodes=[
                    Person(
                        id="c",
                        first_name="Paul",
                        last_name="Durand",
                        grade="Capitaine",
                        grade_category="officer",
                        career="reserve",
                        status="candidate",
                        email="paul@example.org",
                    ),
                    Person(
                        id="l",
                        first_name="Anne",
                        last_name="Leroy",
                        civility="Mme",
                        consent_introducer=True,
                        phone="+33 6 12 34 56 78",
                    ),
                    Person(
                        id="e",
                        first_name="Luc",
                        last_name="Bernard",
                        civility="M.",
                        consent_introducer=True,
                    ),
                    Employer(id="thales-bdx", name="Thales"),
                    BassinEmploi(id="ze33", code="ZE-33-1", name="Bordeaux"),
                ],
                rels=[
                    Knows(
                        src="c",
                        dst="l",
                        strength=0.9,
                        source="promotion",
                        context="Saint-Cyr 2004",
                        confirmed_at=date(2025, 2, 1),
                    ),
                    Knows(src="l", dst="e", strength=0.7, source="unit"),
                    WorksAt(src="e", dst="thales-bdx", since=date(2019, 9, 1)),
                    LocatedIn(src="thales-bdx", dst="ze33"),
                ],
            )
        )
    return tmp_path


def invoke(data_dir, *args):
    return CliRunner().invoke(main, ["--data-dir", str(data_dir), "path", *args])


def test_json_output_shape(data_dir):
    result = invoke(data_dir, "c", "--employer", "thales-bdx", "--as-of", "2025-06-01", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) >= {
        "candidate",
        "target",
        "as_of",
        "policy",
        "paths",
        "no_path",
        "alternatives",
    }
    assert data["as_of"] == "2025-06-01"
    assert data["target"] == {
        "kind": "employer",
        "id": "thales-bdx",
        "label": "Thales (Bordeaux)",
        "sector": None,
        "bassin": None,
    }
    (path,) = data["paths"]
    assert path["rank"] == 1 and isinstance(path["cost"], float)
    assert [p["id"] for p in path["intermediaries"]] == ["l"]
    assert path["contact"] == {"id": "e", "name": "M. Bernard"}
    assert [h["kind"] for h in path["hops"]] == ["knows", "knows"]
    assert path["reasons"][0] == (
        "Capitaine (R) Durand et Mme Leroy se connaissent : "
        "même promotion (Saint-Cyr 2004), lien confirmé en 2025"
    )
    assert path["reasons"][-1] == "M. Bernard travaille chez Thales (Bordeaux) depuis 2019"
    assert "example.org" not in result.output and "+33" not in result.output


def test_human_output_in_french(data_dir):
    result = invoke(data_dir, "c", "--employer", "thales-bdx", "--as-of", "2025-06-01")
    assert result.exit_code == 0, result.output
    assert "Mises en relation de Capitaine (R) Durand vers Thales (Bordeaux)" in result.output
    assert "1 intermédiaire" in result.output


def test_unknown_candidate_is_one_line_and_non_zero(data_dir):
    result = invoke(data_dir, "nobody", "--employer", "thales-bdx")
    assert result.exit_code != 0
    assert result.output.strip() == "erreur : CANDIDATE_ID : introuvable (personne « nobody »)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["c", "--employer", "thales-bdx", "--k", "0"],
            "erreur : --k : valeur refusée (doit être un entier entre 1 et 10 (reçu 0))",
        ),
        (
            ["c", "--employer", "thales-bdx", "--max-intermediaries", "9"],
            "erreur : --max-intermediaries : valeur refusée"
            " (doit être un entier entre 1 et 5 (reçu 9))",
        ),
        (
            ["c", "--employer", "l"],
            "erreur : --employer : valeur refusée (« l » : personne, pas employeur)",
        ),
        (
            ["c"],
            "erreur : cible : valeur refusée (donnez une seule cible : --employer ID, --offer ID,"
            " --person ID ou --sector CODE --bassin CODE)",
        ),
        (
            ["c", "--sector", "defense"],
            "erreur : --bassin : valeur refusée (obligatoire avec --sector)",
        ),
    ],
)
def test_bad_arguments_name_the_value(data_dir, args, message):
    result = invoke(data_dir, *args)
    assert result.exit_code != 0
    assert result.output.strip() == message
