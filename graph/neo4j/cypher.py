"""Every Cypher statement the Neo4j adapter runs: constant strings, values only as parameters.

Labels, relationship types and variable-length bounds cannot be Cypher parameters, so the
statements that need them are built here **once, at import**, from closed sets: the model's
:class:`~graph.model.Label` and :class:`~graph.model.RelType` enums and hop bounds 0..6.
They go through three guards only: :func:`_ident` (an enum member, as its identifier),
:func:`_name` (an enum member, as a lower-case schema name) and :func:`_hops` (an integer
bound). Nothing else is ever interpolated; ``tests/test_neo4j_cypher.py`` checks this
module's source for that and checks that the other adapter modules run only these
constants.

Conventions of the stored graph (written for Neo4j 4.4 LTS and 5.x; the tests run them on
5.26 Community only):

* every node has its model label **and** the label ``Node``; ``id`` is unique per label and
  across labels (``Node``), so a node is found by id without knowing its label;
* properties are stored as the record gives them (enums as their value, dates as Cypher
  ``date``); ``SET n = $props`` replaces them all, so an upsert stores the record as given;
* relationships are stored once, from ``src`` to ``dst``; undirected types (``KNOWS``,
  ``PARTNER_OF``) in canonical order (smaller id first); MERGE keeps ``(type, src, dst)``
  unique;
* one ``(:PasserelleMeta {key: 'version'})`` node holds the version counter; every write
  transaction increments it first, which also serialises writers (Neo4j's write lock on
  that node), so concurrent MERGEs cannot create the same relationship twice, and what a
  write checks against the stored graph (``create_only``, labels) holds until it commits;
* ``(:PasserelleChange {version, at, payload})`` nodes are the change log, one per
  version, written in the version's transaction (:mod:`graph.neo4j.mirror`); ``at`` is
  the server's ``timestamp()`` (ms).

Syntax kept to what both 4.4 and 5.x accept: ``CREATE CONSTRAINT … IF NOT EXISTS FOR …
REQUIRE``, ``CREATE INDEX … IF NOT EXISTS FOR … ON``, no ``id()``, no ``exists(prop)``, no
``COUNT {}`` subqueries, no quantified path patterns.
"""

from __future__ import annotations

import re

from graph.model import NODE_MODELS, Label, RelType

#: the most hops a path query expands (max_intermediaries 5, plus one)
MAX_HOPS = 6
_IDENT_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def _ident(member: Label | RelType) -> str:
    """The Cypher identifier of a label or relationship type of the model (a closed set)."""
    if not isinstance(member, Label | RelType) or not _IDENT_RE.match(member.value):
        raise TypeError(f"not a label or relationship type of the model: {member!r}")
    return member.value


def _name(member: Label | RelType) -> str:
    """A lower-case name for schema objects (``passerelle_person_id``)."""
    _ident(member)
    return member.name.lower()


def _hops(bound: int) -> str:
    """A variable-length bound, 0..MAX_HOPS (bounds cannot be parameters)."""
    if isinstance(bound, bool) or not isinstance(bound, int) or not 0 <= bound <= MAX_HOPS:
        raise TypeError(f"not a hop bound in 0..{MAX_HOPS}: {bound!r}")
    return str(bound)


# --------------------------------------------------------------------------- schema

#: labels whose nodes are looked up by ``code`` (path targets, coverage, the API)
CODE_LABELS: tuple[Label, ...] = tuple(
    label for label, model in NODE_MODELS.items() if "code" in model.model_fields
)

