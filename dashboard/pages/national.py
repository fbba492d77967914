"""Couverture nationale (home): the map, the headline figures, the groupements by gap.

``layout(ctx, departement=None)``: ``?departement=33`` opens the table filtered on the
groupements covering that département (a click on the map does the same). A référent,
who may not read national coverage (:func:`graph.access.coverage.may_read_scope`), gets
their own groupements' rows only (:func:`referent_layout`), as the API answers them.
"""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
from dash import Dash, Input, Output, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import data as D
from dashboard import i18n
from dashboard.auth import current_context
from dashboard.components import section
from dashboard.figures import (
    GRAPH_CONFIG,
    Card,
    MapHighlight,
    MapValue,
    france_map,
    headline_cards,
)
from dashboard.pages import introductions
from dashboard.runtime import PageContext
from graph.access.counts import SUPPRESSED
from graph.access.coverage import may_read_groupement, may_read_scope

TABLE_ID = "table-groupements"
MAP_ID = "carte-france"
HIGHLIGHTS = 5
_COUNT = {"function": "frCount(params.value)"}
_PERCENT = {"function": "frPercent(params.value)"}
#: the départements column's filter: a whole code of the list ("71" is not "971"; see
#: ``departementIn`` in assets/dashAgGridFunctions.js), a typed code as a map click
DEPARTEMENT_FILTER = {
    "displayKey": "departement",
    "displayName": "Département",
    "predicate": {"function": "departementIn"},
}
_NUMBER_COL = {"filter": "agNumberColumnFilter", "type": "numericColumn", "minWidth": 84}
COLUMNS: list[dict[str, Any]] = [
    {
        "field": "rang",
        "headerName": "Rang",
        "width": 76,
        "minWidth": 64,
        **_NUMBER_COL,
        "pinned": "left",
    },
    {
        "field": "lien",
        "headerName": "Groupement",
        "cellRenderer": "markdown",
        "width": 210,
        "minWidth": 150,
        "pinned": "left",
        "wrapText": True,
        "autoHeight": True,
        "filterValueGetter": {"function": "params.data.groupement"},
    },
    {
        "field": "departements",
        "headerName": "Départements",
        "width": 112,
        "minWidth": 104,
        "wrapText": True,
        "autoHeight": True,
        "filterParams": {"filterOptions": [DEPARTEMENT_FILTER, "contains"]},
    },
    {
        "field": "referent",
        "headerName": "Référent",
        "minWidth": 104,
        "width": 104,
        "cellClassRules": {"cell-bad": "params.value === 'non' || params.value === 'sans accord'"},
    },
    {
        "field": "candidats",
        "headerName": "Candidats",
        "width": 96,
        **_NUMBER_COL,
        "valueFormatter": _COUNT,
    },
    {
        "field": "aidants",
        "headerName": "Aidants disponibles",
        "width": 96,
        **_NUMBER_COL,
        "valueFormatter": _COUNT,
    },
    {
        "field": "avec_chemin",
        "headerName": "Avec chemin",
        "width": 90,
        **_NUMBER_COL,
        "valueFormatter": _PERCENT,
    },
    {
        "field": "sans_chemin",
        "headerName": "Sans chemin",
        "width": 90,
        **_NUMBER_COL,
        "valueFormatter": _COUNT,
    },
    {
        "field": "employeurs_sans_contact",
        "headerName": "Employeurs sans contact",
        "width": 104,
        **_NUMBER_COL,
        "valueFormatter": _COUNT,
    },
    {
        "field": "concernes",
        "headerName": "Candidats concernés",
        "width": 104,
        **_NUMBER_COL,
        "valueFormatter": _COUNT,
    },
    {
        "field": "lacune_action",
        "headerName": "Plus grande lacune, et l'action suggérée",
        "cellRenderer": "markdown",
        "minWidth": 240,
        "flex": 1,
        "wrapText": True,
        "autoHeight": True,
        "filter": "agTextColumnFilter",
    },
]
#: AG Grid's words in French (the ones this grid shows)
LOCALE_TEXT = {
    "filterOoo": "Filtrer…",
    "equals": "Égal à",
    "notEqual": "Différent de",
    "lessThan": "Inférieur à",
    "greaterThan": "Supérieur à",
    "lessThanOrEqual": "Inférieur ou égal à",
    "greaterThanOrEqual": "Supérieur ou égal à",
    "inRange": "Entre",
    "inRangeStart": "De",
    "inRangeEnd": "À",
    "contains": "Contient",
    "notContains": "Ne contient pas",
    "startsWith": "Commence par",
    "endsWith": "Se termine par",
    "blank": "Vide",
    "notBlank": "Non vide",
    "andCondition": "ET",
    "orCondition": "OU",
    "applyFilter": "Appliquer",
    "resetFilter": "Réinitialiser",
    "clearFilter": "Effacer",
    "cancelFilter": "Annuler",
    "noRowsToShow": "Aucun groupement",
    "loadingOoo": "Chargement…",
    "page": "Page",
    "of": "sur",
    "to": "à",
    "more": "plus",
    "firstPage": "Première page",
    "lastPage": "Dernière page",
    "nextPage": "Page suivante",
    "previousPage": "Page précédente",
    "pageSizeSelectorLabel": "Lignes par page :",
    "ariaPageSizeSelectorLabel": "Lignes par page",
    "pinColumn": "Épingler la colonne",
    "autosizeThisColumn": "Ajuster cette colonne",
    "autosizeAllColumns": "Ajuster toutes les colonnes",
    "resetColumns": "Réinitialiser les colonnes",
    "sortAscending": "Tri croissant",
    "sortDescending": "Tri décroissant",
    "sortUnSort": "Sans tri",
    "columnFilter": "Filtre de colonne",
    "filterPlaceholder": "Filtrer…",
    "ariaFilterInput": "Saisie du filtre",
    "ariaFilterColumnsInput": "Saisie du filtre des colonnes",
    "ariaFilterValue": "Valeur du filtre",
    "ariaFilteringOperator": "Opérateur de filtre",
}
PAGE_SIZE = 20


