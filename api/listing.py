"""Lists over the graph view: select node numbers with numpy, order by id, page, fetch.

Ordering by id needs each node's rank among all ids; it is computed once per store
version (a sort of every id) and kept, so a page of any filtered list costs a numpy
selection, a sort of the selection by rank and one ``get_many`` for the page.

Decisions:

* The ranks are kept in a :class:`graph.memo.VersionMemo` by (store, view version):
  bound, per store, the newest 2 versions, one array each (8 bytes per node); a
  forgotten store takes its arrays with it. Never by ``id(view)``: an id is reused once
  its view is collected, and a new view with the same id would be served old ranks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from api.deps import PageParams
from graph.memo import VersionMemo
from graph.model import NodeRecord
from graph.store import GraphStore
from graph.view import GraphView

#: ``rank`` arrays by (store, view version): the newest 2 versions per store
_RANKS: VersionMemo[np.ndarray] = VersionMemo("id ranks", versions=2)


def id_rank(store: GraphStore, view: GraphView) -> np.ndarray:
    """``rank[nid]``: the position of node ``nid``'s id among all ids (free slots last);
    ``view`` is a view of ``store``."""
    return _RANKS.get(store, view.version, "rank", lambda: _rank(view))


def _rank(view: GraphView) -> np.ndarray:
    ids = np.array(["\U0010ffff" if i is None else i for i in view.ids], dtype=str)
    order = np.argsort(ids, kind="stable")
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids))
    return rank


def page_of(
    store: GraphStore, view: GraphView, nids: np.ndarray, page: PageParams
) -> tuple[list[NodeRecord], int]:
    """The records of ``page`` among ``nids`` ordered by id, and how many there are."""
    nids = np.unique(np.asarray(nids, dtype=np.int64))
    total = len(nids)
    if total == 0 or page.offset >= total:
        return [], total
    rank = id_rank(store, view)
    ordered = nids[np.argsort(rank[nids], kind="stable")]
    chosen: Sequence[str] = [view.ids[n] for n in ordered[page.offset : page.offset + page.limit]]
    found = store.get_many(list(chosen))
    return [found[i] for i in chosen if i in found], total
