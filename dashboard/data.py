"""What the pages show, from the services: plain functions of a store and a date.

Numbers come from the coverage service (:mod:`graph.coverage.service`) and paths from the
path service (:mod:`graph.paths.service`); this module only gathers them per page,
remembers the result per store version and date (the national page at 100,000 people
asks the engine for about 1.5 s of work: once per version, not per visitor), and renders
them for a viewer with :mod:`graph.coverage.privacy`. The few direct reads of the store
are listings for pickers (a groupement's members, a bassin's employers), as the API's
list routes do.

Who sees what is the core's access policy, asked here and never decided here: how a
viewer sees a groupement (:func:`graph.access.scope.groupement_view`):

* ``own``: the référent of the groupement: exact counts, names of its candidates;
* ``national``: the national cell and the administrators: small counts of people as
  "< 5" (:mod:`graph.access.counts`), names only of people who consented to introduce
  or to be listed (:mod:`graph.access.visibility`), never a list of candidates;
* ``other``: a référent looking at another groupement: the pages show them none of its
  figures (the API refuses them too: :func:`graph.access.coverage.may_read_groupement`);
  where a gap is rendered for them anyway, nobody in it is named.

People named in gaps are checked against their current records when rendered
(:func:`render_gap`): who withdrew consent reads "un membre du groupement".

Decisions:

* What a page gathers is kept in one :class:`graph.memo.VersionMemo` by (store, store
  version, what): bound, per store, the newest 2 versions and at most :data:`MEMO_SIZE`
  values over both, least recently used of the older version dropped first; a forgotten
  store takes its values with it. Kept values are plain data (reports, records, names),
  never the store.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar, cast

from graph.access.counts import share
from graph.access.roles import Principal
from graph.access.scope import GroupementView, groupement_view
from graph.access.visibility import (
    UNNAMED_LABEL,
    named_in_lists,
    names_in_gaps,
    unname_gap,
    unnamed_label,
)
from graph.access.visibility import gap_people as gap_person_ids
from graph.coverage import metrics, privacy
from graph.coverage import service as coverage_service
from graph.coverage.gaps import Gap
from graph.coverage.metrics import Coverage, CoverageReport
from graph.coverage.service import Scope, coverage, gaps
from graph.errors import NotFound
from graph.memo import VersionMemo
from graph.model import Label, NodeRecord, Person, PersonStatus, RelType
from graph.paths.explain import UNNAMED, display_name
from graph.store import GraphStore, find_all

T = TypeVar("T")
#: values kept per store, over its newest 2 versions
MEMO_SIZE = 64
_CANDIDATE_STATUSES = (PersonStatus.CANDIDATE, PersonStatus.BOTH)
_HELPER_STATUSES = (PersonStatus.HELPER, PersonStatus.BOTH)

# --------------------------------------------------------------------------- memo

_MEMO: VersionMemo[Any] = VersionMemo("dashboard data", versions=2, entries=MEMO_SIZE)


def memo(store: GraphStore, key: tuple, build: Callable[[], T]) -> T:
    """``build()`` once per store version and ``key`` (see the bound above).

    Two requests for the same cold key wait for one build (a build may use other keys).
    """
    return cast(T, _MEMO.get(store, store.version, key, build))


# --------------------------------------------------------------------------- groupements


@dataclass(frozen=True)
class GroupementInfo:
    id: str
    name: str
    kind: str
    association: str
    #: codes of the départements it covers
    departements: tuple[str, ...]


def groupement_infos(store: GraphStore) -> dict[str, GroupementInfo]:
    """Every groupement with its association and territory, by id."""

    def build() -> dict[str, GroupementInfo]:
        associations = {a.id: a.short_name for a in find_all(store, Label.ASSOCIATION)}
        codes = {d.id: d.code for d in find_all(store, Label.DEPARTEMENT)}
        out = {}
        for g in find_all(store, Label.GROUPEMENT):
            deps = sorted(
                codes.get(r.dst, r.dst) for r in store.relationships(g.id, RelType.COVERS, "out")
            )
            out[g.id] = GroupementInfo(
                g.id,
                g.name,
                g.kind.value,
                associations.get(g.association_id, g.association_id),
                tuple(deps),
            )
        return out

    return memo(store, ("groupements",), build)


def groupement_info(store: GraphStore, groupement_id: str) -> GroupementInfo:
    """One groupement; :class:`~graph.errors.NotFound` for an unknown id."""
    found = groupement_infos(store).get(groupement_id)
    if found is None:
        raise NotFound(Label.GROUPEMENT.value, groupement_id, "groupement")
    return found


# --------------------------------------------------------------------------- national


@dataclass(frozen=True)
class NationalData:
    """The home page's facts, exact (render them with :func:`table_rows` and friends)."""

    as_of: date
    version: int
    report: CoverageReport
    #: every gap of every groupement, in the engine's national ranking
    gaps: tuple[Gap, ...]
    #: groupement ids ranked by gap: by their first gap in the national ranking, then
    #: those without any gap by name
    ranking: tuple[str, ...]
    infos: dict[str, GroupementInfo]
    #: display names of the people named in each groupement's first gap
    names: dict[str, str]
    #: their current records (who may be named now: :func:`render_gap`)
    records: dict[str, NodeRecord | None] = field(default_factory=dict)
    #: of ``without_path``, those with no target recorded at all
    without_target: tuple[str, ...] = ()

    def gaps_of(self, groupement_id: str) -> list[Gap]:
        return [g for g in self.gaps if g.groupement_id == groupement_id]


