"""Property: on small random networks the engine agrees with an exhaustive search.

The oracle below is written from the rules, not from the engine: it enumerates every
simple path of at most ``max_intermediaries + 1`` hops (personal ties, plus the référent
hop and bridge for the candidate's groupement), keeps those valid under the policy and
takes the cheapest, with the same tie-break (cost, hops, ids).
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.embedded import EmbeddedStore
from graph.model import (
    Association,
    Covers,
    Departement,
    Employer,
    Groupement,
    InGroupement,
    Knows,
    LivesIn,
    MemberOf,
    Mentors,
    PartnerOf,
    Person,
    ReferentOf,
    WorksAt,
)
from graph.paths import PathPolicy, Target, find_paths, hop_cost
from graph.store import Batch

AS_OF = date(2025, 6, 1)
SOURCES = ["promotion", "unit", "event", "linkedin", "mentoring", "declared"]


@st.composite
def networks(draw):
    n = draw(st.integers(3, 9))
    people = [f"p{i}" for i in range(n)]
    person = {}
    for pid in people:
        capped = draw(st.booleans())
        person[pid] = {
            "consent": draw(st.booleans()) or draw(st.booleans()),
            "status": draw(st.sampled_from(["candidate", "helper", "both", "neither"])),
            "capacity": draw(st.integers(0, 2)) if capped else None,
            "load": draw(st.integers(0, 3)),
        }
    pairs = [(a, b) for i, a in enumerate(people) for b in people[i + 1 :]]
    ties = {}
    for a, b in draw(st.lists(st.sampled_from(pairs), unique=True, max_size=min(len(pairs), 14))):
        ties[(a, b)] = (
            draw(st.sampled_from([0.5, 0.75, 1.0])),
            draw(st.sampled_from(SOURCES)),
            draw(st.sampled_from([None, AS_OF, AS_OF - timedelta(days=3 * 365)])),
        )
    mentors = draw(
        st.lists(
            st.tuples(st.sampled_from(people), st.sampled_from(people)).filter(
                lambda t: t[0] != t[1]
            ),
            unique=True,
            max_size=2,
        )
    )
    jobs = {p: draw(st.sampled_from([None, "current", "former"])) for p in people}
    candidate = draw(st.sampled_from(people))
    others = [p for p in people if p != candidate]
    target = draw(st.sampled_from(["employer", *(f"person:{p}" for p in others)]))
    bridge = None
    if draw(st.booleans()):
        bridge = {
            "referent": draw(st.sampled_from(others)),
            "valid": draw(st.booleans()),
            "members": {
                p: draw(st.sampled_from(["here", "elsewhere"]))
                for p in draw(st.lists(st.sampled_from(others), unique=True, max_size=3))
            },
        }
    return {
        "people": people,
        "person": person,
        "ties": ties,
        "mentors": mentors,
        "jobs": jobs,
        "candidate": candidate,
        "target": target,
        "bridge": bridge,
        "order": draw(st.permutations(people)),
        "max_intermediaries": draw(st.integers(1, 5)),
    }


def write(store: EmbeddedStore, net) -> None:
    nodes: list = [
        Employer(id="E", name="Thales"),
        Departement(id="d33", code="33", name="Gironde"),
        Departement(id="d40", code="40", name="Landes"),
    ]
    rels: list = []
    for pid in net["order"]:  # insertion order differs from id order
        p = net["person"][pid]
        nodes.append(
            Person(
                id=pid,
                first_name="X",
                last_name=pid,
                civility="M.",
                status=p["status"],
                consent_introducer=p["consent"],
                capacity=p["capacity"],
                monthly_load=p["load"],
            )
        )
    for (a, b), (strength, source, confirmed) in net["ties"].items():
        rels.append(Knows(src=a, dst=b, strength=strength, source=source, confirmed_at=confirmed))
    for a, b in net["mentors"]:
        rels.append(Mentors(src=a, dst=b, since=date(2020, 1, 1)))
    for pid, job in net["jobs"].items():
        if job:
            rels.append(
                WorksAt(
                    src=pid,
                    dst="E",
                    since=date(2015, 1, 1),
                    until=date(2020, 1, 1) if job == "former" else None,
                )
            )
    bridge = net["bridge"]
    if bridge:
        nodes += [
            Association(id="anocr", name="ANOCR", short_name="ANOCR", kind="officers_association"),
            Association(id="ia", name="Implic'Action", short_name="IA", kind="network_association"),
            Groupement(id="g33", name="Groupement Gironde", association_id="anocr"),
        ]
        rels += [
            Covers(src="g33", dst="d33"),
            InGroupement(src=net["candidate"], dst="g33"),
            ReferentOf(src=bridge["referent"], dst="g33"),
            PartnerOf(
                src="anocr",
                dst="ia",
                signed=date(2014, 11, 13),
                level="national",
                expires=None if bridge["valid"] else date(2015, 11, 13),
            ),
        ]
        for pid, where in bridge["members"].items():
            rels += [
                MemberOf(src=pid, dst="ia"),
                LivesIn(src=pid, dst="d33" if where == "here" else "d40"),
            ]
    store.write(Batch(nodes=nodes, rels=rels))


def oracle_paths(net, policy: PathPolicy):
    """Every valid path as (cost, nodes, over-capacity people), by brute force."""
    costs = policy.costs
    adj: dict[str, dict[str, int]] = {p: {} for p in net["people"]}

    def link(a, b, cost):
        for u, v in ((a, b), (b, a)):
            adj[u][v] = min(cost, adj[u].get(v, cost))

    for (a, b), (strength, source, confirmed) in net["ties"].items():
        age = None if confirmed is None else (AS_OF - confirmed).days / 365.25
        link(a, b, hop_cost(costs, source, strength, age))
    for a, b in net["mentors"]:
        link(
            a,
            b,
            hop_cost(
                costs, "mentoring", costs.mentors_strength, (AS_OF - date(2020, 1, 1)).days / 365.25
            ),
        )
    c = net["candidate"]
    person = net["person"]
    referent, bridged = None, set()
    bridge = net["bridge"]
    if bridge and bridge["referent"] != c:
        referent = bridge["referent"]
        if bridge["valid"]:
            bridged = {
                p
                for p, where in bridge["members"].items()
                if where == "here" and person[p]["status"] in ("helper", "both")
            }

    def over(p):
        cap = person[p]["capacity"]
        return cap is not None and person[p]["load"] >= cap

    if net["target"] == "employer":
        contacts = {
            p
            for p, job in net["jobs"].items()
            if job == "current"
            and p != c
            and (person[p]["consent"] or not policy.contact_must_consent)
        }
        asked_contact = True
    else:
        contacts = {net["target"].split(":")[1]}
        asked_contact = False
    max_hops = policy.max_hops
    found = []

    def steps(path):
        u = path[-1]
        out = dict(adj[u])
        if len(path) == 1 and referent:
            out[referent] = min(out.get(referent, 10**9), costs.scaled(costs.referent_cost))
        if len(path) == 2 and u == referent:
            for h in bridged:
                out[h] = min(out.get(h, 10**9), costs.scaled(costs.bridge_cost))
        return out

    def walk(path, cost):
        for v, w in steps(path).items():
            if v in path:
                continue
            new = [*path, v]
            if v in contacts:
                asked = new[1:] if asked_contact else new[1:-1]
                found.append((cost + w, tuple(new), frozenset(p for p in asked if over(p))))
            if len(new) - 1 < max_hops and person[v]["consent"]:
                walk(new, cost + w)

    walk([c], 0)
    return found


def target_of(net):
    return (
        Target.employer("E")
        if net["target"] == "employer"
        else Target.person(net["target"].split(":")[1])
    )


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_paths_valid_and_k1_optimal(net):
    policy = PathPolicy(k=3, max_intermediaries=net["max_intermediaries"])
    with tempfile.TemporaryDirectory() as tmp, EmbeddedStore(tmp) as store:
        write(store, net)
        result = find_paths(store, net["candidate"], target_of(net), policy, AS_OF)
        best = find_paths(store, net["candidate"], target_of(net), policy.with_(k=1), AS_OF)

    valid = {nodes: (cost, flagged) for cost, nodes, flagged in oracle_paths(net, policy)}
    # Every returned path is valid, with the right cost and flags.
    firsts = set()
    for path in result.paths:
        nodes = (net["candidate"], *(p.id for p in path.intermediaries), path.contact.id)
        assert nodes in valid, nodes
        cost, flagged = valid[nodes]
        assert round(path.cost * 1000) == cost
        assert sum(round(h.cost * 1000) for h in path.hops) == cost
        assert set(path.over_capacity) == flagged
        assert nodes[1] not in firsts
        firsts.add(nodes[1])
    assert len(result.paths) <= 3
    ranking = [(bool(p.over_capacity), p.cost) for p in result.paths]
    assert ranking == sorted(ranking)

    # k = 1: nothing valid is cheaper (among paths that avoid over-capacity helpers when
    # any exists), and equal costs go to fewer hops, then smaller ids.
    clean = [(cost, len(nodes), nodes) for nodes, (cost, flagged) in valid.items() if not flagged]
    every = [(cost, len(nodes), nodes) for nodes, (cost, _) in valid.items()]
    tier = clean or every
    if not tier:
        assert best.paths == () and result.paths == ()
        assert best.no_path is not None
        return
    expected = min(tier)
    (got,) = best.paths
    got_nodes = (net["candidate"], *(p.id for p in got.intermediaries), got.contact.id)
    assert (round(got.cost * 1000), len(got_nodes), got_nodes) == expected
    assert result.paths[0].cost == got.cost
    # k = 3 finds as many paths as there are distinct first steps, up to 3.
    assert len(result.paths) == min(3, len({nodes[1] for _, _, nodes in every}))
