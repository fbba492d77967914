"""Small building blocks shared by the pages (French labels, the top bar)."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard import i18n
from dashboard.runtime import PageContext
from graph.access.roles import Permission, Principal, Role
from graph.access.users import may_manage_users

DROPDOWN_LABELS = {
    "select_all": "Tout sélectionner",
    "deselect_all": "Tout désélectionner",
    "selected_count": "{num_selected} sélectionnés",
    "search": "Rechercher",
    "clear_search": "Effacer la recherche",
    "clear_selection": "Effacer la sélection",
    "no_options_found": "Aucun résultat",
}


def dropdown(id_: Any, options: list[dict[str, Any]], placeholder: str, **kw: Any) -> dcc.Dropdown:
    """A dropdown with French labels."""
    return dcc.Dropdown(
        id=id_, options=options, placeholder=placeholder, labels=DROPDOWN_LABELS, **kw
    )


def who(principal: Principal, names: dict[str, str] | None = None) -> str:
    """How the top bar names the viewer: role, and a référent's groupements.

    >>> who(Principal("t", Role.REFERENT, frozenset({"grp-a"})), {"grp-a": "ANOCR Gironde"})
    'référent · ANOCR Gironde'
    """
    label = i18n.ROLE_LABELS.get(principal.role.value, principal.role.value)
    if principal.role is Role.REFERENT:
        groups = sorted((names or {}).get(g, g) for g in principal.groupements)
        return f"{label} · {', '.join(groups)}"
    return label


def top_bar(
    ctx: PageContext | None, names: dict[str, str] | None = None, active: str = ""
) -> html.Header:
    links = []
    if ctx is not None:
        pages = [
            ("national", "Couverture nationale", ""),
            ("chemins", "Chemins", "chemins"),
            ("introductions", "Mes introductions", "introductions"),
        ]
        if ctx.principal.can(Permission.MEMBERS_READ):
            pages.append(("membres", "Mes membres", "membres"))
        if ctx.principal.can(Permission.MEMBERS_WRITE):
            pages.append(("import", "Import", "import"))
        if may_manage_users(ctx.principal):
            pages.append(("utilisateurs", "Utilisateurs", "utilisateurs"))
        pages.append(("guide", "Guide", "guide"))
        for key, label, path in pages:
            links.append(
                dcc.Link(
                    label,
                    href=ctx.href(path),
                    className="nav-link" + (" active" if key == active else ""),
                    id=f"nav-{key}",
                )
            )
    right = []
    if ctx is not None:
        right = [
            html.Span(who(ctx.principal, names), className="who", id="qui"),
            # a form: logging out is a POST (it ends the session server-side)
            html.Form(
                html.Button(
                    "Se déconnecter",
                    type="submit",
                    className="nav-link link-button",
                    id="deconnexion",
                ),
                method="POST",
                action=ctx.href("auth/logout"),
                className="logout-form",
            ),
        ]
    return html.Header(
        [
            html.Div(
                [
                    html.Span("Passerelle", className="brand"),
                    html.Span("réseau de reconversion", className="brand-sub"),
                ],
                className="brand-box",
            ),
            html.Nav(links, className="nav"),
            html.Div(right, className="nav-right"),
        ],
        className="top-bar",
    )


def section(title: str, *children: Any, id_: str | None = None, note: str = "") -> html.Section:
    parts: list[Any] = [html.H2(title)]
    if note:
        parts.append(html.P(note, className="section-note"))
    parts.extend(children)
    kw = {"id": id_} if id_ else {}
    return html.Section(parts, className="panel", **kw)


def notice(text: str, tone: str = "info", id_: str | None = None) -> html.Div:
    kw = {"id": id_} if id_ else {}
    return html.Div(text, className=f"notice notice-{tone}", **kw)


def not_found(ctx: PageContext, what: str) -> html.Div:
    return html.Div(
        [
            html.H1(what),
            html.P("Vérifiez l'adresse, ou revenez à la couverture nationale."),
            dcc.Link("Couverture nationale", href=ctx.href("")),
        ],
        className="page",
        id="introuvable",
    )


def scroll_box(child: Any, label: str) -> html.Div:
    """``child`` (a wide table) in a box that scrolls sideways when the screen is narrower,
    reachable by keyboard to be scrolled, and named for screen readers."""
    return html.Div(
        child, className="scroll-box", tabIndex="0", role="region", **{"aria-label": label}
    )