def national_data(store: GraphStore, as_of: date) -> NationalData:
    """Coverage and ranked gaps of the whole network (once per store version and date)."""

    def build() -> NationalData:
        report = coverage(store, Scope.national(), as_of)
        found = gaps(store, Scope.national(), as_of)
        infos = groupement_infos(store)
        ranked = list(dict.fromkeys(g.groupement_id for g in found.gaps))
        rest = sorted(
            (c.id for c in report.groupements if c.id not in set(ranked)),
            key=lambda i: infos[i].name if i in infos else i,
        )
        firsts = {}
        for gap in found.gaps:
            firsts.setdefault(gap.groupement_id, gap)
        names = gap_people(store, firsts.values())
        records = gap_records(store, firsts.values())
        ranking = (*ranked, *rest)
        data = NationalData(
            as_of, report.version, report, found.gaps, ranking, infos, names, records
        )
        if not (report.current and found.current):
            raise _NotCurrent(data)
        return data

    try:
        return memo(store, ("national", as_of), build)
    except _NotCurrent as older:
        # figures of an older version while the current ones are computed: shown with
        # their time (freshness), not kept, so the next visit after the rebuild is exact
        return older.data


class _NotCurrent(Exception):
    """National data computed from an older version's figures: served, not kept."""

    def __init__(self, data: NationalData) -> None:
        super().__init__("older figures")
        self.data = data


def freshness(report: CoverageReport) -> str | None:
    """The line that says the figures are not those of the latest write (None when they
    are): when they were computed, and that an update is under way.

    >>> from datetime import datetime
    >>> freshness(CoverageReport(date(2025, 6, 1), 3, "national", "FR", (),
    ...     computed_at=datetime(2025, 6, 1, 14, 32), current=False))
    'Chiffres calculés à 14 h 32 (mise à jour en cours)'
    """
    if report.current or report.computed_at is None:
        return None
    at = report.computed_at
    at = at.astimezone() if at.tzinfo is not None else at
    return f"Chiffres calculés à {at.hour} h {at.minute:02d} (mise à jour en cours)"


