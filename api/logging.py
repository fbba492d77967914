"""Access logs and the last line of defence against unexpected errors.

:class:`AccessLog` is a pure ASGI middleware that, for every HTTP request:

* gives it an id (a client's ``X-Request-ID`` of 8-64 safe characters is kept, else a
  random one), returned in the ``X-Request-ID`` response header and used as the
  ``instance`` of problem documents;
* writes one JSON line on the ``passerelle.access`` logger: request id, method, the
  **route template** (``/api/v1/members/{person_id}``, never the raw path, which may hold
  a person's id), status, duration, and the token id and role. Never bodies, query
  strings, names or ids of people;
* turns an exception that escaped every handler into a 500 problem without a trace,
  logged on ``passerelle.api`` with the request id, the exception's type and the code
  locations of the traceback, never its message (it may quote personal data).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
import traceback
from collections.abc import MutableMapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import internal_error

access_log = logging.getLogger("passerelle.access")
error_log = logging.getLogger("passerelle.api")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, process id, message and the ``extra``
    fields."""

    _STANDARD = frozenset(
        logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys() | {"message", "asctime"}
    )

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,  # which worker process (several share a port)
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in self._STANDARD and not key.startswith("_"):
                out[key] = value
        return json.dumps(out, ensure_ascii=False, default=str)


def log_config(level: str = "info") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for ``passerelle serve``: JSON lines on stderr.

    Uvicorn's own access log is turned off (it prints raw paths); its error log stays.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "passerelle": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }


def _route_template(scope: Scope) -> str | None:
    """The matched route's template with the prefixes it was included under.

    FastAPI gives the route's own template (``/members/{person_id}``) without the
    ``/api/v1`` it was mounted under; include prefixes are static, so they are the
    leading segments of the request path that the template does not account for.

    >>> _route_template({"path": "/api/v1/members/p-1",
    ...                  "route": type("R", (), {"path": "/members/{person_id}"})})
    '/api/v1/members/{person_id}'
    """
    template = getattr(scope.get("route"), "path", None)
    if not isinstance(template, str):
        return None
    path = scope.get("path", "")
    extra = path.rstrip("/").count("/") - template.rstrip("/").count("/")
    if extra <= 0:
        return template
    prefix = "/".join(path.split("/")[: extra + 1])
    return prefix + template


class AccessLog:
    """See the module docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = self._request_id(scope)
        state: MutableMapping[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode("ascii")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            status = 500
            error_log.error(
                "unhandled error",
                extra={
                    "request_id": request_id,
                    "error_type": type(exc).__name__,
                    "where": [
                        f"{f.filename}:{f.lineno} {f.name}"
                        for f in traceback.extract_tb(exc.__traceback__)[-8:]
                    ],
                },
            )
            if not response_started:
                await internal_error(request_id)(scope, receive, send_with_id)
        finally:
            principal = state.get("principal")
            access_log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope.get("method"),
                    "route": _route_template(scope),
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "token": getattr(principal, "token_id", None),
                    "role": getattr(getattr(principal, "role", None), "value", None),
                },
            )

    @staticmethod
    def _request_id(scope: Scope) -> str:
        for name, value in scope.get("headers", []):
            if name == b"x-request-id":
                text = value.decode("latin-1")
                if _SAFE_ID.match(text):
                    return text
                break
        return secrets.token_hex(8)
