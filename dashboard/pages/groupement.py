"""Groupement (``/groupement/<id>``): its metrics, gaps and actions, and a what-if panel.

The référent of the groupement sees exact counts and the names of its candidates without
a path; the national cell and the admin see small counts as "< 5" and no candidate at
all (:func:`graph.access.scope.groupement_view`); a référent of another groupement sees
its name and none of its figures, as the API refuses them
(:func:`graph.access.coverage.may_read_groupement`). A what-if shows the national line
only to who may read national coverage, and a figure withheld before or after is
withheld on both sides (:func:`graph.access.counts.pair`).
"""

from __future__ import annotations

import logging
from typing import Any

from dash import Dash, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import data as D
from dashboard import i18n
from dashboard.auth import current_context
from dashboard.components import dropdown, not_found, notice, scroll_box, section
from dashboard.figures import GRAPH_CONFIG, Card, headline_cards, whatif_bars
from dashboard.runtime import PageContext
from graph.access.counts import SUPPRESSED, pair
from graph.access.coverage import check_changes, may_read_groupement, may_read_scope
from graph.access.scope import GroupementView, groupement_view
from graph.access.visibility import UNNAMED_LABEL
from graph.coverage import privacy
from graph.coverage.service import what_if
from graph.errors import AccessDenied, InvalidInput, NotFound

log = logging.getLogger("passerelle.dashboard")
VIEW_NOTES = {
    GroupementView.OWN: "Votre groupement : effectifs exacts et noms des candidats.",
    GroupementView.NATIONAL: "Vue de la cellule nationale : les effectifs de moins de cinq "
    f"personnes sont affichés « {SUPPRESSED} » et aucun candidat n'est nommé.",
    GroupementView.OTHER: "Ce groupement n'est pas le vôtre : ses chiffres sont réservés à "
    "son référent et à la cellule nationale.",
}
WHATIF_KINDS = [
    {"label": "Nommer un référent", "value": "add_referent"},
    {"label": "Un aidant chez un employeur", "value": "add_helper"},
    {"label": "Signer une charte locale", "value": "sign_charter"},
]
_LIST_LIMIT = 200


def cards(shown: dict[str, Any], cov: Any, kind_of: str = "groupement") -> list[Card]:
    return [
        Card(
            "Candidats",
            i18n.number(shown["candidates"]),
            f"dont {i18n.number(shown['candidates_departing_12m'])} partent dans les 12 mois",
        ),
        Card(
            "Sans aucun chemin",
            i18n.number(shown["candidates_without_path"]),
            f"avec chemin : {i18n.percent(shown['share_with_path'])}"
            + (
                f" · dont {i18n.number(shown['candidates_without_target'])} sans cible renseignée"
                if shown["candidates_without_target"] != 0
                else ""
            ),
            # the tone must not tell a withheld 0 from a withheld 3
            "bad"
            if isinstance(shown["candidates_without_path"], int)
            and shown["candidates_without_path"] > 0
            else "",
        ),
        Card(
            "Aidants disponibles",
            i18n.number(shown["helpers_available"]),
            f"sur {i18n.number(shown['helpers'])} aidants",
        ),
        Card(
            "Référent",
            D.referent_word(cov, kind_of),
            i18n.plural(shown["referents"], "référent"),
            "" if cov.referent_consents else "bad",
        ),
        Card(
            "Employeurs sans contact",
            i18n.number(cov.employers_without_contact),
            f"sur {i18n.number(cov.employers)} dans le territoire",
        ),
        Card(
            "Secteurs sans aidant",
            i18n.number(cov.sectors_without_helper),
            f"sur {i18n.number(cov.sectors_targeted)} visés",
        ),
        Card(
            "Contacts uniques",
            i18n.number(shown["single_points_of_failure"]),
            "seule porte d'entrée",
        ),
        Card(
            "Partenaires sans charte",
            i18n.number(cov.partners_without_charter),
            "charte locale manquante",
        ),
    ]


