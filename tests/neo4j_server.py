"""The Neo4j server the tests may use: only when ``NEO4J_URI`` is set.

``make test`` starts a throw-away Neo4j 5.26 Community server (``tools/neo4j/server.py``)
and runs the suite with ``NEO4J_URI`` pointing at it and ``PASSERELLE_REQUIRE_NEO4J=1``:
then a missing or unreachable server **fails** the Neo4j tests instead of skipping them.
Without that variable (a plain ``pytest`` run) they skip when ``NEO4J_URI`` is unset.

The tests that use it **delete everything** in the database they are given
(``MATCH (n) DETACH DELETE n``): the contract counts nodes and relationships globally, so
each test needs an empty database. Point ``NEO4J_URI`` (and ``NEO4J_DATABASE``) at a
dedicated, disposable test database, e.g. the one of ``docker compose`` (see README,
"Running on Neo4j")::

    NEO4J_URI=bolt://localhost:7687 NEO4J_USER=neo4j NEO4J_PASSWORD=passerelle \\
        .venv/bin/pytest tests/test_store_contract.py tests/test_neo4j_*.py

As a guard, a database holding nodes that Passerelle did not write is never wiped: the
tests fail instead.

So two of them must never run at once: each carries the ``neo4j`` mark (``needs_server``),
and when pytest-xdist runs the suite in several workers (``make test``), tests/conftest.py
puts them all in one group, which one worker runs in collection order. Two guards make a
mistake a failure rather than a flaky test (:func:`settings`): a test that reaches the
server without the mark fails, and so does one whose process is not the first to use the
server (an exclusive lock named after ``NEO4J_URI``, held until that process ends).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import socket
import tempfile
import threading
from functools import lru_cache
from pathlib import Path
from typing import IO

import pytest

from graph.settings import Settings

NEO4J_URI = os.environ.get("NEO4J_URI") or None
#: set by ``make test``: the Neo4j tests must run, a missing server is a failure
REQUIRED = os.environ.get("PASSERELLE_REQUIRE_NEO4J", "") not in ("", "0")
SKIP_REASON = (
    "NEO4J_URI is not set: the Neo4j tests need a server and a dedicated test database,"
    " which they empty (MATCH (n) DETACH DELETE n); `make test` starts one"
)
#: skip without a server, unless one is required (then the test runs, and fails)
SKIPPED = not NEO4J_URI and not REQUIRED
#: the mark of every test that uses the server (a test, a class, a module or a parameter):
#: tests/conftest.py skips those tests when :data:`SKIPPED` and, under pytest-xdist, runs
#: them all in one worker, one after the other (they share, and empty, one database)
needs_server = pytest.mark.neo4j
#: whether the running test carries the ``neo4j`` mark (set by tests/conftest.py before
#: each test's set-up; None outside pytest's test protocol, e.g. in a spawned process)
RUNNING_MARKED: bool | None = None
#: the lock of :func:`_claim`, once this process holds it
_held: IO[str] | None = None

_FOREIGN = (
    "MATCH (n) WHERE NOT n:Node AND NOT n:PasserelleMeta AND NOT n:PasserelleChange"
    " RETURN count(n) AS n"
)
# Relationships first, then nodes, in bounded transactions: a transaction's changes live in
# the server's heap, and DETACH DELETE of 10,000 well-connected people does not fit in 1 GB.
_WIPE = (
    "MATCH ()-[r]->() WITH r LIMIT 50000 DELETE r RETURN count(*) AS n",
    "MATCH (n) WITH n LIMIT 50000 DELETE n RETURN count(*) AS n",
)


def settings() -> Settings:
    """The test server's settings, with a short start-up wait; fails when there is none,
    or when the running test lacks the ``neo4j`` mark (it could run beside another test
    that empties the database)."""
    if RUNNING_MARKED is False:
        pytest.fail(
            "this test uses the Neo4j test server without the `neo4j` mark"
            " (tests.neo4j_server.needs_server): mark it, so that it never runs beside"
            " another Neo4j test"
        )
    if not NEO4J_URI:
        pytest.fail("PASSERELLE_REQUIRE_NEO4J is set but NEO4J_URI is not: no Neo4j server")
    if RUNNING_MARKED:
        _claim(NEO4J_URI)
    reason = _unreachable(NEO4J_URI)
    if reason:
        pytest.fail(f"the Neo4j test server does not answer: {reason}")
    return Settings(store="neo4j", neo4j_uri=NEO4J_URI, neo4j_connect_timeout=10.0)


def _claim(uri: str) -> None:
    """Hold the server at ``uri`` for this process until it ends: an exclusive lock on a
    file named after the URI. Fails when another process holds it (another pytest-xdist
    worker, another pytest run): its tests would empty the database under this one's."""
    global _held
    if _held is not None:
        return
    digest = hashlib.sha256(uri.encode()).hexdigest()[:16]
    lock = (Path(tempfile.gettempdir()) / f"passerelle-neo4j-tests-{digest}.lock").open("a")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        pytest.fail(
            f"another process is running Neo4j tests against {uri}: they empty the database"
            " each test uses, so they must all run in one process (tests/conftest.py groups"
            " them under pytest-xdist)"
        )
    _held = lock


