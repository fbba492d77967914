"""Mes membres: a référent's roster, and a member's page with forms to edit their links.

``layout(ctx, groupement, q, statut, depart_apres, depart_avant)`` is the roster of one
groupement the viewer may read (a référent: theirs; the admin: any), searched by name
without regard to accents or case, filtered by status and by departure date.
``member_layout(ctx, person_id)`` is one member's page: identity and consents, ties,
mentors, employments and targets, each with a form (add, remove, end an employment,
change the consents). Every read and write goes through :mod:`graph.relations` and the
access rules (:mod:`graph.access`): a person outside the viewer's scope is "introuvable",
exactly as an unknown id; the national cell, which reads no member records, is told so.

Decisions:

* The roster is built from :func:`dashboard.data.members` (kept per store version), so
  a search costs one pass over the groupement's members, never a store query.
* One callback answers every form of a member's page (``callback_context`` says which
  button): it writes, then redraws the lists from the store, so what is shown is what was
  stored, and a refusal is one French line (:func:`graph.relations.messages.french`).
* The people a tie or a mentor may name are the members of the viewer's groupements
  that hold the person (plus anyone the person is already linked to): a référent knows
  names, not ids. The employers offered are those of the groupements' territory and
  those already linked.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

from dash import Dash, Input, Output, State, callback_context, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import data as D
from dashboard import i18n
from dashboard.auth import current_context
from dashboard.components import dropdown, notice, section
from dashboard.runtime import PageContext
from graph.access.relations import require
from graph.access.roles import Permission
from graph.access.scope import GroupementView, groupements_in_scope, person_in_scope
from graph.errors import NotFound, PasserelleError
from graph.model import Label, Person, PersonStatus, TieSource
from graph.paths.explain import display_name
from graph.relations import Kind, add, end, list_relations, messages, remove

STATUS_OPTIONS = [{"label": "Tous les statuts", "value": ""}] + [
    {"label": i18n.STATUS_LABELS[s.value].capitalize(), "value": s.value} for s in PersonStatus
]
SOURCE_LABELS = {
    TieSource.PROMOTION: "même promotion",
    TieSource.UNIT: "même unité",
    TieSource.EVENT: "rencontre (événement)",
    TieSource.LINKEDIN: "LinkedIn",
    TieSource.MENTORING: "parrainage",
    TieSource.DECLARED: "déclaré",
}
STRENGTHS = [
    {"label": "faible", "value": 0.3},
    {"label": "moyen", "value": 0.6},
    {"label": "fort", "value": 0.9},
]
#: form fields, as the refusals name them
FIELD_NAMES = {
    "person_id": "Membre",
    "other_id": "Personne",
    "mentor_id": "Parrain",
    "employer_id": "Employeur",
    "target_id": "Cible",
    "strength": "Force",
    "source": "Origine",
    "since": "Depuis",
    "until": "Fin",
    "role": "Fonction",
}
ROWS_SHOWN = 200


def fold(text: str) -> str:
    """Text without accents or case, for searching names.

    >>> fold("Hélène LEFÈVRE-Œil"), fold("  ç ")
    ('helene lefevre-oeil', 'c')
    """
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "oe"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def may_read(ctx: PageContext) -> bool:
    return ctx.principal.can(Permission.MEMBERS_READ)


def groupement_options(ctx: PageContext) -> list[dict[str, str]]:
    infos = D.groupement_infos(ctx.store)
    return sorted(
        ({"label": infos[g].name, "value": g} for g in groupements_in_scope(ctx.principal, infos)),
        key=lambda o: o["label"],
    )


def roster(
    ctx: PageContext,
    groupement_id: str | None,
    query: str | None = None,
    status: str | None = None,
    after: str | None = None,
    before: str | None = None,
) -> list[Person]:
    """The members of a groupement the viewer may read, matching the search and filters,
    by last then first name. Empty for a groupement outside the viewer's scope."""
    if not groupement_id or not may_read(ctx):
        return []
    if groupement_id not in groupements_in_scope(ctx.principal, [groupement_id]):
        return []
    words = fold(query or "").split()
    start, stop = _date(after), _date(before)
    out = []
    for person in D.members(ctx.store, groupement_id):
        name = fold(f"{person.first_name} {person.last_name} {person.id}")
        if any(w not in name for w in words):
            continue
        if status and person.status.value != status:
            continue
        if (start or stop) and person.departure_date is None:
            continue
        if start and person.departure_date and person.departure_date < start:
            continue
        if stop and person.departure_date and person.departure_date > stop:
            continue
        out.append(person)
    return sorted(out, key=lambda p: (fold(p.last_name), fold(p.first_name), p.id))


