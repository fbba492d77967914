"""What a run of the generator produced: counts by label and type, and the planted gaps."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from graph.store import Batch
from seed.reference_graph import DEFAULT_AS_OF


@dataclass
class DemoStats:
    """What a :func:`generate` run produced: counts by label and type, and the gaps.

    Filled while the batches are consumed; complete once the generator is exhausted.
    """

    people: int = 0
    seed: int = 0
    as_of: date = DEFAULT_AS_OF
    batches: int = 0
    nodes: Counter[str] = field(default_factory=Counter)
    rels: Counter[str] = field(default_factory=Counter)
    gaps: dict[str, list[str]] = field(default_factory=dict)

    def add(self, batch: Batch) -> Batch:
        """Count ``batch`` and return it unchanged."""
        self.batches += 1
        # counting classes, not enum members: enum hashing costs a Python call per node
        for model, count in Counter(map(type, batch.nodes)).items():
            self.nodes[model.label.value] += count
        for model, count in Counter(map(type, batch.rels)).items():
            self.rels[model.type.value] += count
        for frame in batch.frames:
            self.rels[frame.type.value] += len(frame)
        return batch

    def summary(self) -> str:
        """A few lines for people: counts, average degree and the planted gaps."""
        degree = 2 * self.rels["KNOWS"] / max(1, self.people)
        lines = [
            f"demo seed {self.seed}: {self.people:,} people as of {self.as_of}, "
            f"{self.batches} batches, average KNOWS degree {degree:.1f}",
            "nodes: " + ", ".join(f"{k} {v:,}" for k, v in sorted(self.nodes.items())),
            "relationships: " + ", ".join(f"{k} {v:,}" for k, v in sorted(self.rels.items())),
        ]
        lines += [f"gap {name}: {', '.join(v) or '-'}" for name, v in self.gaps.items()]
        return "\n".join(lines)
