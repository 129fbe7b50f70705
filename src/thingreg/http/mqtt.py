"""``/things/{id}/mqtt-credential``: a thing's MQTT broker credential (docs/mqtt.md).

``POST`` issues a new password and shows it once, ``GET`` describes the account, ``PATCH``
changes its state (``disabled`` and ``revoked`` disconnect the device at once), ``DELETE``
removes the thing's MQTT access. Without a configured broker every method answers 501. Like
the credential routes, these match the raw path, the thing id one percent-encoded segment.
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

from thingreg.core.errors import NotImplementedFeature, UnsupportedMediaType
from thingreg.http.bodies import MERGE_PATCH, media_type, read_json
from thingreg.http.negotiation import (
    JSON,
    directory_of,
    negotiate,
    principal_of,
    settings_of,
)
from thingreg.http.things import thing_path
from thingreg.integrations.mqtt.accounts import MqttAccess

_RAW = re.compile(r"/things/(?P<thing_id>[^/]+)/mqtt-credential")
_PATCH_TYPES = frozenset({MERGE_PATCH, JSON})


def mqtt_of(request: Request) -> MqttAccess:
    access: MqttAccess | None = getattr(request.app.state, "mqtt", None)
    if access is None:
        raise NotImplementedFeature(
            "this registry has no MQTT broker configured (THINGREG_MQTT_URL)"
        )
    return access


class _RawPathRoute(Route):
    """Matched against the raw path; the thing id is percent-decoded after matching."""

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


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status, headers=headers, media_type=JSON)


async def _owner_of_the_thing(request: Request, *, change: bool) -> None:
    """A thing's MQTT account is its owner's (or an administrator's) to see and change."""
    principal = await principal_of(request)
    await directory_of(request).managed(request.path_params["thing_id"], principal, change=change)


class MqttCredential(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        negotiate(request, (JSON,))
        await _owner_of_the_thing(request, change=False)
        return _json(await mqtt_of(request).get(request.path_params["thing_id"]))

    async def post(self, request: Request) -> Response:
        await _owner_of_the_thing(request, change=True)
        thing_id = request.path_params["thing_id"]
        body, created = await mqtt_of(request).issue(thing_id)
        headers = {"Cache-Control": "no-store"}
        if created:
            headers["Location"] = f"{thing_path(thing_id)}/mqtt-credential"
        return _json(body, 201 if created else 200, headers)

    async def patch(self, request: Request) -> Response:
        await _owner_of_the_thing(request, change=True)
        access = mqtt_of(request)
        if media_type(request) not in _PATCH_TYPES:
            raise UnsupportedMediaType(f"PATCH needs Content-Type {MERGE_PATCH} or {JSON}")
        patch = await read_json(request, _PATCH_TYPES, settings_of(request).max_body_bytes)
        return _json(await access.update(request.path_params["thing_id"], patch))

    async def delete(self, request: Request) -> Response:
        await _owner_of_the_thing(request, change=True)
        await mqtt_of(request).delete(request.path_params["thing_id"])
        return Response(status_code=204, headers={"Content-Type": "application/x-empty"})


routes = [_RawPathRoute("/things/{thing_id}/mqtt-credential", MqttCredential)]