def _md(text: str) -> str:
    for ch in "\\[]()*_`":
        text = text.replace(ch, "\\" + ch)
    return text


def map_values(values: dict[str, D.DepartementValue]) -> dict[str, MapValue]:
    out = {}
    for code, v in values.items():
        s = v.shown
        lines = (
            f"Candidats : {i18n.number(s['candidates'])}",
            f"Avec chemin : {i18n.percent(s['share_with_path'])}",
            f"Aidants disponibles : {i18n.number(s['helpers_available'])}",
            f"Employeurs sans contact : {i18n.number(s['employers_without_contact'])}"
            f" sur {i18n.number(s['employers'])}",
            f"Groupements sans référent : {i18n.number(s['groupements_without_referent'])}",
        )
        out[code] = MapValue(code, v.name, v.score, lines)
    return out


def map_summary(data: D.NationalData, found: list[D.Highlight]) -> str:
    """The map in words, for who cannot see it (the table below holds the same figures)."""
    marks = " ; ".join(f"{h.rank} : {h.name}" for h in found)
    return (
        f"Carte des {i18n.plural(len(data.report.departements), 'département')} "
        "colorés selon leur score de couverture. Groupements aux plus grandes lacunes, "
        f"numérotés sur la carte : {marks}. Le tableau « Groupements classés par lacune » "
        "donne les mêmes chiffres par groupement."
    )


def figure(ctx: PageContext, data: D.NationalData) -> Any:
    """The map for this viewer (a plain function of the data, for tests)."""
    found = D.highlights(data, ctx.principal, HIGHLIGHTS)
    marks = [MapHighlight(h.rank, h.name, h.departements, h.title) for h in found]
    return france_map(map_values(D.departement_values(data)), marks)


def headline(data: D.NationalData) -> list[Card]:
    """The headline figures (a national roll-up: small counts withheld)."""
    from graph.coverage import privacy

    total = data.report.total
    assert total is not None
    shown = privacy.render_coverage(total, own_groupement=False)
    return [
        Card(
            "Candidats",
            i18n.number(shown["candidates"]),
            f"dont {i18n.number(shown['candidates_departing_12m'])} partent dans les 12 mois",
        ),
        Card(
            "Aidants",
            i18n.number(shown["helpers"]),
            f"{i18n.number(shown['helpers_available'])} disponibles",
        ),
        Card(
            "Référents",
            i18n.number(shown["referents"]),
            f"{i18n.plural(total.groupements_without_referent, 'groupement')} sans référent",
            "bad" if total.groupements_without_referent else "",
        ),
        Card(
            "Candidats avec un chemin",
            i18n.percent(shown["share_with_path"]),
            f"{i18n.number(shown['candidates_without_path'])} sans chemin, dont "
            f"{i18n.number(shown['candidates_without_target'])} sans cible renseignée",
        ),
        Card(
            "Employeurs sans contact",
            i18n.number(total.employers_without_contact),
            f"sur {i18n.number(total.employers)} employeurs",
        ),
    ]


