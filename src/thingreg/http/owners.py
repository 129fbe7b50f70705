"""``/owners`` and ``/owners/{name}/keys``: tenants and their API keys.

Administrators add owners and list them; an owner (or an administrator) lists, creates and
revokes that owner's keys. A new key's token is in the ``201`` answer and nowhere else.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from thingreg.core.access.keys import Gatekeeper, describe_key
from thingreg.core.access.policy import check_admin, check_owner_or_admin
from thingreg.core.errors import BadRequest
from thingreg.http.bodies import read_json
from thingreg.http.negotiation import JSON, negotiate, principal_of, settings_of
from thingreg.store.base import Owner


def gatekeeper_of(request: Request) -> Gatekeeper:
    gatekeeper: Gatekeeper = request.app.state.gatekeeper
    return gatekeeper


def _json(body: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status, headers=headers, media_type=JSON)


def describe_owner(owner: Owner) -> dict[str, Any]:
    return {"name": owner.name, "created": owner.created, "note": owner.note}


async def _body(request: Request) -> dict[str, Any]:
    body = await read_json(request, frozenset({JSON}), settings_of(request).max_body_bytes)
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


async def list_owners(request: Request) -> Response:
    negotiate(request, (JSON,))
    check_admin(await principal_of(request))
    owners = await gatekeeper_of(request).store.owners()
    return _json([describe_owner(owner) for owner in owners])


async def add_owner(request: Request) -> Response:
    principal = await principal_of(request)
    check_admin(principal)
    body = await _body(request)
    note = body.get("note", "")
    if not isinstance(note, str) or len(note) > 500:
        raise BadRequest("note must be a string of at most 500 characters")
    owner = await gatekeeper_of(request).add_owner(body.get("name"), note, actor=principal.name)
    return _json(describe_owner(owner), 201, {"Location": f"/owners/{owner.name}"})


async def get_owner(request: Request) -> Response:
    negotiate(request, (JSON,))
    name = request.path_params["name"]
    check_owner_or_admin(await principal_of(request), name)
    return _json(describe_owner(await gatekeeper_of(request).owner(name)))


async def list_keys(request: Request) -> Response:
    negotiate(request, (JSON,))
    name = request.path_params["name"]
    check_owner_or_admin(await principal_of(request), name)
    gatekeeper = gatekeeper_of(request)
    await gatekeeper.owner(name)
    return _json([describe_key(key) for key in await gatekeeper.store.api_keys(name)])


async def create_key(request: Request) -> Response:
    name = request.path_params["name"]
    principal = await principal_of(request)
    check_owner_or_admin(principal, name, "write")
    body = await _body(request)
    scopes = body.get("scopes", ["read", "write"])
    if "admin" in (scopes if isinstance(scopes, list) else []) and not principal.is_admin:
        raise BadRequest("only an administrator may create a key with the admin scope")
    gatekeeper = gatekeeper_of(request)
    await gatekeeper.owner(name)
    key, token = await gatekeeper.create_key(
        name, scopes, body.get("label", ""), actor=principal.name
    )
    location = f"/owners/{name}/keys/{key.id}"
    return _json({**describe_key(key), "token": token}, 201, {"Location": location})


async def revoke_key(request: Request) -> Response:
    name = request.path_params["name"]
    principal = await principal_of(request)
    check_owner_or_admin(principal, name, "write")
    await gatekeeper_of(request).revoke_key(
        name, request.path_params["key_id"], actor=principal.name
    )
    return Response(status_code=204, headers={"Content-Type": "application/x-empty"})


routes = [
    Route("/owners", list_owners, methods=["GET"]),
    Route("/owners", add_owner, methods=["POST"]),
    Route("/owners/{name}", get_owner, methods=["GET"]),
    Route("/owners/{name}/keys", list_keys, methods=["GET"]),
    Route("/owners/{name}/keys", create_key, methods=["POST"]),
    Route("/owners/{name}/keys/{key_id}", revoke_key, methods=["DELETE"]),
]
