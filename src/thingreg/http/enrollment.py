"""``/enrollment-groups``: fleet onboarding (docs/security.md, "Enrollment groups").

* ``/enrollment-groups`` — list, and create a group (JSON, ``id`` in the body);
* ``/enrollment-groups/{id}`` — read, change (merge patch; ``{"enabled": false}`` stops new
  registrations), delete (the devices it registered stay);
* ``/enrollment-groups/{id}/devices`` — register pre-made devices from a file: ``text/csv``
  or ``application/x-ndjson`` (see ``core/auth/fleet_file.py``); the answer reports what was
  created, what was there already, and each rejected line with its number and reason;
* ``/enrollment-groups/{id}/blocked`` and ``…/blocked/{device}`` — the block list.

Every change needs write access, as changes to things do.
"""

from __future__ import annotations

from urllib.parse import quote

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from thingreg.core.access.policy import check_admin
from thingreg.core.auth.enrollment import EnrollmentGroups, describe_group
from thingreg.core.auth.onboarding import Onboarding
from thingreg.core.errors import BadRequest, UnsupportedMediaType
from thingreg.http.bodies import MERGE_PATCH, media_type, read_body, read_json
from thingreg.http.negotiation import JSON, negotiate, principal_of, settings_of

CSV = "text/csv"
NDJSON = "application/x-ndjson"
MAX_FILE_BYTES = 4 * 1024 * 1024
"""Largest device file accepted (when larger than ``THINGREG_MAX_BODY_BYTES``)."""
_PATCH_TYPES = frozenset({MERGE_PATCH, JSON})
_EMPTY = {"Content-Type": "application/x-empty"}


def groups_of(request: Request) -> EnrollmentGroups:
    groups: EnrollmentGroups = request.app.state.enrollment_groups
    return groups


def onboarding_of(request: Request) -> Onboarding:
    onboarding: Onboarding = request.app.state.onboarding
    return onboarding


def group_path(group_id: str) -> str:
    return f"/enrollment-groups/{quote(group_id, safe='')}"


def _json(body: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status, headers=headers, media_type=JSON)


async def list_or_create(request: Request) -> Response:
    check_admin(await principal_of(request))  # fleets are the registry's configuration
    if request.method == "GET":
        negotiate(request, (JSON,))
        return _json([describe_group(group) for group in await groups_of(request).all()])
    body = await read_json(request, frozenset({JSON}), settings_of(request).max_body_bytes)
    group = await groups_of(request).create(body)
    return _json(describe_group(group), 201, {"Location": group_path(group.id)})


async def group_item(request: Request) -> Response:
    check_admin(await principal_of(request))
    group_id = request.path_params["group_id"]
    groups = groups_of(request)
    if request.method == "GET":
        negotiate(request, (JSON,))
        return _json(describe_group(await groups.get(group_id)))
    if request.method == "DELETE":
        await groups.delete(group_id)
        return Response(status_code=204, headers=_EMPTY)
    if media_type(request) not in _PATCH_TYPES:
        raise UnsupportedMediaType(f"PATCH needs Content-Type {MERGE_PATCH} or {JSON}")
    patch = await read_json(request, _PATCH_TYPES, settings_of(request).max_body_bytes)
    return _json(describe_group(await groups.update(group_id, patch)))


async def devices(request: Request) -> Response:
    """Register the devices a CSV or NDJSON file lists."""
    check_admin(await principal_of(request))
    kind = media_type(request)
    if kind not in (CSV, NDJSON):
        raise UnsupportedMediaType(f"send the device file as {CSV} or {NDJSON}")
    limit = max(settings_of(request).max_body_bytes, MAX_FILE_BYTES)
    try:
        text = (await read_body(request, limit)).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadRequest("the device file is not UTF-8 text") from None
    report = await onboarding_of(request).register_file(
        request.path_params["group_id"], text, "csv" if kind == CSV else "ndjson"
    )
    return _json(report.as_dict())


async def blocked(request: Request) -> Response:
    check_admin(await principal_of(request))
    group_id = request.path_params["group_id"]
    groups = groups_of(request)
    if request.method == "GET":
        negotiate(request, (JSON,))
        return _json(await groups.blocked(group_id))
    body = await read_json(request, frozenset({JSON}), settings_of(request).max_body_bytes)
    if not isinstance(body, dict) or set(body) != {"device"}:
        raise BadRequest('the body is {"device": "<thing id>"}')
    added = await groups.block(group_id, body["device"])
    return _json({"group": group_id, "device": body["device"]}, 201 if added else 200)


async def unblock(request: Request) -> Response:
    check_admin(await principal_of(request))
    params = request.path_params
    await groups_of(request).unblock(params["group_id"], params["device"])
    return Response(status_code=204, headers=_EMPTY)


routes = [
    Route("/enrollment-groups", list_or_create, methods=["GET", "POST"]),
    Route("/enrollment-groups/{group_id}", group_item, methods=["GET", "PATCH", "DELETE"]),
    Route("/enrollment-groups/{group_id}/devices", devices, methods=["POST"]),
    Route("/enrollment-groups/{group_id}/blocked", blocked, methods=["GET", "POST"]),
    Route("/enrollment-groups/{group_id}/blocked/{device:path}", unblock, methods=["DELETE"]),
]