def rows(ctx: PageContext, data: D.NationalData) -> list[dict[str, Any]]:
    out = D.table_rows(data, ctx.principal)
    for row in out:
        row["lien"] = f"[{_md(row['groupement'])}]({ctx.href('groupement/' + row['id'])})"
        row["lacune_action"] = (
            f"**{_md(row['lacune'])}**  \n{_md(row['action'])}" if row["lacune"] else ""
        )
        if row["lacunes"] > 1:
            row["lacune_action"] += f"  \n_{i18n.plural(row['lacunes'], 'lacune')} au total_"
    return out


def filter_model(code: str | None) -> dict[str, Any]:
    """The grid filter of the groupements covering département ``code``.

    >>> filter_model("33")
    {'departements': {'filterType': 'text', 'type': 'departement', 'filter': '33'}}
    >>> filter_model(None)
    {}
    """
    if not code:
        return {}
    return {
        "departements": {
            "filterType": "text",
            "type": DEPARTEMENT_FILTER["displayKey"],
            "filter": code,
        }
    }


def grid(row_data: list[dict[str, Any]], departement: str | None = None) -> dag.AgGrid:
    """The table of groupements ranked by gap."""
    return dag.AgGrid(
        id=TABLE_ID,
        columnDefs=COLUMNS,
        rowData=row_data,
        defaultColDef={
            "sortable": True,
            "filter": True,
            "floatingFilter": True,
            "resizable": True,
            "suppressHeaderMenuButton": True,
            "wrapHeaderText": True,
            "autoHeaderHeight": True,
        },
        filterModel=filter_model(departement),
        getRowId="params.data.id",
        dashGridOptions={
            "localeText": LOCALE_TEXT,
            "pagination": True,
            "paginationPageSize": PAGE_SIZE,
            "paginationPageSizeSelector": [20, 50, 200],
            "domLayout": "autoHeight",
            "animateRows": False,
            "rowClassRules": {"row-own": "params.data.propre"},
        },
        columnSize="responsiveSizeToFit",
        style={"width": "100%"},
        className="grid",
    )


def own_rows(ctx: PageContext, data: D.NationalData) -> list[dict[str, Any]]:
    """The table's rows of the groupements the viewer may read
    (:func:`graph.access.coverage.may_read_groupement`), ranked among themselves."""
    out = [r for r in rows(ctx, data) if may_read_groupement(ctx.principal, r["id"])]
    for rank, row in enumerate(out, start=1):
        row["rang"] = rank
    return out


def referent_layout(ctx: PageContext, data: D.NationalData) -> html.Div:
    """A référent's home page: their groupements only, as the API answers them (no
    national figure, no map of départements, no other groupement)."""
    return html.Div(
        [
            html.Div(
                [
                    html.H1("Vos groupements"),
                    html.P(
                        f"Situation au {i18n.long_date(ctx.as_of)} · les chiffres nationaux "
                        "et ceux des autres groupements sont réservés à la cellule nationale.",
                        className="subtitle",
                    ),
                    *_freshness(data),
                ],
                className="page-head",
            ),
            section(
                "Vos groupements classés par lacune",
                grid(own_rows(ctx, data)),
                note="Effectifs exacts : ce sont vos groupements.",
                id_="panneau-table",
            ),
            introductions.funnel_section(ctx),
            html.Div(
                id="rendu-national", className="render-mark", **{"data-version": str(data.version)}
            ),
        ],
        className="page page-national page-referent",
        id="page-national",
    )


