"""Introductions in the dashboard: "Mes introductions", the request form, the answer page
of a personal link, and the funnel per groupement on the national page.

* :func:`ask_link`: the "Demander l'introduction" link under each path of Chemins;
* :func:`layout`: "Mes introductions": the request being confirmed (with its message),
  every introduction the viewer follows with its state, people and next action, the
  buttons that act on it, and the outbox (e-mails waiting, sent or failed);
* :func:`answer_layout`: the public page a personal link opens (no login): what the
  person needs, accept or decline;
* :func:`funnel_section`: requested, accepted, introduced, hired per groupement, small
  counts withheld as elsewhere (:func:`graph.access.introductions.funnel_counts`).

Every rule comes from the core: scope and bodies (:mod:`graph.access.introductions`),
the workflow (:mod:`graph.introductions.service`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from dash import ALL, Dash, Input, Output, State, dcc, html
from dash import ctx as dash_ctx
from dash.exceptions import PreventUpdate

from dashboard import audit, i18n
from dashboard import data as D
from dashboard.auth import current_context
from dashboard.components import dropdown, notice, section
from dashboard.runtime import PageContext, current_runtime
from graph.access.introductions import funnel_counts, sees_bodies
from graph.access.roles import Permission
from graph.access.scope import groupements_in_scope
from graph.errors import PasserelleError
from graph.introductions import open_service
from graph.introductions.links import LinkError
from graph.introductions.model import (
    FINAL_OUTCOMES,
    HOP_LABELS,
    OPEN_STATES,
    OUTCOME_LABELS,
    REROUTABLE,
    STATE_LABELS,
    Introduction,
    Outcome,
)
from graph.introductions.model import (
    State as IState,
)
from graph.introductions.outbox import Outbox
from graph.introductions.service import IntroductionService, display_name, next_action
from graph.paths import PathPolicy, Target

#: the URL arguments of the request form (those of Chemins, and the path chosen)
REQUEST_ARGS = (
    "demander",
    "candidat",
    "cible",
    "employeur",
    "offre",
    "secteur",
    "bassin",
    "rang",
    "k",
    "max",
    "personnes",
)
OUTCOME_OPTIONS = [{"label": v, "value": k.value} for k, v in OUTCOME_LABELS.items()]
STATUS_LABELS = {
    "pending": "en attente d'envoi",
    "sending": "en cours d'envoi",
    "sent": "envoyé",
    "held": "sans adresse : à transmettre",
    "failed": "échec d'envoi",
}


_KINDS = {"employer": "employeur", "offer": "offre"}


def service_of(ctx: PageContext) -> IntroductionService:
    return open_service(ctx.runtime.settings.data_dir, ctx.store)


# --------------------------------------------------------------------------- from Chemins


def ask_link(
    ctx: PageContext, candidate: str, target: Target, k: int, max_i: int, path: dict[str, Any]
) -> Any:
    """ "Demander l'introduction" under a path, for a viewer who may ask (None otherwise,
    and for a path with someone who may not be named)."""
    people = [h["to_id"] for h in path["hops"]]
    if not ctx.principal.can(Permission.INTRODUCTIONS) or None in people:
        return None
    args = {
        "demander": "1",
        "candidat": candidate,
        "rang": path["rank"],
        "k": k,
        "max": max_i,
        "personnes": ",".join(people),
    }
    if target.kind == "set":
        args.update(cible="secteur", secteur=target.sector, bassin=target.bassin)
    elif target.kind in _KINDS:
        args.update({"cible": _KINDS[target.kind], _KINDS[target.kind]: target.id})
    else:
        return None
    return dcc.Link(
        "Demander l'introduction",
        href=ctx.href("introductions") + "?" + urlencode(args),
        className="button ask-intro",
        id=f"demander-{path['rank']}",
    )


def _target(args: dict[str, str]) -> Target | None:
    kind = args.get("cible")
    if kind == "employeur" and args.get("employeur"):
        return Target("employer", id=args["employeur"])
    if kind == "offre" and args.get("offre"):
        return Target("offer", id=args["offre"])
    if kind == "secteur" and args.get("secteur") and args.get("bassin"):
        return Target.sector_in_bassin(args["secteur"], args["bassin"])
    return None


def _int(value: Any, default: int) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return default
    return n if 1 <= n <= 10 else default


def request_panel(ctx: PageContext, args: dict[str, str]) -> Any:
    """The form confirming a request: the chain of people, a message, "Envoyer"."""
    target = _target(args)
    candidate = args.get("candidat")
    people = [p for p in (args.get("personnes") or "").split(",") if p]
    if target is None or not candidate or not people:
        return notice("Demande incomplète : repartez d'un chemin de la page Chemins.", "bad")
    records = ctx.store.get_many([candidate, *people])
    chain = " → ".join(display_name(records.get(p)) for p in [candidate, *people])
    return section(
        "Demande d'introduction",
        html.P(["Chemin choisi : ", html.Strong(chain)], id="intro-chaine"),
        html.P(
            "Chaque personne sera sollicitée à son tour par un courriel avec un lien personnel "
            "(accepter ou décliner, sans compte) ; la dernière, pour rencontrer le candidat.",
            className="muted",
        ),
        html.Label("Message pour les personnes sollicitées", htmlFor="intro-message"),
        dcc.Textarea(
            id="intro-message",
            maxLength=1000,
            className="textarea",
            placeholder="Quelques mots sur le candidat et ce qu'il cherche…",
        ),
        html.Button("Envoyer la demande", id="intro-envoyer", className="button", n_clicks=0),
        dcc.Store(id="intro-demande", data={k: args.get(k) for k in REQUEST_ARGS}),
        html.Div(id="intro-envoi-resultat"),
        id_="panneau-demande",
    )


# --------------------------------------------------------------------------- Mes introductions


def _card(service: IntroductionService, intro: Introduction, names: dict[str, str]) -> html.Div:
    hops = html.Ol(
        [
            html.Li(
                f"{names.get(h.person_id, h.person_id)} : {HOP_LABELS[h.state]}"
                + (f" (« {h.reason} »)" if h.reason else ""),
                className=f"hop hop-{h.state}",
            )
            for h in intro.hops
        ],
        className="hop-list",
    )
    actions: list[Any] = []
    key = {"intro": intro.id}
    if intro.state in OPEN_STATES | REROUTABLE:
        actions.append(
            html.Button(
                "Retirer la demande",
                className="button secondary",
                id={"type": "intro-action", "action": "withdraw", **key},
            )
        )
    if intro.state in REROUTABLE:
        actions.append(
            html.Button(
                "Chercher un autre chemin",
                className="button",
                id={"type": "intro-action", "action": "reroute", **key},
            )
        )
    if intro.state is IState.INTRODUCED and intro.outcome not in FINAL_OUTCOMES:
        options = [o for o in OUTCOME_OPTIONS if o["value"] != (intro.outcome or "")]
        actions.append(
            dropdown(
                {"type": "intro-outcome", **key},
                options,
                "Suite donnée…",
                clearable=False,
                className="outcome-pick",
            )
        )
        actions.append(
            html.Button(
                "Enregistrer la suite",
                className="button",
                id={"type": "intro-action", "action": "outcome", **key},
            )
        )
    outcome = f" · suite : {OUTCOME_LABELS[intro.outcome]}" if intro.outcome is not None else ""
    return html.Div(
        [
            html.H3(f"{names.get(intro.candidate_id)} → {intro.target.get('label', '')}"),
            html.P(
                [
                    html.Span(
                        STATE_LABELS[intro.state],
                        className=f"badge state-{intro.state}",
                        id=f"etat-{intro.id}",
                    ),
                    f" · demandée le {intro.created_at:%d/%m/%Y}{outcome}",
                ],
            ),
            hops,
            html.P(next_action(intro, names, service.settings), className="next-action"),
            html.Div(actions, className="actions"),
        ],
        className="intro-card",
        id=f"intro-{intro.id}",
    )


def introductions_list(ctx: PageContext) -> html.Div:
    service = service_of(ctx)
    items, total = service.search(ctx.principal, limit=100)
    if not items:
        return html.Div(
            html.P("Aucune introduction demandée pour l'instant.", className="muted"),
            id="intro-liste",
        )
    people = ctx.store.get_many(sorted({p for i in items for p in i.people()}))
    names = {pid: display_name(people.get(pid)) for pid in people}
    cards = [_card(service, i, names) for i in items]
    return html.Div([html.P(f"{i18n.plural(total, 'introduction')}."), *cards], id="intro-liste")


def _when(iso: str) -> str:
    return iso[:16].replace("T", " ")


def outbox_view(ctx: PageContext) -> html.Div:
    service = service_of(ctx)
    items, _ = service.search(ctx.principal, limit=100)
    messages = Outbox(service.db).messages(intro_ids=[i.id for i in items], limit=100)
    if not messages:
        return html.Div(html.P("Aucun courriel.", className="muted"), id="boite-envoi")
    bodies = sees_bodies(ctx.principal, service.settings.smtp_configured)
    people = ctx.store.get_many(sorted({m.to_person_id for m in messages if m.to_person_id}))
    rows = []
    for m in messages:
        body: list[Any] = []
        if bodies and m.text:
            links = [w for w in m.text.split() if "/reponse/" in w]
            body = [html.Details([html.Summary("Voir le courriel"), html.Pre(m.text)])]
            body += [html.A("Lien personnel", href=u, className="lien-personnel") for u in links]
        rows.append(
            html.Li(
                [
                    html.Strong(m.subject),
                    html.Br(),
                    f"à {display_name(people.get(m.to_person_id or ''))} · "
                    f"{STATUS_LABELS.get(m.status, m.status)} · {_when(m.created_at)}",
                    *body,
                ],
                className=f"mail mail-{m.status}",
            )
        )
    note = (
        "Aucun serveur SMTP n'est configuré : les courriels restent ici ; transmettez les "
        "liens personnels vous-même."
        if not service.settings.smtp_configured
        else "Envoi par le serveur SMTP configuré, avec reprises en cas de panne."
    )
    return html.Div(
        [html.P(note, className="muted"), html.Ul(rows, className="mail-list")], id="boite-envoi"
    )


def layout(ctx: PageContext, **args: str) -> html.Div:
    if not ctx.principal.can(Permission.INTRODUCTIONS):
        return html.Div(
            [
                html.H1("Mes introductions"),
                notice("Les introductions sont suivies par les référents et l'administrateur."),
            ],
            className="page",
            id="page-introductions",
        )
    parts: list[Any] = [html.Div(html.H1("Mes introductions"), className="page-head")]
    if args.get("demander"):
        parts.append(request_panel(ctx, args))
    parts.append(
        section(
            "Demandes suivies",
            html.Div(introductions_list(ctx), id="intro-liste-box"),
            html.Div(id="intro-action-resultat"),
        )
    )
    parts.append(section("Boîte d'envoi", outbox_view(ctx), id_="panneau-envoi"))
    return html.Div(parts, className="page", id="page-introductions")


# --------------------------------------------------------------------------- the answer page


def _note_holder(service: IntroductionService, token: str) -> None:
    """The audit log names the holder of the link and the people their page names."""
    actor, named = service.holder(token)
    audit.note_actor(actor, audit.LINK_ROLE)
    audit.note_persons(named)


def answer_layout(token: str) -> html.Div:
    """The public page of a personal link: no login, only what the person needs."""
    runtime = current_runtime()
    service = open_service(runtime.settings.data_dir, runtime.store())
    try:
        view = service.link_view(token)
        _note_holder(service, token)
    except LinkError as exc:
        return html.Div(
            [
                html.H1("Demande d'introduction"),
                notice(exc.message[0].upper() + exc.message[1:] + ".", "bad", id_="reponse-erreur"),
            ],
            className="page",
            id="page-reponse",
        )
    question = (
        f"Accepteriez-vous de rencontrer {view.candidate} ?"
        if view.is_contact
        else f"Accepteriez-vous de présenter {view.candidate} à {view.next_person} ?"
    )
    return html.Div(
        [
            html.H1("Demande d'introduction"),
            html.P(f"Bonjour {view.person},"),
            html.P(f"{view.asker} vous sollicite pour une mise en relation."),
            html.Ul(
                [
                    html.Li(["Candidat : ", html.Strong(view.candidate), f" ({view.profile})"]),
                    html.Li(f"Cherche à rejoindre : {view.target}"),
                    html.Li(f"Vous est présenté par : {view.previous}"),
                ]
            ),
            html.Blockquote(view.message) if view.message else None,
            html.P(html.Strong(question), id="reponse-question"),
            html.P(
                f"Ce lien est personnel et valable jusqu'au {view.expires:%d/%m/%Y}.",
                className="muted",
            ),
            html.Label("Un mot (facultatif, si vous déclinez)", htmlFor="reponse-raison"),
            dcc.Textarea(id="reponse-raison", maxLength=500, className="textarea"),
            html.Div(
                [
                    html.Button("J'accepte", id="reponse-accepter", className="button", n_clicks=0),
                    html.Button(
                        "Je décline",
                        id="reponse-decliner",
                        className="button secondary",
                        n_clicks=0,
                    ),
                ],
                className="actions",
            ),
            html.Div(id="reponse-resultat"),
        ],
        className="page",
        id="page-reponse",
    )


# --------------------------------------------------------------------------- national page


def funnel_section(ctx: PageContext) -> Any:
    """The funnel per groupement that has introductions (None when there are none)."""
    try:
        rows = service_of(ctx).funnel()
    except PasserelleError:
        return None
    # a référent sees their own groupements' funnels only (as everywhere on their pages)
    shown_ids = set(groupements_in_scope(ctx.principal, rows))
    rows = {gid: counts for gid, counts in rows.items() if gid in shown_ids}
    if not rows:
        return None
    infos = D.groupement_infos(ctx.store)
    head = html.Tr(
        [
            html.Th(t)
            for t in ("Groupement", "Demandées", "Acceptées", "Mises en relation", "Embauches")
        ]
    )
    body = []
    for gid, counts in sorted(rows.items(), key=lambda kv: -kv[1]["requested"]):
        shown = funnel_counts(ctx.principal, gid, counts)
        name = infos[gid].name if gid in infos else gid
        body.append(
            html.Tr(
                [html.Td(name)]
                + [
                    html.Td(str(shown[k]), className="num")
                    for k in ("requested", "accepted", "introduced", "hired")
                ],
                id=f"entonnoir-{gid}",
            )
        )
    return section(
        "Introductions par groupement",
        html.Table([html.Thead(head), html.Tbody(body)], className="funnel", id="entonnoir"),
        note="Demandes, demandes avec au moins un accord, mises en relation faites, embauches. "
        "Moins de cinq personnes : « < 5 » hors de la vue du référent du groupement.",
        id_="panneau-entonnoir",
    )


# --------------------------------------------------------------------------- callbacks


def register(app: Dash) -> None:
    @app.callback(
        Output("intro-envoi-resultat", "children"),
        Output("intro-liste-box", "children", allow_duplicate=True),
        Input("intro-envoyer", "n_clicks"),
        State("intro-message", "value"),
        State("intro-demande", "data"),
        prevent_initial_call=True,
    )
    def send(n: int, message: str | None, args: dict[str, str] | None) -> Any:
        ctx = current_context()
        if ctx is None or not n or not args:
            raise PreventUpdate
        target = _target(args)
        if target is None or not args.get("candidat"):
            return notice("Demande incomplète.", "bad"), introductions_list(ctx)
        policy = PathPolicy(k=_int(args.get("k"), 3), max_intermediaries=_int(args.get("max"), 3))
        try:
            intro = service_of(ctx).request(
                ctx.principal,
                candidate_id=args["candidat"],
                target=target,
                policy=policy,
                rank=_int(args.get("rang"), 1),
                people=[p for p in (args.get("personnes") or "").split(",") if p],
                message=message or "",
                requester_label="Votre référent reconversion",
            )
        except PasserelleError as exc:
            return notice(
                f"Demande impossible : {exc}", "bad", id_="intro-erreur"
            ), introductions_list(ctx)
        first = display_name(ctx.store.get(intro.hops[0].person_id))
        done = notice(
            f"Demande envoyée : {first} est sollicité(e) en premier.", "own", id_="intro-envoyee"
        )
        return done, introductions_list(ctx)

    @app.callback(
        Output("intro-liste-box", "children", allow_duplicate=True),
        Output("intro-action-resultat", "children"),
        Input({"type": "intro-action", "action": ALL, "intro": ALL}, "n_clicks"),
        State({"type": "intro-outcome", "intro": ALL}, "value"),
        State({"type": "intro-outcome", "intro": ALL}, "id"),
        prevent_initial_call=True,
    )
    def act(clicks: list[int | None], outcomes: list[str | None], ids: list[dict]) -> Any:
        ctx = current_context()
        trigger = dash_ctx.triggered_id
        if ctx is None or not isinstance(trigger, dict) or not any(clicks):
            raise PreventUpdate
        service = service_of(ctx)
        intro_id, action = trigger["intro"], trigger["action"]
        try:
            if action == "withdraw":
                service.withdraw(ctx.principal, intro_id)
                text = "Demande retirée."
            elif action == "reroute":
                service.reroute(ctx.principal, intro_id)
                text = "Nouveau chemin : la personne suivante est sollicitée."
            else:
                chosen = {i["intro"]: v for i, v in zip(ids, outcomes, strict=False)}
                value = chosen.get(intro_id)
                if not value:
                    return introductions_list(ctx), notice("Choisissez la suite donnée.", "bad")
                service.record_outcome(ctx.principal, intro_id, Outcome(value), ctx.as_of)
                text = f"Suite enregistrée : {OUTCOME_LABELS[Outcome(value)]}."
        except PasserelleError as exc:
            return introductions_list(ctx), notice(f"Action impossible : {exc}", "bad")
        return introductions_list(ctx), notice(text, "own", id_="intro-action-faite")

    @app.callback(
        Output("reponse-resultat", "children"),
        Input("reponse-accepter", "n_clicks"),
        Input("reponse-decliner", "n_clicks"),
        State("reponse-raison", "value"),
        State("url", "pathname"),
        prevent_initial_call=True,
    )
    def answer(yes: int, no: int, reason: str | None, pathname: str | None) -> Any:
        if not (yes or no) or not pathname:
            raise PreventUpdate
        accept = dash_ctx.triggered_id == "reponse-accepter"
        token = pathname.rstrip("/").rsplit("/", 1)[-1]
        runtime = current_runtime()
        service = open_service(runtime.settings.data_dir, runtime.store())
        try:
            service.answer(token, accept, reason)
            _note_holder(service, token)
        except LinkError as exc:
            return notice(
                exc.message[0].upper() + exc.message[1:] + ".", "bad", id_="reponse-erreur"
            )
        except PasserelleError as exc:
            return notice(f"Réponse impossible : {exc}", "bad", id_="reponse-erreur")
        text = (
            "Merci, votre accord est enregistré. La suite se fera sans vous solliciter davantage."
            if accept
            else "Merci, votre réponse est enregistrée. Décliner reste sans conséquence."
        )
        return notice(text, "own", id_="reponse-enregistree")
