"""What an import would do: every problem, and what would be created, changed and left alone.

:func:`plan_import` reads the files, checks every cell and every reference, and compares
what the files say with the stored graph. It writes nothing: a dry run is this plan,
reported; a real import writes the plan's records in one transaction
(:mod:`graph.exchange.apply`).

Decisions:

* Every problem is reported (file, line, column, value, reason in French), not only the
  first: a référent fixes a spreadsheet in one go.
* People of the members file are grouped by their key (id, else membership number, else
  e-mail, else name): a person may take several lines (one per association or
  groupement); their personal columns must then agree. Exactly repeated lines are
  ignored with a note.
* A person without an id gets the stored person with the same membership number, e-mail
  or (unique) name, else a new id derived from their key (``p-`` and a hash): importing the
  same file again gives the same ids, so it changes nothing.
* A column left out of a file leaves the stored value alone; a column present with an
  empty cell sets the property to empty (or its default).
* An import adds and changes records; it never deletes one.
* Relationships are compared with the stored ones through the view (which exist), then
  read back only where they exist: by key for a few, by one scan of the type for many.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Any, NamedTuple

from pydantic import ValidationError as PydanticValidationError

from graph.access.exchange import may_import
from graph.access.roles import Principal
from graph.exchange.formats import (
    FORMATS,
    HEADER_ALIASES,
    ORDER,
    Column,
    Kind,
    fold,
    header_key,
    kind_of_headers,
    kind_of_name,
)
from graph.exchange.reading import SourceFile, Table, read_table
from graph.exchange.resolve import Resolver, Unresolved, name_key
from graph.exchange.values import CellError, read_bool, read_date, read_enum, read_float, read_int
from graph.frames import RelFrame, rel_specs
from graph.model import REL_MODELS, Employer, Label, NodeRecord, Person, RelRecord, RelType
from graph.store import GraphStore
from graph.view import GraphView

Progress = Callable[[str, int, int], None]
RelKey = tuple[str, str]

#: what each count is called in a report
WHAT: dict[str, str] = {
    Label.PERSON.value: "personnes",
    Label.EMPLOYER.value: "employeurs",
    RelType.MEMBER_OF.value: "adhésions",
    RelType.IN_GROUPEMENT.value: "rattachements à un groupement",
    RelType.LIVES_IN.value: "départements de résidence",
    RelType.SETTLES_IN.value: "bassins de vie (lieu de repli)",
    RelType.KNOWS.value: "liens",
    RelType.WORKS_AT.value: "emplois",
    RelType.TARGETS.value: "cibles",
    RelType.MENTORS.value: "parrainages",
    RelType.REFERENT_OF.value: "référents",
    RelType.PARTNER_OF.value: "chartes",
    RelType.LOCATED_IN.value: "implantations d'employeurs",
    RelType.IN_SECTOR.value: "secteurs d'employeurs",
}
#: defaults of required relationship properties left empty in a file
REL_DEFAULTS: dict[tuple[RelType, str], Any] = {
    (RelType.KNOWS, "strength"): 0.5,
    (RelType.KNOWS, "source"): "declared",
    (RelType.PARTNER_OF, "level"): "local",
}
_PERSON_FIELDS = [
    "id", "member_number", "civility", "first_name", "last_name", "grade", "grade_category",
    "service", "career", "status", "departure_date", "promotion",
    "consent_introducer", "consent_introducer_at", "consent_directory", "consent_directory_at",
    "consent_contact", "consent_contact_at", "consent_portal", "consent_portal_at",
    "consent_social_import", "consent_social_import_at", "left_on", "capacity",
    "monthly_load", "email", "phone",
]  # fmt: skip
_EMPLOYER_FIELDS = ["id", "name", "brand", "size"]
_PERSON_DEFAULTS: dict[str, Any] = {
    f: (None if info.default is ... else info.default) for f, info in Person.model_fields.items()
}
#: up to this many existing relationships of a type are read one by one, else by a scan
_READ_ONE_BY_ONE = 2_000


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the files (or worth a note), where the user sees it."""

    file: str
    line: int | None
    column: str | None
    value: str | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
        }

    def __str__(self) -> str:
        where = self.file + (f", ligne {self.line}" if self.line else "")
        where += f", colonne {self.column}" if self.column else ""
        shown = f" ({self.value!r})" if self.value not in (None, "") else ""
        return f"{where}{shown} : {self.reason}"


