"""How long a browser keeps the dashboard's own files (``dashboard/assets``).

Dash links each asset with its modification time in the URL (``style.css?m=1733…``) and
serves the components' scripts under fingerprinted names (``dash_core_components.v4_4_1m17….js``,
kept a year by Dash itself). Decisions:

* An asset asked for with its ``m`` stamp is kept a year (:data:`VERSIONED`): a new file
  has a new stamp, so a new URL.
* An asset asked for without it (a bookmark, an old page) is revalidated each time
  (:data:`REVALIDATE`, against the ETag and Last-Modified Flask sends).
"""

from __future__ import annotations

import flask

#: a URL that names its version: kept a year, never revalidated
VERSIONED = "public, max-age=31536000, immutable"
#: a URL that may serve another file tomorrow: ask each time (a 304 when unchanged)
REVALIDATE = "no-cache"


def install(server: flask.Flask, assets_path: str) -> None:
    """Set ``Cache-Control`` on the answers for ``assets_path`` (as Flask sees the path)."""
    prefix = assets_path.rstrip("/") + "/"

    @server.after_request
    def cache_assets(response: flask.Response) -> flask.Response:
        if flask.request.path.startswith(prefix) and response.status_code in (200, 304):
            response.headers["Cache-Control"] = (
                VERSIONED if flask.request.args.get("m") else REVALIDATE
            )
        return response
