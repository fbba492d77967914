"""Lists over the graph view: select node numbers with numpy, order by id, page, fetch.

Ordering by id needs each node's rank among all ids; it is computed once per store
version (a sort of every id) and cached, so a page of any filtered list costs a numpy
selection, a sort of the selection by rank and one ``get_many`` for the page.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from api.deps import PageParams
from graph.model import NodeRecord
from graph.store import GraphStore
from graph.view import GraphView

_LOCK = threading.Lock()
_RANKS: dict[int, tuple[GraphView, np.ndarray]] = {}


def id_rank(view: GraphView) -> np.ndarray:
    """``rank[nid]``: the position of node ``nid``'s id among all ids (free slots last)."""
    key = id(view)
    with _LOCK:
        hit = _RANKS.get(key)
        if hit is not None and hit[0] is view:
            return hit[1]
    ids = np.array(["\U0010ffff" if i is None else i for i in view.ids], dtype=str)
    order = np.argsort(ids, kind="stable")
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids))
    with _LOCK:
        if len(_RANKS) >= 4:  # keep the views of the last few versions only
            _RANKS.pop(next(iter(_RANKS)))
        _RANKS[key] = (view, rank)
    return rank


def page_of(
    store: GraphStore, view: GraphView, nids: np.ndarray, page: PageParams
) -> tuple[list[NodeRecord], int]:
    """The records of ``page`` among ``nids`` ordered by id, and how many there are."""
    nids = np.unique(np.asarray(nids, dtype=np.int64))
    total = len(nids)
    if total == 0 or page.offset >= total:
        return [], total
    rank = id_rank(view)
    ordered = nids[np.argsort(rank[nids], kind="stable")]
    chosen: Sequence[str] = [view.ids[n] for n in ordered[page.offset : page.offset + page.limit]]
    found = store.get_many(list(chosen))
    return [found[i] for i in chosen if i in found], total
