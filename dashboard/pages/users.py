"""Utilisateurs (admin only): people's accounts and the outbox of e-mails.

The admin creates an account (e-mail, name, role, a référent's groupements), sends it a
login link, gives it an initial password (drawn at random, shown once) or revokes it
(its sessions end at the next click). Every write goes through :class:`graph.accounts.
Accounts`, which checks the role and records the audit entry. The "Boîte d'envoi"
lists every e-mail of the outbox with its body while it is kept: without an SMTP server
(a demo) the admin passes a login link on from here.
"""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, dcc, html
from dash import callback_context as dash_ctx
from dash.exceptions import PreventUpdate

from dashboard import data as D
from dashboard import i18n
from dashboard.auth import current_context
from dashboard.components import dropdown, notice, section
from dashboard.runtime import PageContext
from graph.access import passwords
from graph.access.users import PERSON_ROLES, UserInfo, may_manage_users
from graph.accounts import french
from graph.errors import PasserelleError
from graph.introductions import open_service
from graph.introductions.outbox import Outbox

BUTTONS = (
    "utilisateur-creer",
    "utilisateur-lien",
    "utilisateur-mot-de-passe",
    "utilisateur-revoquer",
)
STATES = (
    ("utilisateur-email", "value"),
    ("utilisateur-nom", "value"),
    ("utilisateur-role", "value"),
    ("utilisateur-groupements", "value"),
    ("utilisateur-choix", "value"),
)
STATUS = {
    "pending": "en attente d'envoi",
    "sending": "en cours d'envoi",
    "sent": "envoyé",
    "held": "sans adresse",
    "failed": "échec d'envoi",
}


def _state(u: UserInfo) -> str:
    return "actif" if u.active else f"révoqué le {u.revoked_at[:10] if u.revoked_at else ''}"


def users_table(ctx: PageContext) -> html.Div:
    users = ctx.runtime.users().list()
    if not users:
        return html.Div(html.P("Aucun compte.", className="muted"), id="utilisateurs-liste")
    names = {g: i.name for g, i in D.groupement_infos(ctx.store).items()}
    head = html.Tr(
        [
            html.Th(h, scope="col")
            for h in ("Adresse", "Nom", "Rôle", "Groupements", "Mot de passe", "État")
        ]
    )
    rows = [
        html.Tr(
            [
                html.Td(u.email),
                html.Td(u.name),
                html.Td(i18n.ROLE_LABELS.get(u.role.value, u.role.value)),
                html.Td(", ".join(names.get(g, g) for g in u.groupements) or "—"),
                html.Td("oui" if u.has_password else "non"),
                html.Td(_state(u)),
            ],
            className="" if u.active else "muted",
        )
        for u in users
    ]
    return html.Div(
        html.Table([html.Thead(head), html.Tbody(rows)], className="simple-table"),
        id="utilisateurs-liste",
    )


def _choices(ctx: PageContext) -> list[dict[str, str]]:
    return [
        {"label": f"{u.email} — {u.name}", "value": u.id}
        for u in ctx.runtime.users().list(include_revoked=False)
    ]


def outbox_view(ctx: PageContext) -> html.Div:
    """Every e-mail of the outbox, newest first, with its body while it is kept."""
    service = open_service(ctx.runtime.settings.data_dir, ctx.store)
    messages = Outbox(service.db).messages(limit=100)
    note = (
        "Aucun serveur SMTP n'est configuré : les courriels restent ici ; transmettez "
        "vous-même les liens de connexion."
        if not service.settings.smtp_configured
        else "Envoi par le serveur SMTP configuré ; le texte d'un courriel est effacé une "
        "fois envoyé."
    )
    if not messages:
        items: Any = html.P("Aucun courriel.", className="muted")
    else:
        rows = []
        for m in messages:
            body: list[Any] = []
            if m.text:
                links = [w for w in m.text.split() if w.startswith(("http://", "https://"))]
                body = [html.Details([html.Summary("Voir le courriel"), html.Pre(m.text)])]
                body += [
                    html.A("Ouvrir le lien", href=u, className="lien-personnel") for u in links
                ]
            rows.append(
                html.Li(
                    [
                        html.Strong(m.subject),
                        html.Br(),
                        f"à {m.to_addr or '—'} · {STATUS.get(m.status, m.status)} · "
                        f"{m.created_at[:16].replace('T', ' ')}",
                        *body,
                    ],
                    className=f"mail mail-{m.status}",
                )
            )
        items = html.Ul(rows, className="mail-list")
    return html.Div([html.P(note, className="muted"), items], id="utilisateurs-envoi")


def _refused() -> html.Div:
    return html.Div(
        [
            html.H1("Utilisateurs"),
            notice(
                "La gestion des comptes est réservée à l'administrateur.",
                "bad",
                id_="utilisateurs-refus",
            ),
        ],
        className="page",
        id="page-utilisateurs",
    )


def _field(label: str, control: Any, for_: str) -> html.Div:
    return html.Div([html.Label(label, htmlFor=for_), control], className="field")


