"""Relationship writes: every relationship kind a user edits, under the access rules.

* :mod:`graph.relations.kinds`: the kinds (a person's ties, employments, targets…, a
  groupement's référents and charters) and what each links;
* :mod:`graph.relations.service`: list, create, update, end and delete them.

The API (``api/routes/relations.py``), the CLI (``cli/relations.py``) and the dashboard's
"Mes membres" page call these functions; none decides who may do what.
"""

from graph.relations.kinds import SPECS, Kind, KindSpec, parse_kind
from graph.relations.service import (
    Change,
    Relation,
    add,
    end,
    get_relation,
    list_relations,
    remove,
    update,
)

__all__ = [
    "SPECS",
    "Change",
    "Kind",
    "KindSpec",
    "Relation",
    "add",
    "end",
    "get_relation",
    "list_relations",
    "parse_kind",
    "remove",
    "update",
]
