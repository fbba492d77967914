"""Connexion: a person's e-mail and password, a one-time link by e-mail, or an API token.

Every form posts to a plain HTTP route of :mod:`dashboard.auth` (never a Dash callback),
so no secret goes through the browser's history or a callback's log:

* e-mail and password → ``auth/login``;
* "recevoir un lien de connexion" (e-mail only) → ``auth/lien``; the page then says the
  same thing whether the account exists or not;
* "jeton d'accès (scripts et portails)" → ``auth/login``: kept for scripts and for a
  deployment whose people have no accounts yet.

:func:`link_layout` is the page a login link opens: one button that posts the link, so
that fetching the page (a mail scanner does) spends nothing.
"""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard.runtime import Runtime

ERRORS = {
    "identifiants": "Adresse ou mot de passe incorrect.",
    "lien": "Ce lien de connexion n'est plus valable (déjà utilisé, expiré ou compte révoqué). "
    "Demandez-en un nouveau.",
    "jeton": "Jeton inconnu, révoqué ou mal copié.",
    "role": "Ce jeton ne donne pas accès au tableau de bord (jeton de portail).",
    "origine": "Formulaire refusé : il ne vient pas de ce site.",
    "indisponible": "La base des comptes ne répond pas ; réessayez dans un instant.",
}
SENT = (
    "Si ce compte existe, un lien a été envoyé à cette adresse. Il sert une seule fois et "
    "reste valable 15 minutes."
)


def _form(
    runtime: Runtime,
    action: str,
    fields: list[Any],
    button: str,
    button_id: str,
    suivant: str | None,
) -> html.Form:
    hidden = dcc.Input(
        id="suivant" if button_id == "se-connecter-compte" else f"suivant-{button_id}",
        name="suivant",
        type="hidden",
        value=suivant or runtime.prefix,
    )
    return html.Form(
        [*fields, hidden, html.Button(button, type="submit", id=button_id, className="button")],
        action=runtime.href(action),
        method="POST",
        className="login-form",
    )


def _email(id_: str) -> list[Any]:
    return [
        html.Label("Adresse e-mail", htmlFor=id_),
        dcc.Input(
            id=id_,
            name="email",
            type="email",
            autoComplete="username",
            className="token-input",
            required=True,
        ),
    ]


def layout(
    runtime: Runtime,
    suivant: str | None = None,
    erreur: str | None = None,
    envoye: str | None = None,
) -> html.Div:
    """The login forms; ``suivant`` is where to go once logged in, ``erreur`` a code of
    :data:`ERRORS`, ``envoye`` set once a link was asked for.

    >>> rt = Runtime(None, None, None, None, "/dashboard/")  # type: ignore[arg-type]
    >>> page = layout(rt, erreur="jeton")
    >>> page.children[1].children
    'Jeton inconnu, révoqué ou mal copié.'
    """
    error = ERRORS.get(erreur or "")
    password = _form(
        runtime,
        "auth/login",
        [
            *_email("email"),
            html.Label("Mot de passe", htmlFor="mot-de-passe"),
            dcc.Input(
                id="mot-de-passe",
                name="mot_de_passe",
                type="password",
                autoComplete="current-password",
                className="token-input",
            ),
        ],
        "Se connecter",
        "se-connecter-compte",
        suivant,
    )
    link = _form(
        runtime,
        "auth/lien",
        _email("email-lien"),
        "Recevoir un lien de connexion",
        "demander-lien",
        suivant,
    )
    token = _form(
        runtime,
        "auth/login",
        [
            html.Label("Jeton d'accès", htmlFor="jeton"),
            dcc.Input(
                id="jeton",
                name="jeton",
                type="password",
                autoComplete="off",
                placeholder="psl_…",
                className="token-input",
            ),
        ],
        "Se connecter avec le jeton",
        "se-connecter",
        suivant,
    )
    return html.Div(
        [
            html.H1("Connexion"),
            html.Div(error, className="notice notice-bad", id="erreur-connexion")
            if error
            else None,
            html.Div(SENT, className="notice notice-info", id="lien-envoye") if envoye else None,
            html.Div(
                [
                    html.H2("Avec votre adresse e-mail"),
                    html.P(
                        "Votre compte est créé par l'administrateur. Connectez-vous avec votre "
                        "mot de passe, ou recevez un lien de connexion par courriel."
                    ),
                    password,
                ],
                className="panel login-panel",
                id="connexion-compte",
            ),
            html.Div(
                [html.H2("Sans mot de passe"), link],
                className="panel login-panel",
                id="connexion-lien",
            ),
            html.Div(
                [
                    html.H2("Jeton d'accès (scripts et portails)"),
                    html.P(
                        "Un jeton d'accès créé par « passerelle token create » ouvre aussi le "
                        "tableau de bord ; il est vérifié une fois, la session dure quelques "
                        "heures."
                    ),
                    token,
                ],
                className="panel login-panel",
                id="connexion-jeton",
            ),
        ],
        className="page page-login",
        id="page-connexion",
    )


def link_layout(runtime: Runtime, secret: str) -> html.Div:
    """The page a login link opens: the link is used only when the button is pressed."""
    return html.Div(
        [
            html.H1("Connexion par lien"),
            html.Div(
                [
                    html.P(
                        "Ce lien sert une seule fois. Appuyez sur le bouton pour vous connecter."
                    ),
                    html.Form(
                        [
                            dcc.Input(id="lien", name="lien", type="hidden", value=secret),
                            dcc.Input(
                                id="suivant-lien",
                                name="suivant",
                                type="hidden",
                                value=runtime.prefix,
                            ),
                            html.Button(
                                "Me connecter",
                                type="submit",
                                id="utiliser-lien",
                                className="button",
                            ),
                        ],
                        action=runtime.href("auth/lien/connexion"),
                        method="POST",
                        className="login-form",
                    ),
                ],
                className="panel login-panel",
            ),
        ],
        className="page page-login",
        id="page-lien",
    )
