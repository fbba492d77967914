"""``passerelle migrate``: a whole store copied exactly, failures reported and resumable.

Without a server the copy runs between two embedded stores (the function is the same for
every pair of adapters); with a server (``NEO4J_URI``, a dedicated test database) the
command copies embedded → Neo4j → embedded and all three hold the same graph.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from api.settings import get_settings
from cli.main import main
from graph.embedded import EmbeddedStore
from graph.errors import StoreUnavailable
from graph.migrate import MigrationError, copy_store
from graph.store import Batch, WriteResult
from seed.demo import generate
from tests.neo4j_server import needs_server
from tests.store_contract import content, view_content, write_sample


def same_graph(a: Any, b: Any) -> None:
    """Both stores show the same nodes, relationships, counts and view (but the version)."""
    assert content(a) == content(b)
    left, right = view_content(a.view()), view_content(b.view())
    left.pop("version"), right.pop("version")
    assert left == right


def seed(store: Any, people: int = 300) -> None:
    with store.bulk():
        for batch in generate(people, 3):
            store.write(batch)


@pytest.fixture
def source(tmp_path: Path) -> EmbeddedStore:
    store = EmbeddedStore(tmp_path / "source")
    seed(store)
    write_sample(store)  # every relationship type, text properties, both directions
    yield store
    store.close()


def test_copy_is_exact(source: EmbeddedStore, tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path / "target") as target:
        report = copy_store(source, target, batch_size=500)
        same_graph(source, target)
        counts = source.counts()
        assert report.nodes == sum(counts.nodes.values())
        assert report.relationships == sum(counts.relationships.values())
        assert report.batches > 2
        assert report.counts["source"] == report.counts["target"]


def test_non_empty_target_needs_resume(source: EmbeddedStore, tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path / "target") as target:
        write_sample(target)
        with pytest.raises(MigrationError, match="not empty"):
            copy_store(source, target)


class FailingStore(EmbeddedStore):
    """An embedded store whose connection drops after some writes (an outage, injected)."""

    def __init__(self, path: Path, fail_after: int) -> None:
        super().__init__(path)
        self.left = fail_after

    def write(self, batch: Batch) -> WriteResult:
        if self.left == 0:
            raise StoreUnavailable("the server went away")
        self.left -= 1
        return super().write(batch)


def test_interrupted_copy_says_how_to_resume_and_resume_completes_it(
    source: EmbeddedStore, tmp_path: Path
) -> None:
    target = FailingStore(tmp_path / "target", fail_after=3)
    with pytest.raises(StoreUnavailable) as info:
        copy_store(source, target, batch_size=200)
    message = str(info.value)
    assert "\n" not in message
    assert "the server went away" in message and "--resume" in message
    copied = int(re.search(r"after ([\d,]+) nodes", message)[1].replace(",", ""))  # type: ignore[index]
    target.close()
    with EmbeddedStore(tmp_path / "target") as again:
        assert sum(again.counts().nodes.values()) == copied > 0  # whole batches only
        with pytest.raises(MigrationError):
            copy_store(source, again)  # not empty: refuses without --resume
        copy_store(source, again, resume=True, batch_size=200)
        same_graph(source, again)


def test_counts_that_differ_are_reported(source: EmbeddedStore, tmp_path: Path) -> None:
    """A resumed copy into a target holding more than the source says the stores differ."""
    with EmbeddedStore(tmp_path / "target") as target:
        from graph.model import Person

        target.upsert_nodes([Person(id="p-extra", first_name="A", last_name="B")])
        with pytest.raises(MigrationError, match="Person nodes"):
            copy_store(source, target, resume=True)


# --------------------------------------------------------------------------- with a server


@needs_server
def test_migrate_embedded_to_neo4j_and_back(source: EmbeddedStore, tmp_path: Path) -> None:
    from tests.neo4j_server import open_store, wipe

    wipe()
    source.close()
    runner = CliRunner()
    get_settings.cache_clear()

    def run(data_dir: Path, *args: str) -> dict[str, Any]:
        result = runner.invoke(main, ["--data-dir", str(data_dir), "migrate", *args, "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    there = run(tmp_path / "source", "--from", "embedded", "--to", "neo4j", "--batch-size", "700")
    assert there["source"] == there["target"]
    back_dir = tmp_path / "back"
    run(back_dir, "--from", "neo4j", "--to", "embedded")
    # Running it again without --resume is refused; with --resume it is a no-op copy.
    again = runner.invoke(
        main, ["--data-dir", str(back_dir), "migrate", "--from", "neo4j", "--to", "embedded"]
    )
    assert again.exit_code == 1 and "--resume" in again.stderr
    run(back_dir, "--from", "neo4j", "--to", "embedded", "--resume")
    get_settings.cache_clear()
    with (
        EmbeddedStore(tmp_path / "source") as original,
        EmbeddedStore(back_dir) as returned,
        open_store() as neo,
    ):
        same_graph(original, neo)
        same_graph(original, returned)


@needs_server
def test_seed_streams_into_neo4j(tmp_path: Path) -> None:
    from tests.neo4j_server import open_store, wipe

    wipe()
    get_settings.cache_clear()
    result = CliRunner().invoke(
        main,
        [
            *("--data-dir", str(tmp_path), "seed", "--store", "neo4j"),
            *("--people", "300", "--seed", "3", "--json"),
        ],
    )
    assert result.exit_code == 0, result.output
    with EmbeddedStore(tmp_path / "reference") as reference, open_store() as neo:
        seed(reference)
        same_graph(reference, neo)


@needs_server
def test_migrate_survives_losing_the_server_both_ways(
    source: EmbeddedStore, tmp_path: Path
) -> None:
    """The server goes away in the middle of ``passerelle migrate`` (embedded → Neo4j, then
    Neo4j → embedded): exit code 3, one line naming ``--resume``, no traceback; once it is
    back, ``--resume`` completes the copy and the three stores hold the same graph."""
    from tests.neo4j_server import NEO4J_URI, Outage, open_store, wipe

    wipe()
    source.close()
    with Outage(NEO4J_URI or "") as outage:
        env = {
            **os.environ,
            "NEO4J_URI": outage.uri,
            "PASSERELLE_NEO4J_CONNECT_TIMEOUT": "2",
        }
        env.pop("NEO4J_PASSWORD", None)

        def migrate(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
            exe = Path(sys.executable).with_name("passerelle")
            cmd = [str(exe), "--data-dir", str(data_dir), "migrate", *args, "--batch-size", "300"]
            return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)

        for data_dir, args, cut_after in (
            (tmp_path / "source", ("--from", "embedded", "--to", "neo4j"), 400_000),
            (tmp_path / "back", ("--from", "neo4j", "--to", "embedded"), 250_000),
        ):
            outage.up(cut_after=cut_after)
            cut = migrate(data_dir, *args)
            assert cut.returncode == 3, cut.stderr
            # progress lines ("… nœuds, … relations copiés"), then the error, on one line
            *progress, error = cut.stderr.strip().splitlines()
            assert all(line.endswith(" copiés") for line in progress), cut.stderr
            assert "Traceback" not in cut.stderr, cut.stderr
            assert error.startswith("erreur : ") and "--resume" in error, error
            copied = int(re.search(r"after ([\d,]+) nodes", error)[1].replace(",", ""))  # type: ignore[index]
            assert copied > 0, "the server went away before the first batch"
            outage.up()
            again = migrate(data_dir, *args)
            assert again.returncode == 1 and "--resume" in again.stderr  # not empty
            done = migrate(data_dir, *args, "--resume", "--json")
            assert done.returncode == 0, done.stderr
    get_settings.cache_clear()
    with (
        EmbeddedStore(tmp_path / "source") as original,
        EmbeddedStore(tmp_path / "back") as returned,
        open_store() as neo,
    ):
        same_graph(original, neo)
        same_graph(original, returned)
