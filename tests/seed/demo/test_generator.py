"""The demo generator (seed.demo.generator): reproducible, complete, and checking its input."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from graph.model import Label, RelType, is_valid_id
from graph.store import Batch
from seed.demo import estimated_batches, generate
from tests.seed.demo.conftest import AS_OF, PEOPLE


def _digest(batches: list[Batch]) -> str:
    """A hash of everything in the batches, in order."""
    h = hashlib.sha256()
    for batch in batches:
        for node in batch.nodes:
            h.update(node.model_dump_json().encode())
        for rel in batch.rels:
            h.update(f"{rel.type}{rel.model_dump_json()}".encode())
        for frame in batch.frames:
            h.update(frame.type.value.encode())
            for values in (frame.src, frame.dst, *frame.columns.values()):
                h.update(repr(np.asarray(values).tolist()).encode())
    return h.hexdigest()


def _knows_digest(batches: list[Batch]) -> str:
    pairs = sorted(
        (min(a, b), max(a, b))
        for batch in batches
        for frame in batch.frames
        if frame.type == RelType.KNOWS
        for a, b in zip(np.asarray(frame.src).tolist(), np.asarray(frame.dst).tolist(), strict=True)
    )
    return hashlib.sha256(repr(pairs).encode()).hexdigest()


def test_same_seed_gives_byte_identical_batches() -> None:
    first = list(generate(2_000, 11, AS_OF))
    again = list(generate(2_000, 11, AS_OF))
    assert len(first) == len(again)
    assert _digest(first) == _digest(again)


def test_different_seed_gives_different_ties() -> None:
    assert _knows_digest(list(generate(2_000, 11))) != _knows_digest(list(generate(2_000, 12)))


def test_every_batch_is_written_and_nothing_is_merged_away(seeded) -> None:
    # The store upserts: a duplicate tie or node would make its counts smaller than ours.
    _, stats, view = seeded
    assert {k.value: v for k, v in view.node_counts.items() if v} == dict(stats.nodes)
    assert {k.value: v for k, v in view.rel_counts.items() if v} == dict(stats.rels)
    assert stats.nodes["Person"] == PEOPLE
    assert view.ids[view.nodes_with_label(Label.PERSON)[0]] == "p-0000001"
    assert all(is_valid_id(i) for i in view.ids if i is not None)


def test_estimated_batches_matches_the_batches_of_a_run(seeded) -> None:
    batches, stats, _ = seeded
    assert stats.batches == len(batches)
    assert estimated_batches(PEOPLE, 1_000, 7_000) == len(batches)


def test_generate_rejects_a_bad_size() -> None:
    with pytest.raises(ValueError, match="people"):
        next(generate(0, 1))


def test_generate_rejects_a_bad_seed() -> None:
    with pytest.raises(ValueError, match="seed"):
        next(generate(10, -1))
