"""Export a groupement (or everything) in the import's CSV formats.

Files open cleanly in French Excel: ``;`` separator, UTF-8 with BOM, ``\\r\\n`` line ends,
French headers (:mod:`graph.exchange.formats`), dates ``15/03/2024``, decimal commas,
``oui``/``non``. Numeric columns hold numbers only: an export is the référent's own data,
never a statistic, so nothing is withheld as "< 5".

Importing an export into a store that holds the same reference graph (geography,
associations, groupements) gives back the same people, employers and relationships.

Decisions:

* Scope (:func:`graph.access.exchange.export_scope`): ``None`` is everything (the
  admin); otherwise the people ``IN_GROUPEMENT`` one of the groupements, their
  memberships of those groupements (and of their associations), the ties and sponsorships
  between two of them, their employments, targets and places, the employers they work
  for, the groupements' référents and local charters.
* A person takes one line per membership (association and groupement side by side);
  their personal columns repeat on each line, as the import expects.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from graph.exchange.formats import FORMATS, Kind
from graph.model import Employer, Groupement, Label, Person, RelRecord, RelType
from graph.store import GraphStore


def cell(value: Any) -> str:
    """A value as French Excel reads it.

    >>> cell(0.8), cell(True), cell(date(2024, 3, 15)), cell("2024-03-15"), cell(None)
    ('0,8', 'oui', '15/03/2024', '15/03/2024', '')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if hasattr(value, "value"):
        return str(value.value)
    text = str(value)
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and text[:4].isdigit():
        return f"{text[8:10]}/{text[5:7]}/{text[:4]}"
    return text


def to_csv(kind: Kind, rows: Iterable[dict[str, Any]]) -> bytes:
    """One file of ``kind``: BOM, headers, ``;``-separated rows of cells."""
    columns = FORMATS[kind]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.header for c in columns])
    for row in rows:
        writer.writerow([cell(row.get(c.field)) for c in columns])
    return out.getvalue().encode("utf-8-sig")


def _all(store: GraphStore, rel_type: RelType) -> list[RelRecord]:
    """Every relationship of a type, by ends' ids: the same files from either store."""
    rels = [r for page in store.export_relationships(rel_type) for r in page]
    rels.sort(key=lambda r: (r.src, r.dst))
    return rels


