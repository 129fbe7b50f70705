"""``/things/{id}/credentials`` and ``/things/{id}/credentials/{cid}``: a thing's credentials.

These routes match the *raw* request path, where the thing id is one percent-encoded segment
(``/things/urn%3Aexample%3Alamp/credentials``). ``/things/{id}`` takes everything after
``/things/`` as the id, literal slashes included, so a thing whose id ends in ``/credentials``
is still reachable there as long as its slashes are sent as ``%2F``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote

import orjson
from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Scope

from thingreg.core.auth.credentials import Credentials, describe
from thingreg.core.errors import UnsupportedMediaType
from thingreg.http.bodies import MERGE_PATCH, media_type, read_json
from thingreg.http.negotiation import (
    JSON,
    directory_of,
    negotiate,
    principal_of,
    settings_of,
)
from thingreg.http.things import thing_path

_RAW = re.compile(r"/things/(?P<thing_id>[^/]+)/credentials(?:/(?P<credential_id>[^/]+))?")
_PATCH_TYPES = frozenset({MERGE_PATCH, JSON})


def credentials_of(request: Request) -> Credentials:
    credentials: Credentials = request.app.state.credentials
    return credentials


def credential_path(thing_id: str, credential_id: str) -> str:
    return f"{thing_path(thing_id)}/credentials/{quote(credential_id, safe='')}"


class _RawPathRoute(Route):
    """A route matched against the raw path, its parameters percent-decoded after matching."""

    def __init__(self, path: str, endpoint: Any, *, item: bool) -> None:
        super().__init__(path, endpoint)
        self.item = item

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        raw: bytes = scope.get("raw_path") or scope["path"].encode()
        match = _RAW.fullmatch(raw.split(b"?", 1)[0].decode("latin-1"))
        if match is None or (match["credential_id"] is not None) != self.item:
            return Match.NONE, {}
        params = {k: unquote(v, errors="replace") for k, v in match.groupdict().items() if v}
        path_params = {**scope.get("path_params", {}), **params}
        return Match.FULL, {"endpoint": self.endpoint, "path_params": path_params}


def _ids(request: Request) -> tuple[str, str]:
    params = request.path_params
    return params["thing_id"], params.get("credential_id", "")


async def _managed(request: Request, *, change: bool) -> None:
    """Only the thing's owner (``change``: with the write scope) or an administrator."""
    principal = await principal_of(request)
    thing_id = request.path_params["thing_id"]
    await directory_of(request).managed(thing_id, principal, change=change)


def _json(body: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status, headers=headers, media_type=JSON)


class CredentialList(HTTPEndpoint):
    """``/things/{id}/credentials``: list, and bind a new key or certificate."""

    async def get(self, request: Request) -> Response:
        negotiate(request, (JSON,))
        thing_id, _ = _ids(request)
        await _managed(request, change=False)
        found = await credentials_of(request).list(thing_id)
        return _json([describe(credential) for credential in found])

    async def post(self, request: Request) -> Response:
        await _managed(request, change=True)
        thing_id, _ = _ids(request)
        body = await read_json(request, frozenset({JSON}), settings_of(request).max_body_bytes)
        credential = await credentials_of(request).add(thing_id, body)
        location = credential_path(thing_id, credential.id)
        return _json(describe(credential), 201, {"Location": location})


class CredentialItem(HTTPEndpoint):
    """``/things/{id}/credentials/{cid}``: read, change state or bounds, remove."""

    async def get(self, request: Request) -> Response:
        negotiate(request, (JSON,))
        await _managed(request, change=False)
        credential = await credentials_of(request).get(*_ids(request))
        return _json(describe(credential))

    async def patch(self, request: Request) -> Response:
        await _managed(request, change=True)
        if media_type(request) not in _PATCH_TYPES:
            raise UnsupportedMediaType(f"PATCH needs Content-Type {MERGE_PATCH} or {JSON}")
        patch = await read_json(request, _PATCH_TYPES, settings_of(request).max_body_bytes)
        credential = await credentials_of(request).update(*_ids(request), patch)
        return _json(describe(credential))

    async def delete(self, request: Request) -> Response:
        await _managed(request, change=True)
        await credentials_of(request).delete(*_ids(request))
        return Response(status_code=204, headers={"Content-Type": "application/x-empty"})


routes = [
    _RawPathRoute("/things/{thing_id}/credentials", CredentialList, item=False),
    _RawPathRoute("/things/{thing_id}/credentials/{credential_id}", CredentialItem, item=True),
]