def layout(ctx: PageContext) -> html.Div:
    if not may_manage_users(ctx.principal):
        return _refused()
    groupements = [
        {"label": i.name, "value": g}
        for g, i in sorted(D.groupement_infos(ctx.store).items(), key=lambda t: t[1].name)
    ]
    roles = [{"label": i18n.ROLE_LABELS[r.value], "value": r.value} for r in PERSON_ROLES]
    create = html.Div(
        [
            _field(
                "Adresse e-mail",
                dcc.Input(id="utilisateur-email", type="email"),
                "utilisateur-email",
            ),
            _field("Nom affiché", dcc.Input(id="utilisateur-nom", type="text"), "utilisateur-nom"),
            _field(
                "Rôle",
                dropdown(
                    "utilisateur-role", roles, "Choisir un rôle", value="referent", clearable=False
                ),
                "utilisateur-role",
            ),
            _field(
                "Groupements (référent)",
                dropdown("utilisateur-groupements", groupements, "Choisir", multi=True),
                "utilisateur-groupements",
            ),
            html.Button("Créer le compte", id="utilisateur-creer", className="button"),
        ],
        className="form-grid",
    )
    act = html.Div(
        [
            _field(
                "Compte",
                dropdown("utilisateur-choix", _choices(ctx), "Choisir un compte"),
                "utilisateur-choix",
            ),
            html.Button("Envoyer un lien de connexion", id="utilisateur-lien", className="button"),
            html.Button(
                "Définir un mot de passe initial", id="utilisateur-mot-de-passe", className="button"
            ),
            html.Button("Révoquer", id="utilisateur-revoquer", className="button button-danger"),
        ],
        className="form-grid",
    )
    return html.Div(
        [
            html.Div(html.H1("Utilisateurs"), className="page-head"),
            html.Div(id="utilisateurs-message", role="status"),
            section(
                "Comptes",
                html.Div(users_table(ctx), id="utilisateurs-liste-box"),
                note="Les personnes se connectent avec leur adresse e-mail : lien de "
                "connexion par courriel ou mot de passe. Les jetons d'accès restent pour "
                "les portails et les scripts.",
            ),
            section("Créer un compte", create),
            section("Agir sur un compte", act),
            section(
                "Boîte d'envoi",
                html.Div(outbox_view(ctx), id="utilisateurs-envoi-box"),
                id_="panneau-envoi-admin",
            ),
        ],
        className="page",
        id="page-utilisateurs",
    )


def act(ctx: PageContext, button: str, form: dict[str, Any]) -> html.Div:
    """Do what ``button`` asks; the message to show (refusals in French)."""
    accounts = ctx.runtime.accounts()
    who = ctx.principal
    chosen = form.get("utilisateur-choix")
    if button != "utilisateur-creer" and not chosen:
        return notice("Choisissez d'abord un compte.", "bad", id_="utilisateur-erreur")
    if button == "utilisateur-creer":
        user = accounts.create(
            who,
            form.get("utilisateur-email") or "",
            form.get("utilisateur-nom") or "",
            form.get("utilisateur-role") or "",
            form.get("utilisateur-groupements") or [],
        )
        text = f"Compte créé pour {user.email}. Envoyez-lui un lien de connexion."
    elif button == "utilisateur-lien":
        if accounts.send_link(who, chosen):
            text = "Lien de connexion mis dans la boîte d'envoi (valable 15 minutes)."
        else:
            text = "Aucun lien envoyé : trop de liens demandés récemment pour ce compte."
    elif button == "utilisateur-mot-de-passe":
        password = passwords.generate()
        user = accounts.set_password(who, chosen, password)
        return notice(
            [
                f"Mot de passe initial de {user.email} (affiché une seule fois, transmettez-le "
                "à la personne) : ",
                html.Code(password, id="mot-de-passe-initial"),
            ],
            "own",
            id_="utilisateur-fait",
        )
    elif button == "utilisateur-revoquer":
        user = accounts.revoke(who, chosen)
        text = f"Compte {user.email} révoqué : ses sessions sont fermées."
    else:
        raise PreventUpdate
    return notice(text, "own", id_="utilisateur-fait")


def register(app: Dash) -> None:
    @app.callback(
        Output("utilisateurs-message", "children"),
        Output("utilisateurs-liste-box", "children"),
        Output("utilisateurs-envoi-box", "children"),
        Output("utilisateur-choix", "options"),
        *[Input(b, "n_clicks") for b in BUTTONS],
        *[State(i, p) for i, p in STATES],
        prevent_initial_call=True,
    )
    def edit(*args: Any) -> Any:
        ctx = current_context()
        if ctx is None:
            raise PreventUpdate
        if not may_manage_users(ctx.principal):
            return _refused(), html.Div(), html.Div(), []
        button = dash_ctx.triggered_id
        if button not in BUTTONS or not args[BUTTONS.index(button)]:
            raise PreventUpdate
        form = {i: v for (i, _), v in zip(STATES, args[len(BUTTONS) :], strict=True)}
        try:
            message = act(ctx, button, form)
        except PasserelleError as exc:
            message = notice(f"Refusé : {french(exc)}", "bad", id_="utilisateur-erreur")
        return message, users_table(ctx), outbox_view(ctx), _choices(ctx)
