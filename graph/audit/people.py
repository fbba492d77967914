"""Which strings of an answer name a person of the graph: what an audit entry records.

Entry points record the people an answer named by reading the answer itself (the API's
JSON body, a dashboard callback's component tree): every candidate id is looked up in
the current graph and kept only when it is a person's, so an employer, groupement or
sector id, or any word of French text, is never taken for one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from graph.model import Label
from graph.store import GraphStore
from graph.view import LABEL_CODE

_PERSON = LABEL_CODE[Label.PERSON]
#: what a node id may look like (the API's IdStr): a candidate token in free text
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}")


def tokens(text: str) -> Iterator[str]:
    """Every substring of ``text`` shaped like a node id (candidates, not yet checked).

    >>> sorted(set(tokens('{"href": "/dashboard/membres/p-0001", "x": "Cne Martin"}')))
    ['Cne', 'Martin', 'dashboard', 'href', 'membres', 'p-0001', 'x']
    """
    for found in _TOKEN.finditer(text):
        yield found.group()


def persons_among(store: GraphStore | None, ids: Iterable[str]) -> list[str]:
    """The ids that name a person in ``store``'s current graph, in order, once each."""
    if store is None:
        return []
    view = store.view()
    index, labels = view.index, view.labels
    out: list[str] = []
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            continue
        seen.add(i)
        nid = index.get(i)
        if nid is not None and labels[nid] == _PERSON:
            out.append(i)
    return out