def roster_table(ctx: PageContext, people: list[Person]) -> html.Div:
    if not people:
        return html.Div(notice("Aucun membre ne correspond.", id_="membres-aucun"))
    rows = [
        html.Tr(
            [
                html.Td(dcc.Link(f"{p.first_name} {p.last_name}", href=ctx.href(f"membres/{p.id}"),
                                 className="membre-lien")),
                html.Td(i18n.STATUS_LABELS.get(p.status.value, p.status.value)),
                html.Td(p.departure_date.strftime("%d/%m/%Y") if p.departure_date else "–"),
                html.Td("oui" if p.consent_introducer else "non"),
            ],
            **{"data-id": p.id},
        )
        for p in people[:ROWS_SHOWN]
    ]  # fmt: skip
    head = html.Tr([html.Th("Nom"), html.Th("Statut"), html.Th("Départ"), html.Th("Introducteur")])
    more = (
        [html.P(f"{len(people) - ROWS_SHOWN} autres : affinez la recherche.", className="muted")]
        if len(people) > ROWS_SHOWN
        else []
    )
    return html.Div(
        [
            html.P(i18n.plural(len(people), "membre"), id="membres-compte"),
            html.Table([html.Thead(head), html.Tbody(rows)], className="simple-table",
                       id="membres-table"),
            *more,
        ]
    )  # fmt: skip


def _refused(ctx: PageContext) -> html.Div:
    return html.Div(
        [
            html.H1("Mes membres"),
            notice(
                "Votre rôle ne donne pas accès aux fiches des membres : elles sont réservées "
                "aux référents (leurs groupements) et à l'administration.",
                "bad",
                id_="membres-refus",
            ),
        ],
        className="page",
        id="page-membres",
    )


def layout(
    ctx: PageContext,
    groupement: str | None = None,
    q: str | None = None,
    statut: str | None = None,
    depart_apres: str | None = None,
    depart_avant: str | None = None,
) -> html.Div:
    if not may_read(ctx):
        return _refused(ctx)
    options = groupement_options(ctx)
    if groupement not in {o["value"] for o in options}:
        groupement = options[0]["value"] if options else None
    people = roster(ctx, groupement, q, statut, depart_apres, depart_avant)
    field = "field"
    return html.Div(
        [
            html.Div(
                [
                    html.H1("Mes membres"),
                    html.P("Chercher un membre, ouvrir sa fiche, compléter ses liens.",
                           className="subtitle"),
                ],
                className="page-head",
            ),
            section(
                "Recherche",
                html.Div(
                    [
                        html.Div([html.Label("Groupement", htmlFor="membres-groupement"),
                                  dropdown("membres-groupement", options, "Choisir un groupement",
                                           value=groupement, clearable=False)], className=field),
                        html.Div([html.Label("Nom", htmlFor="membres-recherche"),
                                  dcc.Input(id="membres-recherche", type="search", value=q or "",
                                            placeholder="Nom ou prénom, sans accents si besoin",
                                            debounce=0.3, className="text-input")],
                                 className="field wide"),
                        html.Div([html.Label("Statut", htmlFor="membres-statut"),
                                  dropdown("membres-statut", STATUS_OPTIONS, "Statut",
                                           value=statut or "", clearable=False)], className=field),
                        html.Div([html.Label("Départ après le", htmlFor="membres-depart-apres"),
                                  dcc.Input(id="membres-depart-apres", type="date",
                                            value=depart_apres or "")], className=field),
                        html.Div([html.Label("Départ avant le", htmlFor="membres-depart-avant"),
                                  dcc.Input(id="membres-depart-avant", type="date",
                                            value=depart_avant or "")], className=field),
                    ],
                    className="form-grid",
                ),
            ),
            section("Membres", html.Div(roster_table(ctx, people), id="membres-liste")),
        ],
        className="page page-membres",
        id="page-membres",
    )  # fmt: skip


