"""The port a store offers when it evaluates referral-path searches itself.

The path service (:func:`graph.paths.service.find_paths`) runs the engine over the
store's whole view by default. A store whose graph is too large to copy into every
process (a large Neo4j deployment) may instead answer the search in its database: it
implements :class:`InDatabasePathSearch`, and the service asks it when
``paths_in_database`` is on. The answer must be the one the in-memory engine would give
(same paths, costs, explanations and reasons).

Decisions:

* An explicit, checkable port rather than an attribute looked up by name: the Neo4j
  adapter declares it (``class Neo4jStore(..., InDatabasePathSearch)``, checked by mypy),
  the service tests ``isinstance``, and the core never imports an adapter.
* The switch is a property of the store (``paths_in_database``, from the settings): one
  adapter serves both modes, and the same deployment can be moved from one to the other
  by configuration.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol, runtime_checkable

from graph.paths.policy import PathPolicy
from graph.paths.query import Target
from graph.paths.results import PathResult


@runtime_checkable
class InDatabasePathSearch(Protocol):
    """A store that can answer a referral-path search in its own database."""

    #: whether path searches are to be answered in the database (else in memory)
    paths_in_database: bool

    def find_paths_in_database(
        self,
        candidate_id: str,
        target: Target,
        policy: PathPolicy | None = None,
        as_of: date | None = None,
    ) -> PathResult:
        """What :func:`graph.paths.service.find_paths` answers, evaluated in the database."""
        ...