def layout(
    ctx: PageContext, departement: str | None = None, classement: str | None = None
) -> html.Div:
    store = ctx.store
    data = D.national_data(store, ctx.as_of)
    if not may_read_scope(ctx.principal, "national"):
        return referent_layout(ctx, data)
    found = D.highlights(data, ctx.principal, HIGHLIGHTS)
    by = classement if classement in D.RANKINGS else "lacune"
    table = grid(D.rank_rows(rows(ctx, data), by), departement)
    gaps_list = html.Ol(
        [
            html.Li(
                [
                    dcc.Link(h.name, href=ctx.href("groupement/" + h.groupement_id)),
                    html.Span(f" — {h.title}", className="muted"),
                ]
            )
            for h in found
        ],
        id="plus-grandes-lacunes",
        className="gap-list",
    )
    total = data.report.total
    assert total is not None
    return html.Div(
        [
            html.Div(
                [
                    html.H1("Couverture nationale"),
                    html.P(
                        f"Situation au {i18n.long_date(ctx.as_of)} · "
                        f"{i18n.plural(total.groupements, 'groupement')} · "
                        f"{i18n.plural(len(data.report.departements), 'département')}",
                        className="subtitle",
                    ),
                    *_freshness(data),
                ],
                className="page-head",
            ),
            headline_cards(headline(data)),
            html.Div(
                [
                    section(
                        "Carte des départements",
                        html.Div(
                            dcc.Graph(
                                id=MAP_ID,
                                figure=figure(ctx, data),
                                config=GRAPH_CONFIG,
                                className="map-graph",
                            ),
                            id="carte-alternative",
                            role="figure",
                            **{
                                "aria-label": map_summary(data, found),
                                "aria-describedby": "carte-legende",
                            },
                        ),
                        html.P(
                            id="carte-legende",
                            children=[
                                "Score de couverture de 0 à 100 : moyenne des critères "
                                "(référent ayant accepté, employeurs avec un contact, secteurs "
                                "visés avec un aidant, chartes locales signées, part des "
                                "candidats avec un chemin quand elle peut être affichée). "
                                "Contours foncés et numéros : les groupements aux plus grandes "
                                "lacunes. Cliquez un département pour filtrer le tableau.",
                                html.Br(),
                                html.Span(_attribution(), className="attribution"),
                            ],
                            className="caption",
                        ),
                        id_="panneau-carte",
                    ),
                    section(
                        "Plus grandes lacunes",
                        gaps_list,
                        note="Groupements classés par le nombre de candidats concernés par "
                        "leur première lacune.",
                    ),
                ],
                className="row map-row",
            ),
            section(
                "Groupements classés par lacune",
                html.Div([ranking_choice(ctx, by, departement), table]),
                note="Triez en cliquant un en-tête, filtrez avec la ligne sous les en-têtes. "
                "Les effectifs de moins de cinq personnes sont affichés "
                f"« {SUPPRESSED} » hors de la vue du référent du groupement ; « n.c. » : part "
                "non communiquée.",
                id_="panneau-table",
            ),
            introductions.funnel_section(ctx),
            html.Div(
                id="rendu-national", className="render-mark", **{"data-version": str(data.version)}
            ),
        ],
        className="page page-national",
        id="page-national",
    )


RANKING_ID = "classement"


def ranking_note(by: str) -> str:
    """What the order of the table is.

    >>> ranking_note("part")[:40]
    'Classés par part de candidats sans chemi'
    """
    if by == "part":
        return (
            "Classés par part de candidats sans chemin, la plus forte d'abord ; "
            "parts non communiquées en dernier."
        )
    return "Classés par lacune : nombre de candidats concernés par la première lacune."


def ranking_choice(ctx: PageContext, by: str, departement: str | None) -> html.Div:
    """Rank the table by gap (raw counts: the large délégations first) or by share of
    candidates without a path: links, so the ranking is in the URL (``?classement=part``)
    and the page is rendered (and audited) by the router."""
    links: list[Any] = ["Classer : "]
    for i, (key, label) in enumerate(D.RANKINGS.items()):
        query = f"?classement={key}" + (f"&departement={departement}" if departement else "")
        choice: Any = (
            html.Strong(label, id=f"{RANKING_ID}-{key}")  # the current one is no link
            if key == by
            else dcc.Link(label, href=ctx.href(query), id=f"{RANKING_ID}-{key}")
        )
        links += [" · " if i else "", choice]
    return html.Div(
        [html.P(links), html.P(ranking_note(by), className="muted")],
        id=RANKING_ID,
        className="ranking",
    )


def ranked_rows(ctx: PageContext, by: str) -> list[dict[str, Any]]:
    """The national table's rows ranked ``by`` (:func:`dashboard.data.rank_rows`)."""
    data = D.national_data(ctx.store, ctx.as_of)
    return D.rank_rows(rows(ctx, data), by)


def _freshness(data: D.NationalData) -> list[html.P]:
    """« Chiffres calculés à 14 h 32 (mise à jour en cours) » when the figures are not
    those of the latest write (:func:`dashboard.data.freshness`)."""
    note = D.freshness(data.report)
    return [] if note is None else [html.P(note, id="fraicheur", className="freshness")]


def _attribution() -> str:
    from dashboard.geo import geometry

    return geometry().attribution


def register(app: Dash) -> None:
    @app.callback(
        Output(TABLE_ID, "filterModel"),
        Input(MAP_ID, "clickData"),
        prevent_initial_call=True,
    )
    def filter_on_click(click: dict | None) -> dict[str, Any]:
        if current_context() is None:
            raise PreventUpdate
        return filter_model(clicked_code(click))


def clicked_code(click: dict | None) -> str | None:
    """The département code of a map click (from the centres trace or a département trace).

    >>> clicked_code({"points": [{"customdata": "33"}]}), clicked_code(None)
    ('33', None)
    """
    for point in (click or {}).get("points", []):
        code = point.get("customdata")
        if isinstance(code, str):
            return code
    return None