# --------------------------------------------------------------------------- a member's page


def _people_options(ctx: PageContext, person: Person, linked: list[str]) -> list[dict[str, str]]:
    store = ctx.store
    groupements = groupements_in_scope(ctx.principal, D.groupements_of_person(store, person.id))
    seen: dict[str, dict[str, str]] = {}
    for gid in groupements:
        for p in D.members(store, gid):
            if p.id != person.id:
                seen[p.id] = D.person_option(p, GroupementView.OWN)
    for pid, p in store.get_many([i for i in linked if i not in seen]).items():
        if isinstance(p, Person):
            seen[pid] = {"label": display_name(p), "value": pid}
    return sorted(seen.values(), key=lambda o: o["label"])


def _employer_options(ctx: PageContext, person: Person, linked: list[str]) -> list[dict]:
    store = ctx.store
    found: dict[str, str] = {}
    for gid in D.groupements_of_person(store, person.id):
        found.update(D.territory_employers(store, gid))
    for eid, e in store.get_many([i for i in linked if i not in found]).items():
        found[eid] = getattr(e, "name", eid)
    return [
        {"label": name, "value": eid} for eid, name in sorted(found.items(), key=lambda t: t[1])
    ]


def _target_options(ctx: PageContext) -> list[dict[str, str]]:
    store = ctx.store
    return [{"label": f"Bassin · {p.name}", "value": p.id} for p in D.bassins(store)] + [
        {"label": f"Secteur · {p.name}", "value": p.id} for p in D.sectors(store)
    ]


def _names(ctx: PageContext, ids: list[str]) -> dict[str, str]:
    out = {}
    for nid, node in ctx.store.get_many(ids).items():
        if isinstance(node, Person):
            out[nid] = f"{node.first_name} {node.last_name}"
        else:
            out[nid] = getattr(node, "name", nid)
    return out


def lists(ctx: PageContext, person_id: str) -> html.Div:
    """The member's ties, mentors, employments, targets and places, as stored now."""
    store, who = ctx.store, ctx.principal
    ties = list_relations(store, who, Kind.TIE, person_id)
    mentors = list_relations(store, who, Kind.MENTOR, person_id)
    jobs = list_relations(store, who, Kind.EMPLOYMENT, person_id)
    targets = list_relations(store, who, Kind.TARGET, person_id)
    homes = list_relations(store, who, Kind.HOME, person_id)
    settles = list_relations(store, who, Kind.SETTLEMENT, person_id)
    names = _names(ctx, [r.other_id for r in ties + mentors + jobs + targets + homes + settles])

    def table(id_: str, head: list[str], rows: list[list[Any]]) -> Any:
        if not rows:
            return html.P("Aucun.", className="muted", id=id_)
        return html.Table(
            [html.Thead(html.Tr([html.Th(h) for h in head])),
             html.Tbody([html.Tr([html.Td(c) for c in row]) for row in rows])],
            className="simple-table", id=id_,
        )  # fmt: skip

    def day(value: Any) -> str:
        return date.fromisoformat(value).strftime("%d/%m/%Y") if value else "–"

    def strength(value: float) -> str:
        return next((s["label"] for s in reversed(STRENGTHS) if value >= s["value"]), "faible")

    return html.Div(
        [
            html.H3("Liens"),
            table("membre-liens", ["Personne", "Force", "Origine", "Depuis"],
                  [[names.get(r.other_id, r.other_id), strength(r.props["strength"]),
                    SOURCE_LABELS.get(TieSource(r.props["source"]), r.props["source"]),
                    day(r.props.get("since"))] for r in ties]),
            html.H3("Parrains"),
            table("membre-parrains", ["Parrain", "Depuis"],
                  [[names.get(r.other_id, r.other_id), day(r.props.get("since"))]
                   for r in mentors]),
            html.H3("Emplois"),
            table("membre-emplois", ["Employeur", "Fonction", "Depuis", "Fin"],
                  [[names.get(r.other_id, r.other_id), r.props.get("role") or "–",
                    day(r.props.get("since")), day(r.props.get("until")) if r.props.get("until")
                    else "en poste"] for r in jobs]),
            html.H3("Cibles"),
            table("membre-cibles", ["Cible", "Type"],
                  [[names.get(r.other_id, r.other_id),
                    "bassin d'emploi" if r.other_label is Label.BASSIN_EMPLOI else "secteur"]
                   for r in targets]),
            html.H3("Lieux"),
            table("membre-lieux", ["Lieu", "Type"],
                  [[names.get(r.other_id, r.other_id), "domicile"] for r in homes]
                  + [[names.get(r.other_id, r.other_id), "lieu de repli"] for r in settles]),
        ],
        id="membre-listes",
    )  # fmt: skip


