"""One small demo seed shared by the tests of seed.demo, written to an embedded store.

Small sizes (a few thousand people) keep these tests fast; the benchmark checks the million.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import numpy as np
import pytest

from graph.embedded import EmbeddedStore
from graph.model import Label, PersonStatus
from graph.store import Batch
from graph.view import GraphView
from seed.demo import DemoStats, generate

PEOPLE = 3_000
SEED = 7
AS_OF = date(2026, 11, 1)
STATUS = list(PersonStatus)

Seeded = tuple[list[Batch], DemoStats, GraphView]


@pytest.fixture(scope="package")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """The batches, the stats and the store's view of a 3,000-person seed."""
    stats = DemoStats()
    batches = list(
        generate(PEOPLE, SEED, AS_OF, stats=stats, people_per_batch=1_000, ties_per_batch=7_000)
    )
    store = EmbeddedStore(tmp_path_factory.mktemp("demo"))
    for batch in batches:
        store.write(batch)
    yield batches, stats, store.view()
    store.close()


@pytest.fixture(scope="package")
def view(seeded: Seeded) -> GraphView:
    return seeded[2]


def status_of(view: GraphView) -> np.ndarray:
    """Every node's status code (index into ``STATUS``; meaningful for people only)."""
    return view.column(Label.PERSON, "status")


def has_status(view: GraphView, nids: np.ndarray, *statuses: PersonStatus) -> np.ndarray:
    """Whether each of the people ``nids`` has one of ``statuses``."""
    return np.isin(status_of(view)[nids], [STATUS.index(s) for s in statuses])