def gaps_table(rendered: list[dict[str, Any]]) -> html.Div | html.P:
    if not rendered:
        return html.P("Aucune lacune : rien à signaler.", id="lacunes-vide")
    head = html.Thead(
        html.Tr(
            [
                html.Th(h)
                for h in ("Rang", "Lacune", "Taille", "Candidats concernés", "Action suggérée")
            ]
        )
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(str(g["rank"])),
                    html.Td(g["title"]),
                    html.Td(i18n.quantity(g["size"], g["unit"])),
                    html.Td(i18n.number(g["affected"])),
                    html.Td(g["action"]["text"]),
                ],
                className=f"gap-{g['kind']}",
            )
            for g in rendered
        ]
    )
    table = html.Table([head, body], className="simple-table", id="table-lacunes")
    return scroll_box(table, "Lacunes et actions suggérées")


def without_path_block(
    ctx: PageContext, gd: D.GroupementData, kind: GroupementView, shown: dict
) -> html.Div:
    """Candidates without a path, told apart from those with no target recorded (no
    path is possible until one is): the count, then (own view) the names and a link."""
    count = shown["candidates_without_path"]
    aimless = shown["candidates_without_target"]
    has = i18n.verb(count, "n'a", "n'ont")
    sentence: list[Any] = [
        html.Strong(i18n.plural(count, "candidat"), id="sans-chemin-nombre"),
        f" de ce groupement {has} aucun chemin d'au plus trois intermédiaires vers un "
        "employeur de leur bassin ou de leur secteur",
    ]
    if aimless != 0:
        sentence += [
            ", dont ",
            html.Strong(i18n.number(aimless), id="sans-cible-nombre"),
            " sans aucune cible renseignée (ni bassin ni secteur visé) : il faut d'abord "
            "en renseigner une",
        ]
    parts: list[Any] = [html.P([*sentence, "."])]
    if kind is GroupementView.OWN:
        aimless_ids = set(gd.without_target)
        ids = list(gd.without_path[:_LIST_LIMIT])
        names = D.person_names(ctx.store, ids)
        items = []
        for pid in ids:
            name = names.get(pid, UNNAMED_LABEL)
            if pid in aimless_ids:
                item = [
                    name,
                    html.Span(" — aucune cible renseignée : ", className="muted"),
                    dcc.Link(
                        "choisir une cible et chercher",
                        href=ctx.href(f"chemins?candidat={pid}"),
                    ),
                ]
            else:
                item = [
                    name,
                    html.Span(" — sans chemin : ", className="muted"),
                    dcc.Link("chercher un chemin", href=ctx.href(f"chemins?candidat={pid}")),
                ]
            items.append(
                html.Li(item, className="sans-cible" if pid in aimless_ids else "sans-chemin")
            )
        more = len(gd.without_path) - len(ids)
        parts.append(html.Ul(items, id="candidats-sans-chemin", className="name-list"))
        if more > 0:
            parts.append(html.P(f"… et {i18n.number(more)} autres.", className="muted"))
    else:
        parts.append(
            notice("Les noms sont réservés au référent du groupement.", id_="noms-reserves")
        )
    return html.Div(parts)


def contacts_block(ctx: PageContext, rendered: list[dict[str, Any]]) -> html.Div:
    """Employers and sectors of the territory without contact, from the gaps."""
    employer_gaps = [g for g in rendered if g["kind"] == "employers_without_contact"]
    sector_gaps = [g for g in rendered if g["kind"] == "sector_without_helper"]
    ids = sorted(
        {
            e
            for g in employer_gaps
            for e in (g["action"]["params"].get("employers") or "").split(",")
            if e
        }
    )
    names = {i: getattr(r, "name", i) for i, r in ctx.store.get_many(ids).items()} if ids else {}
    items = []
    for g in employer_gaps:
        emp = [e for e in (g["action"]["params"].get("employers") or "").split(",") if e]
        bassin = g["title"].split(" dans le bassin ", 1)[-1]
        items.append(
            html.Li([html.Strong(f"Bassin {bassin} : "), ", ".join(names.get(e, e) for e in emp)])
        )
    for g in sector_gaps:
        items.append(html.Li([html.Strong("Secteur : "), g["title"]]))
    if not items:
        return html.Div(html.P("Chaque employeur et secteur visé du territoire a un contact."))
    return html.Div(html.Ul(items, id="sans-contact", className="name-list", tabIndex="0"))


