"""The Neo4j server the tests may use: only when ``NEO4J_URI`` is set.

The tests that use it **delete everything** in the database they are given
(``MATCH (n) DETACH DELETE n``): the contract counts nodes and relationships globally, so
each test needs an empty database. Point ``NEO4J_URI`` (and ``NEO4J_DATABASE``) at a
dedicated, disposable test database, e.g. the one of ``docker compose`` (see README,
"Running on Neo4j")::

    NEO4J_URI=bolt://localhost:7687 NEO4J_USER=neo4j NEO4J_PASSWORD=passerelle \\
        .venv/bin/pytest tests/test_store_contract.py tests/test_neo4j_*.py

As a guard, a database holding nodes that Passerelle did not write is never wiped: the
tests fail instead.
"""

from __future__ import annotations

import os

import pytest

from graph.settings import Settings

NEO4J_URI = os.environ.get("NEO4J_URI")
SKIP_REASON = (
    "NEO4J_URI is not set: the Neo4j tests need a server and a dedicated test database,"
    " which they empty (MATCH (n) DETACH DELETE n)"
)
needs_server = pytest.mark.skipif(not NEO4J_URI, reason=SKIP_REASON)

_FOREIGN = "MATCH (n) WHERE NOT n:Node AND NOT n:PasserelleMeta RETURN count(n) AS n"
_WIPE = "MATCH (n) WITH n LIMIT 10000 DETACH DELETE n RETURN count(*) AS n"


def settings() -> Settings:
    """The server's settings from the environment, with a short start-up wait."""
    return Settings(store="neo4j", neo4j_connect_timeout=10.0)


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
        while session.execute_write(lambda tx: tx.run(_WIPE).single()["n"]):
            pass