def coverage_score(cov: Coverage) -> float | None:
    """A 0-100 score of a département or groupement, for the map's colours.

    The mean of the criteria that apply: every groupement that should have a référent has
    one who agreed to introduce (1 or 0); the share of the territory's employers with a
    reachable contact; the share of targeted sectors with a contact in the territory; no
    partner without a local charter (1 or 0); and the share of candidates with a path when
    it may be shown (:func:`graph.access.counts.share`, else left out, so a score never
    reveals a withheld count).

    >>> coverage_score(Coverage(scope="departement", id="33", name="Gironde", employers=10,
    ...     employers_without_contact=5, sectors_targeted=4, candidates=100,
    ...     candidates_with_path=50))
    80.0
    """
    parts = [
        0.0 if cov.groupements_without_referent or cov.groupements_referent_without_consent else 1.0
    ]
    if cov.employers:
        parts.append(1 - cov.employers_without_contact / cov.employers)
    if cov.sectors_targeted:
        parts.append(1 - cov.sectors_without_helper / cov.sectors_targeted)
    parts.append(0.0 if cov.partners_without_charter else 1.0)
    shown = share(cov.candidates_with_path, cov.candidates, own_groupement=False)
    if shown is not None:
        parts.append(shown)
    return round(100 * sum(parts) / len(parts), 1)


@dataclass(frozen=True)
class DepartementValue:
    code: str
    name: str
    score: float | None
    #: the roll-up rendered for the map's hover (small counts withheld)
    shown: dict[str, Any]


def departement_values(data: NationalData) -> dict[str, DepartementValue]:
    """Per département code: its score and its rendered roll-up."""
    out = {}
    for cov in data.report.departements:
        shown = privacy.render_coverage(cov, own_groupement=False)
        name = cov.name.rsplit(" (", 1)[0]
        out[cov.id] = DepartementValue(cov.id, name, coverage_score(cov), shown)
    return out


@dataclass(frozen=True)
class Highlight:
    rank: int
    groupement_id: str
    name: str
    departements: tuple[str, ...]
    title: str


def highlights(data: NationalData, principal: Principal, n: int = 5) -> list[Highlight]:
    """The ``n`` groupements with the largest gaps, for the map."""
    out = []
    for rank, gid in enumerate(data.ranking[:n], start=1):
        info = data.infos.get(gid)
        first = data.gaps_of(gid)
        kind = groupement_view(principal, gid)
        title = render_gap(first[0], kind, data.names, data.records)["title"] if first else ""
        name = info.name if info else gid
        out.append(Highlight(rank, gid, name, info.departements if info else (), title))
    return out


def table_rows(data: NationalData, principal: Principal) -> list[dict[str, Any]]:
    """The national table: one row per groupement, ranked by gap, rendered for the viewer.

    Counts of people are numbers, or ``None`` where withheld (the table shows "< 5");
    shares are percentages 0-100 or ``None`` ("n.c.").
    """
    by_id = {c.id: c for c in data.report.groupements}
    rows = []
    for rank, gid in enumerate(data.ranking, start=1):
        cov = by_id.get(gid)
        if cov is None:
            continue
        kind = groupement_view(principal, gid)
        shown = privacy.render_coverage(cov, own_groupement=kind is GroupementView.OWN)
        info = data.infos.get(gid)
        found = data.gaps_of(gid)
        top = render_gap(found[0], kind, data.names, data.records) if found else None
        with_path = shown["share_with_path"]
        rows.append(
            {
                "rang": rank,
                "id": gid,
                "groupement": cov.name,
                "association": info.association if info else "",
                "departements": ", ".join(info.departements) if info else "",
                "referent": referent_word(cov, info.kind if info else "groupement"),
                "candidats": _num(shown["candidates"]),
                "aidants": _num(shown["helpers_available"]),
                "avec_chemin": None if with_path is None else round(100 * with_path),
                "sans_chemin": _num(shown["candidates_without_path"]),
                "employeurs_sans_contact": cov.employers_without_contact,
                "lacunes": len(found),
                "lacune": top["title"] if top else "",
                "concernes": _num(top["affected"]) if top else 0,
                "action": top["action"]["text"] if top else "",
                "propre": kind is GroupementView.OWN,
            }
        )
    return rows