def spof_block(rendered: list[dict[str, Any]]) -> html.Div:
    items = [
        html.Li([g["title"], html.Span(f" — {g['action']['text']}", className="muted")])
        for g in rendered
        if g["kind"] == "single_point_of_failure"
    ]
    if not items:
        return html.Div(html.P("Aucun contact n'est la seule porte d'entrée."))
    return html.Div(html.Ul(items, id="contacts-uniques", className="name-list", tabIndex="0"))


def whatif_controls(ctx: PageContext, gd: D.GroupementData, kind: GroupementView) -> html.Div:
    """The what-if form: people named as the viewer may see them."""
    store = ctx.store
    gid = gd.info.id
    helpers = D.person_options(D.helpers_of(store, gid), kind, gd.info.name)
    everyone = D.person_options(D.members(store, gid), kind, gd.info.name)
    employers = [{"label": name, "value": eid} for eid, name in D.territory_employers(store, gid)]
    partners = []
    for g in gd.gaps:
        if g.kind == "missing_charter" and g.action.params.get("delegation"):
            pid = str(g.action.params["delegation"])
            info = D.groupement_infos(store).get(pid)
            partners.append({"label": info.name if info else pid, "value": pid})
    suggested = next(
        (
            str(g.action.params["person"])
            for g in gd.gaps
            if g.kind in ("no_referent", "referent_without_consent")
            and g.action.params.get("person")
        ),
        None,
    )
    first = (
        "add_referent"
        if gd.coverage.groupements_without_referent or suggested
        else ("sign_charter" if partners else "add_helper")
    )
    return html.Div(
        [
            html.Label("Mesure à simuler"),
            dcc.RadioItems(
                id="whatif-kind",
                options=WHATIF_KINDS,
                value=first,
                inline=True,
                className="radio-row",
            ),
            html.Div(
                [
                    html.Label("Personne (aidant pour un référent)"),
                    dropdown("whatif-person", helpers, "Choisir une personne", value=suggested),
                ],
                id="whatif-person-box",
            ),
            html.Div(
                [
                    html.Label("Personne qui devient aidant"),
                    dropdown("whatif-member", everyone, "Choisir une personne"),
                ],
                id="whatif-member-box",
            ),
            html.Div(
                [
                    html.Label("Employeur du territoire"),
                    dropdown("whatif-employer", employers, "Choisir un employeur"),
                ],
                id="whatif-employer-box",
            ),
            html.Div(
                [
                    html.Label("Délégation partenaire sans charte"),
                    dropdown(
                        "whatif-partner",
                        partners,
                        "Choisir une délégation",
                        value=partners[0]["value"] if partners else None,
                    ),
                ],
                id="whatif-partner-box",
            ),
            html.Button("Simuler", id="whatif-run", className="button", n_clicks=0),
            dcc.Store(id="whatif-groupement", data=gid),
            dcc.Loading(html.Div(id="whatif-result"), type="default", delay_show=150),
        ],
        className="whatif",
    )


