"""The API's documentation pages from the app's own files: Swagger UI at ``/docs``, ReDoc at
``/redoc``; nothing is loaded from another host, so both work offline.

Decisions:

* The scripts, the style sheet and the icon are the ones the ``fastapi-offline`` package
  ships (a dependency in ``pyproject.toml``: installed with the app, never copied by hand).
  Only its files are used, through :func:`importlib.resources`; the pages are FastAPI's own
  (:func:`fastapi.openapi.docs.get_swagger_ui_html`, :func:`~fastapi.openapi.docs.get_redoc_html`).
* The files are served under ``/docs-static/<package version>/``: the URL changes when the
  files do, so a browser may keep them a year without asking again (:data:`IMMUTABLE`).
* FastAPI's defaults point elsewhere: the scripts at a public CDN, the icon at FastAPI's
  site, ReDoc's fonts at Google. Swagger UI would also show a badge fetched from its online
  validator for a schema on a public address: the validator is off (``validatorUrl: null``).
* ReDoc's script itself draws its maker's logo from their CDN in the menu, with no option
  to leave it out: the two pages carry a Content-Security-Policy (:data:`DOCS_CSP`) that
  lets the browser load from this origin only, so the logo is never fetched (its link
  text stays). The policy keeps ``frame-ancestors 'none'``, as every answer
  (:mod:`graph.access.web`); inline scripts and styles are allowed, since both pages use them.

>>> from fastapi import FastAPI
>>> app = FastAPI(docs_url=None, redoc_url=None)
>>> install(app)
>>> sorted(r.path for r in app.routes if r.path.startswith(("/docs", "/redoc")))
['/docs', '/docs-static/...', '/docs/oauth2-redirect', '/redoc']
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse, Response

#: the package whose files are served
PACKAGE = "fastapi-offline"
#: for a URL that names its version: kept a year, never revalidated
IMMUTABLE = "public, max-age=31536000, immutable"
SWAGGER_JS = "swagger-ui-bundle.js"
SWAGGER_CSS = "swagger-ui.css"
REDOC_JS = "redoc.standalone.js"
FAVICON = "favicon.png"
#: the docs pages load from this origin only (inline code and data: images allowed)
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline';"
    " img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:;"
    " connect-src 'self'; frame-ancestors 'none'"
)


def static_dir() -> Path:
    """The directory of the package's files (an installed package: a real directory)."""
    return Path(str(importlib.resources.files("fastapi_offline") / "static"))


def static_prefix() -> str:
    """Where the files are served: ``/docs-static/<version of the package>``."""
    return f"/docs-static/{importlib.metadata.version(PACKAGE)}"


class _VersionedFiles(StaticFiles):
    """Static files under a versioned prefix: cacheable for a year."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = IMMUTABLE
        return response


def install(
    app: FastAPI,
    openapi_url: str = "/openapi.json",
    docs_url: str = "/docs",
    redoc_url: str = "/redoc",
) -> None:
    """Serve Swagger UI at ``docs_url`` and ReDoc at ``redoc_url`` over ``openapi_url``."""
    prefix = static_prefix()
    app.mount(prefix, _VersionedFiles(directory=static_dir()), name="docs-static")
    oauth2_redirect = docs_url + "/oauth2-redirect"

    @app.get(docs_url, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "") + prefix
        return _own_origin(
            get_swagger_ui_html(
                openapi_url=request.scope.get("root_path", "") + openapi_url,
                title=f"{app.title} - Swagger UI",
                oauth2_redirect_url=oauth2_redirect,
                swagger_js_url=f"{root}/{SWAGGER_JS}",
                swagger_css_url=f"{root}/{SWAGGER_CSS}",
                swagger_favicon_url=f"{root}/{FAVICON}",
                swagger_ui_parameters={"validatorUrl": None, **(app.swagger_ui_parameters or {})},
            )
        )

    @app.get(oauth2_redirect, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get(redoc_url, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "") + prefix
        return _own_origin(
            get_redoc_html(
                openapi_url=request.scope.get("root_path", "") + openapi_url,
                title=f"{app.title} - ReDoc",
                redoc_js_url=f"{root}/{REDOC_JS}",
                redoc_favicon_url=f"{root}/{FAVICON}",
                with_google_fonts=False,
            )
        )


def _own_origin(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = DOCS_CSP
    return page
