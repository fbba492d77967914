"""The reproducible national demo seed: a realistic transition network of any size.

``generate(people, seed)`` streams :class:`~graph.store.Batch` objects: the reference
graph first, then employer sites and local charters, then people (nodes with their own
relationships, in chunks), then référents, mentors and job offers, and last the ``KNOWS``
ties, so that every relationship points to nodes written before or in the same batch.

>>> stats = DemoStats()
>>> n = sum(1 for _ in generate(300, 1, stats=stats))
>>> stats.nodes["Person"], 8 < 2 * stats.rels["KNOWS"] / 300 < 30
(300, True)

Run ``python -m seed.demo --people 100000 --seed 7 --dir /tmp/demo`` to write a store and
print timings.

The package, in the order :func:`generate` uses it:

* ``proportions``: the figures that shape the demo; ``streams``: one random stream per
  concern; ``days``: dates as day numbers; ``draws``: vectorised draws within groups;
* ``geography``, ``names``: the reference data as index arrays and display tables;
* ``gaps``: the planted gaps; ``employers``: employer sites; ``charters``: local charters;
* ``people``: who the people are; ``memberships``, ``targets``, ``work``: what they join,
  look for and where they work; ``person_batches``: people as records and frames;
* ``referents``, ``mentors``, ``offers``: what is drawn once people exist;
* ``tie_parts``, ``ties``: the ``KNOWS`` ties, drawn by source then deduplicated;
* ``generator``: :func:`generate` and :func:`estimated_batches`; ``stats``:
  :class:`DemoStats`; ``__main__``: the ``python -m seed.demo`` command.

Decisions:

* Reproducible: every random draw comes from ``numpy.random.default_rng([seed, stream])``
  with one fixed stream number per concern (:mod:`seed.demo.streams`), so the same
  ``(people, seed, as_of)`` gives byte-identical batches, and changing how, say, job offers
  are drawn leaves the ties unchanged.
* Scalable: a million people and ten million ties are numpy columns (a few hundred MB),
  never Python objects per tie; pydantic records are made per person, per chunk only.
  Ties are drawn for everybody at once with offset arithmetic inside sorted groups (same
  promotion, unit, event, région...), deduplicated globally (keeping the strongest source
  of a pair) and streamed as :class:`~graph.frames.RelFrame` chunks sorted by endpoint,
  the order in which the embedded store inserts fastest.
* Realistic where the product needs it: people live where the military does
  (``military_weight``), ties are clustered (rings of acquaintances within groups) with a
  heavy-ish tail of well-connected people, consent and capacity vary, and the network has
  real gaps (sectors and bassins with no contact, groupements without référent or local
  charter) for the coverage reports to find.
* The modules inside are the generator's parts, not an API: callers import from
  ``seed.demo`` only (the names below).
"""

from __future__ import annotations

from seed.demo.generator import estimated_batches, generate
from seed.demo.people import MAX_PEOPLE
from seed.demo.stats import DemoStats
from seed.reference_graph import DEFAULT_AS_OF

__all__ = ["DEFAULT_AS_OF", "MAX_PEOPLE", "DemoStats", "estimated_batches", "generate"]