#: how the national table may be ranked (value -> label)
RANKINGS = {
    "lacune": "par lacune (candidats concernés)",
    "part": "par part de candidats sans chemin",
}


def rank_rows(rows: list[dict[str, Any]], by: str = "lacune") -> list[dict[str, Any]]:
    """The table's rows ranked ``by`` a :data:`RANKINGS` key, ``rang`` renumbered.

    ``lacune`` keeps the gap ranking (candidates affected: large délégations first);
    ``part`` ranks by the share of candidates without a path, as shown (highest first,
    then the most candidates without a path); a share not shown ("n.c.") comes last, so
    the order reveals nothing the table withholds.

    >>> rows = [{"id": "a", "rang": 1, "avec_chemin": 90, "sans_chemin": 40},
    ...         {"id": "b", "rang": 2, "avec_chemin": None, "sans_chemin": None},
    ...         {"id": "c", "rang": 3, "avec_chemin": 50, "sans_chemin": 6}]
    >>> [(r["id"], r["rang"]) for r in rank_rows(rows, "part")]
    [('c', 1), ('a', 2), ('b', 3)]
    """
    if by != "part":
        ordered = sorted(rows, key=lambda r: r["rang"])
    else:

        def key(r: dict[str, Any]) -> tuple[bool, int, int, int]:
            share = r["avec_chemin"]
            return (share is None, share or 0, -(r["sans_chemin"] or 0), r["rang"])

        ordered = sorted(rows, key=key)
    return [{**r, "rang": i} for i, r in enumerate(ordered, start=1)]


def _num(value: int | str) -> int | None:
    return None if isinstance(value, str) else value


def referent_word(cov: Coverage, kind: str = "groupement") -> str:
    """Référent column: the core's one answer (:func:`graph.coverage.metrics.referent_word`:
    ``oui``, ``non``, ``sans accord``, ``non requis`` for a délégation or antenne), the
    same the CLI prints. ``kind`` is kept for callers; the coverage knows it.

    >>> referent_word(Coverage(scope="groupement", id="d", name="D",
    ...                        groupements_referent_required=0), "delegation")
    'non requis'
    """
    return metrics.referent_word(cov)


# --------------------------------------------------------------------------- gaps


def render_gap(
    gap: Gap,
    kind: GroupementView,
    names: dict[str, str],
    records: Mapping[str, NodeRecord | None] | None = None,
) -> dict[str, Any]:
    """A gap for a viewer: small counts withheld outside ``own``; where the viewer may
    not see the names in gaps (``other``) the people named in it (``names``: id ->
    display name, from :func:`gap_people`) are replaced by "une personne (nom non
    communiqué)"; elsewhere, those who may not be named now (``records``: their current
    records, from :func:`gap_records`; none given: nobody) read "un membre du groupement"
    (:func:`graph.access.visibility.unname_gap`).

    >>> from graph.coverage.gaps import Action
    >>> gap = Gap("no_referent", "grp-b", "ANOCR B", "Pas de référent reconversion", 1,
    ...     "référent", 3, Action("name_referent", {"person": "p-9"},
    ...     "Nommer un référent (par exemple Mme Roux, aidant disponible)"))
    >>> render_gap(gap, GroupementView.OTHER, {"p-9": "Mme Roux"})["action"]["text"]
    'Nommer un référent (par exemple une personne (nom non communiqué), aidant disponible)'
    >>> render_gap(gap, GroupementView.OWN, {"p-9": "Mme Roux"})["affected"]
    3
    """
    out = privacy.render_gap(gap, own_groupement=kind == GroupementView.OWN)
    if not names_in_gaps(kind):
        for key, pid in gap.action.params.items():
            name = names.get(pid) if key in ("person", "helper") and pid else None
            if name:
                out["title"] = out["title"].replace(name, UNNAMED)
                out["action"]["text"] = out["action"]["text"].replace(name, UNNAMED)
        return out
    return unname_gap(out, gap.action.params, names, records or {}, kind)