@lru_cache(maxsize=1)
def _unreachable(uri: str) -> str | None:
    """Why the server at ``uri`` does not answer (asked once: later tests fail at once)."""
    from graph.errors import PasserelleError
    from graph.neo4j import Neo4jStore

    try:
        Neo4jStore.from_settings(Settings(store="neo4j", neo4j_uri=uri)).close()
    except PasserelleError as exc:
        return str(exc)
    return None


def open_store():  # -> Neo4jStore (imported lazily: collecting the tests needs no driver work)
    from graph.neo4j import Neo4jStore

    return Neo4jStore.from_settings(settings())


def wipe() -> None:
    """Empty the test database (refuses one holding anything Passerelle did not write)."""
    import neo4j

    s = settings()
    password = s.neo4j_password.get_secret_value() if s.neo4j_password else None
    auth = (s.neo4j_user, password) if password is not None else None
    with (
        neo4j.GraphDatabase.driver(s.neo4j_uri, auth=auth) as driver,
        driver.session(database=s.neo4j_database) as session,
    ):
        foreign = session.execute_read(lambda tx: tx.run(_FOREIGN).single()["n"])
        if foreign:
            pytest.fail(
                f"the database at {s.neo4j_uri} holds {foreign} nodes Passerelle did not write:"
                " the Neo4j tests need a dedicated test database (they empty it)"
            )
        for statement in _WIPE:
            while session.execute_write(lambda tx, q=statement: tx.run(q).single()["n"]):
                pass


class Outage:
    """A TCP relay in front of the test server, to take the server away and bring it back.

    Clients connect to :attr:`uri`; :meth:`down` closes every relayed connection and stops
    listening (new connections are refused, as with a server that stopped), :meth:`up`
    listens again on the same port. ``cut_after`` bytes relayed (both ways, counted from
    :meth:`up`) take it down by themselves: a server lost in the middle of a long command.
    """

    def __init__(self, target_uri: str) -> None:
        host_port = target_uri.split("://", 1)[1]
        host, _, port = host_port.rpartition(":")
        self.target = (host or "127.0.0.1", int(port))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.uri = f"bolt://127.0.0.1:{self.port}"
        self.cut_after: int | None = None
        self.relayed = 0
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def __enter__(self) -> Outage:
        self.up()
        return self

    def __exit__(self, *exc: object) -> None:
        self.down()

    def up(self, cut_after: int | None = None) -> None:
        self.down()
        self.cut_after, self.relayed = cut_after, 0
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._sockets = self._sockets, set()
        for s in ([listener] if listener else []) + list(sockets):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by down()
            try:
                server = socket.create_connection(self.target, timeout=5)
                server.settimeout(None)
                for s in (client, server):  # relay each message at once (no Nagle delay)
                    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    server.close()
                    return
                self._sockets |= {client, server}
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        while True:
            try:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
            except OSError:
                break
            with self._lock:
                self.relayed += len(data)
                cut = self.cut_after is not None and self.relayed >= self.cut_after
            if cut:
                self.down()
                return
        for s in (source, sink):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
