"""CSV import benchmark: members and ties from files, dry run and real, beside the demo seed.

Each measurement runs in a fresh child process so that its peak RSS is its own:

* ``seed``: ``passerelle seed --people N``'s work (the demo generator into a fresh store);
* ``dry``: a dry run of ``membres.csv`` (N people) and ``liens.csv`` (T ties) against a
  store holding the reference graph only (plan: read, check, resolve, compare);
* ``real``: the same import written (one transaction), then the view built;
* ``again``: the same files imported again (must change nothing: the version stays);
* ``linkedin``: a member's 5,000-row ``Connections.csv`` (half members, notes lines, BOM).

    nice -n 19 .venv/bin/python bench/import_csv.py --people 100000 --ties 1000000

Prints a Markdown table; ``--out FILE`` appends it (with the command) to FILE.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FIRST = ["Anne", "Élodie", "Jean", "Zoé", "Marc", "Hélène", "Luc", "Sophie", "Émile", "Paul"]
MEMBER_HEADER = (
    "numero_adherent;civilite;prenom;nom;statut;date_depart;intermediaire;annuaire;capacite;"
    "email;departement;association;adhesion_depuis;groupement;groupement_depuis"
)


def write_members_and_ties(
    out: Path,
    people: int,
    ties: int,
    groupements: list[tuple[str, str, str]],
    seed: int = 7,
) -> tuple[Path, Path]:
    """``membres.csv`` and ``liens.csv`` as a French spreadsheet would hold them.

    ``groupements``: (groupement id, its association id, a département code) to spread
    the people over. People are named by membership number in the ties file.
    """
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    status = np.array(["candidat", "aidant", "les deux", "aucun"])[
        rng.choice(4, people, p=[0.3, 0.5, 0.1, 0.1])
    ]
    group = rng.integers(0, len(groupements), people)
    day = rng.integers(1, 29, people)
    month = rng.integers(1, 13, people)
    year = rng.integers(2000, 2026, people)
    lines = [MEMBER_HEADER]
    for i in range(people):
        g, a, dep = groupements[group[i]]
        since = f"{day[i]:02d}/{month[i]:02d}/{year[i]}"
        email = f"m{i}@example.org" if i % 5 < 3 else ""
        lines.append(
            f"N-{i:07d};{'Mme' if i % 2 else 'M.'};{FIRST[i % 10]};Nom{i:07d};{status[i]};"
            f";{'oui' if i % 3 else 'non'};non;{i % 4};{email};{dep};{a};{since};{g};{since}"
        )
    members = out / "membres.csv"
    members.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    # distinct pairs, no self-ties
    a = rng.integers(0, people, int(ties * 1.1))
    b = rng.integers(0, people, int(ties * 1.1))
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keep = lo != hi
    keys = np.unique(lo[keep].astype(np.int64) * people + hi[keep])[:ties]
    rng.shuffle(keys)
    src, dst = keys // people, keys % people
    strength = np.round(rng.uniform(0.1, 1.0, len(keys)), 2)
    sources = np.array(["promotion", "unite", "evenement", "declare"])[
        rng.integers(0, 4, len(keys))
    ]
    t_year = rng.integers(1995, 2026, len(keys))
    t_month = rng.integers(1, 13, len(keys))
    tie_lines = ["membre_1;membre_2;force;source;depuis"]
    tie_lines += [
        f"N-{s:07d};N-{d:07d};{str(f).replace('.', ',')};{src_};01/{m:02d}/{y}"
        for s, d, f, src_, m, y in zip(
            src.tolist(), dst.tolist(), strength.tolist(), sources.tolist(),
            t_month.tolist(), t_year.tolist(), strict=True,
        )
    ]  # fmt: skip
    ties_path = out / "liens.csv"
    ties_path.write_bytes(("\r\n".join(tie_lines) + "\r\n").encode("utf-8-sig"))
    return members, ties_path


def write_connections(path: Path, rows: int, people: int, seed: int = 7) -> Path:
    """A LinkedIn ``Connections.csv``: half members (by name), half strangers."""
    rng = np.random.default_rng(seed + 1)
    companies = ["Thales", "Airbus", "Safran", "Naval Group", "Dassault Aviation", "MBDA",
                 "Boulangerie Martin", "SNCF", "EDF", "Capgemini"]  # fmt: skip
    lines = [
        "Notes:",
        '"When exporting your connection data, you may notice that some of the email'
        ' addresses are missing."',
        "",
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On",
    ]
    for k in range(rows):
        if k % 2 == 0:
            i = int(rng.integers(1, people))
            first, last = FIRST[i % 10], f"Nom{i:07d}"
        else:
            first, last = "Inconnu", f"Personne{k}"
        company = companies[int(rng.integers(0, len(companies)))]
        lines.append(f"{first},{last},https://www.linkedin.com/in/x{k},,{company},Ingénieur,"
                     f"{int(rng.integers(1, 29))} Mar 2024")  # fmt: skip
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    return path


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reference_store(data_dir: str) -> None:
    from graph.embedded import EmbeddedStore
    from seed.reference_graph import reference_batches

    with EmbeddedStore(data_dir) as store:
        for batch in reference_batches():
            store.write(batch)


def groupements_of(data_dir: str) -> list[tuple[str, str, str]]:
    from graph.embedded import EmbeddedStore
    from graph.model import Departement, Groupement, Label, RelType

    with EmbeddedStore(data_dir) as store:
        groups = [g for p in store.export_nodes(Label.GROUPEMENT) for g in p]
        covers = {r.src: r.dst for p in store.export_relationships(RelType.COVERS) for r in p}
        deps = {d.id: d for p in store.export_nodes(Label.DEPARTEMENT) for d in p}
        out = []
        for g in groups:
            assert isinstance(g, Groupement)
            dep = deps.get(covers.get(g.id, ""))
            if isinstance(dep, Departement):
                out.append((g.id, g.association_id, dep.code))
        return out


def _worker(mode: str, data_dir: str, files: list[str], people: int, member: str) -> dict:
    sys.path.insert(0, str(ROOT))
    from graph.embedded import EmbeddedStore

    started = time.perf_counter()
    if mode == "seed":
        from seed.demo import generate

        store = EmbeddedStore(data_dir)
        with store.bulk():
            for batch in generate(people, 7):
                store.write(batch)
        store.view()
        store.close()
        return {"seconds": time.perf_counter() - started, "peak_rss_mib": _peak_rss_mib()}
    from graph.exchange import SourceFile, run_import

    store = EmbeddedStore(data_dir)
    opened = time.perf_counter()
    before = store.version
    if mode == "linkedin":
        from graph.exchange.apply import write_plan
        from graph.exchange.linkedin import plan_linkedin

        store.update_node(
            __import__("graph.model").model.Label.PERSON, member, {"consent_social_import": True}
        )
        store.view()
        opened = time.perf_counter()
        plan = plan_linkedin(store, member, SourceFile.from_path(files[0]))
        result = write_plan(store, plan)
        info = plan.extra["linkedin"]
        detail = (f"{info['rows']:,} rows, {info['members']:,} members,"
                  f" {len(info['companies_to_review'])} companies to review")  # fmt: skip
    else:
        result = run_import(
            store, [SourceFile.from_path(f) for f in files], dry_run=(mode == "dry")
        )
        assert result.plan.ok, [str(p) for p in result.plan.problems[:5]]
        counts = result.plan.counts
        detail = ", ".join(
            f"{k} +{c.created:,}/~{c.changed:,}/={c.unchanged:,}"
            for k, c in sorted(counts.items()) if k in ("Person", "KNOWS")
        )  # fmt: skip
    done = time.perf_counter()
    if mode in ("real", "linkedin"):
        store.view()  # derived state rebuilt once, after the one write
    end = time.perf_counter()
    after = store.version
    store.close()
    return {
        "seconds": done - opened,
        "with_view_seconds": end - opened,
        "peak_rss_mib": _peak_rss_mib(),
        "written": result.written,
        "version_moved": after != before,
        "detail": detail,
    }


def _child(mode: str, data_dir: Path, files: list[Path], people: int, member: str = "") -> dict:
    cmd = [sys.executable, __file__, "--worker", mode, "--dir", str(data_dir),
           "--people", str(people), "--member", member, *map(str, files)]  # fmt: skip
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--ties", type=int, default=1_000_000)
    parser.add_argument("--connections", type=int, default=5_000)
    parser.add_argument("--work-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--dir", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--member", default="", help=argparse.SUPPRESS)
    parser.add_argument("files", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(_worker(args.worker, args.dir, args.files, args.people, args.member)))
        return 0
    sys.path.insert(0, str(ROOT))
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="import-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    store_dir, seed_dir, files_dir = work / "store", work / "seed", work / "files"
    for d in (store_dir, seed_dir):
        shutil.rmtree(d, ignore_errors=True)
    reference_store(str(store_dir))
    started = time.perf_counter()
    members, ties = write_members_and_ties(
        files_dir, args.people, args.ties, groupements_of(str(store_dir))
    )
    generated = time.perf_counter() - started
    sizes = f"{members.stat().st_size / 2**20:.0f} + {ties.stat().st_size / 2**20:.0f} MiB"
    rows: list[tuple[str, dict]] = []
    rows.append(("demo seed (`passerelle seed`), same size", _child("seed", seed_dir, [],
                                                                      args.people)))
    rows.append(("CSV import, dry run", _child("dry", store_dir, [members, ties], args.people)))
    rows.append(("CSV import, real (one transaction)",
                 _child("real", store_dir, [members, ties], args.people)))  # fmt: skip
    rows.append(("CSV import again (idempotent)",
                 _child("again", store_dir, [members, ties], args.people)))  # fmt: skip
    from graph.embedded import EmbeddedStore
    from graph.model import Label

    with EmbeddedStore(store_dir) as store:
        member = store.find(Label.PERSON, limit=1)[0].id
    conn = write_connections(files_dir / "Connections.csv", args.connections, args.people)
    rows.append((f"LinkedIn Connections.csv ({args.connections:,} rows)",
                 _child("linkedin", store_dir, [conn], args.people, member)))  # fmt: skip
    lines = [
        f"Files: {args.people:,} members and {args.ties:,} ties ({sizes}, generated in"
        f" {generated:.1f} s).",
        "",
        "| what | time (s) | time with view rebuilt (s) | peak RSS (MiB) | written | detail |",
        "|---|---:|---:|---:|---|---|",
    ]
    for name, r in rows:
        with_view = r.get("with_view_seconds", r["seconds"])
        lines.append(
            f"| {name} | {r['seconds']:.1f} | {with_view:.1f} | {r['peak_rss_mib']:,.0f} |"
            f" {r.get('written', 'yes')} | {r.get('detail', '')} |"
        )
    table = "\n".join(lines)
    print(table)
    if args.out:
        command = "nice -n 19 .venv/bin/python bench/import_csv.py " + " ".join(
            f"--{k} {v}" for k, v in (("people", args.people), ("ties", args.ties))
        )
        with args.out.open("a") as fh:
            fh.write(f"\nCommand: `{command}`\n\n{table}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
