"""Fixtures and hooks for the whole suite."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from graph.coverage import service as coverage_service
from tests import neo4j_server

#: the pytest-xdist group of the tests that use the Neo4j test server (see below)
NEO4J_GROUP = "neo4j"
#: the key, in a pytest-xdist worker's input, of the directory where it writes its groups
GROUPS_DIR = "passerelle_groups_dir"
_groups_dir = pytest.StashKey[Path]()


@pytest.fixture(autouse=True)
def coverage_derived_at_every_write(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests check coverage write by write: each write's state is derived on the next
    request. The rationing of derivations under a stream of writes (a server's rate
    policy) is tested on its own, where it is set back (tests/test_coverage_follow.py)."""
    monkeypatch.setattr(coverage_service, "REBUILD_GAP_S", 0.0)
    monkeypatch.setattr(coverage_service, "REBUILD_RATIO", 0.0)


# --------------------------------------------------------------------------- the Neo4j tests


def _uses_neo4j(item: pytest.Item) -> bool:
    return item.get_closest_marker("neo4j") is not None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked ``neo4j`` (``tests.neo4j_server.needs_server``) share one database,
    which each empties: they skip without a server, and form one pytest-xdist group."""
    for item in items:
        if not _uses_neo4j(item):
            continue
        if neo4j_server.SKIPPED:
            item.add_marker(pytest.mark.skip(reason=neo4j_server.SKIP_REASON))
        item.add_marker(pytest.mark.xdist_group(NEO4J_GROUP))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tell tests.neo4j_server whether the test about to run may use the server (before
    any fixture of the test is set up, module-scoped ones included)."""
    neo4j_server.RUNNING_MARKED = _uses_neo4j(item)


# --------------------------------------------------------------------------- pytest-xdist
#
# `make test` runs the suite in two pytest-xdist workers with `--dist loadgroup`, and the
# scheduler below: a unit of work is a whole file (a module's fixtures, such as a seeded
# store, a browser or a server, are set up once), except that the tests of a group (the
# Neo4j tests, from several files) form a single unit, run by one worker in collection order.
#
# pytest-xdist learns a test's group from an "@group" suffix it adds to the test's id in
# the worker, which pytest 9.2's structured ids no longer let it do (pytest-xdist issue
# #1386): the groups would be silently ignored. So each worker writes the groups of its
# tests to a file, read by the scheduler in the controller (all workers collect the same
# tests; pytest-xdist checks it before scheduling).


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Controller: give each worker the directory where it writes its groups."""
    config = node.config
    if _groups_dir not in config.stash:
        config.stash[_groups_dir] = Path(tempfile.mkdtemp(prefix="passerelle-xdist-groups-"))
    node.workerinput[GROUPS_DIR] = str(config.stash[_groups_dir])


def pytest_unconfigure(config: pytest.Config) -> None:
    if _groups_dir in config.stash:
        shutil.rmtree(config.stash[_groups_dir], ignore_errors=True)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Worker: write the groups of the collected tests (before pytest-xdist reports the
    collection to the controller)."""
    workerinput = getattr(session.config, "workerinput", None)
    if workerinput is None or GROUPS_DIR not in workerinput:
        return
    groups = {item.nodeid: NEO4J_GROUP for item in session.items if _uses_neo4j(item)}
    path = Path(workerinput[GROUPS_DIR]) / f"{workerinput['workerid']}.json"
    path.with_suffix(".tmp").write_text(json.dumps(groups))
    path.with_suffix(".tmp").replace(path)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Controller: ``--dist loadgroup`` with files as units, the groups as single units."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class FilesAndGroups(LoadGroupScheduling):
        groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.groups is None:
                self.groups = _read_groups(config)
            group = self.groups.get(nodeid)
            if group is not None:
                return group
            scope = super()._split_scope(nodeid)  # a group pytest-xdist knew of, or the id
            return nodeid.split("::", 1)[0] if scope == nodeid else scope

    return FilesAndGroups(config, log)


def _read_groups(config: pytest.Config) -> dict[str, str]:
    """The groups the workers wrote; an error when none did (the tests of a group could
    otherwise run at once in several workers)."""
    directory = config.stash.get(_groups_dir, None)
    files = sorted(directory.glob("*.json")) if directory else []
    if not files:
        raise RuntimeError(f"no pytest-xdist worker wrote the tests' groups in {directory}")
    groups: dict[str, str] = {}
    for file in files:
        groups.update(json.loads(file.read_text()))
    return groups