def gap_people(store: GraphStore, found: Iterable[Gap]) -> dict[str, str]:
    """Display names of the people a list of gaps mentions (for :func:`render_gap`)."""
    ids = sorted(
        {
            v
            for g in found
            for k, v in g.action.params.items()
            if k in ("person", "helper") and v is not None
        }
    )
    return {i: display_name(r) for i, r in store.get_many(ids).items()} if ids else {}


def gap_records(store: GraphStore, found: Iterable[Gap]) -> dict[str, NodeRecord | None]:
    """The current records of the people a list of gaps mentions (for :func:`render_gap`)."""
    ids = sorted({p for g in found for p in gap_person_ids(g.action.params)})
    return dict(store.get_many(ids)) if ids else {}


# --------------------------------------------------------------------------- groupement


@dataclass(frozen=True)
class GroupementData:
    info: GroupementInfo
    coverage: Coverage
    gaps: tuple[Gap, ...]
    #: ids of its candidates with no path (exact; names only for the own view)
    without_path: tuple[str, ...]
    #: display names of the people the gaps mention
    names: dict[str, str]
    #: their current records (who may be named now: :func:`render_gap`)
    records: dict[str, NodeRecord | None] = field(default_factory=dict)
    #: of ``without_path``, those with no target recorded at all
    without_target: tuple[str, ...] = ()


def groupement_data(store: GraphStore, groupement_id: str, as_of: date) -> GroupementData:
    """Coverage, ranked gaps and candidates without a path of one groupement."""
    info = groupement_info(store, groupement_id)

    def build() -> GroupementData:
        report = coverage(store, Scope.groupement(groupement_id), as_of)
        found = gaps(store, Scope.groupement(groupement_id), as_of).gaps
        assert report.total is not None
        return GroupementData(
            info,
            report.total,
            found,
            candidates_without_path(store, groupement_id, as_of),
            gap_people(store, found),
            gap_records(store, found),
            coverage_service.candidates_without_target(store, groupement_id, as_of),
        )

    return memo(store, ("groupement", groupement_id, as_of), build)


def candidates_without_path(store: GraphStore, groupement_id: str, as_of: date) -> tuple[str, ...]:
    """Ids of the groupement's candidates with no path (sorted), from the coverage service
    (a state focused on the groupement when the national one is not cached)."""
    return coverage_service.candidates_without_path(store, groupement_id, as_of)


def person_names(store: GraphStore, ids: Sequence[str]) -> dict[str, str]:
    """Display names of people by id (for the référent's own lists)."""
    return {i: display_name(r) for i, r in store.get_many(list(ids)).items()}


def members(store: GraphStore, groupement_id: str) -> tuple[Person, ...]:
    """The people attached to a groupement, ordered by id."""

    def build() -> tuple[Person, ...]:
        found = store.neighbours(groupement_id, RelType.IN_GROUPEMENT, "in")
        return tuple(sorted((p for p in found if isinstance(p, Person)), key=lambda p: p.id))

    return memo(store, ("members", groupement_id), build)


def candidates_of(store: GraphStore, groupement_id: str) -> tuple[Person, ...]:
    return tuple(p for p in members(store, groupement_id) if p.status in _CANDIDATE_STATUSES)


def helpers_of(store: GraphStore, groupement_id: str) -> tuple[Person, ...]:
    return tuple(p for p in members(store, groupement_id) if p.status in _HELPER_STATUSES)


def person_option(person: Person, kind: GroupementView) -> dict[str, str]:
    """A picker option for one person (see :func:`person_options`), without a number."""
    return person_options([person], kind, "")[0]