SCHEMA: tuple[str, ...] = (
    "CREATE CONSTRAINT passerelle_node_id IF NOT EXISTS FOR (n:Node) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT passerelle_meta_key IF NOT EXISTS"
    " FOR (m:PasserelleMeta) REQUIRE m.key IS UNIQUE",
    "CREATE CONSTRAINT passerelle_change_version IF NOT EXISTS"
    " FOR (c:PasserelleChange) REQUIRE c.version IS UNIQUE",
    *(
        f"CREATE CONSTRAINT passerelle_{_name(label)}_id IF NOT EXISTS"
        f" FOR (n:{_ident(label)}) REQUIRE n.id IS UNIQUE"
        for label in Label
    ),
    *(
        f"CREATE INDEX passerelle_{_name(label)}_code IF NOT EXISTS"
        f" FOR (n:{_ident(label)}) ON (n.code)"
        for label in CODE_LABELS
    ),
)

AWAIT_INDEXES = "CALL db.awaitIndexes($seconds)"

META_INIT = (
    "MERGE (m:PasserelleMeta {key: 'version'}) ON CREATE SET m.value = 0 RETURN m.value AS version"
)
VERSION = "MATCH (m:PasserelleMeta {key: 'version'}) RETURN m.value AS version"
#: first statement of every write transaction: takes the write lock, moves the version
#: (MERGE: a database emptied under a running store gets its counter back)
BUMP = (
    "MERGE (m:PasserelleMeta {key: 'version'}) ON CREATE SET m.value = 0"
    " SET m.value = m.value + 1 RETURN m.value AS version"
)

#: the change log: the entry of a version (no ``payload``: not logged, read everything again)
LOG_CHANGE = (
    "MERGE (c:PasserelleChange {version: $version})"
    " SET c.at = timestamp(), c.payload = $payload"
)
#: forget entries at or below a version *and* older than ``$keep_ms`` milliseconds
TRIM_CHANGES = (
    "MATCH (c:PasserelleChange) WHERE c.version <= $version AND c.at < timestamp() - $keep_ms"
    " DELETE c"
)
#: forget every entry below a version (an erasure: graph.rights.erase)
FORGET_CHANGES_BEFORE = "MATCH (c:PasserelleChange) WHERE c.version < $version DELETE c"
#: entries of versions after ``$since`` up to ``$until``, oldest first
CHANGES_BETWEEN = (
    "MATCH (c:PasserelleChange) WHERE c.version > $since AND c.version <= $until"
    " RETURN c.version AS version, c.payload AS payload ORDER BY c.version"
)

# --------------------------------------------------------------------------- writes

LABELS_OF = "UNWIND $ids AS id MATCH (n:Node {id: id}) RETURN n.id AS id, labels(n) AS labels"

UPSERT_NODES: dict[Label, str] = {
    label: (
        f"UNWIND $rows AS row MERGE (n:Node {{id: row.id}}) SET n = row.props, n:{_ident(label)}"
    )
    for label in Label
}

UPSERT_RELS: dict[RelType, str] = {
    rel_type: (
        "UNWIND $rows AS row MATCH (a:Node {id: row.src}) MATCH (b:Node {id: row.dst})"
        f" MERGE (a)-[r:{_ident(rel_type)}]->(b) SET r = row.props"
    )
    for rel_type in RelType
}

NODE_DEGREE = (
    "MATCH (n:Node {id: $id}) OPTIONAL MATCH (n)-[r]-()"
    " RETURN labels(n) AS labels, count(r) AS relationships"
)
DELETE_NODE = "MATCH (n:Node {id: $id}) DETACH DELETE n"

DELETE_REL: dict[RelType, str] = {
    rel_type: (
        f"MATCH (:Node {{id: $src}})-[r:{_ident(rel_type)}]->(:Node {{id: $dst}})"
        " DELETE r RETURN count(*) AS deleted"
    )
    for rel_type in RelType
}

# --------------------------------------------------------------------------- reads

GET_NODE = "MATCH (n:Node {id: $id}) RETURN labels(n) AS labels, properties(n) AS props"
GET_NODES = (
    "UNWIND $ids AS id MATCH (n:Node {id: id})"
    " RETURN n.id AS id, labels(n) AS labels, properties(n) AS props"
)

