"""Referral paths: who can introduce a candidate to someone at an employer.

The public API. The service (:func:`find_paths`) is what the CLI, the API and the
dashboard call; the engine (:mod:`graph.paths.engine`) is a pure function over a cached
search index (:mod:`graph.paths.index`) built from the store's read-only view; the rules
and costs of a query are a :class:`PathPolicy`; explanations are in French
(:mod:`graph.paths.explain`).
"""

from graph.paths.index import PathIndex
from graph.paths.policy import HopCosts, PathPolicy, hop_cost
from graph.paths.results import Alternative, Hop, NoPath, Path, PathResult, PersonRef, TargetRef
from graph.paths.service import Target, find_paths, path_index

__all__ = [
    "Alternative",
    "Hop",
    "HopCosts",
    "NoPath",
    "Path",
    "PathIndex",
    "PathPolicy",
    "PathResult",
    "PersonRef",
    "Target",
    "TargetRef",
    "find_paths",
    "hop_cost",
    "path_index",
]
