"""Chemins (path explorer): a candidate, a target, the k paths drawn and explained.

``layout(ctx, groupement, candidat, cible, employeur, offre, secteur, bassin, k, max)``:
with a candidate and a complete target in the URL the page opens with the answer. Whom
a viewer may ask about is the API's rule (:mod:`graph.access.paths`): a référent their
groupements' people, the national cell people who consented to be named; any other id is
answered as an unknown one, and the pickers list only those people. Every callback that
reads a candidate (their bassins and sectors too) asks the same rule first.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import urlencode

from dash import Dash, Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import data as D
from dashboard import i18n
from dashboard.auth import current_context
from dashboard.components import dropdown, notice, section
from dashboard.figures import GRAPH_CONFIG, path_network
from dashboard.pages import introductions
from dashboard.runtime import PageContext
from graph.access.paths import may_ask_about, person_asked
from graph.access.scope import GroupementView, groupement_view, groupements_in_scope
from graph.errors import InvalidInput, NotFound
from graph.model import Label
from graph.paths.policy import PathPolicy
from graph.paths.service import Target, find_paths

TARGET_KINDS = [
    {"label": "Un employeur", "value": "employeur"},
    {"label": "Une offre", "value": "offre"},
    {"label": "Un secteur dans un bassin", "value": "secteur"},
]
NUMBERS = [{"label": str(i), "value": i} for i in range(1, 6)]
_MAX_OPTIONS = 3000


def groupement_options(ctx: PageContext) -> list[dict[str, str]]:
    infos = D.groupement_infos(ctx.store)
    return sorted(
        ({"label": infos[g].name, "value": g} for g in groupements_in_scope(ctx.principal, infos)),
        key=lambda o: o["label"],
    )


def candidate_options(ctx: PageContext, groupement_id: str | None) -> list[dict[str, str]]:
    """The candidates of a groupement the viewer may pick, named as they may see them."""
    if not groupement_id:
        return []
    kind = groupement_view(ctx.principal, groupement_id)
    if kind is GroupementView.OTHER:
        return []
    found = D.candidates_of(ctx.store, groupement_id)
    people = [p for p in found if may_ask_about(ctx.principal, p, [groupement_id])]
    info = D.groupement_infos(ctx.store).get(groupement_id)
    return D.person_options(people[:_MAX_OPTIONS], kind, info.name if info else "")


def may_read_candidate(ctx: PageContext, candidate: str) -> bool:
    """Whether the viewer may ask about ``candidate`` (:func:`person_asked`)."""
    try:
        person_asked(ctx.store.view(), ctx.principal, ctx.store.get, candidate, "candidat")
    except NotFound:
        return False
    return True


def place_options(places: tuple[D.Place, ...]) -> list[dict[str, str]]:
    return [{"label": f"{p.name} ({p.code})", "value": p.id} for p in places]


def located_options(ctx: PageContext, bassin: str | None, label: Label) -> list[dict[str, str]]:
    if not bassin:
        return []
    return [{"label": name, "value": i} for i, name in D.located_in(ctx.store, bassin, label)]


def target_of(
    kind: str | None,
    employeur: str | None,
    offre: str | None,
    secteur: str | None,
    bassin: str | None,
) -> Target | None:
    """The path service's target from the form, or None when incomplete.

    >>> target_of("secteur", None, None, "sec-btp", "be-ZE-33-1").sector
    'sec-btp'
    >>> target_of("employeur", None, None, None, None) is None
    True
    """
    if kind == "employeur" and employeur:
        return Target.employer(employeur)
    if kind == "offre" and offre:
        return Target.offer(offre)
    if kind == "secteur" and secteur and bassin:
        return Target.sector_in_bassin(secteur, bassin)
    return None


def _int(value: Any, default: int) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return default
    return n if 1 <= n <= 5 else default


def search_of(
    groupement: str | None,
    candidate: str | None,
    kind: str | None,
    employer: str | None,
    offer: str | None,
    sector: str | None,
    bassin: str | None,
    k: Any,
    max_i: Any,
) -> str:
    """The URL query of a search (the page's arguments, :data:`dashboard.app.QUERY_ARGS`):
    opening it shows the same answer, so a search can be shared or bookmarked.

    >>> search_of("grp-a", "p-1", "employeur", "emp-1", None, "sec-x", "be-1", 3, 2)
    '?groupement=grp-a&candidat=p-1&cible=employeur&employeur=emp-1&bassin=be-1&k=3&max=2'
    """
    query: dict[str, Any] = {"groupement": groupement, "candidat": candidate, "cible": kind}
    if kind == "employeur":
        query["employeur"] = employer
    elif kind == "offre":
        query["offre"] = offer
    else:
        query["secteur"] = sector
    query.update(bassin=bassin, k=_int(k, 3), max=_int(max_i, 3))
    return "?" + urlencode({key: v for key, v in query.items() if v not in (None, "")})


def search_answer(
    ctx: PageContext,
    current: str | None,
    groupement: str | None,
    candidate: str | None,
    kind: str | None,
    employer: str | None,
    offer: str | None,
    sector: str | None,
    bassin: str | None,
    k: Any,
    max_i: Any,
) -> tuple[Any, Any]:
    """(new URL query, answer) of a click on « Chercher »: the query goes to the URL and
    the router renders the page from it (no reload, one history entry); when the URL
    already holds it, the answer is computed here. An incomplete form says what is
    missing and leaves the URL alone."""
    target = target_of(kind, employer, offer, sector, bassin)
    if not candidate or target is None:
        missing = "un candidat" if not candidate else "une cible complète"
        return no_update, notice(
            f"Choisissez {missing} : {TARGET_HELP}", "bad", id_="chemins-erreur"
        )
    search = search_of(groupement, candidate, kind, employer, offer, sector, bassin, k, max_i)
    if search == (current or ""):
        return no_update, results(ctx, candidate, target, _int(k, 3), _int(max_i, 3))
    return search, no_update


#: what a complete target is, said wherever one is missing
TARGET_HELP = (
    "un employeur (choisi dans un bassin d'emploi), une offre, ou un secteur dans un bassin."
)


def results(
    ctx: PageContext, candidate: str, target: Target, k: int = 3, max_intermediaries: int = 3
) -> html.Div:
    """The answer for the viewer: paths drawn and explained, or why none and alternatives."""
    store = ctx.store
    if not may_read_candidate(ctx, candidate):
        return notice(f"Candidat introuvable : {candidate}", "bad", id_="chemins-erreur")
    try:
        policy = PathPolicy(k=k, max_intermediaries=max_intermediaries)
        result = find_paths(store, candidate, target, policy, ctx.as_of).to_dict()
    except (InvalidInput, NotFound) as exc:
        return notice(f"Recherche impossible : {exc}", "bad", id_="chemins-erreur")
    who, what = result["candidate"]["name"], result["target"]["label"]
    parts: list[Any] = [
        html.H3(f"{who} → {what}", id="chemins-titre"),
    ]
    for note in result["notes"]:
        parts.append(notice(note))
    if result["paths"]:
        parts.append(
            html.P(
                f"{i18n.plural(len(result['paths']), 'chemin')} "
                f"{i18n.verb(len(result['paths']), 'trouvé', 'trouvés')}, du plus sûr au "
                "moins sûr (coût : plus il est bas, plus les liens sont forts et récents)."
            )
        )
        parts.append(
            dcc.Graph(
                id="chemins-figure",
                figure=path_network(result["paths"], who, what),
                config=GRAPH_CONFIG,
            )
        )
        ask = partial(introductions.ask_link, ctx, candidate, target, policy.k,
                      policy.max_intermediaries)  # fmt: skip
        parts.append(explanations(result["paths"], "chemins-explications", action=ask))
    else:
        no_path = result["no_path"] or {"code": "", "message": "Aucun chemin."}
        parts.append(notice(no_path["message"], "bad", id_="chemins-aucun"))
        alts = result["alternatives"]
        if alts:
            parts.append(html.H3("Employeurs proches joignables"))
            parts.append(
                dcc.Graph(
                    id="chemins-figure",
                    figure=path_network(
                        [a["path"] for a in alts], who, what, targets=[a["employer"] for a in alts]
                    ),
                    config=GRAPH_CONFIG,
                )
            )
            parts.append(
                explanations(
                    [a["path"] for a in alts], "chemins-alternatives", [a["employer"] for a in alts]
                )
            )
        else:
            parts.append(html.P("Pas d'autre employeur comparable joignable.", className="muted"))
        parts.append(next_steps_block(result.get("next_steps")))
    return html.Div(parts, id="chemins-reponse")


def next_steps_block(steps: dict[str, Any] | None) -> html.Div:
    """What to do next after a no-path answer (:mod:`graph.paths.next_steps`)."""
    advice = (steps or {}).get("advice") or []
    if not advice:
        advice = ["Demander au référent du bassin visé une mise en relation locale."]
    return html.Div(
        [html.H3("Et maintenant ?"), html.Ul([html.Li(a) for a in advice])],
        id="chemins-suite",
    )


def explanations(
    paths: list[dict[str, Any]],
    id_: str,
    ends: list[str] | None = None,
    action: Callable[[dict[str, Any]], Any] | None = None,
) -> html.Ol:
    items = []
    for i, p in enumerate(paths):
        head = f"Chemin {p['rank']} · coût {i18n.decimal(p['cost'], 1)}"
        if ends:
            head += f" · vers {ends[i]}"
        items.append(
            html.Li(
                [
                    html.Strong(head),
                    html.Ul([html.Li(r) for r in p["reasons"]]),
                    action(p) if action else None,
                ],
                className="path-item",
            )
        )
    return html.Ol(items, id=id_, className="path-list")


def layout(
    ctx: PageContext,
    groupement: str | None = None,
    candidat: str | None = None,
    cible: str | None = None,
    employeur: str | None = None,
    offre: str | None = None,
    secteur: str | None = None,
    bassin: str | None = None,
    k: str | None = None,
    max: str | None = None,
) -> html.Div:
    store = ctx.store
    choices = groupement_options(ctx)
    if not groupement and not candidat and len(choices) == 1:
        groupement = choices[0]["value"]  # a référent with one groupement: no need to pick it
    if candidat and not may_read_candidate(ctx, candidat):
        groupement = None  # nothing about them: answered as an unknown id below
    elif candidat and not groupement:
        mine = [
            g
            for g in D.groupements_of_person(store, candidat)
            if groupement_view(ctx.principal, g) is not GroupementView.OTHER
        ]
        groupement = mine[0] if mine else None
    no_target = False
    if candidat and not (bassin or secteur):
        bassins, sectors = D.targets_of(store, candidat) if groupement else ([], [])
        bassin = bassins[0] if bassins else None
        secteur = sectors[0] if sectors else None
        no_target = bool(groupement) and not (bassins or sectors)
    if not cible:
        cible = "employeur" if employeur else "offre" if offre else "secteur"
    kk, mm = _int(k, 3), _int(max, 3)
    target = target_of(cible, employeur, offre, secteur, bassin)
    answer: Any = html.P(
        "Choisissez un candidat et une cible, puis « Chercher ».", className="muted"
    )
    if candidat and target is not None:
        answer = results(ctx, candidat, target, kk, mm)
    elif no_target:
        answer = no_target_notice()
    return html.Div(
        [
            html.Div(
                [
                    html.H1("Chemins d'introduction"),
                    html.P(
                        "Des chemins courts et explicables, par des personnes qui ont accepté "
                        f"d'aider · situation au {i18n.long_date(ctx.as_of)}",
                        className="subtitle",
                    ),
                ],
                className="page-head",
            ),
            section(
                "Recherche",
                html.Div(
                    [
                        html.Div(
                            [
                                html.Label("Groupement"),
                                dropdown(
                                    "chemins-groupement",
                                    choices,
                                    "Choisir un groupement",
                                    value=groupement,
                                ),
                            ],
                            className="field",
                        ),
                        html.Div(
                            [
                                html.Label("Candidat"),
                                dropdown(
                                    "chemins-candidat",
                                    candidate_options(ctx, groupement),
                                    "Choisir un candidat",
                                    value=candidat,
                                ),
                            ],
                            className="field wide",
                        ),
                        html.Div(
                            [
                                html.Label("Cible"),
                                dcc.RadioItems(
                                    id="chemins-cible",
                                    options=TARGET_KINDS,
                                    value=cible,
                                    inline=True,
                                    className="radio-row",
                                ),
                            ],
                            className="field wide",
                        ),
                        html.Div(
                            [
                                html.Label("Bassin d'emploi"),
                                dropdown(
                                    "chemins-bassin",
                                    place_options(D.bassins(store)),
                                    "Choisir un bassin",
                                    value=bassin,
                                ),
                            ],
                            className="field",
                        ),
                        html.Div(
                            [
                                html.Label("Employeur"),
                                dropdown(
                                    "chemins-employeur",
                                    located_options(ctx, bassin, Label.EMPLOYER),
                                    "Choisir un employeur",
                                    value=employeur,
                                ),
                            ],
                            className="field",
                            id="chemins-employeur-box",
                        ),
                        html.Div(
                            [
                                html.Label("Offre"),
                                dropdown(
                                    "chemins-offre",
                                    located_options(ctx, bassin, Label.JOB_OFFER),
                                    "Choisir une offre",
                                    value=offre,
                                ),
                            ],
                            className="field",
                            id="chemins-offre-box",
                        ),
                        html.Div(
                            [
                                html.Label("Secteur"),
                                dropdown(
                                    "chemins-secteur",
                                    place_options(D.sectors(store)),
                                    "Choisir un secteur",
                                    value=secteur,
                                ),
                            ],
                            className="field",
                            id="chemins-secteur-box",
                        ),
                        html.Div(
                            [
                                html.Label("Chemins voulus"),
                                dropdown("chemins-k", NUMBERS, "k", value=kk, clearable=False),
                            ],
                            className="field narrow",
                        ),
                        html.Div(
                            [
                                html.Label("Intermédiaires au plus"),
                                dropdown("chemins-max", NUMBERS, "max", value=mm, clearable=False),
                            ],
                            className="field narrow",
                        ),
                        html.Button(
                            "Chercher", id="chemins-chercher", className="button", n_clicks=0
                        ),
                    ],
                    className="form-grid",
                ),
            ),
            section(
                "Résultat",
                dcc.Loading(
                    html.Div(answer, id="chemins-resultat"), type="default", delay_show=150
                ),
                id_="panneau-resultat",
            ),
        ],
        className="page page-chemins",
        id="page-chemins",
    )


def no_target_notice() -> html.Div:
    """Said when a candidate has no target recorded (not the same as "no path")."""
    return notice(
        "Aucune cible renseignée pour ce candidat (ni bassin d'emploi ni secteur visé) : "
        f"choisissez ci-dessus {TARGET_HELP} Enregistrez aussi les bassins et secteurs "
        "qu'il vise sur sa fiche de membre, pour que le groupement suive sa couverture.",
        id_="chemins-sans-cible",
    )


def candidate_form(ctx: PageContext, candidate: str) -> tuple[Any, Any, Any]:
    """(bassin, sector, answer) when a candidate is picked: their first targets, or the
    reason the target is empty."""
    bassins, sectors = D.targets_of(ctx.store, candidate)
    if not (bassins or sectors):
        return None, None, no_target_notice()
    return bassins[0] if bassins else None, sectors[0] if sectors else None, no_update


def register(app: Dash) -> None:
    @app.callback(
        Output("chemins-candidat", "options"),
        Input("chemins-groupement", "value"),
        prevent_initial_call=True,
    )
    def candidates(groupement: str | None) -> list[dict[str, str]]:
        ctx = current_context()
        if ctx is None:
            raise PreventUpdate
        return candidate_options(ctx, groupement)

    def picked(candidate: str | None, groupement: str | None) -> tuple[Any, Any, Any]:
        ctx = current_context()
        if ctx is None or not candidate or not groupement:
            raise PreventUpdate
        # the candidate itself must be one the viewer may ask about, whatever the
        # groupement picked (a crafted callback may send any pair)
        if not may_read_candidate(ctx, candidate):
            raise PreventUpdate
        return candidate_form(ctx, candidate)

    @app.callback(
        Output("chemins-bassin", "value"),
        Output("chemins-secteur", "value"),
        Input("chemins-candidat", "value"),
        State("chemins-groupement", "value"),
        prevent_initial_call=True,
    )
    def candidate_targets(candidate: str | None, groupement: str | None) -> tuple[Any, Any]:
        bassin, sector, _ = picked(candidate, groupement)
        return bassin, sector

    @app.callback(
        Output("chemins-resultat", "children", allow_duplicate=True),
        Input("chemins-candidat", "value"),
        State("chemins-groupement", "value"),
        prevent_initial_call=True,
    )
    def candidate_notice(candidate: str | None, groupement: str | None) -> Any:
        """A candidate with no target recorded: say so (and what to fill in) at once."""
        return picked(candidate, groupement)[2]

    @app.callback(
        Output("chemins-employeur", "options"),
        Output("chemins-offre", "options"),
        Input("chemins-bassin", "value"),
        prevent_initial_call=True,
    )
    def in_bassin(bassin: str | None) -> tuple[list, list]:
        ctx = current_context()
        if ctx is None:
            raise PreventUpdate
        return (
            located_options(ctx, bassin, Label.EMPLOYER),
            located_options(ctx, bassin, Label.JOB_OFFER),
        )

    @app.callback(
        Output("chemins-employeur-box", "style"),
        Output("chemins-offre-box", "style"),
        Output("chemins-secteur-box", "style"),
        Input("chemins-cible", "value"),
    )
    def show_fields(kind: str) -> tuple[dict, dict, dict]:
        hide, show = {"display": "none"}, {}
        return (
            show if kind == "employeur" else hide,
            show if kind == "offre" else hide,
            show if kind == "secteur" else hide,
        )

    @app.callback(
        # the answer first: the audit trail classes a callback by its first output
        Output("chemins-resultat", "children"),
        Output("url", "search", allow_duplicate=True),
        Input("chemins-chercher", "n_clicks"),
        State("url", "search"),
        State("chemins-groupement", "value"),
        State("chemins-candidat", "value"),
        State("chemins-cible", "value"),
        State("chemins-employeur", "value"),
        State("chemins-offre", "value"),
        State("chemins-secteur", "value"),
        State("chemins-bassin", "value"),
        State("chemins-k", "value"),
        State("chemins-max", "value"),
        prevent_initial_call=True,
    )
    def search(
        n: int,
        current: str | None,
        groupement: str | None,
        candidate: str | None,
        kind: str,
        employer: str | None,
        offer: str | None,
        sector: str | None,
        bassin: str | None,
        k: Any,
        max_i: Any,
    ) -> Any:
        ctx = current_context()
        if ctx is None:
            return notice("Session expirée : reconnectez-vous.", "bad"), no_update
        if not n:
            raise PreventUpdate
        search, answer = search_answer(
            ctx, current, groupement, candidate, kind, employer, offer, sector, bassin, k, max_i
        )
        return answer, search
