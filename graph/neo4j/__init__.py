"""The Neo4j adapter: the :class:`~graph.store.GraphStore` port on a Neo4j server.

Tested on Neo4j 5.26 Community (``tools/neo4j``, every ``make test``); the Cypher keeps to
what 4.4 also accepts, but no 4.4, Enterprise or Aura server has run it.

* :mod:`graph.neo4j.store`: :class:`Neo4jStore`, the adapter;
* :mod:`graph.neo4j.cypher`: every Cypher statement it runs, as constants;
* :mod:`graph.neo4j.plan`: batch validation against the stored labels;
* :mod:`graph.neo4j.loader`: the read-only view, streamed from Neo4j;
* :mod:`graph.neo4j.mirror`: the change log, and the view kept in step from it;
* :mod:`graph.neo4j.paths`: referral paths evaluated in the database, for graphs too
  large to copy into memory.

Importing this package does not contact any server.
"""

from graph.neo4j.store import Neo4jStore

__all__ = ["Neo4jStore"]
