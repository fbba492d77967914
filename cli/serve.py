"""``passerelle serve``: run the HTTP API with uvicorn.

Uvicorn runs ``cli.wiring:server_app`` as a factory, so each worker process builds its own
app and opens its own store; the settings reach the workers through the environment
(``PASSERELLE_*``), which is where a worker's :func:`api.settings.get_settings` reads
them. Several workers share one socket, each new connection going to the least busy
(:mod:`api.workers`). Access logs are JSON lines on stderr (:mod:`api.logging`);
uvicorn's own access log, which prints raw paths, is off.
"""

from __future__ import annotations

import os
from typing import Any

import click

from cli.context import AppContext


def welcome(app: AppContext, host: str, port: int) -> str:
    """The start-up message: where to go, and how to get in (French, on stderr)."""
    from cli.user import DEMO_EMAIL, demo_file

    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    base = f"http://{shown}:{port}"
    demo = demo_file(app)
    if demo.exists():
        login = f"{DEMO_EMAIL}, mot de passe dans {demo}"
    else:
        login = (
            "créez un compte : passerelle user create --role admin --email … --name …, "
            "puis passerelle user set-password …"
        )
    return (
        f"Passerelle en service sur {base}\n"
        f"  Tableau de bord : {base}/dashboard/\n"
        f"  Connexion       : {login}\n"
        f"  API             : {base}/api/v1 (documentation : {base}/docs ; "
        "jetons : passerelle token create)"
    )


@click.command()
@click.option("--host", default=None, help="Adresse d'écoute [env PASSERELLE_API_HOST, 127.0.0.1].")
@click.option("--port", type=int, default=None, help="Port [env PASSERELLE_API_PORT, 8000].")
@click.option(
    "--workers",
    type=int,
    default=None,
    help="Processus de service [env PASSERELLE_API_WORKERS, 1].",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
)
@click.pass_obj
def serve(
    app: AppContext, host: str | None, port: int | None, workers: int | None, log_level: str
) -> None:
    """Servir l'API HTTP et le tableau de bord (documentation OpenAPI sur /docs)."""
    import uvicorn

    app.may_create = True  # a new data directory is served empty, as `make run` seeds it
    from api import workers as workers_module
    from api.logging import log_config
    from graph.errors import InvalidInput

    settings = app.settings
    host = host or settings.api_host
    port = settings.api_port if port is None else port
    workers = settings.api_workers if workers is None else workers
    if not 1 <= port <= 65535:
        raise InvalidInput("--port", "must be between 1 and 65535", port)
    if not 1 <= workers <= 64:
        raise InvalidInput("--workers", "must be between 1 and 64", workers)
    # The workers rebuild their settings from the environment: hand over what the
    # command line decided.
    os.environ["PASSERELLE_DATA_DIR"] = str(settings.data_dir)
    os.environ["PASSERELLE_STORE"] = settings.store
    click.echo(welcome(app, host, port), err=True)
    options: dict[str, Any] = {
        "factory": True,
        "log_config": log_config(log_level),
        "access_log": False,
        "server_header": False,
        "proxy_headers": False,
    }
    if workers > 1 and workers_module.supported():
        # Connections balanced over the workers: see api.workers for why.
        spec = workers_module.WorkerSpec(host, port, {"app": "cli.wiring:server_app", **options})
        raise SystemExit(workers_module.run(spec, workers))
    uvicorn.run("cli.wiring:server_app", host=host, port=port, workers=workers, **options)
