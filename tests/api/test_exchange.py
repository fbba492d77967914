"""``/api/v1/imports`` and ``/api/v1/exports``: reports, problems, zips."""

from __future__ import annotations

import io
import zipfile

from tests.api.conftest import World
from tests.exchange.conftest import FIXTURES


def _files(*names: str) -> list[tuple[str, tuple[str, bytes]]]:
    return [("files", (n, (FIXTURES / n).read_bytes())) for n in names]


def test_dry_run_reports_problems_with_200_and_writes_nothing(world: World) -> None:
    version = world.store.version
    response = world.client.post("/api/v1/imports?dry_run=true", headers=world.headers("admin"),
                                 files=_files("membres_erreurs.csv"))  # fmt: skip
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["ok"] is False and report["dry_run"] is True and report["written"] is False
    assert {"file": "membres_erreurs.csv", "line": 4, "column": "groupement", "value": "grp-zz",
            "reason": "Groupement inconnu(e)"} in report["problems"]  # fmt: skip
    assert world.store.version == version


def test_a_real_import_with_problems_is_a_422_problem(world: World) -> None:
    response = world.client.post("/api/v1/imports", headers=world.headers("referent"),
                                 files=_files("membres_virgule.csv", "membres_erreurs.csv"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("import-refused")
    assert "membres_erreurs.csv:2:date_depart" in [e["field"] for e in body["errors"]]


def test_import_then_export_as_a_zip(world: World) -> None:
    response = world.client.post("/api/v1/imports", headers=world.headers("referent"),
                                 files=_files("membres_virgule.csv", "liens.csv"))
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["written"] is True and report["counts"]["Person"]["created"] == 1
    assert len(report["person_ids"]) >= 3
    exported = world.client.get("/api/v1/exports", headers=world.headers("referent"))
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(exported.content)) as archive:
        members = archive.read("membres.csv").decode("utf-8-sig")
    assert "IA-001" in members and "cand-b" not in members


def test_linkedin_without_consent_is_403(world: World) -> None:
    data = (FIXTURES / "Connections.csv").read_bytes()
    response = world.client.post("/api/v1/imports/linkedin?member_id=cand-a",
                                 headers=world.headers("admin"),
                                 files=[("file", ("Connections.csv", data))])  # fmt: skip
    assert response.status_code == 403
    assert "consenti" in response.json()["detail"]


def test_uploads_have_their_own_size_limit(world: World) -> None:
    big = b"prenom;nom\n" + b"Jean;Blanc\n" * 10_000  # larger than the 64 KiB body limit
    response = world.client.post("/api/v1/imports?dry_run=true", headers=world.headers("admin"),
                                 files=[("files", ("membres.csv", big))])  # fmt: skip
    assert response.status_code == 200
    assert response.json()["counts"]["Person"]["created"] == 1
