"""Small pieces of HTTP shared by the resources: content negotiation, write access, query params."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from thingreg.config import Settings
from thingreg.core.access.keys import Gatekeeper
from thingreg.core.access.principal import Principal
from thingreg.core.directory import Directory
from thingreg.core.errors import BadRequest, NotAcceptable, Unauthorized

DIGITS = re.compile(r"[0-9]+")
"""ASCII digits only: ``str.isdigit`` also accepts characters ``int`` refuses, such as '²'."""

TD_JSON = "application/td+json"
LD_JSON = "application/ld+json"
JSON = "application/json"


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def directory_of(request: Request) -> Directory:
    directory: Directory = request.app.state.directory
    return directory


def negotiate(request: Request, offered: tuple[str, ...]) -> str:
    """The first offered media type the client accepts (the first one when it says nothing)."""
    accept = request.headers.get("accept")
    if not accept:
        return offered[0]
    accepted: list[str] = []
    for part in accept.split(","):
        kind, *params = (p.strip() for p in part.split(";"))
        if any(p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000") for p in params):
            continue
        accepted.append(kind.lower())
    for kind in offered:
        major = kind.split("/", 1)[0]
        if kind in accepted or "*/*" in accepted or f"{major}/*" in accepted:
            return kind
    if JSON in accepted and any(k.endswith("+json") for k in offered):
        # A client asking for plain JSON gets JSON even where a more specific type is offered.
        return JSON
    raise NotAcceptable(
        f"this resource is available as {', '.join(offered)}; Accept was {accept!r}"
    )


def head_of_stream(headers: dict[str, str], media_type: str) -> Response:
    """The HEAD twin of a streamed GET: the same headers, so no Content-Length either."""
    response = Response(headers=headers, media_type=media_type)
    del response.headers["content-length"]
    return response


async def principal_of(request: Request) -> Principal:
    """Who sent the request (``Authorization: Bearer``), worked out once per request."""
    found: Principal | None = getattr(request.state, "principal", None)
    if found is None:
        gatekeeper: Gatekeeper = request.app.state.gatekeeper
        found = await gatekeeper.principal(request.headers.get("authorization"))
        request.state.principal = found
    return found


async def reader_of(request: Request) -> Principal:
    """The principal of a read; anonymous readers are refused when the registry allows none."""
    principal = await principal_of(request)
    if principal.kind == "anonymous" and not settings_of(request).anonymous_reads:
        raise Unauthorized("this registry answers only clients with an API key or token")
    return principal


def int_param(request: Request, name: str, *, minimum: int, default: int | None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not DIGITS.fullmatch(raw) or len(raw) > 18 or int(raw) < minimum:
        raise BadRequest(f"query parameter {name!r} must be an integer >= {minimum}, got {raw!r}")
    return int(raw)


def choice_param(request: Request, name: str, choices: tuple[str, ...]) -> str:
    raw = request.query_params.get(name, choices[0])
    if raw not in choices:
        raise BadRequest(f"query parameter {name!r} must be one of {', '.join(choices)}")
    return raw


def bool_param(request: Request, name: str) -> bool:
    raw: Any = request.query_params.get(name, "false").lower()
    if raw not in ("true", "false", "1", "0", ""):
        raise BadRequest(f"query parameter {name!r} must be true or false, got {raw!r}")
    return raw in ("true", "1", "")