def _identity(person: Person) -> html.Div:
    def yes(flag: bool) -> str:
        return "oui" if flag else "non"

    items = [
        ("Statut", i18n.STATUS_LABELS.get(person.status.value, person.status.value)),
        ("Grade", person.grade or "–"),
        ("Départ", person.departure_date.strftime("%d/%m/%Y") if person.departure_date else "–"),
        ("Accepte d'introduire", yes(person.consent_introducer)),
        ("Figure dans l'annuaire", yes(person.consent_directory)),
        ("Disponibilité (mises en relation par mois)",
         "–" if person.capacity is None else str(person.capacity)),
    ]  # fmt: skip
    return html.Dl(
        [part for k, v in items for part in (html.Dt(k), html.Dd(v))],
        className="identity",
        id="membre-identite",
    )


def _form(title: str, fields: list[Any], buttons: list[Any]) -> html.Div:
    return html.Div(
        [html.H3(title), html.Div(fields + buttons, className="form-grid")], className="edit-form"
    )


def _field(label: str, control: Any, cls: str = "field") -> html.Div:
    return html.Div(
        [html.Label(label, htmlFor=getattr(control, "id", None)), control], className=cls
    )


def member_layout(ctx: PageContext, person_id: str) -> html.Div:
    if not may_read(ctx):
        return _refused(ctx)
    store = ctx.store
    try:
        person_in_scope(store.view(), ctx.principal, person_id, "person_id")
    except NotFound:
        return html.Div(
            [html.H1("Membre introuvable"), dcc.Link("Mes membres", href=ctx.href("membres"))],
            className="page",
            id="introuvable",
        )
    person = store.get(person_id)
    assert isinstance(person, Person)
    ties = [r.other_id for r in list_relations(store, ctx.principal, Kind.TIE, person_id)]
    jobs = [r.other_id for r in list_relations(store, ctx.principal, Kind.EMPLOYMENT, person_id)]
    people = _people_options(ctx, person, ties)
    writable = ctx.principal.can(Permission.MEMBERS_WRITE)
    forms: list[Any] = []
    if writable:
        sources = [{"label": v, "value": k.value} for k, v in SOURCE_LABELS.items()]
        forms = [
            _form("Lien personnel", [
                _field("Personne", dropdown("lien-autre", people, "Choisir une personne"),
                       "field wide"),
                _field("Force", dropdown("lien-force", STRENGTHS, "Force", value=0.6,
                                         clearable=False), "field narrow"),
                _field("Origine", dropdown("lien-source", sources, "Origine", value="declared",
                                           clearable=False)),
                _field("Depuis", dcc.Input(id="lien-depuis", type="date")),
            ], [html.Button("Ajouter le lien", id="lien-ajouter", className="button", n_clicks=0),
                html.Button("Retirer le lien", id="lien-retirer", className="button secondary",
                            n_clicks=0)]),
            _form("Parrain", [
                _field("Parrain", dropdown("parrain-autre", people, "Choisir un parrain"),
                       "field wide"),
            ], [html.Button("Ajouter le parrain", id="parrain-ajouter", className="button",
                            n_clicks=0),
                html.Button("Retirer le parrain", id="parrain-retirer",
                            className="button secondary", n_clicks=0)]),
            _form("Emploi", [
                _field("Employeur", dropdown("emploi-employeur",
                                             _employer_options(ctx, person, jobs),
                                             "Choisir un employeur"), "field wide"),
                _field("Fonction", dcc.Input(id="emploi-fonction", type="text",
                                             className="text-input")),
                _field("Depuis", dcc.Input(id="emploi-depuis", type="date")),
                _field("Fin", dcc.Input(id="emploi-fin", type="date")),
            ], [html.Button("Ajouter l'emploi", id="emploi-ajouter", className="button",
                            n_clicks=0),
                html.Button("Terminer l'emploi", id="emploi-terminer",
                            className="button secondary", n_clicks=0)]),
            _form("Cible", [
                _field("Bassin ou secteur", dropdown("cible-id", _target_options(ctx),
                                                     "Choisir une cible"), "field wide"),
            ], [html.Button("Ajouter la cible", id="cible-ajouter", className="button",
                            n_clicks=0),
                html.Button("Retirer la cible", id="cible-retirer", className="button secondary",
                            n_clicks=0)]),
            _form("Consentements", [
                dcc.Checklist(id="consentements", options=[
                    {"label": "Accepte d'être intermédiaire", "value": "consent_introducer"},
                    {"label": "Figure dans l'annuaire", "value": "consent_directory"},
                ], value=[k for k in ("consent_introducer", "consent_directory")
                          if getattr(person, k)], className="radio-row"),
            ], [html.Button("Enregistrer les consentements", id="consentements-enregistrer",
                            className="button", n_clicks=0)]),
        ]  # fmt: skip
    candidate = person.status in (PersonStatus.CANDIDATE, PersonStatus.BOTH)
    paths_link = (
        [dcc.Link("Chercher des chemins pour ce candidat",
                  href=ctx.href(f"chemins?candidat={person.id}"), id="membre-chemins")]
        if candidate else []
    )  # fmt: skip
    return html.Div(
        [
            dcc.Store(id="membre-id", data=person.id),
            html.Div(
                [html.H1(f"{person.first_name} {person.last_name}", id="membre-nom"),
                 html.P([dcc.Link("← Mes membres", href=ctx.href("membres")), " ",
                         *paths_link], className="subtitle")],
                className="page-head",
            ),
            section("Fiche", _identity(person), html.Div(id="membre-identite-maj")),
            section("Liens, emplois et cibles",
                    dcc.Loading(lists(ctx, person.id), type="default", delay_show=150,
                                id="membre-listes-chargement")),
            section("Modifier", html.Div(id="membre-message"), *forms) if writable else html.Div(),
        ],
        className="page page-membre",
        id="page-membre",
    )  # fmt: skip


