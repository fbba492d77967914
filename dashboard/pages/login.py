"""Connexion: paste an API token once; the server answers with a session cookie.

The form posts to ``auth/login`` (:mod:`dashboard.auth`), a plain HTTP form so the token
never goes through a Dash callback or the browser's history.
"""

from __future__ import annotations

from dash import dcc, html

from dashboard.runtime import Runtime

ERRORS = {
    "jeton": "Jeton inconnu, révoqué ou mal copié.",
    "role": "Ce jeton ne donne pas accès au tableau de bord (jeton de portail).",
    "origine": "Formulaire refusé : il ne vient pas de ce site.",
    "indisponible": "La base des jetons ne répond pas ; réessayez dans un instant.",
}


def layout(runtime: Runtime, suivant: str | None = None, erreur: str | None = None) -> html.Div:
    """The login form; ``suivant`` is where to go once logged in, ``erreur`` a code of
    :data:`ERRORS`.

    >>> rt = Runtime(None, None, None, None, "/dashboard/")  # type: ignore[arg-type]
    >>> page = layout(rt, erreur="jeton")
    >>> page.children[1].children[1].children
    'Jeton inconnu, révoqué ou mal copié.'
    """
    error = ERRORS.get(erreur or "")
    return html.Div(
        [
            html.H1("Connexion"),
            html.Div(
                [
                    html.P(
                        "Collez le jeton d'accès que la cellule nationale vous a remis "
                        "(commande « passerelle token create »). Il est vérifié une fois ; "
                        "la session dure quelques heures."
                    ),
                    html.Div(error, className="notice notice-bad", id="erreur-connexion")
                    if error
                    else None,
                    html.Form(
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
                            dcc.Input(
                                id="suivant",
                                name="suivant",
                                type="hidden",
                                value=suivant or runtime.prefix,
                            ),
                            html.Button(
                                "Se connecter", type="submit", id="se-connecter", className="button"
                            ),
                        ],
                        action=runtime.href("auth/login"),
                        method="POST",
                        className="login-form",
                    ),
                ],
                className="panel login-panel",
            ),
        ],
        className="page page-login",
        id="page-connexion",
    )
