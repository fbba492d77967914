"""A référent imports files through the dashboard in Chromium: upload, read the dry-run
report, confirm; then finds the new member by name (members API) and sees a path through
the imported tie (Chemins page)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph.model import Groupement, Person, RelType
from tests.dashboard import browser as B
from tests.dashboard.conftest import World, combined_app, make_world

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
NEW_ID = "p-nouveau-import"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, str]]:
    reason = B.chromium_available()
    if reason:
        pytest.skip(reason)
    world = make_world(tmp_path_factory.mktemp("dashboard-import"), 1500)
    app = combined_app(world)
    with B.ServerThread(app) as server:
        yield world, server.base
    world.tokens.close()
    world.store.close()


def _helper_at_work(world: World) -> tuple[str, str]:
    """A consenting helper of the référent's groupement with a current employer."""
    store = world.store
    for rel in store.relationships(world.own, RelType.IN_GROUPEMENT, "in"):
        person = store.get(rel.src)
        if not isinstance(person, Person) or not person.consent_introducer:
            continue
        jobs = [j for j in store.relationships(person.id, RelType.WORKS_AT, "out")
                if j.until is None]  # fmt: skip
        if jobs:
            return person.id, jobs[0].dst
    raise AssertionError("the demo groupement should have a helper at work")


def _files(world: World, tmp: Path, helper: str) -> list[Path]:
    groupement = world.store.get(world.own)
    assert isinstance(groupement, Groupement)
    members = tmp / "membres.csv"
    members.write_bytes(
        "identifiant;prenom;nom;statut;intermediaire;association;groupement\r\n"
        f"{NEW_ID};Zéphyrin;Importé;candidat;oui;{groupement.association_id};{world.own}\r\n"
        .encode("utf-8-sig")
    )  # fmt: skip
    ties = tmp / "liens.csv"
    ties.write_bytes(
        "membre_1;membre_2;force;source;depuis;confirme_le\r\n"
        f"{NEW_ID};{helper};0,9;promotion;01/09/2004;01/06/2026\r\n".encode("utf-8-sig")
    )
    return [members, ties]


def test_referent_imports_then_finds_the_member_and_a_path(site, tmp_path: Path) -> None:
    world, base = site
    helper, employer = _helper_at_work(world)
    files = _files(world, tmp_path, helper)
    with B.chrome() as driver:
        B.login(driver, base, world.secrets["referent"], then="/dashboard/import")
        upload = B.wait_for(driver, "#import-fichiers input[type=file]")
        upload.send_keys("\n".join(str(f) for f in files))
        counts = B.wait_for(driver, "#import-comptes")
        assert "personnes" in counts.text and "liens" in counts.text
        assert "Simulation" in driver.find_element("id", "import-simulation").text
        assert world.store.get(NEW_ID) is None  # the dry run wrote nothing
        B.shot(driver, "import")
        confirm = driver.find_element("id", "import-confirmer")
        B.wait_js(driver, "return !document.getElementById('import-confirmer').disabled")
        confirm.click()
        written = B.wait_for(driver, "#import-ecrit")
        assert "Import écrit" in written.text
        # the new member, found by name through the API with the référent's token
        found = _find_by_name(base, world.secrets["referent"], world.own, "Importé")
        assert found == [NEW_ID]
        # and a path through the imported tie, in the Chemins page
        driver.get(f"{base}/dashboard/chemins?candidat={NEW_ID}&employeur={employer}")
        B.wait_for(driver, "#chemins-figure .js-plotly-plot", 60)
        assert "Importé" in driver.find_element("id", "chemins-titre").text


def _find_by_name(base: str, secret: str, groupement: str, last_name: str) -> list[Any]:
    found, offset = [], 0
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {secret}"}) as client:
        while True:
            page = client.get("/api/v1/members", params={"groupement_id": groupement,
                                                         "limit": 500, "offset": offset}).json()
            found += [m["id"] for m in page["items"] if m["last_name"] == last_name]
            offset += 500
            if offset >= page["total"]:
                return found


