"""Multi-source reachability for coverage: every candidate of every groupement at once.

"Does this candidate have at least one valid referral path to an employer of one of their
targets?" is an existence question, so no hop costs are needed: only which hops are
allowed. The rules are those of the path engine (:mod:`graph.paths.engine`) with its
default policy, asked for one path:

* a path is ``candidate, i1, …, im, contact`` with ``m`` ≤ 3 (:data:`MAX_HOPS` = 4 hops);
* hops follow personal ties (``KNOWS`` and ``MENTORS``, both ways: the path index's
  symmetric CSR), plus the candidate's référent hop (candidate → a référent of one of the
  candidate's groupements, not the candidate themselves) and, right after it, the bridge
  from that référent to a helper of a partner association or délégation
  (:meth:`PathIndex.bridges <graph.paths.index.PathIndex.bridges>` at the query date);
* every intermediary consented to introduce (``PathIndex.consent``). Helpers over
  capacity are allowed: the engine uses them when there is no alternative, and here the
  only question is whether any path exists;
* the contact is a current employee of an employer of the target who consented
  (``contact_must_consent``), and is not the candidate.

Targets. Each bassin d'emploi and each sector that some candidate ``TARGETS`` is one
target; its contacts are the consenting current employees of the employers located in
the bassin (``LOCATED_IN``, the first one as the path index reads it) or of the sector
(``IN_SECTOR``), exactly the contact set the engine builds for a set of employers
(:func:`graph.paths.engine.employers_target`). A candidate is covered when they have a
path to a contact of at least one of their own targets.

How: backward from the contacts, with bitsets. Each target gets a bit; every person who
may relay (consented) holds ``ceil(T/64)`` uint64 words. ``Y0`` are the contact bits;
``Y[k] = Y0 | OR over relay neighbours of Y[k-1]`` is "reaches a contact of the target
within k hops through consenting relays" (k = 1..3), computed with one gather and one
``np.bitwise_or.reduceat`` per word over the CSR of ties between relays. A candidate's
bits are then the OR of ``Y[3]`` over their relay neighbours, plus, for each référent
``r`` of their groupements who consented: ``Y[3][r]`` (hop 1 is the référent hop) and
``Y[2][b]`` for every bridge helper ``b`` of that groupement (hop 2 is the bridge).
Relays are a third of the network, so the relay CSR holds about a tenth of the ties.

Walks and paths. The bits describe walks; a walk that comes back to the candidate can be
cut at its last visit and is still a valid path, except when it *ends* at the candidate
(a candidate who is themselves a contact of one of their own targets). For those
(candidate, target) pairs only, the bits cannot tell, so they are decided again by the
same propagation with one bit per pair whose contacts leave that candidate out
(:func:`~graph.coverage.reach.backward.settle`). Everything is exact;
``tests/test_coverage_service_property.py`` checks it against :func:`graph.paths.find_paths` on
random graphs.

Forward reach (who can be *reached* from a groupement's candidates, used for the
employers without contact, the single points of failure and the unreached offers) is the
same propagation the other way: one bit per groupement, sources the candidates, ``X[1]``
their relay neighbours and référents, the bridge helpers in ``X[2]``, and
``X[k] = base | OR over relay neighbours of X[k-1]`` up to 4 hops. There, a candidate
counts as reaching themselves (distance 0): a member who works at an employer is a way
in for their own groupement.

Hypothetical changes (:mod:`graph.coverage.whatif`) reuse all of this on an
:class:`Inputs` with extra ties, relays, contacts, référents and bridges (the relay CSR is
shared; new ties and relays sit beside it).

The stages, one module each:

* :mod:`~graph.coverage.reach.bitsets` – bitset tables and their operations;
* :mod:`~graph.coverage.reach.inputs` – what reachability reads (:class:`Inputs`);
* :mod:`~graph.coverage.reach.relays` – the relay graph and propagation over it;
* :mod:`~graph.coverage.reach.targets` – the targets, one bit each, and their contacts;
* :mod:`~graph.coverage.reach.candidates` – candidates' first hop: ties and référents;
* :mod:`~graph.coverage.reach.backward` – which candidates have a path (exact);
* :mod:`~graph.coverage.reach.forward` – who each groupement's candidates reach;
* :mod:`~graph.coverage.reach.as_is` – the inputs and relay graph of a version, kept.

This package exports their public names, so callers write ``reach.backward(...)``.
"""

from graph.coverage.reach.as_is import AsIs, as_is, clear_as_is
from graph.coverage.reach.backward import (
    Backward,
    backward,
    local_layers,
    own_contact_bits,
    settle,
)
from graph.coverage.reach.bitsets import (
    EMPTY,
    ONE,
    any_bits,
    bit_mask,
    bits_of,
    has_bit,
    n_words,
    or_into,
    reduce_groups,
    rows_of,
    set_bits,
    zeros,
)
from graph.coverage.reach.candidates import (
    Memberships,
    candidate_bits,
    referent_bits,
    referent_pairs,
    through_referents,
)
from graph.coverage.reach.forward import (
    Forward,
    forward,
    forward_bases,
    monotone_layers,
    open_referent_hops,
)
from graph.coverage.reach.inputs import MAX_HOPS, Inputs, current_employment, lookup
from graph.coverage.reach.relays import Relays, layers
from graph.coverage.reach.targets import Targets, employer_targets

__all__ = [
    "EMPTY",
    "MAX_HOPS",
    "ONE",
    "AsIs",
    "Backward",
    "Forward",
    "Inputs",
    "Memberships",
    "Relays",
    "Targets",
    "any_bits",
    "as_is",
    "backward",
    "bit_mask",
    "bits_of",
    "candidate_bits",
    "clear_as_is",
    "current_employment",
    "employer_targets",
    "forward",
    "forward_bases",
    "has_bit",
    "layers",
    "local_layers",
    "lookup",
    "monotone_layers",
    "n_words",
    "open_referent_hops",
    "or_into",
    "own_contact_bits",
    "reduce_groups",
    "referent_bits",
    "referent_pairs",
    "rows_of",
    "set_bits",
    "settle",
    "through_referents",
    "zeros",
]
