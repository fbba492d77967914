"""Bringing a real network in and out: CSV imports and exports, LinkedIn connections.

* :mod:`graph.exchange.formats`: the CSV formats, one place (French headers per file
  kind), used by the import and the export alike;
* :mod:`graph.exchange.reading`: bytes to rows (encoding, separator, blank lines,
  trimming, headers matched without accents or case);
* :mod:`graph.exchange.values`: cell values (French and ISO dates, decimal comma,
  oui/non, enum labels) and the problems they raise;
* :mod:`graph.exchange.plan`: what an import would create, change and leave alone,
  and every problem as file, line, column, value and reason, in French;
* :mod:`graph.exchange.apply`: the plan written as one store transaction (or nothing);
* :mod:`graph.exchange.linkedin`: a member's ``Connections.csv``;
* :mod:`graph.exchange.export`: a groupement (or everything) in the same formats.

Decisions:

* An import is validated completely before anything is written, and written as one
  :class:`~graph.store.Batch` outside ``bulk()``: one transaction on both stores, so it
  survives ``kill -9`` whole or not at all. A plan that changes nothing writes nothing
  (the store's version stays), which makes a second import of the same files a no-op.
* An import adds and changes, it never deletes: ending an employment is ``jusqu_au``.
"""

from graph.exchange.apply import ImportResult, run_import
from graph.exchange.formats import FORMATS, Kind
from graph.exchange.plan import ImportPlan, Problem, plan_import
from graph.exchange.reading import SourceFile

__all__ = [
    "FORMATS",
    "ImportPlan",
    "ImportResult",
    "Kind",
    "Problem",
    "SourceFile",
    "plan_import",
    "run_import",
]
