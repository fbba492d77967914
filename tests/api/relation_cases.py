"""The relationship routes' lines of the role matrix (``tests/api/test_matrix.py``).

Each write acts on a record made for the call (a fresh person of grp-a, a fresh
groupement or association), so every principal's call meets the same state: the
référent of grp-a may, the référent of grp-b gets 404 (the person is not theirs,
answered as unknown), the national cell and portals 403; an organisation's links are read
by everyone but portals and written by the admin only.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from graph.model import (
    Association,
    BassinVie,
    Groupement,
    InGroupement,
    Knows,
    LivesIn,
    MemberOf,
    Mentors,
    PartnerOf,
    Person,
    ReferentOf,
    RelRecord,
    SettlesIn,
    Targets,
    WorksAt,
)
from graph.store import Batch

BV = BassinVie(id="bv-matrix", code="BV-M", name="Bassin de vie du test")


def _fresh_person(rel: Callable[[str], RelRecord] | None = None) -> Callable[[Any], str]:
    def setup(world: Any) -> str:
        pid = f"tmp-{uuid.uuid4().hex[:8]}"
        rels: list[RelRecord] = [InGroupement(src=pid, dst="grp-a")]
        if rel is not None:
            rels.append(rel(pid))
        world.store.write(
            Batch(nodes=[BV, Person(id=pid, first_name="Temp", last_name="Oraire")], rels=rels)
        )
        return pid

    return setup


def _fresh_org(kind: str, rel: Callable[[str], RelRecord] | None = None) -> Callable[[Any], str]:
    def setup(world: Any) -> str:
        oid = f"tmp-{uuid.uuid4().hex[:8]}"
        node = (
            Groupement(id=oid, name="Temporaire", association_id="asso-a")
            if kind == "groupement"
            else Association(id=oid, name="Temporaire", short_name="TMP", kind="partner")
        )
        world.store.write(Batch(nodes=[node], rels=[rel(oid)] if rel else []))
        return oid

    return setup


CHARTER = {"signed": "2024-01-10", "expires": "2025-01-10", "level": "local"}
_D = date(2020, 1, 1)

#: kind -> (segment, create body, other id, patch body or None, relationship for setup)
MEMBER_KINDS: dict[str, tuple[str, dict[str, Any], str, Any, Callable[[str], RelRecord]]] = {
    "tie": ("ties", {"other_id": "help-a", "strength": 0.5, "source": "unit"}, "help-a",
            {"strength": 0.4},
            lambda p: Knows(src=p, dst="help-a", strength=0.5, source="unit")),
    "mentor": ("mentors", {"mentor_id": "ref-a"}, "ref-a", {"since": "2024-01-01"},
               lambda p: Mentors(src="ref-a", dst=p)),
    "employment": ("employments", {"employer_id": "emp-1", "role": "Acheteur"}, "emp-1",
                   {"role": "Acheteuse"}, lambda p: WorksAt(src=p, dst="emp-1", since=_D)),
    "target": ("targets", {"target_id": "sec-defense"}, "sec-defense", None,
               lambda p: Targets(src=p, dst="sec-defense")),
    "home": ("home", {"departement_id": "dep-33"}, "dep-33", None,
             lambda p: LivesIn(src=p, dst="dep-33")),
    "settlement": ("settlements", {"bassin_vie_id": BV.id}, BV.id, None,
                   lambda p: SettlesIn(src=p, dst=BV.id)),
    "groupement": ("groupements", {"groupement_id": "grp-b"}, "grp-a", {"since": "2024-01-01"},
                   lambda p: InGroupement(src=p, dst="grp-a")),
    "association": ("associations", {"association_id": "asso-a"}, "asso-a",
                    {"since": "2024-01-01"}, lambda p: MemberOf(src=p, dst="asso-a")),
}  # fmt: skip

#: kind -> (collection, segment, create body, other id, patch body, relationship, kind)
ORG_KINDS: dict[str, tuple[str, str, dict[str, Any], str, Any, Callable[[str], RelRecord], str]] = {
    "referent": ("groupements", "referents", {"person_id": "help-a"}, "help-a",
                 {"since": "2024-01-01"}, lambda g: ReferentOf(src="help-a", dst=g), "groupement"),
    "charter": ("groupements", "charters", {"partner_id": "grp-b", **CHARTER}, "grp-b",
                {"level": "regional"},
                lambda g: PartnerOf(src=g, dst="grp-b", signed=date(2024, 1, 1), level="local"),
                "groupement"),
    "convention": ("associations", "conventions", {"partner_id": "asso-b", **CHARTER}, "asso-b",
                   {"name": "Convention"},
                   lambda a: PartnerOf(src=a, dst="asso-b", signed=date(2024, 1, 1),
                                       level="national"), "association"),
}  # fmt: skip

ANCHOR = {"groupements": "{groupement_id}", "associations": "{association_id}"}
OTHER = {
    "tie": "{other_id}", "mentor": "{mentor_id}", "employment": "{employer_id}",
    "target": "{target_id}", "home": "{departement_id}", "settlement": "{bassin_vie_id}",
    "groupement": "{groupement_id}", "association": "{association_id}",
    "referent": "{person_id}", "charter": "{partner_id}", "convention": "{partner_id}",
}  # fmt: skip


def relation_cases(case: Callable[..., Any], expect: Callable[..., dict[str, int]]) -> list[Any]:
    """The matrix lines of every relationship route (``case`` is the matrix's Case)."""
    member = expect  # the matrix's _expect
    out = []
    for kind, (segment, body, other, patch, rel) in MEMBER_KINDS.items():
        base = f"/api/v1/members/{{person_id}}/{segment}"
        item = f"{base}/{OTHER[kind]}"
        url = f"/api/v1/members/{{id}}/{segment}"
        out.append(case(f"{kind} list", "GET", base, "/api/v1/members/cand-a/" + segment,
                        member(200, referent=200, other_referent=404)))  # fmt: skip
        created = 403 if kind == "groupement" else 201  # grp-b is not the référent's
        out.append(case(f"{kind} create", "POST", base, url,
                        member(201, referent=created, other_referent=404), body=body,
                        setup=_fresh_person()))  # fmt: skip
        if patch is not None:
            out.append(case(f"{kind} update", "PATCH", item, f"{url}/{other}",
                            member(200, referent=200, other_referent=404), body=patch,
                            setup=_fresh_person(rel)))  # fmt: skip
        if kind == "employment":
            out.append(case(f"{kind} end", "POST", f"{item}/end", f"{url}/{other}/end",
                            member(200, referent=200, other_referent=404),
                            body={"until": "2026-01-31"}, setup=_fresh_person(rel)))  # fmt: skip
        else:
            out.append(case(f"{kind} delete", "DELETE", item, f"{url}/{other}",
                            member(200, referent=200, other_referent=404),
                            setup=_fresh_person(rel)))  # fmt: skip
    for kind, (coll, segment, body, other, patch, rel, org) in ORG_KINDS.items():
        base = f"/api/v1/{coll}/{ANCHOR[coll]}/{segment}"
        item = f"{base}/{OTHER[kind]}"
        url = f"/api/v1/{coll}/{{id}}/{segment}"
        reads = member(200, referent=200, other_referent=200, national=200)
        admin_only = member(201, referent=403, other_referent=403)
        out.append(case(f"{kind} list", "GET", base,
                        f"/api/v1/{coll}/{'grp-a' if org == 'groupement' else 'asso-a'}/{segment}",
                        reads))  # fmt: skip
        out.append(case(f"{kind} create", "POST", base, url, admin_only, body=body,
                        setup=_fresh_org(org)))  # fmt: skip
        ok = member(200, referent=403, other_referent=403)
        out.append(case(f"{kind} update", "PATCH", item, f"{url}/{other}", ok, body=patch,
                        setup=_fresh_org(org, rel)))  # fmt: skip
        out.append(case(f"{kind} delete", "DELETE", item, f"{url}/{other}", ok,
                        setup=_fresh_org(org, rel)))  # fmt: skip
    return out