def export_files(store: GraphStore, groupements: list[str] | None = None) -> dict[str, bytes]:
    """The CSV files of a scope (``None``: everything), by file name."""
    people: dict[str, Person] = {}
    in_groupement = _all(store, RelType.IN_GROUPEMENT)
    scope = None if groupements is None else set(groupements)
    if scope is None:
        for page in store.export_nodes(Label.PERSON):
            people.update((p.id, p) for p in page if isinstance(p, Person))
    else:
        ids = sorted({r.src for r in in_groupement if r.dst in scope})
        people = {i: p for i, p in store.get_many(ids).items() if isinstance(p, Person)}
    groupement_nodes = {
        g.id: g for page in store.export_nodes(Label.GROUPEMENT) for g in page
        if isinstance(g, Groupement)
    }  # fmt: skip
    scope_assocs = (
        None if scope is None
        else {groupement_nodes[g].association_id for g in scope if g in groupement_nodes}
    )  # fmt: skip

    def mine(*ends: str) -> bool:
        return all(e in people for e in ends)

    files: dict[str, bytes] = {}
    # members
    groups: dict[str, list[RelRecord]] = defaultdict(list)
    for r in in_groupement:
        if r.src in people and (scope is None or r.dst in scope):
            groups[r.src].append(r)
    assocs: dict[str, dict[str, RelRecord]] = defaultdict(dict)
    for r in _all(store, RelType.MEMBER_OF):
        if r.src in people and (scope_assocs is None or r.dst in scope_assocs):
            assocs[r.src][r.dst] = r
    lives: dict[str, list[str]] = defaultdict(list)
    for r in _all(store, RelType.LIVES_IN):
        if r.src in people:
            lives[r.src].append(r.dst)
    settles: dict[str, list[str]] = defaultdict(list)
    for r in _all(store, RelType.SETTLES_IN):
        if r.src in people:
            settles[r.src].append(r.dst)
    member_rows: list[dict[str, Any]] = []
    for pid in sorted(people):
        base = people[pid].model_dump()
        pairs: list[tuple[RelRecord | None, RelRecord | None]] = []
        used: set[str] = set()
        for g in sorted(groups[pid], key=lambda r: r.dst):
            node = groupement_nodes.get(g.dst)
            a = assocs[pid].get(node.association_id) if node is not None else None
            if a is not None:
                used.add(a.dst)
            pairs.append((a, g))
        pairs += [(a, None) for d, a in sorted(assocs[pid].items()) if d not in used]
        n = max(1, len(pairs), len(lives[pid]), len(settles[pid]))
        for i in range(n):
            am, gm = pairs[i] if i < len(pairs) else (None, None)
            member_rows.append({
                **base,
                "lives_in": _at(lives[pid], i),
                "settles_in": _at(settles[pid], i),
                "association": am.dst if am else None,
                "association_since": getattr(am, "since", None),
                "groupement": gm.dst if gm else None,
                "groupement_since": getattr(gm, "since", None),
            })  # fmt: skip
    files["membres.csv"] = to_csv(Kind.MEMBERS, member_rows)
    # employments, and the employers they name
    works = [r for r in _all(store, RelType.WORKS_AT) if mine(r.src)]
    employer_ids = None if scope is None else {r.dst for r in works}
    employers: dict[str, Employer] = {}
    for page in store.export_nodes(Label.EMPLOYER):
        employers.update(
            (e.id, e) for e in page
            if isinstance(e, Employer) and (employer_ids is None or e.id in employer_ids)
        )  # fmt: skip
    located: dict[str, list[str]] = defaultdict(list)
    for r in _all(store, RelType.LOCATED_IN):
        if r.src in employers:
            located[r.src].append(r.dst)
    sectors: dict[str, list[str]] = defaultdict(list)
    for r in _all(store, RelType.IN_SECTOR):
        if r.src in employers:
            sectors[r.src].append(r.dst)
    employer_rows = []
    for eid in sorted(employers):
        base = employers[eid].model_dump()
        for i in range(max(1, len(located[eid]), len(sectors[eid]))):
            employer_rows.append(
                {**base, "located_in": _at(located[eid], i), "sector": _at(sectors[eid], i)}
            )
    files["employeurs.csv"] = to_csv(Kind.EMPLOYERS, employer_rows)
    files["liens.csv"] = to_csv(
        Kind.TIES, (r.model_dump() for r in _all(store, RelType.KNOWS) if mine(r.src, r.dst))
    )
    files["emplois.csv"] = to_csv(Kind.EMPLOYMENTS, (r.model_dump() for r in works))
    target_rows = []
    bassins = {n.id for page in store.export_nodes(Label.BASSIN_EMPLOI) for n in page}
    for r in _all(store, RelType.TARGETS):
        if mine(r.src):
            column = "bassin" if r.dst in bassins else "sector"
            target_rows.append({"src": r.src, column: r.dst})
    files["cibles.csv"] = to_csv(Kind.TARGETS, target_rows)
    files["parrainages.csv"] = to_csv(
        Kind.MENTORING,
        (r.model_dump() for r in _all(store, RelType.MENTORS) if mine(r.src, r.dst)),
    )
    files["referents.csv"] = to_csv(
        Kind.REFERENTS,
        (
            r.model_dump() for r in _all(store, RelType.REFERENT_OF)
            if scope is None or (r.dst in scope and mine(r.src))
        ),
    )  # fmt: skip
    files["chartes.csv"] = to_csv(
        Kind.CHARTERS,
        (
            r.model_dump() for r in _all(store, RelType.PARTNER_OF)
            if scope is None or r.src in scope or r.dst in scope
        ),
    )  # fmt: skip
    return files


def _at(values: list[str], i: int) -> str | None:
    return values[i] if i < len(values) else None


def write_dir(files: dict[str, bytes], out: str | Path) -> list[Path]:
    """Write the files into a directory (created if needed); their paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in files.items():
        path = out / name
        path.write_bytes(data)
        paths.append(path)
    return paths


def to_zip(files: dict[str, bytes]) -> bytes:
    """The files in one zip (what the API sends)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()