def layout(ctx: PageContext, groupement_id: str) -> html.Div:
    store = ctx.store
    try:
        gd = D.groupement_data(store, groupement_id, ctx.as_of)
    except NotFound:
        return not_found(ctx, "Groupement introuvable")
    kind = groupement_view(ctx.principal, groupement_id)
    if not may_read_groupement(ctx.principal, groupement_id):
        return not_theirs(ctx, gd.info)
    cov = gd.coverage
    shown = privacy.render_coverage(cov, own_groupement=kind is GroupementView.OWN)
    rendered = [D.render_gap(g, kind, gd.names, gd.records) for g in gd.gaps]
    info = gd.info
    deps = ", ".join(info.departements)
    sections: list[Any] = [
        html.Div(
            [
                dcc.Link("← Couverture nationale", href=ctx.href(""), className="back"),
                html.H1(info.name, id="titre-groupement"),
                html.P(
                    f"{info.association} · {i18n.KIND_LABELS.get(info.kind, info.kind)} · "
                    f"départements {deps} · situation au {i18n.long_date(ctx.as_of)}",
                    className="subtitle",
                ),
                notice(
                    VIEW_NOTES[kind],
                    "own" if kind is GroupementView.OWN else "info",
                    id_=f"vue-{kind}",
                ),
            ],
            className="page-head",
        ),
        headline_cards(cards(shown, cov, info.kind), id_prefix="indicateur"),
        section(
            "Lacunes et actions suggérées",
            gaps_table(rendered),
            id_="panneau-lacunes",
            note="Classées par nombre de candidats concernés.",
        ),
        html.Div(
            [
                section(
                    "Candidats sans chemin ou sans cible",
                    without_path_block(ctx, gd, kind, shown),
                    id_="panneau-sans-chemin",
                ),
                section(
                    "Employeurs et secteurs sans contact",
                    contacts_block(ctx, rendered),
                    id_="panneau-sans-contact",
                ),
                section(
                    "Contacts uniques (points de fragilité)",
                    spof_block(rendered),
                    id_="panneau-contacts-uniques",
                ),
            ],
            className="row three",
        ),
    ]
    national_line = (
        ", et la part nationale des candidats avec un chemin"
        if may_read_scope(ctx.principal, "national")
        else ""
    )
    sections.append(
        section(
            "Et si…",
            whatif_controls(ctx, gd, kind),
            id_="panneau-simulation",
            note="Simulez un changement : rien n'est enregistré. Avant/après pour ce "
            f"groupement{national_line}.",
        )
    )
    sections.append(
        dcc.Link(
            "Explorer les chemins de ses candidats →",
            href=ctx.href(f"chemins?groupement={groupement_id}"),
            id="vers-chemins",
            className="button-link",
        )
    )
    return html.Div(sections, className="page page-groupement", id="page-groupement")


def not_theirs(ctx: PageContext, info: D.GroupementInfo) -> html.Div:
    """Another référent's groupement: its name, and why nothing else is shown."""
    return html.Div(
        [
            html.Div(
                [
                    dcc.Link("← Accueil", href=ctx.href(""), className="back"),
                    html.H1(info.name, id="titre-groupement"),
                    notice(VIEW_NOTES[GroupementView.OTHER], "info", id_="vue-other"),
                ],
                className="page-head",
            )
        ],
        className="page page-groupement",
        id="page-groupement",
    )


def change_of(
    kind: str,
    gid: str,
    person: str | None,
    member: str | None,
    employer: str | None,
    partner: str | None,
) -> dict[str, str] | None:
    """The what-if change the form describes, or None when a field is missing.

    >>> change_of("add_referent", "g", "p-1", None, None, None)
    {'kind': 'add_referent', 'groupement_id': 'g', 'person_id': 'p-1'}
    >>> change_of("add_helper", "g", None, "p-2", None, None) is None
    True
    """
    if kind == "add_referent" and person:
        return {"kind": "add_referent", "groupement_id": gid, "person_id": person}
    if kind == "add_helper" and member and employer:
        return {"kind": "add_helper", "person_id": member, "employer_id": employer}
    if kind == "sign_charter" and partner:
        return {"kind": "sign_charter", "groupement_id": gid, "partner_id": partner}
    return None


