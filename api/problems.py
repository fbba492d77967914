"""Errors as problem details (RFC 9457): ``application/problem+json`` with a field list.

Every error the API returns has the same shape::

    {"type": "urn:passerelle:problem:not-found", "title": "Not found", "status": 404,
     "detail": "candidate_id: no Person with id 'p-1'", "instance": "urn:passerelle:request:…",
     "errors": [{"field": "candidate_id", "message": "no Person with id 'p-1'"}]}

``instance`` names the request (its id is also in the ``X-Request-ID`` header and the
access log), never the path, which may hold a person's id. Domain errors map to statuses
here and nowhere else: :class:`~graph.errors.InvalidInput` → 422,
:class:`~graph.errors.NotFound` → 404, :class:`~graph.errors.AccessDenied` → 403,
:class:`~graph.errors.Conflict` → 409,
:class:`~graph.errors.StoreUnavailable` → 503; pydantic's request errors → 422 naming the
field (400 when the body is not JSON at all); anything unexpected → a 500 problem without
a trace, logged with the request id and the exception's type only (see
:mod:`api.logging`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from graph.errors import AccessDenied, Conflict, InvalidInput, NotFound, StoreUnavailable

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:passerelle:problem:"
log = logging.getLogger("passerelle.api")


class FieldError(BaseModel):
    field: str = Field(description="dotted name of the offending field", examples=["k"])
    message: str = Field(examples=["must be an integer between 1 and 10 (got 0)"])


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:passerelle:problem:invalid-input",
                    "title": "Invalid input",
                    "status": 422,
                    "detail": "k: must be an integer between 1 and 10 (got 0)",
                    "instance": "urn:passerelle:request:4f1c2a9e0b7d4c65",
                    "errors": [{"field": "k", "message": "must be an integer between 1 and 10"}],
                }
            ]
        }
    )

    type: str = Field(description="URI naming the kind of problem")
    title: str
    status: int = Field(ge=400, le=599)
    detail: str | None = None
    instance: str | None = Field(None, description="URI naming this request")
    errors: list[FieldError] = Field(default_factory=list)


class ProblemError(Exception):
    """An HTTP-level refusal raised by the web layer itself (auth, limits)."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        errors: Sequence[tuple[str, str]] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors)
        self.headers = headers or {}


class Unauthorized(ProblemError):
    status, slug, title = 401, "unauthorized", "Unauthorized"

    def __init__(self) -> None:
        # One body for a missing, malformed, unknown and revoked token alike.
        super().__init__(
            "a valid bearer token is required (Authorization: Bearer <token>)",
            headers={"WWW-Authenticate": 'Bearer realm="passerelle"'},
        )


class Forbidden(ProblemError):
    status, slug, title = 403, "forbidden", "Forbidden"


class PayloadTooLarge(ProblemError):
    status, slug, title = 413, "payload-too-large", "Payload too large"


class RateLimited(ProblemError):
    status, slug, title = 429, "rate-limited", "Too many requests"

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(
            f"this token's request rate is limited; retry in {retry_after_s} s",
            headers={"Retry-After": str(retry_after_s)},
        )


def request_urn(request_id: str | None) -> str | None:
    return None if request_id is None else f"urn:passerelle:request:{request_id}"


def problem_body(
    status: int,
    slug: str,
    title: str,
    detail: str | None,
    errors: Sequence[tuple[str, str]] = (),
    request_id: str | None = None,
) -> dict[str, Any]:
    return {
        "type": TYPE_PREFIX + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request_urn(request_id),
        "errors": [{"field": f, "message": m} for f, m in errors],
    }


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str | None,
    errors: Sequence[tuple[str, str]] = (),
    request_id: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        problem_body(status, slug, title, detail, errors, request_id),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _rid(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


# --------------------------------------------------------------------------- handlers


async def _problem_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(
        exc.status, exc.slug, exc.title, exc.detail, exc.errors, _rid(request), exc.headers
    )


async def _invalid_input(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidInput)
    return problem_response(
        422, "invalid-input", "Invalid input", str(exc), [(exc.field, exc.message)], _rid(request)
    )


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, NotFound)
    message = f"no {exc.kind} with id {exc.id!r}"
    return problem_response(
        404, "not-found", "Not found", str(exc), [(exc.field, message)], _rid(request)
    )