def person_options(
    people: Sequence[Person], kind: GroupementView, groupement: str
) -> list[dict[str, str]]:
    """Picker options for people of ``groupement`` (its name): named as
    :func:`graph.access.visibility.named_in_lists` allows (in the own view; elsewhere
    only helpers who consented, a candidate never), else by
    :func:`graph.access.visibility.unnamed_label`, numbered; never by internal id.
    Namesakes get a number too, so every label is distinct.

    >>> p = Person(id="p-1", first_name="Anne", last_name="Roux", civility="Mme",
    ...            status="candidate", consent_directory=True)
    >>> q = p.model_copy(update={"id": "p-2"})
    >>> own, national = GroupementView.OWN, GroupementView.NATIONAL
    >>> [o["label"] for o in person_options([p, q], own, "G")]
    ['Mme Roux · candidat', 'Mme Roux · candidat (2)']
    >>> [o["label"] for o in person_options([p, q], national, "ANOCR Gironde")]
    ['Membre non nommé n° 1 (ANOCR Gironde)', 'Membre non nommé n° 2 (ANOCR Gironde)']
    """
    out, seen, unnamed = [], Counter[str](), 0
    for person in people:
        if named_in_lists(person, kind):
            status = i18n_status(person)
            label = f"{display_name(person)} · {status}"
            seen[label] += 1
            if seen[label] > 1:
                label = f"{label} ({seen[label]})"
        else:
            unnamed += 1
            label = unnamed_label(groupement, unnamed) if groupement else UNNAMED_LABEL
        out.append({"label": label, "value": person.id})
    return out


def i18n_status(person: Person) -> str:
    return {"candidate": "candidat", "helper": "aidant", "both": "candidat et aidant"}.get(
        person.status.value, "membre"
    )


# --------------------------------------------------------------------------- territory


@dataclass(frozen=True)
class Place:
    id: str
    code: str
    name: str


def bassins(store: GraphStore) -> tuple[Place, ...]:
    """Every bassin d'emploi, by name."""

    def build() -> tuple[Place, ...]:
        found = find_all(store, Label.BASSIN_EMPLOI)
        return tuple(sorted((Place(b.id, b.code, b.name) for b in found), key=lambda p: p.name))

    return memo(store, ("bassins",), build)


def sectors(store: GraphStore) -> tuple[Place, ...]:
    def build() -> tuple[Place, ...]:
        found = find_all(store, Label.SECTOR)
        return tuple(sorted((Place(s.id, s.code, s.name) for s in found), key=lambda p: p.name))

    return memo(store, ("sectors",), build)


def located_in(store: GraphStore, bassin_id: str, label: Label) -> tuple[tuple[str, str], ...]:
    """(id, name or title) of the employers or offers located in a bassin."""

    def build() -> tuple[tuple[str, str], ...]:
        found = store.neighbours(bassin_id, RelType.LOCATED_IN, "in")
        return tuple(
            sorted(
                (
                    (n.id, getattr(n, "name", None) or getattr(n, "title", n.id))
                    for n in found
                    if n.label == label
                ),
                key=lambda t: t[1],
            )
        )

    return memo(store, ("located", bassin_id, label.value), build)


def territory_employers(store: GraphStore, groupement_id: str) -> tuple[tuple[str, str], ...]:
    """(id, name) of the employers in the bassins of a groupement's départements."""

    def build() -> tuple[tuple[str, str], ...]:
        out: dict[str, str] = {}
        for rel in store.relationships(groupement_id, RelType.COVERS, "out"):
            for bassin in store.neighbours(rel.dst, RelType.PART_OF, "in"):
                if bassin.label == Label.BASSIN_EMPLOI:
                    out.update(located_in(store, bassin.id, Label.EMPLOYER))
        return tuple(sorted(out.items(), key=lambda t: t[1]))

    return memo(store, ("territory", groupement_id), build)


def targets_of(store: GraphStore, person_id: str) -> tuple[list[str], list[str]]:
    """(bassin ids, sector ids) a candidate targets."""
    found = store.neighbours(person_id, RelType.TARGETS, "out")
    return (
        [n.id for n in found if n.label == Label.BASSIN_EMPLOI],
        [n.id for n in found if n.label == Label.SECTOR],
    )


def groupements_of_person(store: GraphStore, person_id: str) -> list[str]:
    return [g.id for g in store.neighbours(person_id, RelType.IN_GROUPEMENT, "out")]
