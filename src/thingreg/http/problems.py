"""RFC 9457 problem details: the one rendering of every error the HTTP API returns."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from thingreg.core.errors import (
    PROBLEM_BASE,
    MethodNotAllowed,
    NotFound,
    StoreUnavailable,
    ThingregError,
)

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


def problem_response(
    request: Request,
    status: int,
    type_uri: str,
    detail: str,
    *,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": type_uri,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.scope.get("raw_path", b"").decode("latin-1") or request.url.path,
    }
    if extra:
        body.update(extra)
    return Response(orjson.dumps(body), status, headers=headers, media_type=PROBLEM_JSON)


async def thingreg_error(request: Request, exc: Exception) -> Response:
    """Render a domain error; its class says the status, type and title."""
    assert isinstance(exc, ThingregError)
    return problem_response(
        request,
        exc.status,
        exc.type_uri,
        exc.detail,
        extra=exc.problem_extra(),
        headers=exc.headers,
    )


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (unknown route, wrong method) as problem details too."""
    assert isinstance(exc, HTTPException)
    slugs = {404: NotFound.slug, 405: MethodNotAllowed.slug}
    detail = {
        404: f"there is no resource at {request.url.path}",
        405: f"{request.method} is not allowed on {request.url.path}",
    }.get(exc.status_code, str(exc.detail))
    return problem_response(
        request,
        exc.status_code,
        PROBLEM_BASE + slugs.get(exc.status_code, "http-error"),
        detail,
        headers=dict(exc.headers) if exc.headers else None,
    )


async def store_lost(request: Request, exc: Exception) -> Response:
    """A database error that means the connection was lost: 503, as the store's own errors."""
    log.warning("database connection lost on %s %s: %s", request.method, request.url.path, exc)
    error = StoreUnavailable("the database connection was lost; try again")
    return await thingreg_error(request, error)


async def unexpected_error(request: Request, exc: Exception) -> Response:
    """Anything else is a bug: log it with its traceback, answer 500 without internals."""
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(
        request, 500, PROBLEM_BASE + "internal-error", "an unexpected error occurred; it is logged"
    )