# ``$where`` holds the non-null conditions, ``$nulls`` the properties that must be absent.
FIND: dict[Label, str] = {
    label: (
        f"MATCH (n:{_ident(label)})"
        " WHERE all(k IN keys($where) WHERE n[k] = $where[k])"
        " AND all(k IN $nulls WHERE n[k] IS NULL)"
        " RETURN properties(n) AS props ORDER BY n.id SKIP $offset LIMIT $limit"
    )
    for label in Label
}
#: the same, starting from the ``code`` index
FIND_BY_CODE: dict[Label, str] = {
    label: (
        f"MATCH (n:{_ident(label)} {{code: $code}})"
        " WHERE all(k IN keys($where) WHERE n[k] = $where[k])"
        " AND all(k IN $nulls WHERE n[k] IS NULL)"
        " RETURN properties(n) AS props ORDER BY n.id SKIP $offset LIMIT $limit"
    )
    for label in CODE_LABELS
}
#: the same, starting from the ``id`` constraint
FIND_BY_ID: dict[Label, str] = {
    label: (
        f"MATCH (n:{_ident(label)} {{id: $id}})"
        " WHERE all(k IN keys($where) WHERE n[k] = $where[k])"
        " AND all(k IN $nulls WHERE n[k] IS NULL)"
        " RETURN properties(n) AS props ORDER BY n.id SKIP $offset LIMIT $limit"
    )
    for label in Label
}

REL_OUT: dict[RelType, str] = {
    rel_type: (
        f"MATCH (:Node {{id: $id}})-[r:{_ident(rel_type)}]->(o:Node)"
        " RETURN o.id AS other, properties(r) AS props ORDER BY other"
    )
    for rel_type in RelType
}
REL_IN: dict[RelType, str] = {
    rel_type: (
        f"MATCH (:Node {{id: $id}})<-[r:{_ident(rel_type)}]-(o:Node)"
        " RETURN o.id AS other, properties(r) AS props ORDER BY other"
    )
    for rel_type in RelType
}
#: every relationship of a node, whatever its type (``out``: the node is its start)
REL_ALL = (
    "MATCH (n:Node {id: $id})-[r]-(o:Node)"
    " RETURN type(r) AS type, startNode(r) = n AS out, o.id AS other, properties(r) AS props"
)
GET_REL: dict[RelType, str] = {
    rel_type: (
        f"MATCH (:Node {{id: $src}})-[r:{_ident(rel_type)}]->(:Node {{id: $dst}})"
        " RETURN properties(r) AS props"
    )
    for rel_type in RelType
}

COUNT_NODES: dict[Label, str] = {
    label: f"MATCH (n:{_ident(label)}) RETURN count(n) AS n" for label in Label
}
COUNT_RELS: dict[RelType, str] = {
    rel_type: f"MATCH ()-[r:{_ident(rel_type)}]->() RETURN count(r) AS n" for rel_type in RelType
}

# ------------------------------------------------------------------- streaming (view, export)

#: ``$fields``: the properties to return, in order (dynamic access ``n[k]``, no formatting)
STREAM_NODES: dict[Label, str] = {
    label: f"MATCH (n:{_ident(label)}) RETURN n.id AS id, [k IN $fields | n[k]] AS values"
    for label in Label
}
STREAM_RELS: dict[RelType, str] = {
    rel_type: (
        f"MATCH (a:Node)-[r:{_ident(rel_type)}]->(b:Node)"
        " RETURN a.id AS src, b.id AS dst, [k IN $fields | r[k]] AS values"
    )
    for rel_type in RelType
}
#: whole nodes and relationships, for exporting a store (migration)
EXPORT_NODES: dict[Label, str] = {
    label: f"MATCH (n:{_ident(label)}) RETURN properties(n) AS props" for label in Label
}
#: the same, by id (``export_columns`` picks a few properties out of each)
EXPORT_NODES_BY_ID: dict[Label, str] = {
    label: f"MATCH (n:{_ident(label)}) RETURN properties(n) AS props ORDER BY n.id"
    for label in Label
}


