"""``/api/v1/imports`` and ``/api/v1/exports``: CSV files in and out, LinkedIn connections.

* ``POST /imports`` (multipart, one or more files; ``dry_run``): the import's report.
  A dry run answers 200 with its problems listed (``ok`` false); a real import with
  problems writes nothing and answers 422, each problem an ``errors`` entry named
  ``file:line:column``. Needs ``members:write``; a référent imports into their
  groupements only, and some kinds are the admin's (:mod:`graph.access.exchange`).
* ``POST /imports/linkedin?member_id=`` (one file, CSV or zip): a member's connections;
  the member must be in the caller's scope and have consented.
* ``GET /exports`` (``groupement_id``): a zip of the CSV files (``members:read``; a
  référent: their groupements).

Imports run in a worker thread (plain ``def`` routes), off the event loop; the one write
makes the derived state (view, path index, coverage) rebuild once, on its next reader.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import Response

from api.deps import MembersRead, MembersWrite, StoreDep
from api.problems import ProblemError, problem_responses
from graph.access.exchange import export_scope
from graph.exchange import SourceFile, run_import
from graph.exchange.apply import ImportResult, write_plan
from graph.exchange.export import export_files, to_zip
from graph.exchange.linkedin import plan_linkedin
from graph.model import ID_PATTERN

router = APIRouter(
    tags=["imports and exports"], responses=problem_responses(400, 401, 403, 413, 422, 429, 503)
)
#: problems given in a 422 answer (the dry run's report lists up to 1,000)
MAX_ERRORS = 200


class ImportRefused(ProblemError):
    status = 422
    slug = "import-refused"
    title = "Import refused"


def _sources(files: list[UploadFile]) -> list[SourceFile]:
    return [SourceFile(f.filename or f"fichier-{i + 1}.csv", f.file.read())
            for i, f in enumerate(files)]  # fmt: skip


def _answer(result: ImportResult, dry_run: bool) -> dict[str, Any]:
    plan = result.plan
    if not plan.ok and not dry_run:
        raise ImportRefused(
            f"{len(plan.problems)} problème(s) : rien n'a été écrit",
            errors=[(f"{p.file}:{p.line or ''}:{p.column or ''}", str(p))
                    for p in plan.problems[:MAX_ERRORS]],
        )  # fmt: skip
    out = result.to_dict()
    out["dry_run"] = dry_run
    out["person_ids"] = sorted(plan.person_ids)
    return out


@router.post("/imports", summary="Import CSV files (or check them with dry_run)")
def import_files(
    principal: MembersWrite,
    store: StoreDep,
    files: Annotated[list[UploadFile], File(description="membres.csv, liens.csv…")],
    dry_run: Annotated[bool, Query(description="check and report, write nothing")] = False,
) -> dict[str, Any]:
    """Plan the import of the files; unless ``dry_run`` (or a problem), write it in one
    transaction. Importing the same files again changes nothing."""
    result = run_import(store, _sources(files), dry_run=dry_run, principal=principal)
    return _answer(result, dry_run)


@router.post(
    "/imports/linkedin",
    summary="Import a member's LinkedIn connections",
    responses=problem_responses(404),
)
def import_linkedin(
    principal: MembersWrite,
    store: StoreDep,
    member_id: Annotated[str, Query(pattern=ID_PATTERN, max_length=80)],
    file: Annotated[UploadFile, File(description="Connections.csv, or LinkedIn's zip")],
    dry_run: Annotated[bool, Query(description="check and report, write nothing")] = False,
) -> dict[str, Any]:
    """Connections who are members become ``KNOWS`` ties (source linkedin); companies are
    matched to employers with a confidence, the doubtful ones listed for review."""
    source = _sources([file])[0]
    plan = plan_linkedin(store, member_id, source, principal=principal)
    result = (
        ImportResult(plan, False, store.version) if dry_run or not plan.ok
        else write_plan(store, plan)
    )  # fmt: skip
    return _answer(result, dry_run)


@router.get(
    "/exports",
    summary="Export a groupement (or everything) as CSV files in a zip",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "the CSV files"}},
)
def export(
    principal: MembersRead,
    store: StoreDep,
    groupement_id: Annotated[
        str | None, Query(pattern=ID_PATTERN, max_length=80, description="only this groupement")
    ] = None,
) -> Response:
    """The import's CSV formats, for French Excel (``;``, UTF-8 with BOM)."""
    scope = export_scope(principal, groupement_id)
    data = to_zip(export_files(store, scope))
    name = f"passerelle-{groupement_id or 'export'}.zip"
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