@dataclass
class Count:
    created: int = 0
    changed: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class FileInfo:
    name: str
    kind: str | None
    encoding: str
    delimiter: str
    rows: int


@dataclass
class ImportPlan:
    """The outcome of planning: problems, notes, counts and what to write."""

    files: list[FileInfo] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    counts: dict[str, Count] = field(default_factory=dict)
    nodes: list[NodeRecord] = field(default_factory=list)
    frames: list[RelFrame] = field(default_factory=list)
    #: every person the import creates or changes, or whose relationships it touches
    person_ids: set[str] = field(default_factory=set)
    version: int = 0
    #: extra report parts (LinkedIn: companies matched and not)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def changes(self) -> int:
        return len(self.nodes) + sum(len(f) for f in self.frames)

    def count(self, what: str) -> Count:
        return self.counts.setdefault(what, Count())

    def to_dict(self, max_problems: int = 1_000) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "files": [vars(f) for f in self.files],
            "problems": [p.to_dict() for p in self.problems[:max_problems]],
            "problem_count": len(self.problems),
            "notes": [p.to_dict() for p in self.notes[:max_problems]],
            "counts": {
                k: {"label": WHAT.get(k, k), **vars(c)} for k, c in sorted(self.counts.items())
            },
            "changes": self.changes,
            **self.extra,
        }


class _RelRow(NamedTuple):
    #: property values in :func:`~graph.frames.rel_specs` order, as stored (ISO dates)
    props: tuple[Any, ...]
    given: frozenset[str]
    file: str
    line: int


@dataclass
class _Bound:
    """A table whose headers were matched to a kind's columns."""

    table: Table
    kind: Kind
    #: column of each cell position (None: ignored)
    columns: list[Column | None]
    #: (position, column, how its cells are read) of the columns read
    readers: list[tuple[int, Column, Callable[[str], Any]]]
    #: the fields the file gives (its columns)
    given: frozenset[str] = frozenset()