async def _access_denied(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AccessDenied)
    errors = [] if exc.field is None else [(exc.field, exc.message)]
    return problem_response(
        Forbidden.status, Forbidden.slug, Forbidden.title, str(exc), errors, _rid(request)
    )


async def _conflict(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Conflict)
    return problem_response(
        409, "conflict", "Conflict", str(exc), [(exc.field, exc.message)], _rid(request)
    )


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    # The message may name a file path: log it for operators, tell the client only that
    # the store is down.
    log.warning("store unavailable", extra={"request_id": _rid(request), "error": str(exc)})
    return problem_response(
        503,
        "store-unavailable",
        "Service unavailable",
        "the graph store is unavailable; retry later",
        request_id=_rid(request),
        headers={"Retry-After": "5"},
    )


def _field(loc: Sequence[Any]) -> str:
    """A pydantic location as a dotted field name, without the ``body``/``query`` head."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie") and len(parts) > 1:
        parts = parts[1:]
    out = ""
    for part in parts:
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out or "body"


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errs = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errs):
        return problem_response(
            400,
            "malformed-body",
            "Malformed request body",
            "the request body is not valid JSON",
            [("body", "not valid JSON")],
            _rid(request),
        )
    fields = [(_field(e.get("loc", ())), str(e.get("msg", "invalid value"))) for e in errs]
    # pydantic prefixes our own validators' messages with "Value error, "
    fields = [(f, m.removeprefix("Value error, ")) for f, m in fields]
    detail = "; ".join(f"{f}: {m}" for f, m in fields[:5])
    return problem_response(
        422, "invalid-input", "Invalid input", detail, fields[:50], _rid(request)
    )


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    try:
        phrase = HTTPStatus(exc.status_code).phrase
    except ValueError:
        phrase = "Error"
    slug = phrase.lower().replace(" ", "-").replace("'", "")
    detail = exc.detail if isinstance(exc.detail, str) else phrase
    if exc.status_code == 400:  # the framework could not read the body
        return problem_response(
            400,
            "malformed-body",
            "Malformed request body",
            detail,
            [("body", detail)],
            _rid(request),
        )
    return problem_response(
        exc.status_code, slug, phrase, detail, request_id=_rid(request), headers=exc.headers
    )


def install(app: FastAPI) -> None:
    """Register every handler on ``app``."""
    app.add_exception_handler(ProblemError, _problem_error)
    app.add_exception_handler(InvalidInput, _invalid_input)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(AccessDenied, _access_denied)
    app.add_exception_handler(Conflict, _conflict)
    app.add_exception_handler(StoreUnavailable, _unavailable)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)


def internal_error(request_id: str | None) -> JSONResponse:
    """The 500 answer: no message, no trace."""
    return problem_response(
        500,
        "internal-error",
        "Internal server error",
        "an unexpected error occurred; quote the request id to an administrator",
        request_id=request_id,
    )


#: OpenAPI description of the problem responses each operation may give
def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    descriptions = {
        400: "Malformed request body (not JSON, or not readable)",
        401: "Missing, unknown or revoked bearer token",
        403: "The token's role may not do this",
        404: "Not found (also for what exists outside the token's scope)",
        409: "Conflicts with what is stored",
        413: "Request body too large",
        422: "Invalid input; `errors` names each field",
        429: "Rate limited; see Retry-After",
        503: "The graph store is unavailable",
    }
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry: dict[str, Any] = {
            "description": descriptions[status],
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        if status in (429, 503):
            entry["headers"] = {
                "Retry-After": {
                    "description": "seconds to wait before retrying",
                    "schema": {"type": "integer"},
                }
            }
        if status == 401:
            entry["headers"] = {
                "WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}
            }
        out[status] = entry
    return out