EXPORT_RELS: dict[RelType, str] = {
    rel_type: (
        f"MATCH (a:Node)-[r:{_ident(rel_type)}]->(b:Node)"
        " RETURN a.id AS src, b.id AS dst, properties(r) AS props"
    )
    for rel_type in RelType
}

# --------------------------------------------------------------------------- path queries
# Used by graph.neo4j.paths to cut the graph down to what a referral-path query can use.
# ``$anyone`` false: only people who consented to be introducers are expanded through.

#: node labels and view properties by id (``$fields``: label -> property names)
SUB_NODES = (
    "UNWIND $ids AS id MATCH (n:Node {id: id})"
    " WITH n, [l IN labels(n) WHERE l <> 'Node'][0] AS label"
    " RETURN n.id AS id, label, [k IN coalesce($fields[label], []) | n[k]] AS values"
)
#: relationships of one type leaving (``SUB_OUT``) or reaching (``SUB_IN``) given nodes
SUB_OUT: dict[RelType, str] = {
    rel_type: (
        f"UNWIND $ids AS id MATCH (a:Node {{id: id}})-[r:{_ident(rel_type)}]->(b:Node)"
        " RETURN a.id AS src, b.id AS dst, [k IN $fields | r[k]] AS values"
    )
    for rel_type in RelType
}
SUB_IN: dict[RelType, str] = {
    rel_type: (
        f"UNWIND $ids AS id MATCH (a:Node)-[r:{_ident(rel_type)}]->(b:Node {{id: id}})"
        " RETURN a.id AS src, b.id AS dst, [k IN $fields | r[k]] AS values"
    )
    for rel_type in RelType
}
#: personal ties from people of ``$ids`` to people of ``$among``
SUB_TIES: dict[RelType, str] = {
    rel_type: (
        f"UNWIND $ids AS id MATCH (a:Person {{id: id}})-[r:{_ident(rel_type)}]->(b:Person)"
        " WHERE b.id IN $among"
        " RETURN a.id AS src, b.id AS dst, [k IN $fields | r[k]] AS values"
    )
    for rel_type in (RelType.KNOWS, RelType.MENTORS)
}
#: people tied to given people who may be expanded through
TIE_NEIGHBOURS = (
    "UNWIND $ids AS id MATCH (:Person {id: id})-[:KNOWS|MENTORS]-(n:Person)"
    " WHERE $anyone OR n.consent_introducer = true RETURN DISTINCT n.id AS id"
)
#: people within ``k`` ties of given people, every one on the way (ends included) allowed
BALL: dict[int, str] = {
    k: (
        "UNWIND $ids AS id MATCH (s:Person {id: id}) WHERE $anyone OR s.consent_introducer = true"
        f" MATCH p = (s)-[:KNOWS|MENTORS*0..{_hops(k)}]-(n:Person)"
        " WHERE all(x IN nodes(p) WHERE $anyone OR x.consent_introducer = true)"
        " RETURN DISTINCT n.id AS id"
    )
    for k in range(MAX_HOPS)
}
#: helpers living in a département a groupement covers, or attached to a groupement
#: covering one: the people a référent's bridge may reach (before agreements are checked)
TERRITORY_HELPERS = (
    "UNWIND $groupements AS gid"
    " MATCH (:Groupement {id: gid})-[:COVERS]->(d:Departement)"
    " MATCH (h:Person)-[:LIVES_IN]->(d) WHERE h.status IN $statuses"
    " RETURN DISTINCT h.id AS id"
    " UNION"
    " UNWIND $groupements AS gid"
    " MATCH (:Groupement {id: gid})-[:COVERS]->(d:Departement)"
    # a second MATCH: within one pattern the two COVERS could not be the same relationship,
    # and the groupement's own members count (it covers its own territory)
    " MATCH (d)<-[:COVERS]-(:Groupement)<-[:IN_GROUPEMENT]-(h:Person) WHERE h.status IN $statuses"
    " RETURN DISTINCT h.id AS id"
)