class Planner:
    """Plans one import against the store's current view."""

    def __init__(
        self,
        store: GraphStore,
        principal: Principal | None = None,
        progress: Progress | None = None,
        today: date | None = None,
    ) -> None:
        self.store = store
        self.view: GraphView = store.view()
        self.principal = principal
        self.progress = progress
        self.today = today or date.today()
        self.resolver = Resolver(store, self.view)
        self.plan = ImportPlan(version=self.view.version)
        self.rels: dict[RelType, dict[RelKey, _RelRow]] = {}
        #: groupements each person of the files is attached to by the files
        self.file_groupements: dict[str, set[str]] = {}
        self._scope_cache: dict[str, bool] = {}
        self.person_first_line: dict[str, tuple[str, int]] = {}

    # ------------------------------------------------------------------ reporting

    def problem(
        self, file: str, line: int | None, column: str | None, value: str | None, reason: str
    ) -> None:
        self.plan.problems.append(Problem(file, line, column, value, reason))

    def note(self, file: str, line: int | None, reason: str) -> None:
        self.plan.notes.append(Problem(file, line, None, None, reason))

    def tick(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    # ------------------------------------------------------------------ files

    def bind(self, source: SourceFile) -> _Bound | None:
        table = read_table(source)
        kind = kind_of_name(source.name) or kind_of_headers(table.headers)
        self.plan.files.append(
            FileInfo(source.name, kind.value if kind else None, table.encoding,
                     table.delimiter, len(table.rows))
        )  # fmt: skip
        if not table.headers:
            self.problem(source.name, None, None, None, "fichier vide")
            return None
        if kind is None:
            self.problem(
                source.name, 1, None, None,
                "type de fichier inconnu : nommez-le membres.csv, liens.csv, emplois.csv,"
                " cibles.csv, parrainages.csv, referents.csv, chartes.csv ou employeurs.csv,"
                " ou reprenez les en-têtes d'un modèle",
            )  # fmt: skip
            return None
        if self.principal is not None and not may_import(self.principal, kind.value):
            self.problem(
                source.name, None, None, None,
                f"votre rôle ne permet pas d'importer un fichier « {kind.value} »",
            )  # fmt: skip
            return None
        by_header = {c.header: c for c in FORMATS[kind]}
        columns: list[Column | None] = []
        seen: set[str] = set()
        for header in table.headers:
            key = header_key(header)
            column = by_header.get(HEADER_ALIASES.get(key, key))
            if column is None or column.header in seen:
                if header:
                    self.note(source.name, 1, f"colonne « {header} » ignorée")
                columns.append(None)
                continue
            seen.add(column.header)
            columns.append(column)
        missing = [c.header for c in FORMATS[kind] if c.required and c.header not in seen]
        for header in missing:
            self.problem(source.name, 1, header, None, "colonne obligatoire absente")
        readers = [(i, c, self.reader(c)) for i, c in enumerate(columns) if c is not None]
        given = frozenset(c.field for c in columns if c is not None)
        return None if missing else _Bound(table, kind, columns, readers, given)

    def cells(self, bound: _Bound, row_cells: list[str], line: int) -> dict[str, Any] | None:
        """A row's values by field (None for an empty cell); None when a cell is wrong
        (each wrong cell reported)."""
        out: dict[str, Any] = {}
        ok = True
        width = len(bound.columns)
        if len(row_cells) > width and any(row_cells[width:]):
            self.problem(bound.table.name, line, None, None, "plus de cellules que d'en-têtes")
            ok = False
        n = len(row_cells)
        for i, column, read in bound.readers:
            raw = row_cells[i] if i < n else ""
            if not raw:
                if column.required:
                    self.problem(bound.table.name, line, column.header, raw,
                                 "valeur obligatoire manquante")  # fmt: skip
                    ok = False
                out[column.field] = None
                continue
            try:
                out[column.field] = read(raw)
            except (CellError, Unresolved) as exc:
                self.problem(bound.table.name, line, column.header, raw, str(exc))
                ok = False
        return out if ok else None

    def reader(self, column: Column) -> Callable[[str], Any]:
        """How a column's cells are read."""
        kind = column.kind
        if kind in ("text", "id"):
            return _same
        if kind == "date":
            return read_date
        if kind == "float":
            return read_float
        if kind == "int":
            return read_int
        if kind == "bool":
            return read_bool
        if kind == "enum":
            enum = column.enum
            assert enum is not None
            return lambda raw: read_enum(raw, enum)
        if kind == "ref":
            labels = column.labels
            return lambda raw: self.resolver.ref(raw, labels)
        if kind == "employer":
            return self.resolver.employer
        return self.resolver.person  # "person"

    # ------------------------------------------------------------------ scope

    def in_scope(self, person_id: str) -> bool:
        """Whether the caller may act on this person once the files are imported."""
        principal = self.principal
        if principal is None or not principal.scoped:
            return True
        cached = self._scope_cache.get(person_id)
        if cached is None:
            groupements = set(self.file_groupements.get(person_id, ()))
            nid = self.view.index.get(person_id)
            if nid is not None:
                rel = self.view.rel(RelType.IN_GROUPEMENT)
                groupements |= {str(self.view.ids[g]) for g in rel.targets(nid).tolist()}
            cached = principal.covers(groupements)
            self._scope_cache[person_id] = cached
        return cached

    def stored_in_scope(self, person_id: str) -> bool:
        principal = self.principal
        if principal is None or not principal.scoped:
            return True
        nid = self.view.index.get(person_id)
        if nid is None:
            return True
        rel = self.view.rel(RelType.IN_GROUPEMENT)
        return principal.covers(str(self.view.ids[g]) for g in rel.targets(nid).tolist())

    # ------------------------------------------------------------------ relationships

    def add_rel(
        self,
        rel_type: RelType,
        src: str,
        dst: str,
        props: tuple[Any, ...],
        given: frozenset[str],
        file: str,
        line: int,
        quiet: bool = False,
    ) -> None:
        """Add a relationship row; the same one again is a note (``quiet``: not even
        that, for a person's own lines repeating their places and memberships)."""
        model = REL_MODELS[rel_type]
        if model.UNDIRECTED and dst < src:
            src, dst = dst, src
        rows = self.rels.setdefault(rel_type, {})
        key = (src, dst)
        earlier = rows.get(key)
        if earlier is None:
            rows[key] = _RelRow(props, given, file, line)
        elif earlier.props == props:
            if not quiet and (earlier.line != line or earlier.file != file):
                self.note(file, line, f"déjà donné {_at(earlier)} : ligne ignorée")
        else:
            self.problem(
                file, line, None, None,
                f"cette relation est déjà donnée {_at(earlier)} avec d'autres valeurs",
            )  # fmt: skip

    def rel_row(
        self, bound: _Bound, rel_type: RelType, values: dict[str, Any], line: int
    ) -> None:
        """A relationship row of a ties, employments, mentoring, référents or charters file."""
        name = bound.table.name
        src, dst = values.pop("src"), values.pop("dst")
        if src == dst:
            self.problem(name, line, None, src, "une relation ne peut relier une personne"
                         " (ou un partenaire) à elle-même")  # fmt: skip
            return
        names, defaults = _rel_fields(rel_type)
        props: list[Any] = [values.get(n) for n in names]
        for i, value in enumerate(props):
            if value is None:
                props[i] = defaults[i]
            elif isinstance(value, date):
                props[i] = _iso(value)
        if rel_type is RelType.KNOWS and not 0.0 <= props[0] <= 1.0:
            self.problem(name, line, "force", str(values.get("strength")),
                         "la force d'un lien est comprise entre 0 et 1")  # fmt: skip
            return
        for earlier, later in REL_MODELS[rel_type].ORDERED_DATES:
            a, b = props[names.index(earlier)], props[names.index(later)]
            if a is not None and b is not None and b < a:
                header = next(c.header for c in FORMATS[bound.kind] if c.field == later)
                self.problem(name, line, header, _fr_date(b),
                             "cette date est antérieure à la date de début")  # fmt: skip
                return
        if not self.rel_scope(bound, rel_type, src, dst, line):
            return
        self.add_rel(rel_type, src, dst, tuple(props), bound.given, name, line)

    def rel_scope(self, bound: _Bound, rel_type: RelType, src: str, dst: str, line: int) -> bool:
        if self.principal is None or not self.principal.scoped:
            return True
        people = [p for p in (src, dst) if self.resolver.is_stored_person(p)
                  or p in self.resolver.file_people]  # fmt: skip
        ok = any(self.in_scope(p) for p in people) if rel_type in (
            RelType.KNOWS, RelType.MENTORS) else all(self.in_scope(p) for p in people)  # fmt: skip
        if not ok:
            self.problem(bound.table.name, line, None, None,
                         "personne inconnue ou hors de vos groupements")  # fmt: skip
        return ok

    # ------------------------------------------------------------------ kinds

    def members(self, bound: _Bound) -> None:
        name = bound.table.name
        groups: dict[str, list[tuple[int, dict[str, Any], tuple[str, ...]]]] = {}
        rows = bound.table.rows
        for i, row in enumerate(rows):
            if i % 10_000 == 0:
                self.tick(f"{name} : lecture", i, len(rows))
            values = self.cells(bound, row.cells, row.line)
            if values is None:
                continue
            key = _person_key(values)
            groups.setdefault(key, []).append((row.line, values, tuple(row.cells)))
        given = bound.given
        person_given = [f for f in _PERSON_FIELDS if f in given]
        for n, lines in enumerate(groups.values()):
            if n % 10_000 == 0:
                self.tick(f"{name} : personnes", n, len(groups))
            first_line, first, first_cells = lines[0]
            seen_cells = {first_cells: first_line}
            consistent = True
            for line, values, cells in lines[1:]:
                if cells in seen_cells:
                    same = seen_cells[cells]
                    self.note(name, line, f"ligne identique à la ligne {same} : ignorée")
                    continue
                seen_cells[cells] = line
                for f in person_given:
                    if values.get(f) != first.get(f):
                        header = _header(Kind.MEMBERS, f)
                        self.problem(
                            name, line, header, _shown(values.get(f)),
                            f"même personne qu'à la ligne {first_line}, avec une autre valeur",
                        )  # fmt: skip
                        consistent = False
            if not consistent:
                continue
            person_id = self.person_id(bound, first, first_line)
            if person_id is None:
                continue
            person = self.person_record(bound, person_id, first, person_given, first_line)
            if person is None:
                continue
            if person_id in self.resolver.file_people:
                earlier = self.person_first_line[person_id]
                self.problem(name, first_line, None, None,
                             f"cette personne est déjà décrite {_at_pair(earlier)}")  # fmt: skip
                continue
            self.resolver.file_people[person_id] = person
            self.resolver.file_keys.add(person)
            self.person_first_line[person_id] = (name, first_line)
            groupements = self.file_groupements.setdefault(person_id, set())
            kept = [(ln, v) for ln, v, c in lines if seen_cells.get(c) == ln]
            for _, values in kept:
                if values.get("groupement"):
                    groupements.add(values["groupement"])
            if not self.member_scope(bound, person_id, kept):
                continue
            for line, values in kept:
                self.member_rels(bound, person_id, values, line)

    def person_id(self, bound: _Bound, values: dict[str, Any], line: int) -> str | None:
        name = bound.table.name
        given_id = values.get("id")
        if given_id:
            label = self.resolver.stored_label(given_id)
            if label is not None and label is not Label.PERSON:
                self.problem(name, line, "identifiant", given_id,
                             "cet identifiant désigne autre chose qu'une personne")  # fmt: skip
                return None
            return str(given_id)
        try:
            found = self.resolver.match_stored(
                values.get("member_number"), values.get("email"),
                values["first_name"], values["last_name"],
            )  # fmt: skip
        except Unresolved as exc:
            self.problem(name, line, "nom", values["last_name"], str(exc))
            return None
        if found is not None:
            return found
        digest = hashlib.sha1(_person_key(values).encode()).hexdigest()[:12]
        return f"p-{digest}"

    def person_record(
        self,
        bound: _Bound,
        person_id: str,
        values: dict[str, Any],
        given: Sequence[str],
        line: int,
    ) -> Person | None:
        stored = self.resolver.stored_person(person_id) if self.resolver.is_stored_person(
            person_id) else None  # fmt: skip
        data = stored.model_dump() if stored is not None else {}
        for f in given:
            value = values.get(f)
            if value is None and f != "id":
                value = _PERSON_DEFAULTS.get(f)
            data[f] = value
        data["id"] = person_id
        try:
            return Person.model_validate(data)
        except PydanticValidationError as exc:
            for err in exc.errors():
                loc = [str(p) for p in err.get("loc", ())]
                message = str(err.get("msg", "")).removeprefix("Value error, ")
                f = loc[0] if loc else message.partition(":")[0]
                header = _header(Kind.MEMBERS, f)
                self.problem(bound.table.name, line, header, _shown(data.get(f)),
                             _french_reason(str(err.get("type", "")), message))  # fmt: skip
            return None

    def member_scope(
        self, bound: _Bound, person_id: str, lines: list[tuple[int, dict[str, Any]]]
    ) -> bool:
        principal = self.principal
        if principal is None or not principal.scoped:
            return True
        ok = True
        for line, values in lines:
            g = values.get("groupement")
            if g and g not in principal.groupements:
                self.problem(bound.table.name, line, "groupement", g,
                             "vous n'importez que dans vos groupements")  # fmt: skip
                ok = False
        if not ok:
            return False
        if self.resolver.is_stored_person(person_id):
            if not self.stored_in_scope(person_id):
                self.problem(bound.table.name, lines[0][0], None, None,
                             "personne inconnue ou hors de vos groupements")  # fmt: skip
                return False
            return True
        if not self.in_scope(person_id):
            self.problem(bound.table.name, lines[0][0], "groupement", None,
                         "un nouveau membre doit rejoindre l'un de vos groupements")  # fmt: skip
            return False
        return True

    def member_rels(self, bound: _Bound, pid: str, values: dict[str, Any], line: int) -> None:
        name, given = bound.table.name, bound.given
        if values.get("lives_in"):
            self.add_rel(RelType.LIVES_IN, pid, values["lives_in"], (), given, name, line, True)
        if values.get("settles_in"):
            self.add_rel(RelType.SETTLES_IN, pid, values["settles_in"], (), given, name, line,
                         True)
        if values.get("association"):
            since = values.get("association_since")
            props = (_iso(since) if since else None,)
            self.add_rel(RelType.MEMBER_OF, pid, values["association"], props,
                         frozenset({"since"}), name, line, True)  # fmt: skip
        if values.get("groupement"):
            since = values.get("groupement_since")
            props = (_iso(since) if since else None,)
            self.add_rel(RelType.IN_GROUPEMENT, pid, values["groupement"], props,
                         frozenset({"since"}), name, line, True)  # fmt: skip

    def employers(self, bound: _Bound) -> None:
        name = bound.table.name
        given = [f for f in _EMPLOYER_FIELDS if f in bound.given]
        firsts: dict[str, tuple[int, dict[str, Any]]] = {}
        for row in bound.table.rows:
            values = self.cells(bound, row.cells, row.line)
            if values is None:
                continue
            eid = values.get("id") or _employer_id(values)
            if eid in firsts:
                line0, v0 = firsts[eid]
                if any(values.get(f) != v0.get(f) for f in given if f != "id"):
                    self.problem(name, row.line, None, None,
                                 f"même employeur qu'à la ligne {line0}, avec d'autres valeurs")
                    continue
            else:
                label = self.resolver.stored_label(eid)
                if label is not None and label is not Label.EMPLOYER:
                    self.problem(name, row.line, "identifiant", eid,
                                 "cet identifiant désigne autre chose qu'un employeur")
                    continue
                stored = self.store.get(eid) if label is Label.EMPLOYER else None
                data = stored.model_dump() if stored is not None else {}
                for f in given:
                    data[f] = values.get(f)
                data["id"] = eid
                try:
                    employer = Employer.model_validate(data)
                except PydanticValidationError as exc:
                    err = exc.errors()[0]
                    f = str(err["loc"][0]) if err.get("loc") else "nom"
                    self.problem(name, row.line, _header(Kind.EMPLOYERS, f), _shown(data.get(f)),
                                 _french_reason(str(err.get("type", "")), str(err.get("msg"))))
                    continue
                firsts[eid] = (row.line, values)
                self.resolver.file_employers[eid] = employer
            if values.get("located_in"):
                self.add_rel(RelType.LOCATED_IN, eid, values["located_in"], (), bound.given,
                             name, row.line)  # fmt: skip
            if values.get("sector"):
                self.add_rel(RelType.IN_SECTOR, eid, values["sector"], (), bound.given,
                             name, row.line)  # fmt: skip

    def relationships(self, bound: _Bound, rel_type: RelType) -> None:
        rows = bound.table.rows
        name = bound.table.name
        for i, row in enumerate(rows):
            if i % 50_000 == 0:
                self.tick(f"{name} : lecture", i, len(rows))
            values = self.cells(bound, row.cells, row.line)
            if values is not None:
                self.rel_row(bound, rel_type, values, row.line)
        self.tick(f"{name} : lecture", len(rows), len(rows))

    def targets(self, bound: _Bound) -> None:
        name = bound.table.name
        for row in bound.table.rows:
            values = self.cells(bound, row.cells, row.line)
            if values is None:
                continue
            wanted = [v for v in (values.get("bassin"), values.get("sector")) if v]
            if not wanted:
                self.problem(name, row.line, "bassin_emploi", None,
                             "donnez un bassin d'emploi ou un secteur")  # fmt: skip
                continue
            if not self.rel_scope(bound, RelType.TARGETS, values["src"], "", row.line):
                continue
            for dst in wanted:
                self.add_rel(RelType.TARGETS, values["src"], dst, (), bound.given, name, row.line)

    # ------------------------------------------------------------------ comparing

    def compare(self) -> None:
        plan = self.plan
        people = self.resolver.file_people
        employers = self.resolver.file_employers
        files: list[NodeRecord] = [*employers.values(), *people.values()]
        stored_ids = [n.id for n in files if self.resolver.stored_label(n.id) is not None]
        self.tick("comparaison", 0, len(files))
        stored: dict[str, NodeRecord] = {}
        if stored_ids:
            if self.resolver._stored_records is not None:
                stored = {i: self.resolver._stored_records[i] for i in stored_ids
                          if i in self.resolver._stored_records}  # fmt: skip
            missing = [i for i in stored_ids if i not in stored]
            stored.update(self.store.get_many(missing))
        for node in files:
            count = plan.count(node.label.value)
            before = stored.get(node.id)
            if before is None:
                count.created += 1
            elif before == node:
                count.unchanged += 1
                continue
            else:
                count.changed += 1
            plan.nodes.append(node)
            if isinstance(node, Person):
                plan.person_ids.add(node.id)
        for rel_type, rows in self.rels.items():
            self.compare_rels(rel_type, rows)

    def compare_rels(self, rel_type: RelType, rows: dict[RelKey, _RelRow]) -> None:
        plan = self.plan
        count = plan.count(rel_type.value)
        names = [s.name for s in rel_specs(rel_type)]
        existing = self.existing(rel_type, rows)
        src: list[str] = []
        dst: list[str] = []
        columns: dict[str, list[Any]] = {n: [] for n in names}
        people_ends = _person_ends(rel_type)
        lists = [columns[n] for n in names]
        for key, row in rows.items():
            before = existing.get(key)
            props = row.props
            if before is not None:
                stored = before
                props = tuple(
                    v if n in row.given else b
                    for n, v, b in zip(names, props, stored, strict=True)
                )
                if props == stored:
                    count.unchanged += 1
                    continue
                count.changed += 1
            else:
                count.created += 1
            src.append(key[0])
            dst.append(key[1])
            for column, value in zip(lists, props, strict=True):
                column.append(value)
            for end, is_person in zip(key, people_ends, strict=True):
                if is_person:
                    plan.person_ids.add(end)
        if src:
            plan.frames.append(RelFrame(rel_type, src, dst, columns))

    def existing(
        self, rel_type: RelType, rows: dict[RelKey, _RelRow]
    ) -> dict[RelKey, tuple[Any, ...]]:
        """Stored properties (in stored order) of the relationships among ``rows`` that
        exist."""
        view = self.view
        rel = view.rel(rel_type)
        if len(rel) == 0:
            return {}
        index = view.index
        present: list[RelKey] = []
        for key in rows:
            a, b = index.get(key[0]), index.get(key[1])
            if a is not None and b is not None and rel.position(a, b) >= 0:
                present.append(key)
        if not present:
            return {}
        names, _ = _rel_fields(rel_type)
        out: dict[RelKey, tuple[Any, ...]] = {}
        if len(present) <= _READ_ONE_BY_ONE:
            for key in present:
                record = self.store.get_relationship(rel_type, *key)
                if record is not None:
                    out[key] = _stored(record, names)
            return out
        del present
        for page in self.store.export_relationships(rel_type):
            for record in page:
                key = (record.src, record.dst)
                if key in rows:
                    out[key] = _stored(record, names)
        return out


# --------------------------------------------------------------------------- entry point

_REL_KINDS: dict[Kind, RelType] = {
    Kind.TIES: RelType.KNOWS,
    Kind.EMPLOYMENTS: RelType.WORKS_AT,
    Kind.MENTORING: RelType.MENTORS,
    Kind.REFERENTS: RelType.REFERENT_OF,
    Kind.CHARTERS: RelType.PARTNER_OF,
}


def plan_import(
    store: GraphStore,
    files: Iterable[SourceFile],
    *,
    principal: Principal | None = None,
    progress: Progress | None = None,
) -> ImportPlan:
    """Plan the import of ``files`` into ``store``: writes nothing.

    ``principal`` None: the command line, with every right; else the caller's role and
    scope apply (:mod:`graph.access.exchange`).
    """
    planner = Planner(store, principal, progress)
    bound = [b for f in files if (b := planner.bind(f)) is not None]
    bound.sort(key=lambda b: ORDER.index(b.kind))
    for b in bound:
        if b.kind is Kind.MEMBERS:
            planner.members(b)
        elif b.kind is Kind.EMPLOYERS:
            planner.employers(b)
        elif b.kind is Kind.TARGETS:
            planner.targets(b)
        else:
            planner.relationships(b, _REL_KINDS[b.kind])
    if planner.plan.ok:
        planner.compare()
    return planner.plan


# --------------------------------------------------------------------------- helpers


def _stored(record: RelRecord, names: list[str]) -> tuple[Any, ...]:
    """A stored relationship's properties as the plan holds them (ISO dates, enum values)."""
    out = []
    for n in names:
        value = getattr(record, n)
        if isinstance(value, date):
            value = _iso(value)
        elif isinstance(value, StrEnum):
            value = value.value
        out.append(value)
    return tuple(out)


@lru_cache(maxsize=64)
def _rel_fields(rel_type: RelType) -> tuple[list[str], list[Any]]:
    """A relationship type's property names (stored order) and the defaults of each."""
    names = [s.name for s in rel_specs(rel_type)]
    return names, [REL_DEFAULTS.get((rel_type, n)) for n in names]


@lru_cache(maxsize=65_536)
def _iso(day: date) -> str:
    return day.isoformat()


def _same(raw: str) -> str:
    return raw


def _person_key(values: dict[str, Any]) -> str:
    if values.get("id"):
        return f"id:{values['id']}"
    if values.get("member_number"):
        return f"num:{fold(values['member_number'])}"
    if values.get("email"):
        return f"mail:{values['email'].casefold()}"
    return f"nom:{name_key(values['first_name'], values['last_name'])}"


def _employer_id(values: dict[str, Any]) -> str:
    key = f"{fold(values['name'])}|{values.get('located_in') or ''}"
    return f"emp-{hashlib.sha1(key.encode()).hexdigest()[:12]}"


def _person_ends(rel_type: RelType) -> tuple[bool, bool]:
    model = REL_MODELS[rel_type]
    return (Label.PERSON in model.SOURCES, Label.PERSON in model.TARGETS)


def _header(kind: Kind, field_name: str) -> str:
    return next((c.header for c in FORMATS[kind] if c.field == field_name), field_name)


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return _fr_date(value.isoformat())
    if isinstance(value, bool):
        return "oui" if value else "non"
    return str(value)


def _fr_date(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"


def _at(row: _RelRow) -> str:
    return _at_pair((row.file, row.line))


def _at_pair(where: tuple[str, int]) -> str:
    return f"ligne {where[1]} de {where[0]}"


_REASONS = {
    "string_pattern_mismatch": "format invalide",
    "string_too_long": "texte trop long",
    "string_too_short": "valeur vide",
    "greater_than_equal": "valeur trop petite",
    "less_than_equal": "valeur trop grande",
    "missing": "valeur obligatoire manquante",
}


def _french_reason(error_type: str, message: str) -> str:
    if error_type in _REASONS:
        return _REASONS[error_type]
    if "must not be before" in message:
        return "cette date est antérieure à la date de début"
    return f"valeur refusée ({message})"
