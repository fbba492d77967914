"""Guide: the user guide ``docs/guide.md`` inside the dashboard, with its screenshots.

The guide is one Markdown file, readable on its own (GitHub, a text editor) with its
pictures in ``docs/screenshots/`` beside it. The page renders it with ``dcc.Markdown``
and rewrites the pictures' relative addresses (``screenshots/x.png``) to
:data:`IMAGES_PATH`, a route that serves only the ``*.png`` files of that directory.

Decision: the page and its pictures are for logged-in users, as every other page (the
router sends anyone else to the login page, and the picture route answers them 404):
one rule for the whole dashboard, and the pictures show the dashboard's screens.
"""

from __future__ import annotations

import re
from pathlib import Path

import flask
from dash import dcc, html

from dashboard import auth
from dashboard.runtime import PageContext

#: the guide and its pictures (in the repository, beside the code)
DOCS = Path(__file__).resolve().parents[2] / "docs"
GUIDE = DOCS / "guide.md"
SCREENSHOTS = DOCS / "screenshots"
#: where the pictures are served, inside the dashboard's prefix
IMAGES_PATH = "guide/screenshots/"
#: a picture's name: letters, digits, "-" and "_", then ".png" (no directory, no "..")
IMAGE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}\.png$")
#: a relative picture of the guide, as Markdown writes it: ![alt](screenshots/name.png)
_IMAGE_LINK = re.compile(r"(!\[[^\]]*\]\()screenshots/")


def markdown_for(text: str, images_href: str) -> str:
    """The guide's text with its pictures pointed at ``images_href``.

    >>> markdown_for("![Carte](screenshots/national.png)", "/dashboard/guide/screenshots/")
    '![Carte](/dashboard/guide/screenshots/national.png)'
    """
    return _IMAGE_LINK.sub(lambda m: m.group(1) + images_href, text)


def image_names(text: str) -> list[str]:
    """The pictures the guide's text shows, in order.

    >>> image_names("a ![x](screenshots/a.png) b ![y](screenshots/b-c.png)")
    ['a.png', 'b-c.png']
    """
    return re.findall(r"!\[[^\]]*\]\(screenshots/([^)\s]+)\)", text)


def layout(ctx: PageContext, guide: Path = GUIDE) -> html.Div:
    try:
        text = guide.read_text(encoding="utf-8")
    except OSError:
        body: html.Div | dcc.Markdown = html.Div(
            "Le guide n'est pas installé sur ce serveur (fichier docs/guide.md absent).",
            className="notice notice-bad",
            id="guide-absent",
        )
    else:
        body = dcc.Markdown(
            markdown_for(text, ctx.href(IMAGES_PATH)),
            id="guide-texte",
            className="guide-text",
            link_target="_self",
        )
    return html.Div([body], className="page page-guide", id="page-guide")


def install(server: flask.Flask, routes_prefix: str, directory: Path = SCREENSHOTS) -> None:
    """Serve ``directory/<name>.png`` under ``routes_prefix`` + :data:`IMAGES_PATH`."""

    def screenshot(name: str) -> flask.Response:
        if not IMAGE_NAME.match(name) or auth.current_context() is None:
            flask.abort(404)
        return flask.send_from_directory(directory, name, mimetype="image/png", max_age=3600)

    server.add_url_rule(
        f"{routes_prefix}{IMAGES_PATH}<path:name>", "passerelle_guide_screenshot", screenshot
    )