# --------------------------------------------------------------------------- callbacks


BUTTONS = (
    "lien-ajouter", "lien-retirer", "parrain-ajouter", "parrain-retirer", "emploi-ajouter",
    "emploi-terminer", "cible-ajouter", "cible-retirer", "consentements-enregistrer",
)  # fmt: skip
DONE = {
    "lien-ajouter": "Lien ajouté.",
    "lien-retirer": "Lien retiré.",
    "parrain-ajouter": "Parrain ajouté.",
    "parrain-retirer": "Parrain retiré.",
    "emploi-ajouter": "Emploi ajouté.",
    "emploi-terminer": "Emploi terminé.",
    "cible-ajouter": "Cible ajoutée.",
    "cible-retirer": "Cible retirée.",
    "consentements-enregistrer": "Consentements enregistrés.",
}


def act(ctx: PageContext, button: str, person_id: str, form: dict[str, Any]) -> str:
    """Do what ``button`` asks with the form's values; the French message to show.
    Raises :class:`~graph.errors.PasserelleError` when refused."""
    store, who = ctx.store, ctx.principal

    def needed(key: str, label: str) -> Any:
        value = form.get(key)
        if value in (None, ""):
            from graph.errors import InvalidInput

            raise InvalidInput(label, "obligatoire")
        return value

    if button == "lien-ajouter":
        props = {"strength": form.get("lien-force"), "source": form.get("lien-source")}
        if form.get("lien-depuis"):
            props["since"] = form["lien-depuis"]
        add(store, who, Kind.TIE, person_id, needed("lien-autre", "other_id"), props)
    elif button == "lien-retirer":
        remove(store, who, Kind.TIE, person_id, needed("lien-autre", "other_id"))
    elif button == "parrain-ajouter":
        add(store, who, Kind.MENTOR, person_id, needed("parrain-autre", "mentor_id"))
    elif button == "parrain-retirer":
        remove(store, who, Kind.MENTOR, person_id, needed("parrain-autre", "mentor_id"))
    elif button == "emploi-ajouter":
        props = {k: form.get(f) for k, f in (("role", "emploi-fonction"),
                                             ("since", "emploi-depuis"), ("until", "emploi-fin"))
                 if form.get(f)}  # fmt: skip
        add(store, who, Kind.EMPLOYMENT, person_id, needed("emploi-employeur", "employer_id"),
            props)  # fmt: skip
    elif button == "emploi-terminer":
        until = _date(form.get("emploi-fin"))
        end(store, who, Kind.EMPLOYMENT, person_id, needed("emploi-employeur", "employer_id"),
            until or ctx.as_of)  # fmt: skip
    elif button == "cible-ajouter":
        add(store, who, Kind.TARGET, person_id, needed("cible-id", "target_id"))
    elif button == "cible-retirer":
        remove(store, who, Kind.TARGET, person_id, needed("cible-id", "target_id"))
    elif button == "consentements-enregistrer":
        require(who, Permission.MEMBERS_WRITE)
        person_in_scope(store.view(), who, person_id, "person_id")
        chosen = set(form.get("consentements") or [])
        store.update_node(
            Label.PERSON,
            person_id,
            {k: k in chosen for k in ("consent_introducer", "consent_directory")},
        )
    else:
        raise PreventUpdate
    return DONE[button]


