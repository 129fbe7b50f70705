"""``/things/{id}/access``: who owns a thing, who may see it, what anonymous clients see of it.

Matched on the raw path like the credential routes (the thing id is one percent-encoded
segment), and so listed before ``/things/{id}``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

import orjson
from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Scope

from thingreg.core.directory import describe_access
from thingreg.http.bodies import read_json
from thingreg.http.negotiation import JSON, directory_of, negotiate, principal_of, settings_of

_RAW = re.compile(r"/things/(?P<thing_id>[^/]+)/access")


class _AccessRoute(Route):
    def __init__(self, path: str, endpoint: Any) -> None:
        super().__init__(path, endpoint)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        raw: bytes = scope.get("raw_path") or scope["path"].encode()
        match = _RAW.fullmatch(raw.split(b"?", 1)[0].decode("latin-1"))
        if match is None:
            return Match.NONE, {}
        thing_id = unquote(match["thing_id"], errors="replace")
        path_params = {**scope.get("path_params", {}), "thing_id": thing_id}
        return Match.FULL, {"endpoint": self.endpoint, "path_params": path_params}


class ThingAccess(HTTPEndpoint):
    """Read (owner, administrator) and set (owner with write scope, administrator)."""

    async def get(self, request: Request) -> Response:
        negotiate(request, (JSON,))
        principal = await principal_of(request)
        access = await directory_of(request).access(request.path_params["thing_id"], principal)
        return Response(orjson.dumps(describe_access(access)), media_type=JSON)

    async def put(self, request: Request) -> Response:
        principal = await principal_of(request)
        body = await read_json(request, frozenset({JSON}), settings_of(request).max_body_bytes)
        directory = directory_of(request)
        thing_id = request.path_params["thing_id"]
        await directory.managed(thing_id, principal, change=True)
        access = await directory.set_access(thing_id, principal, body)
        return Response(orjson.dumps(describe_access(access)), media_type=JSON)


routes = [_AccessRoute("/things/{thing_id}/access", ThingAccess)]
