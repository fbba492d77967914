"""A member's LinkedIn connections (``Connections.csv``, possibly zipped) as ties.

The export starts with a few notes lines before the header
``First Name,Last Name,URL,Email Address,Company,Position,Connected On``, may carry a BOM,
dates like ``15 Mar 2024`` and mostly empty e-mails.

Decisions:

* Only with the member's consent (``Person.consent_social_import``); otherwise nothing is
  read.
* A connection is a member when their e-mail is a member's, else when exactly one member
  has their name (without accents or case). Non-members are never stored, nor named in
  the report (they did not consent): they are counted only.
* A connection who is a member becomes a ``KNOWS`` tie, ``source`` linkedin, ``since``
  the connection date, strength :data:`STRENGTH`. A tie that already exists is left
  alone (the network's own knowledge wins over a LinkedIn click).
* Companies (of member connections only) are matched to employers: exact name
  (confidence 1.0), exact brand with a single site (0.9) are applied as ``WORKS_AT``;
  a brand with several sites, a near spelling (:mod:`difflib`, confidence = ratio) or
  nothing is listed for review and never applied.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from graph.access.roles import Principal
from graph.access.scope import person_in_scope
from graph.errors import AccessDenied, NotFound
from graph.exchange.formats import fold
from graph.exchange.plan import ImportPlan, Problem
from graph.exchange.reading import SourceFile, read_table, unzip
from graph.exchange.resolve import Resolver, name_key
from graph.exchange.values import CellError, read_date
from graph.frames import RelFrame
from graph.model import Employer, Label, Person, RelType
from graph.store import GraphStore

HEADER = "First Name"
COLUMNS = ("first name", "last name", "url", "email address", "company", "position",
           "connected on")  # fmt: skip
#: strength of a tie known from LinkedIn only
STRENGTH = 0.4
#: applied company matches are at least this confident
APPLY_FROM = 0.9
#: near spellings proposed for review from this ratio
PROPOSE_FROM = 0.75


@dataclass
class CompanyMatch:
    company: str
    connections: int = 0
    employer_id: str | None = None
    employer_name: str | None = None
    confidence: float = 0.0
    applied: bool = False
    candidates: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


class EmployerMatcher:
    """Company names to employers: exact name, brand, then near spellings."""

    def __init__(self, employers: list[Employer]) -> None:
        self.by_name: dict[str, list[Employer]] = defaultdict(list)
        self.by_brand: dict[str, list[Employer]] = defaultdict(list)
        for e in employers:
            self.by_name[fold(e.name)].append(e)
            if e.brand:
                self.by_brand[fold(e.brand)].append(e)
        self.keys = sorted(set(self.by_name) | set(self.by_brand))

    def match(self, company: str) -> CompanyMatch:
        key = fold(company)
        out = CompanyMatch(company)
        named = self.by_name.get(key, [])
        if len(named) == 1:
            return self._found(out, named[0], 1.0)
        branded = self.by_brand.get(key, [])
        if len(branded) == 1 and not named:
            return self._found(out, branded[0], 0.9)
        several = named or branded
        if several:
            out.confidence = 0.5
            out.candidates = sorted(e.id for e in several)[:10]
            return out
        close = difflib.get_close_matches(key, self.keys, n=3, cutoff=PROPOSE_FROM)
        if close:
            best = close[0]
            out.confidence = round(difflib.SequenceMatcher(None, key, best).ratio(), 2)
            found = self.by_name.get(best) or self.by_brand.get(best) or []
            out.candidates = sorted(e.id for e in found)[:10]
        return out

    @staticmethod
    def _found(out: CompanyMatch, employer: Employer, confidence: float) -> CompanyMatch:
        out.employer_id, out.employer_name = employer.id, employer.name
        out.confidence, out.applied = confidence, confidence >= APPLY_FROM
        return out


def plan_linkedin(
    store: GraphStore,
    member_id: str,
    source: SourceFile,
    *,
    principal: Principal | None = None,
) -> ImportPlan:
    """What importing ``source`` as ``member_id``'s connections would write."""
    view = store.view()
    if principal is not None:
        person_in_scope(view, principal, member_id, "member_id")
    member = store.get(member_id)
    if not isinstance(member, Person):
        raise NotFound(Label.PERSON.value, member_id, "member_id")
    if not member.consent_social_import:
        raise AccessDenied(
            "ce membre n'a pas consenti à l'import de ses contacts (consentement"
            " « import_reseaux »)", "member_id",
        )  # fmt: skip
    plan = ImportPlan(version=view.version)
    files = list(unzip(source, "Connections.csv")) or list(unzip(source))
    if not files:
        plan.problems.append(Problem(source.name, None, None, None,
                                     "aucun fichier Connections.csv dans l'archive"))
        return plan
    table = read_table(files[0], skip_until=HEADER)
    name = files[0].name
    headers = [h.casefold() for h in table.headers]
    missing = [c for c in COLUMNS[:2] if c not in headers]
    if missing:
        plan.problems.append(Problem(name, None, None, None, "en-tête LinkedIn introuvable"
                                     " (First Name,Last Name,URL,…)"))  # fmt: skip
        return plan
    at = {c: headers.index(c) for c in COLUMNS if c in headers}
    resolver = Resolver(store, view)
    keys = resolver.stored_keys()
    matcher = EmployerMatcher(resolver.stored_employers())
    knows = view.rel(RelType.KNOWS)
    works = view.rel(RelType.WORKS_AT)
    me = view.index.get(member_id)
    ties: dict[str, str | None] = {}
    jobs: dict[tuple[str, str], str | None] = {}
    companies: dict[str, CompanyMatch] = {}
    counts = {"rows": 0, "members": 0, "non_members": 0, "already_tied": 0, "ambiguous": 0}

    def get(cells: list[str], column: str) -> str:
        i = at.get(column)
        return cells[i] if i is not None and i < len(cells) else ""

    for row in table.rows:
        counts["rows"] += 1
        first, last = get(row.cells, "first name"), get(row.cells, "last name")
        email = get(row.cells, "email address").casefold()
        pid = keys.by_email.get(email) if email else None
        if pid is None:
            named = keys.by_name.get(name_key(first, last), set())
            if len(named) > 1:
                counts["ambiguous"] += 1
                continue
            pid = next(iter(named), None)
        if pid is None or pid == member_id:
            counts["non_members"] += pid is None
            continue
        counts["members"] += 1
        since: str | None = None
        raw = get(row.cells, "connected on")
        if raw:
            try:
                since = read_date(raw).isoformat()
            except CellError as exc:
                plan.notes.append(Problem(name, row.line, "Connected On", raw, str(exc)))
        other = view.index.get(pid)
        a, b = sorted((member_id, pid))
        na, nb = view.index.get(a), view.index.get(b)
        if me is not None and other is not None and na is not None and nb is not None and (
            knows.position(na, nb) >= 0
        ):
            counts["already_tied"] += 1
        elif pid not in ties:
            ties[pid] = since
        company = get(row.cells, "company")
        if company:
            found = companies.get(fold(company))
            if found is None:
                found = companies[fold(company)] = matcher.match(company)
            found.connections += 1
            if found.applied and found.employer_id is not None:
                eid = view.index.get(found.employer_id)
                if not (other is not None and eid is not None and works.position(other, eid) >= 0):
                    jobs.setdefault((pid, found.employer_id), get(row.cells, "position") or None)
    today = date.today()
    if ties:
        others = sorted(ties)
        src = [min(member_id, o) for o in others]
        dst = [max(member_id, o) for o in others]
        plan.frames.append(RelFrame(RelType.KNOWS, src, dst, {
            "strength": [STRENGTH] * len(others), "source": ["linkedin"] * len(others),
            "since": [ties[o] for o in others], "confirmed_at": [None] * len(others),
            "context": ["LinkedIn"] * len(others),
        }))  # fmt: skip
        plan.person_ids.update([member_id, *others])
    if jobs:
        keys_sorted = sorted(jobs)
        plan.frames.append(RelFrame(RelType.WORKS_AT, [k[0] for k in keys_sorted],
                                    [k[1] for k in keys_sorted], {
            "role": [(jobs[k] or "")[:120] or None for k in keys_sorted],
            "since": [None] * len(keys_sorted), "until": [None] * len(keys_sorted),
        }))  # fmt: skip
        plan.person_ids.update(k[0] for k in keys_sorted)
    plan.count(RelType.KNOWS.value).created = len(ties)
    plan.count(RelType.KNOWS.value).unchanged = counts["already_tied"]
    plan.count(RelType.WORKS_AT.value).created = len(jobs)
    matches = sorted(companies.values(), key=lambda m: (-m.connections, m.company))
    plan.extra["linkedin"] = {
        **counts,
        "as_of": today.isoformat(),
        "companies_applied": [m.to_dict() for m in matches if m.applied],
        "companies_to_review": [m.to_dict() for m in matches if not m.applied],
    }
    return plan
