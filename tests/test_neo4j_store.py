"""The Neo4j adapter: settings, start-up, and what can be checked without a server.

Without a server:

* settings come from the standard variables (``NEO4J_URI``…) and ``open_store`` picks the
  adapter; an unreachable server is one clear line after a bounded wait, a StoreUnavailable
  from ``open_store`` and exit code 3 from the command line (never the password);
* the adapter's pure parts against the embedded store as reference: batch validation
  (:mod:`graph.neo4j.plan`) raises the embedded store's errors; records survive the trip
  through the property maps and the driver's types; the view assembled from what Neo4j
  streams equals the embedded store's view.

With a server (``NEO4J_URI``, a dedicated test database; ``make test`` starts one): the
schema, text that looks like Cypher stored as text, concurrent writers, the view cache,
transactions the driver retries (a deadlock, an unavailable database: the retry starts
from nothing and lands once), a transaction the server has no memory for (one line, not
retried), and a server that goes away under an open store (each way of reaching it fails
within the connect timeout with one line; the store recovers when the server is back).
The server's absence is made real by :class:`tests.neo4j_server.Outage`, a relay in
front of it that can be cut.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import neo4j.time
import pytest
from click.testing import CliRunner

from api.settings import get_settings
from cli.main import main
from graph.bootstrap import open_store
from graph.embedded import EmbeddedStore
from graph.errors import ConfigError, StoreUnavailable
from graph.model import Knows, Label, Person, RelType
from graph.neo4j import Neo4jStore
from graph.neo4j.loader import Columns, assemble, node_fields, rel_fields
from graph.neo4j.plan import prepare
from graph.neo4j.store import _node_props, _node_record, _rel_record, _rel_rows
from graph.settings import Settings
from graph.store import Batch
from tests.neo4j_server import needs_server
from tests.store_contract import (
    FAILING_BATCHES,
    sample_batch,
    sample_expected_rels,
    sample_nodes,
    view_content,
    write_sample,
)


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def unreachable(monkeypatch: pytest.MonkeyPatch) -> str:
    uri = f"bolt://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("NEO4J_URI", uri)
    monkeypatch.setenv("NEO4J_PASSWORD", "s3cr3t-pw")
    monkeypatch.setenv("PASSERELLE_NEO4J_CONNECT_TIMEOUT", "0.6")
    get_settings.cache_clear()
    yield uri
    get_settings.cache_clear()


# --------------------------------------------------------------------------- settings and start-up


def test_settings_use_the_standard_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PASSERELLE_STORE", "neo4j")
    monkeypatch.setenv("NEO4J_URI", "neo4j://db.example:7687")
    monkeypatch.setenv("NEO4J_USER", "passerelle")
    monkeypatch.setenv("NEO4J_PASSWORD", "s3cr3t-pw")
    monkeypatch.setenv("NEO4J_DATABASE", "graph")
    monkeypatch.setenv("PASSERELLE_NEO4J_CONNECT_TIMEOUT", "5")
    s = Settings()
    assert (s.store, s.neo4j_uri, s.neo4j_user, s.neo4j_database) == (
        "neo4j",
        "neo4j://db.example:7687",
        "passerelle",
        "graph",
    )
    assert s.neo4j_password is not None and s.neo4j_password.get_secret_value() == "s3cr3t-pw"
    assert s.neo4j_connect_timeout == 5
    assert "s3cr3t-pw" not in repr(s)
    # Explicit values (tests, the CLI) win over the environment.
    assert Settings(neo4j_uri="bolt://other:7687").neo4j_uri == "bolt://other:7687"


def test_defaults_point_at_a_local_server(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE"):
        monkeypatch.delenv(name, raising=False)
    s = Settings()
    assert (s.neo4j_uri, s.neo4j_user, s.neo4j_password, s.neo4j_database) == (
        "neo4j://localhost:7687",
        "neo4j",
        None,
        None,
    )


def test_unreachable_server_is_one_clear_line_after_a_bounded_wait(unreachable: str) -> None:
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as info:
        open_store(Settings(store="neo4j"))
    elapsed = time.monotonic() - started
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"cannot connect to Neo4j at {unreachable} (")
    assert "attempts" in message  # it did retry
    assert "s3cr3t-pw" not in message
    assert elapsed < 5, elapsed


def test_bad_uri_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as info:
        open_store(Settings(store="neo4j", neo4j_uri="http://localhost:7474"))
    assert str(info.value).startswith("NEO4J_URI: ")


@pytest.mark.parametrize(
    "args",
    [
        ["--store", "neo4j", "stats"],
        ["seed", "--store", "neo4j", "--people", "10"],
        ["migrate", "--from", "embedded", "--to", "neo4j"],
    ],
    ids=["stats", "seed", "migrate"],
)
def test_cli_exits_3_with_one_line(unreachable: str, tmp_path: Path, args: list[str]) -> None:
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path), *args])
    assert result.exit_code == 3, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("erreur : "), lines
    assert "cannot connect to Neo4j at " in lines[0], lines
    assert "s3cr3t-pw" not in result.output


def test_store_option_after_the_command_name(tmp_path: Path) -> None:
    """``passerelle seed --store embedded`` overrides the global option for that command."""
    get_settings.cache_clear()
    result = CliRunner().invoke(
        main,
        [
            *("--data-dir", str(tmp_path), "--store", "neo4j"),
            *("seed", "--store", "embedded", "--people", "50", "--json"),
        ],
    )
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    with EmbeddedStore(tmp_path) as store:
        assert store.counts().nodes[Label.PERSON] == 50


# ------------------------------------------------------ pure parts, the embedded store as reference


@pytest.fixture
def filled(tmp_path: Path) -> EmbeddedStore:
    store = EmbeddedStore(tmp_path / "store")
    write_sample(store)
    yield store
    store.close()


@pytest.mark.parametrize("case", sorted(FAILING_BATCHES))
def test_validation_raises_the_embedded_errors(filled: EmbeddedStore, case: str) -> None:
    """prepare/check, given the stored labels, fail exactly as the embedded store's write."""
    batch, error, field = FAILING_BATCHES[case]()
    prepared = prepare(batch)
    stored = {i: r.label for i, r in filled.get_many(sorted(prepared.ids)).items()}
    with pytest.raises(error) as ours:
        prepared.check(stored)
    with pytest.raises(error) as theirs:
        filled.write(batch)
    assert ours.value.field == theirs.value.field == field  # type: ignore[attr-defined]
    # The embedded store names a frame's id as np.str_('…') (numpy 2's repr): same text.
    assert str(ours.value) == re.sub(r"np\.str_\(('[^']*')\)", r"\1", str(theirs.value))