STATES = (
    ("lien-autre", "value"), ("lien-force", "value"), ("lien-source", "value"),
    ("lien-depuis", "value"), ("parrain-autre", "value"), ("emploi-employeur", "value"),
    ("emploi-fonction", "value"), ("emploi-depuis", "value"), ("emploi-fin", "value"),
    ("cible-id", "value"), ("consentements", "value"),
)  # fmt: skip


def register(app: Dash) -> None:
    @app.callback(
        Output("membres-liste", "children"),
        Input("membres-groupement", "value"),
        Input("membres-recherche", "value"),
        Input("membres-statut", "value"),
        Input("membres-depart-apres", "value"),
        Input("membres-depart-avant", "value"),
        prevent_initial_call=True,
    )
    def search(groupement: Any, q: Any, status: Any, after: Any, before: Any) -> Any:
        ctx = current_context()
        if ctx is None:
            return notice("Session expirée : reconnectez-vous.", "bad")
        return roster_table(ctx, roster(ctx, groupement, q, status, after, before))

    @app.callback(
        Output("membre-message", "children"),
        Output("membre-listes-chargement", "children"),
        *[Input(b, "n_clicks") for b in BUTTONS],
        State("membre-id", "data"),
        *[State(i, p) for i, p in STATES],
        prevent_initial_call=True,
    )
    def edit(*args: Any) -> Any:
        ctx = current_context()
        if ctx is None:
            return notice("Session expirée : reconnectez-vous.", "bad"), html.Div()
        button = callback_context.triggered_id
        if button not in BUTTONS or not args[BUTTONS.index(button)]:
            raise PreventUpdate
        person_id = args[len(BUTTONS)]
        form = {i: v for (i, _), v in zip(STATES, args[len(BUTTONS) + 1 :], strict=True)}
        try:
            message = notice(act(ctx, button, person_id, form), "own", id_="membre-fait")
        except PasserelleError as exc:
            text = messages.french(exc, FIELD_NAMES)
            message = notice(f"Refusé : {text}", "bad", id_="membre-erreur")
        try:
            shown = lists(ctx, person_id)
        except PasserelleError:
            shown = html.Div("Ce membre n'est plus dans votre périmètre.", id="membre-listes")
        return message, shown
