"""Import (``/dashboard/import``): upload CSV files, read the simulation, confirm.

``layout(ctx)``: the upload zone for those who may import (``members:write``: référents
and the admin), a notice for anyone else. Uploading runs a dry run
(:func:`graph.exchange.run_import` with ``dry_run``) and shows its report: every problem
as file, line, column, value and reason, and what would be created, changed and left
alone. "Confirmer l'import" is enabled only for a clean report that changes something; it
plans the same files again and writes them in one transaction. The caller's scope applies
as in the API (a référent imports into their groupements only).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from dash import Dash, Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard.auth import current_context
from dashboard.components import notice
from dashboard.runtime import PageContext
from graph.access.roles import Permission
from graph.exchange import SourceFile, run_import
from graph.exchange.apply import ImportResult

#: problems shown in the table (the count says how many there are)
SHOWN = 200


def may_import(ctx: PageContext) -> bool:
    return ctx.principal.can(Permission.MEMBERS_WRITE)


def layout(ctx: PageContext) -> html.Div:
    if not may_import(ctx):
        return html.Div(
            [html.H1("Import"),
             notice("Votre rôle ne permet pas d'importer des fichiers.", "bad",
                    id_="import-interdit")],
            className="page", id="page-import",
        )  # fmt: skip
    return html.Div(
        [
            html.H1("Import de fichiers"),
            html.P(
                "Déposez un ou plusieurs fichiers CSV (membres, liens, emplois, cibles,"
                " parrainages ; les modèles sont dans seed/templates). Une simulation vérifie"
                " tout et n'écrit rien ; l'import confirmé est tout ou rien.",
                className="section-note",
            ),
            dcc.Upload(
                html.Div(["Glissez les fichiers ici ou ", html.A("choisissez-les")]),
                id="import-fichiers",
                multiple=True,
                className="upload",
                style={"border": "2px dashed #8aa", "padding": "1.5em", "textAlign": "center",
                       "borderRadius": "6px", "cursor": "pointer"},
            ),
            html.Div(id="import-noms", className="section-note"),
            dcc.Loading(html.Div(id="import-rapport"), type="default", delay_show=150),
            html.Button("Confirmer l'import", id="import-confirmer", className="button",
                        n_clicks=0, disabled=True),
            dcc.Loading(html.Div(id="import-resultat"), type="default", delay_show=150),
        ],
        className="page",
        id="page-import",
    )


def sources(contents: list[str] | None, names: list[str] | None) -> list[SourceFile]:
    """Uploaded files (data URLs) as source files; an undecodable one is skipped."""
    out = []
    for content, name in zip(contents or [], names or [], strict=False):
        _, _, encoded = (content or "").partition(",")
        try:
            out.append(SourceFile(name, base64.b64decode(encoded)))
        except (binascii.Error, ValueError):
            continue
    return out


def report(result: ImportResult, dry_run: bool) -> html.Div:
    """The report of an import (or of its simulation)."""
    plan = result.plan
    parts: list[Any] = []
    files = ", ".join(f"{f.name} ({f.kind or '?'}, {f.rows} lignes)" for f in plan.files)
    parts.append(html.P(f"Fichiers : {files}", id="import-lus"))
    if plan.problems:
        header = html.Tr([html.Th(h) for h in ("Fichier", "Ligne", "Colonne", "Valeur",
                                                "Raison")])  # fmt: skip
        rows = [
            html.Tr([html.Td(p.file), html.Td(p.line or ""), html.Td(p.column or ""),
                     html.Td(p.value or ""), html.Td(p.reason)])
            for p in plan.problems[:SHOWN]
        ]  # fmt: skip
        parts.append(notice(f"{len(plan.problems)} problème(s) : rien ne sera écrit tant"
                            " qu'ils ne sont pas corrigés.", "bad", id_="import-ko"))
        parts.append(html.Table([html.Thead(header), html.Tbody(rows)], id="import-problemes",
                                className="table"))  # fmt: skip
        return html.Div(parts)
    counts = plan.to_dict()["counts"]
    header = html.Tr([html.Th(h) for h in ("", "créés", "modifiés", "inchangés")])
    rows = [
        html.Tr([html.Td(c["label"]), html.Td(c["created"]), html.Td(c["changed"]),
                 html.Td(c["unchanged"])])
        for c in counts.values()
    ]  # fmt: skip
    parts.append(html.Table([html.Thead(header), html.Tbody(rows)], id="import-comptes",
                            className="table"))  # fmt: skip
    if plan.notes:
        parts.append(html.Ul([html.Li(str(n)) for n in plan.notes[:SHOWN]], id="import-notes"))
    if dry_run:
        text = ("Simulation : rien n'a été écrit." if plan.changes
                else "Rien à changer : tout est déjà à jour.")  # fmt: skip
        parts.append(notice(text, "info", id_="import-simulation"))
    elif result.written:
        parts.append(notice(f"Import écrit en une seule fois ({plan.changes} enregistrements).",
                            "good", id_="import-ecrit"))  # fmt: skip
    else:
        parts.append(notice("Rien à changer : tout est déjà à jour.", "info", id_="import-ecrit"))
    return html.Div(parts)


def register(app: Dash) -> None:
    @app.callback(
        Output("import-noms", "children"),
        Output("import-rapport", "children"),
        Output("import-confirmer", "disabled"),
        Output("import-resultat", "children"),
        Input("import-fichiers", "contents"),
        State("import-fichiers", "filename"),
        prevent_initial_call=True,
    )
    def simulate(contents: list[str] | None, names: list[str] | None) -> tuple[Any, ...]:
        ctx = current_context()
        if ctx is None or not may_import(ctx) or not contents:
            raise PreventUpdate
        files = sources(contents, names)
        result = run_import(ctx.store, files, dry_run=True, principal=ctx.principal)
        ready = result.plan.ok and result.plan.changes > 0
        shown = "Fichiers déposés : " + ", ".join(names or [])
        return shown, report(result, True), not ready, ""

    @app.callback(
        Output("import-resultat", "children", allow_duplicate=True),
        Output("import-confirmer", "disabled", allow_duplicate=True),
        Input("import-confirmer", "n_clicks"),
        State("import-fichiers", "contents"),
        State("import-fichiers", "filename"),
        prevent_initial_call=True,
    )
    def confirm(clicks: int, contents: list[str] | None, names: list[str] | None) -> Any:
        ctx = current_context()
        if ctx is None or not may_import(ctx) or not clicks or not contents:
            raise PreventUpdate
        result = run_import(ctx.store, sources(contents, names), principal=ctx.principal)
        return report(result, False), True if result.written else no_update