def test_validation_plans_what_the_embedded_store_writes(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as store:
        batch = sample_batch()
        plan = prepare(batch).check({})
        result = store.write(batch)
        assert (len(plan.nodes), plan.relationships) == (result.nodes, result.relationships)


def _as_driver_returns(props: dict[str, Any]) -> dict[str, Any]:
    """Property values as the driver hands them back (dates become neo4j.time.Date)."""
    return {
        k: neo4j.time.Date.from_native(v) if isinstance(v, date) else v for k, v in props.items()
    }


def test_records_survive_the_property_maps() -> None:
    """A record written as a property map and read back is the same record."""
    for node in sample_nodes():
        props = _node_props(node)
        assert None not in props.values() and props["id"] == node.id
        assert all(isinstance(v, str | int | float | bool | date) for v in props.values())
        back = _node_record(["Node", node.label.value], _as_driver_returns(props))
        assert back == node
    valid = prepare(sample_batch()).check({}).rels
    expected = sample_expected_rels()
    seen = 0
    for rels in valid:
        for row in _rel_rows(rels):
            assert None not in row["props"].values()
            record = _rel_record(
                rels.type, row["src"], row["dst"], _as_driver_returns(row["props"])
            )
            assert record == expected[(rels.type, row["src"], row["dst"])]
            seen += 1
    assert seen == len(expected)


def test_assembled_view_equals_the_embedded_view(filled: EmbeddedStore) -> None:
    """The view built from streamed columns is the embedded store's view, node for node."""
    cols = Columns()
    for label in Label:
        for node in filled.find(label, limit=10_000):
            props = _as_driver_returns(_node_props(node))
            cols.add_node(label, node.id, [props.get(f) for f in node_fields(label)])
    for rels in prepare(sample_batch()).check({}).rels:  # what the adapter writes…
        for row in _rel_rows(rels):
            props = _as_driver_returns(row["props"])  # …and Neo4j streams back
            cols.add_rel(
                rels.type, row["src"], row["dst"], [props.get(f) for f in rel_fields(rels.type)]
            )
    ours = view_content(assemble(filled.version, cols))
    assert ours == view_content(filled.view())


class StreamingTx:
    """Answers ``STREAM_NODES`` / ``STREAM_RELS`` from the records the adapter would have
    written, as Neo4j returns them (driver dates), to test the streaming loop offline."""

    def __init__(self, nodes: list[Any], rels: list[Any]) -> None:
        from graph.neo4j import cypher

        self.answers: dict[str, list[tuple[Any, ...]]] = {}
        for label in Label:
            self.answers[cypher.STREAM_NODES[label]] = [
                (n.id, [_as_driver_returns(_node_props(n)).get(f) for f in node_fields(label)])
                for n in nodes
                if n.label is label
            ]
        for t in RelType:
            self.answers[cypher.STREAM_RELS[t]] = []
        for valid in rels:
            for row in _rel_rows(valid):
                props = _as_driver_returns(row["props"])
                self.answers[cypher.STREAM_RELS[valid.type]].append(
                    (row["src"], row["dst"], [props.get(f) for f in rel_fields(valid.type)])
                )
        self.runs: list[str] = []

    def run(self, query: str, **params: Any) -> list[tuple[Any, ...]]:
        self.runs.append(query)
        return self.answers[query]


def test_streamed_view_equals_the_embedded_view(
    filled: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graph.neo4j import loader

    monkeypatch.setattr(loader._RelBuilder, "CHUNK", 3)  # many chunks per type
    tx = StreamingTx(sample_nodes(), prepare(sample_batch()).check({}).rels)
    view = loader.stream_view(tx, filled.version)
    assert view_content(view) == view_content(filled.view())
    assert len(tx.runs) == len(Label) + len(RelType)


# --------------------------------------------------------------------------- with a server


@pytest.fixture
def server_store() -> Neo4jStore:
    from tests.neo4j_server import open_store as open_neo4j
    from tests.neo4j_server import wipe

    wipe()
    store = open_neo4j()
    yield store
    store.close()


@needs_server
def test_schema_is_set_up_once_and_again(server_store: Neo4jStore) -> None:
    from graph.neo4j import cypher
    from tests.neo4j_server import open_store as open_neo4j

    again = open_neo4j()  # a second start-up finds everything in place
    again.close()
    with server_store._session(neo4j.READ_ACCESS) as session:  # SHOW: auto-commit
        names = [r["name"] for r in session.run("SHOW CONSTRAINTS YIELD name RETURN name")]
        names += [r["name"] for r in session.run("SHOW INDEXES YIELD name RETURN name")]
    for statement in cypher.SCHEMA:
        assert statement.split()[2] in names


@needs_server
def test_text_that_looks_like_cypher_is_stored_as_text(server_store: Neo4jStore) -> None:
    nasty = "x'}) DETACH DELETE n RETURN 1 // $id"
    person = Person(id="p-1", first_name=nasty, last_name="O'Brien \"}", grade=nasty)
    server_store.upsert_nodes([person, Person(id="p-2", first_name="A", last_name="B")])
    tie = Knows(src="p-1", dst="p-2", strength=0.5, source="unit", context=nasty)
    server_store.upsert_relationships([tie])
    assert server_store.get("p-1") == person
    assert server_store.get_relationship(RelType.KNOWS, "p-2", "p-1") == tie
    assert server_store.find(Label.PERSON, {"grade": nasty}) == [person]


@needs_server
def test_concurrent_writers_never_duplicate_a_tie(server_store: Neo4jStore) -> None:
    people = [Person(id=f"p-{i:02d}", first_name="A", last_name="B") for i in range(20)]
    server_store.upsert_nodes(people)
    ties = [
        Knows(src=a.id, dst=b.id, strength=0.5, source="unit")
        for i, a in enumerate(people)
        for b in people[i + 1 :]
    ]
    version = server_store.version
    errors: list[BaseException] = []

    def write() -> None:
        try:
            server_store.write(Batch(rels=list(reversed(ties))))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert server_store.counts().relationships[RelType.KNOWS] == len(ties)
    assert server_store.version == version + 4
    assert len(server_store.view().rel(RelType.KNOWS)) == len(ties)


@needs_server
def test_view_is_cached_until_the_version_moves(server_store: Neo4jStore) -> None:
    write_sample(server_store)
    first = server_store.view()
    assert server_store.view() is first
    server_store.upsert_nodes([Person(id="p-new", first_name="A", last_name="B")])
    second = server_store.view()
    assert second is not first and second.version == server_store.version
    assert "p-new" in second.index and "p-new" not in first.index


@needs_server
def test_export_streams_every_record(server_store: Neo4jStore) -> None:
    write_sample(server_store)
    nodes = {
        n.id: n for label in Label for page in server_store.export_nodes(label, 4) for n in page
    }
    assert nodes == {n.id: n for n in sample_nodes()}
    rels = {
        r.key: r for t in RelType for page in server_store.export_relationships(t, 3) for r in page
    }
    assert rels == sample_expected_rels()


def _transient(code: str, message: str = "injected") -> neo4j.exceptions.Neo4jError:
    """A server error as the driver builds it from a FAILURE message."""
    return neo4j.exceptions.Neo4jError._hydrate_neo4j(code=code, message=message)


@needs_server
def test_a_write_retried_after_a_transient_error_lands_once(
    server_store: Neo4jStore, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The driver retries a managed transaction on a transient error (here a deadlock,
    raised after the whole batch was written): the server rolls the first attempt back,
    version included, and the batch lands once."""
    from tests.store_contract import content

    attempts: list[int] = []
    apply = server_store._apply

    def deadlocked_once(tx: Any, prepared: Any, part: Any = None) -> Any:
        result = apply(tx, prepared, part)
        attempts.append(result.version)
        if len(attempts) == 1:
            raise _transient("Neo.TransientError.Transaction.DeadlockDetected")
        return result

    monkeypatch.setattr(server_store, "_apply", deadlocked_once)
    before = server_store.version
    result = server_store.write(sample_batch())
    assert attempts == [before + 1, before + 1]  # the first attempt's bump was rolled back
    assert result.version == server_store.version == before + 1
    monkeypatch.undo()
    with EmbeddedStore(tmp_path) as reference:
        write_sample(reference)
        assert content(server_store) == content(reference)


@needs_server
def test_a_view_read_retried_after_a_transient_error_is_whole(
    server_store: Neo4jStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graph.neo4j import store as store_module

    write_sample(server_store)
    streamed = []
    stream = store_module.stream_view

    def failing_once(tx: Any, version: int) -> Any:
        view = stream(tx, version)
        streamed.append(view)
        if len(streamed) == 1:
            raise _transient("Neo.TransientError.General.DatabaseUnavailable")
        return view

    monkeypatch.setattr(store_module, "stream_view", failing_once)
    view = server_store.view()
    assert len(streamed) == 2  # the view is built from the second stream, into memory
    assert view_content(view) == view_content(streamed[1]) == view_content(streamed[0])
    assert len(view.ids) == len(sample_nodes())


@needs_server
def test_a_server_out_of_transaction_memory_is_one_line_at_once(
    server_store: Neo4jStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Neo4j refuses a transaction bigger than its transaction memory with a *transient*
    error, which the driver would retry in vain for max_transaction_retry_time: the store
    stops at the first refusal, writes nothing and says what to do."""

    class OutOfMemoryTx:
        def __init__(self, tx: Any) -> None:
            self.tx = tx

        def run(self, query: str, **params: Any) -> Any:
            if query.startswith("UNWIND $rows"):
                raise _transient(
                    "Neo.TransientError.General.MemoryPoolOutOfMemoryError",
                    "The allocation of an extra 2.0 MiB would use more than the limit 716.8 MiB.",
                )
            return self.tx.run(query, **params)

    apply = server_store._apply
    monkeypatch.setattr(
        server_store,
        "_apply",
        lambda tx, prepared, part=None: apply(OutOfMemoryTx(tx), prepared, part),
    )
    before = server_store.version
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as info:
        server_store.write(sample_batch())
    assert time.monotonic() - started < 5  # not retried
    message = str(info.value)
    assert "\n" not in message and "memory" in message and "heap" in message
    assert "rows" in message
    monkeypatch.undo()
    assert server_store.version == before
    assert server_store.get("p-01") is None


@needs_server
def test_a_server_that_goes_away_is_one_line_then_comes_back() -> None:
    """Every kind of call on an open store whose server went away fails within the connect
    timeout with one StoreUnavailable line naming the server; once it is back, the same
    store answers again (the driver reconnects)."""
    from graph.neo4j.paths import find_paths_in_db
    from graph.paths import Target
    from tests.neo4j_server import NEO4J_URI, Outage, wipe

    wipe()
    with Outage(NEO4J_URI or "") as outage:
        store = Neo4jStore(outage.uri, connect_timeout_s=1.0)
        try:
            write_sample(store)
            counts, view = store.counts(), store.view()
            outage.down()
            calls = {  # each way the adapter reaches the server
                "version": lambda: store.version,
                "view": store.view,
                "get": lambda: store.get("p-01"),
                "write": lambda: store.upsert_nodes(
                    [Person(id="p-9", first_name="A", last_name="B")]
                ),
                "delete": lambda: store.delete_relationship(RelType.KNOWS, "p-01", "p-02"),
                "export": lambda: next(store.export_nodes(Label.PERSON)),
                "paths": lambda: find_paths_in_db(store, "p-01", Target.employer("e-vinci")),
            }
            for name, call in calls.items():
                started = time.monotonic()
                with pytest.raises(StoreUnavailable) as info:
                    call()
                assert time.monotonic() - started < 10, name
                message = str(info.value)
                assert "\n" not in message and outage.uri in message, (name, message)
            outage.up()
            assert store.counts() == counts
            assert store.view() is view  # same version: the cached view
            assert store.get("p-9") is None  # the write during the outage did not land
        finally:
            store.close()