def whatif_result(ctx: PageContext, gid: str, change: dict[str, str]) -> html.Div:
    """Before/after of one change, for the viewer (the callback's whole work)."""
    kind = groupement_view(ctx.principal, gid)
    if not may_read_groupement(ctx.principal, gid):
        return notice(
            "Simulation réservée au référent du groupement et à la cellule nationale.", "bad"
        )
    # The people in a change must be of this groupement (a référent cannot probe others),
    # and the change must pass the API's rule (graph.access.coverage.check_changes).
    allowed = {p.id for p in D.members(ctx.store, gid)}
    for key in ("person_id",):
        if key in change and change[key] not in allowed:
            return notice("Personne inconnue dans ce groupement.", "bad")
    try:
        check_changes(ctx.store.view(), ctx.principal, [change])
    except AccessDenied:
        return notice("Personne inconnue dans ce groupement.", "bad")
    try:
        result = what_if(ctx.store, [change], ctx.as_of)
    except (InvalidInput, NotFound) as exc:
        return notice(f"Simulation impossible : {exc}", "bad")
    except Exception:  # the page stays usable; the trace goes to the log
        log.exception("what-if failed")
        return notice("Simulation impossible : erreur interne (voir le journal).", "bad")
    own = kind is GroupementView.OWN
    before = next((c for c in result.before if c.id == gid), None)
    after = next((c for c in result.after if c.id == gid), None)
    parts: list[Any] = []
    if before is not None and after is not None:
        b, a = pair(
            privacy.render_coverage(before, own_groupement=own),
            privacy.render_coverage(after, own_groupement=own),
        )
        parts.append(
            dcc.Graph(
                id="whatif-figure", figure=whatif_bars(b, a, before.name), config=GRAPH_CONFIG
            )
        )
    else:
        parts.append(html.P("Ce changement ne modifie pas les indicateurs de ce groupement."))
    national = may_read_scope(ctx.principal, "national")
    if national:
        nb, na = pair(
            privacy.render_coverage(result.national_before),
            privacy.render_coverage(result.national_after),
        )
        parts.append(
            html.P(
                f"France : candidats avec un chemin {i18n.percent(nb['share_with_path'])} → "
                f"{i18n.percent(na['share_with_path'])} "
                f"({i18n.number(nb['candidates_with_path'])} → "
                f"{i18n.number(na['candidates_with_path'])}).",
                id="whatif-national",
            )
        )
    others = [c for c in result.after if c.id != gid]
    if others and national:
        parts.append(
            html.P(f"Autres groupements touchés : {i18n.number(len(others))}.", className="muted")
        )
    return html.Div(parts, id="whatif-done")


def register(app: Dash) -> None:
    @app.callback(
        Output("whatif-person-box", "style"),
        Output("whatif-member-box", "style"),
        Output("whatif-employer-box", "style"),
        Output("whatif-partner-box", "style"),
        Input("whatif-kind", "value"),
    )
    def show_fields(kind: str) -> tuple[dict, dict, dict, dict]:
        hide, show = {"display": "none"}, {"display": "block"}
        return (
            show if kind == "add_referent" else hide,
            show if kind == "add_helper" else hide,
            show if kind == "add_helper" else hide,
            show if kind == "sign_charter" else hide,
        )

    @app.callback(
        Output("whatif-result", "children"),
        Input("whatif-run", "n_clicks"),
        State("whatif-groupement", "data"),
        State("whatif-kind", "value"),
        State("whatif-person", "value"),
        State("whatif-member", "value"),
        State("whatif-employer", "value"),
        State("whatif-partner", "value"),
        prevent_initial_call=True,
    )
    def run(
        n: int,
        gid: str,
        kind: str,
        person: str | None,
        member: str | None,
        employer: str | None,
        partner: str | None,
    ) -> Any:
        ctx = current_context()
        if ctx is None:
            return notice("Session expirée : reconnectez-vous.", "bad")
        if not n:
            raise PreventUpdate
        change = change_of(kind, gid, person, member, employer, partner)
        if change is None:
            return notice("Complétez le formulaire.", "bad")
        return whatif_result(ctx, gid, change)
