"""The targets candidates aim at (bassins d'emploi and sectors), one bit each, and the
contacts of each: the consenting current employees of its employers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graph.coverage.reach.bitsets import n_words, set_bits, zeros
from graph.coverage.reach.inputs import Inputs
from graph.coverage.reach.relays import Relays
from graph.model import Label, RelType
from graph.paths.index import gather
from graph.view import LABEL_CODE


@dataclass(frozen=True)
class Targets:
    """The targets candidates aim at, one bit each: bassins first, then sectors (by nid)."""

    nodes: np.ndarray  # target node nids
    is_bassin: np.ndarray
    bit: np.ndarray  # nid -> bit or -1

    @property
    def words(self) -> int:
        return n_words(len(self.nodes))

    @classmethod
    def of(cls, inputs: Inputs, people: np.ndarray) -> Targets:
        view = inputs.index.view
        rel = view.rel(RelType.TARGETS)
        pos, _ = gather(rel.out_ptr, people)
        found = np.unique(rel.dst[pos])
        bassin = view.labels[found] == LABEL_CODE[Label.BASSIN_EMPLOI]
        nodes = np.concatenate([found[bassin], found[~bassin]]).astype(np.int64)
        bit = np.full(inputs.n, -1, dtype=np.int64)
        bit[nodes] = np.arange(len(nodes))
        return cls(nodes, np.arange(len(nodes)) < int(bassin.sum()), bit)

    def masks(self, inputs: Inputs, people: np.ndarray) -> np.ndarray:
        """Per person: the bits of their targets (only targets known here)."""
        rel = inputs.index.view.rel(RelType.TARGETS)
        pos, owner = gather(rel.out_ptr, people)
        bits = self.bit[rel.dst[pos]]
        keep = bits >= 0
        out = zeros(self.words, len(people))
        set_bits(out, owner[keep], bits[keep])
        return out

    def contact_bits(self, inputs: Inputs, relays: Relays) -> np.ndarray:
        """Per relay: the targets they are a contact of.

        Every consenting current employment, at its employer's bassin and sectors (the
        contact set the engine builds for a set of employers,
        :func:`graph.paths.engine.employers_target`); setting a bit twice is harmless,
        so pairs are not made unique first (a sort of 240k pairs at 1M people).
        """
        idx, bits = employer_targets(inputs, inputs.contact_employer, self.bit)
        at = relays.pos[inputs.contact_person[idx]]
        keep = at >= 0
        out = zeros(self.words, relays.m)
        set_bits(out, at[keep], bits[keep])
        return out


def employer_targets(
    inputs: Inputs, employers: np.ndarray, bit: np.ndarray
) -> tuple[np.ndarray, ...]:
    """(index in ``employers``, target bit) for the bassin and the sectors of each employer."""
    employers = np.asarray(employers, dtype=np.int64)
    bassin = inputs.index.bassin_of[employers]
    b_bit = np.where(bassin >= 0, bit[np.maximum(bassin, 0)], -1)
    sectors = inputs.index.view.rel(RelType.IN_SECTOR)
    pos, owner = gather(sectors.out_ptr, employers)
    s_bit = bit[sectors.dst[pos]]
    idx = np.concatenate([np.arange(len(employers)), owner])
    bits = np.concatenate([b_bit, s_bit])
    keep = bits >= 0
    return idx[keep], bits[keep]
