"""Random write sequences on a small network, and comparisons of views and indexes.

Shared by the tests of the embedded store's memory (views derived write after write) and
of the search index (indexes derived write after write): both must equal what a full
build gives, and older snapshots must keep answering as they did.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
from hypothesis import strategies as st

from graph.model import (
    Association,
    BassinEmploi,
    Covers,
    Departement,
    Employer,
    Groupement,
    InGroupement,
    Knows,
    LivesIn,
    LocatedIn,
    MemberOf,
    Mentors,
    PartnerOf,
    PartOf,
    Person,
    ReferentOf,
    RelType,
    WorksAt,
)
from graph.paths.index import PathIndex
from graph.store import Batch, GraphStore
from graph.view import GraphView, RelChanges, edge_keys

AS_OF = date(2025, 6, 1)
PEOPLE = [f"p{i}" for i in range(12)]
SOURCES = ["promotion", "unit", "event", "linkedin", "mentoring", "declared"]
STATUSES = ["candidate", "helper", "both", "neither"]
DEPTS = ["d33", "d40"]
EMPLOYERS = ["e1", "e2"]
GROUPEMENTS = ["g33", "g40"]
ASSOCIATIONS = ["anocr", "ia"]


def base(store: GraphStore) -> None:
    """Places, associations, groupements with a convention and a charter, and people
    p0-p5 (p6-p11 are created by the writes)."""
    nodes: list[Any] = [
        Departement(id="d33", code="33", name="Gironde"),
        Departement(id="d40", code="40", name="Landes"),
        BassinEmploi(id="b1", code="7501", name="Bordeaux"),
        Employer(id="e1", name="Thales"),
        Employer(id="e2", name="Safran"),
        Association(id="anocr", name="ANOCR", short_name="ANOCR", kind="officers_association"),
        Association(id="ia", name="Implic'Action", short_name="IA", kind="network_association"),
        Groupement(id="g33", name="Groupement Gironde", association_id="anocr"),
        Groupement(id="g40", name="Délégation Landes", association_id="ia", kind="delegation"),
    ]
    nodes += [person(p, "helper", True, None, 0) for p in PEOPLE[:6]]
    rels: list[Any] = [
        PartOf(src="b1", dst="d33"),
        LocatedIn(src="e1", dst="b1"),
        Covers(src="g33", dst="d33"),
        Covers(src="g40", dst="d33"),
        PartnerOf(src="anocr", dst="ia", signed=date(2014, 11, 13), level="national"),
        PartnerOf(src="g33", dst="g40", signed=date(2015, 1, 1), level="local"),
        ReferentOf(src="p0", dst="g33"),
        InGroupement(src="p0", dst="g33"),
    ]
    rels += [LivesIn(src=p, dst="d33") for p in PEOPLE[:6]]
    rels += [MemberOf(src=p, dst="ia") for p in PEOPLE[1:4]]
    rels += [Knows(src=f"p{i}", dst=f"p{i + 1}", strength=0.5, source="unit") for i in range(5)]
    rels += [WorksAt(src="p5", dst="e1", since=date(2015, 1, 1))]
    store.write(Batch(nodes=nodes, rels=rels))


def person(pid: str, status: str, consent: bool, capacity: int | None, load: int) -> Person:
    return Person(
        id=pid,
        first_name="X",
        last_name=pid,
        civility="M.",
        status=status,
        consent_introducer=consent,
        capacity=capacity,
        monthly_load=load,
    )


_pid = st.sampled_from(PEOPLE)
_pair = st.tuples(_pid, _pid).filter(lambda t: t[0] != t[1])
_day = st.sampled_from([None, date(2019, 1, 1), date(2024, 6, 1)])

#: one write: (kind, arguments)
OPS = st.one_of(
    st.tuples(
        st.just("person"),
        st.tuples(
            _pid,
            st.sampled_from(STATUSES),
            st.booleans(),
            st.sampled_from([None, 0, 1, 3]),
            st.integers(0, 3),
        ),
    ),
    st.tuples(
        st.just("knows"),
        st.tuples(_pair, st.sampled_from([0.25, 0.5, 1.0]), st.sampled_from(SOURCES), _day),
    ),
    st.tuples(st.just("unknow"), _pair),
    st.tuples(st.just("mentors"), st.tuples(_pair, _day)),
    st.tuples(st.just("unmentor"), _pair),
    st.tuples(
        st.just("works"),
        st.tuples(
            _pid, st.sampled_from(EMPLOYERS), _day, st.sampled_from([None, date(2022, 1, 1)])
        ),
    ),
    st.tuples(st.just("lives"), st.tuples(_pid, st.sampled_from(DEPTS))),
    st.tuples(st.just("member"), st.tuples(_pid, st.sampled_from(ASSOCIATIONS))),
    st.tuples(st.just("join"), st.tuples(_pid, st.sampled_from(GROUPEMENTS))),
    st.tuples(st.just("delete"), _pid),
    st.tuples(st.just("kind"), st.sampled_from(["groupement", "delegation", "antenne"])),
)

#: a step: the writes of one batch (or one delete), and whether a view is read after it
STEPS = st.lists(
    st.tuples(st.lists(OPS, min_size=1, max_size=3), st.booleans()), min_size=1, max_size=12
)


def apply(store: GraphStore, ops: list[tuple[str, Any]]) -> None:
    """Write ``ops``: upserts in one batch, deletes one by one. Writes that name a person
    who does not exist create them first (a new member)."""
    nodes: dict[str, Any] = {}
    rels: list[Any] = []
    existing = {p for p in PEOPLE if store.get(p) is not None}

    def need(*pids: str) -> None:
        for p in pids:
            if p not in existing and p not in nodes:
                nodes[p] = person(p, "candidate", False, None, 0)

    for kind, args in ops:
        if kind == "person":
            pid, status, consent, capacity, load = args
            nodes[pid] = person(pid, status, consent, capacity, load)
        elif kind == "knows":
            (a, b), strength, source, confirmed = args
            need(a, b)
            rels.append(
                Knows(src=a, dst=b, strength=strength, source=source, confirmed_at=confirmed)
            )
        elif kind == "mentors":
            (a, b), since = args
            need(a, b)
            rels.append(Mentors(src=a, dst=b, since=since))
        elif kind == "works":
            pid, employer, since, until = args
            if since is not None and until is not None and until <= since:
                until = None
            need(pid)
            rels.append(WorksAt(src=pid, dst=employer, since=since, until=until))
        elif kind == "lives":
            need(args[0])
            rels.append(LivesIn(src=args[0], dst=args[1]))
        elif kind == "member":
            need(args[0])
            rels.append(MemberOf(src=args[0], dst=args[1]))
        elif kind == "join":
            need(args[0])
            rels.append(InGroupement(src=args[0], dst=args[1]))
        elif kind == "kind":
            nodes["g40"] = Groupement(
                id="g40", name="Délégation Landes", association_id="ia", kind=args
            )
    if nodes or rels:
        store.write(Batch(nodes=list(nodes.values()), rels=rels))
    for kind, args in ops:
        if kind == "unknow" and store.get(args[0]) and store.get(args[1]):
            store.delete_relationship(RelType.KNOWS, *args)
        elif kind == "unmentor" and store.get(args[0]) and store.get(args[1]):
            store.delete_relationship(RelType.MENTORS, *args)
        elif kind == "delete" and store.get(args) is not None:
            store.delete_node(args)


# --------------------------------------------------------------------------- comparisons


def _keys(view: GraphView, t: RelType) -> dict[int, tuple[object, ...]]:
    rel = view.rel(t)
    keys = edge_keys(rel.src, rel.dst).tolist()
    cols = [rel.columns[name].tolist() for name in sorted(rel.columns)]
    return {k: tuple(c[i] for c in cols) for i, k in enumerate(keys)}


def check_changes(old: GraphView, new: GraphView) -> None:
    """``new.changes_since(old.version)`` says at least what differs, and nothing more
    than what was written."""
    changes = new.changes_since(old.version)
    assert changes is not None and changes.base == old.version and changes.n_base == old.n_slots
    n = old.n_slots
    assert set(np.flatnonzero(old.labels != new.labels[:n]).tolist()) == set(
        changes.labels.tolist()
    )
    for key, col in old.node_columns.items():
        differ = set(np.flatnonzero(~_equal(col, new.node_columns[key][:n])).tolist())
        said = set(changes.columns.get(key, np.empty(0)).tolist())
        assert differ <= said <= set(changes.upserted.tolist()) | set(changes.labels.tolist())
    for t in RelType:
        before, after = _keys(old, t), _keys(new, t)
        change = changes.rels.get(t, RelChanges())
        assert set(change.removed.tolist()) == before.keys() - after.keys(), t
        assert set(change.added.tolist()) == after.keys() - before.keys(), t
        differ = {k for k in before.keys() & after.keys() if before[k] != after[k]}
        assert differ <= set(change.updated.tolist()) <= before.keys() & after.keys(), t
        if t not in changes.rels:
            assert new.rel(t).src is old.rel(t).src  # an unchanged type is shared


def _equal(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    same = a == b
    return same | (np.isnan(a) & np.isnan(b)) if a.dtype.kind == "f" else same


def view_content(view: GraphView) -> dict[str, Any]:
    """Everything a view answers, as plain copies (to compare, or to keep as a snapshot)."""
    return {
        "version": view.version,
        "ids": list(view.ids),
        "index": dict(view.index),
        "labels": view.labels.copy(),
        "columns": {k: c.copy() for k, c in view.node_columns.items()},
        "rels": {
            t: {
                "src": r.src.copy(),
                "dst": r.dst.copy(),
                "out_ptr": r.out_ptr.copy(),
                "in_perm": r.in_perm.copy(),
                "in_ptr": r.in_ptr.copy(),
                **{f"col.{k}": c.copy() for k, c in r.columns.items()},
            }
            for t, r in view.rels.items()
        },
    }


def same_content(a: dict[str, Any], b: dict[str, Any], n: int | None = None) -> None:
    """``a`` equals ``b``; with ``n``, over the first ``n`` slots only (``a`` may have free
    slots at the end: a deleted last node's number stays free in memory, and is gone from
    a view loaded afresh)."""
    n = len(b["ids"]) if n is None else n
    assert a["version"] == b["version"]
    assert a["ids"][:n] == b["ids"] and set(a["ids"][n:]) <= {None}
    assert a["index"] == b["index"]
    assert (a["labels"][n:] == -1).all()
    np.testing.assert_array_equal(a["labels"][:n], b["labels"])
    for key, col in a["columns"].items():
        np.testing.assert_array_equal(col[:n], b["columns"][key], err_msg=key)
    for t, rel in a["rels"].items():
        for key, arr in rel.items():
            other = b["rels"][t][key]
            if key in ("out_ptr", "in_ptr"):
                arr = arr[: n + 1]
            np.testing.assert_array_equal(arr, other, err_msg=f"{t}.{key}")


INDEX_ARRAYS = (
    "rank",
    "nbr",
    "tie",
    "ptr",
    "deg",
    "is_person",
    "consent",
    "over_capacity",
    "available",
    "helper",
    "status",
    "bassin_of",
    "lives_in",
    "groupement_association",
    "is_delegation",
)


def index_content(index: PathIndex) -> dict[str, Any]:
    out: dict[str, Any] = {name: getattr(index, name).copy() for name in INDEX_ARRAYS}
    out["n_knows"] = index.n_knows
    out["version"] = index.version
    return out


def same_index(a: PathIndex | dict[str, Any], b: PathIndex | dict[str, Any]) -> None:
    left = a if isinstance(a, dict) else index_content(a)
    right = b if isinstance(b, dict) else index_content(b)
    assert left["version"] == right["version"] and left["n_knows"] == right["n_knows"]
    for name in INDEX_ARRAYS:
        np.testing.assert_array_equal(left[name], right[name], err_msg=name)
        assert left[name].dtype == right[name].dtype, name
