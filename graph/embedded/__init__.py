"""The embedded store: the default :class:`~graph.store.GraphStore`, no server needed.

SQLite on disk for durability, numpy arrays in memory for speed:

* :mod:`graph.embedded.store`: :class:`EmbeddedStore`, the adapter (connections,
  transactions, reads, the version shared between processes);
* :mod:`graph.embedded.sql`: its tables and every statement it runs;
* :mod:`graph.embedded.plan`: a batch validated and resolved to node numbers before
  anything is written;
* :mod:`graph.embedded.memory`: the in-memory mirror of the database and the
  :class:`~graph.view.GraphView` built from it;
* :mod:`graph.embedded.changes`: the change log, from which a process mirrors the
  writes of the others.
"""

from graph.embedded.sql import DB_FILE, SCHEMA_VERSION
from graph.embedded.store import EmbeddedStore

__all__ = ["DB_FILE", "SCHEMA_VERSION", "EmbeddedStore"]
