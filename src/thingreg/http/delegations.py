"""The delegation table (``/delegations``), this registry's namespaces
(``/.well-known/thingreg``), and the answer ``/resolve`` gives for a delegated identifier."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import orjson
from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from thingreg.core.access.policy import check_admin
from thingreg.core.errors import BadRequest, NotFound
from thingreg.core.federation import (
    MAX_NOTE_LENGTH,
    AuthoritativeNotFound,
    Federation,
    Trail,
    answer_headers,
    check_peer_url,
    check_prefix,
)
from thingreg.core.resolver import Resolution
from thingreg.core.td.registration import format_time, now_utc
from thingreg.http.bodies import read_json
from thingreg.http.negotiation import (
    JSON,
    TD_JSON,
    bool_param,
    directory_of,
    int_param,
    negotiate,
    principal_of,
    settings_of,
)
from thingreg.store.base import Delegation

WELL_KNOWN = "/.well-known/thingreg"
_BODY_MEMBERS = frozenset({"registry", "note", "prefix", "created"})


def federation_of(request: Request) -> Federation:
    federation: Federation = request.app.state.federation
    return federation


def delegation_json(delegation: Delegation) -> dict[str, str]:
    return {
        "prefix": delegation.prefix,
        "registry": delegation.peer,
        "note": delegation.note,
        "created": delegation.created,
    }


def delegation_path(prefix: str) -> str:
    return "/delegations/" + quote(prefix, safe="")


async def list_delegations(request: Request) -> Response:
    negotiate(request, (JSON,))
    table = await directory_of(request).store.delegations()
    return Response(orjson.dumps([delegation_json(d) for d in table]), media_type=JSON)


class DelegationResource(HTTPEndpoint):
    """``/delegations/{prefix}``: one entry of the table, by its percent-encoded prefix."""

    async def get(self, request: Request) -> Response:
        negotiate(request, (JSON,))
        prefix = check_prefix(request.path_params["prefix"])
        for delegation in await directory_of(request).store.delegations():
            if delegation.prefix == prefix:
                return Response(orjson.dumps(delegation_json(delegation)), media_type=JSON)
        raise NotFound(f"no delegation has the prefix {prefix!r}")

    async def put(self, request: Request) -> Response:
        check_admin(await principal_of(request))
        prefix = check_prefix(request.path_params["prefix"])
        body = await read_json(request, frozenset({JSON}), settings_of(request).max_body_bytes)
        registry, note = _read_body(body, prefix)
        created = format_time(now_utc())
        store = directory_of(request).store
        if await store.put_delegation(Delegation(prefix, registry, note, created)):
            return Response(status_code=201, headers={"Location": delegation_path(prefix)})
        return Response(status_code=204)

    async def delete(self, request: Request) -> Response:
        check_admin(await principal_of(request))
        prefix = check_prefix(request.path_params["prefix"])
        if not await directory_of(request).store.delete_delegation(prefix):
            raise NotFound(f"no delegation has the prefix {prefix!r}")
        return Response(status_code=204)


def _read_body(body: Any, prefix: str) -> tuple[str, str]:
    if not isinstance(body, dict):
        raise BadRequest('the body must be a JSON object: {"registry": "https://…", "note": "…"}')
    unknown = sorted(set(body) - _BODY_MEMBERS)
    if unknown:
        raise BadRequest(f"unknown member(s) {', '.join(unknown)}; expected registry and note")
    registry, note = body.get("registry"), body.get("note", "")
    if not isinstance(registry, str):
        raise BadRequest("member 'registry' (the peer registry's base URL) is required")
    if not isinstance(note, str) or len(note) > MAX_NOTE_LENGTH:
        raise BadRequest(f"member 'note' must be a string of at most {MAX_NOTE_LENGTH} characters")
    if body.get("prefix", prefix) != prefix:
        raise BadRequest("member 'prefix' differs from the prefix in the URL")
    return check_peer_url(registry), note


async def well_known_thingreg(request: Request) -> Response:
    """What peers import: this registry's id, base URL and namespaces."""
    negotiate(request, (JSON,))
    federation = federation_of(request)
    base = str(request.base_url).rstrip("/")
    body = {
        "registry": federation.registry_id,
        "url": base,
        "namespaces": list(federation.namespaces),
        "maxHops": federation.max_hops,
        "resolve": base + "/resolve/{identifier}",
    }
    return Response(orjson.dumps(body), media_type=JSON)


async def delegated_answer(
    request: Request, resolution: Resolution, body: dict[str, Any], kind: str
) -> Response:
    """Answer for an identifier delegated to a peer: ``307`` to it, or its answer (proxy).

    ``body`` is what ``/resolve`` has said so far (input, readings, identifier).
    """
    delegation, matched = resolution.delegation, resolution.matched
    assert delegation is not None and matched is not None
    federation = federation_of(request)
    canonical = matched.canonical
    namespace = federation.authority(canonical, delegation)
    if namespace is not None:
        raise AuthoritativeNotFound(canonical, namespace)
    proxy = bool_param(request, "proxy")
    see_other = bool_param(request, "redirect") or kind == TD_JSON
    hops = int_param(request, "hops", minimum=0, default=0) or 0
    trail = federation.forward(Trail.parse(hops, request.query_params.get("via", "")), canonical)
    body["delegatedTo"] = {"prefix": delegation.prefix, "registry": delegation.peer}
    if not proxy:
        extra = {"redirect": "true"} if see_other else {}
        location = federation.resolve_url(delegation.peer, canonical, trail, **extra)
        body["location"] = location
        return Response(orjson.dumps(body), 307, headers={"Location": location}, media_type=JSON)
    answer = await federation.ask(delegation, canonical, trail)
    headers = answer_headers(answer)
    href = answer.body.get("href")
    if see_other and isinstance(href, str):
        return RedirectResponse(href, status_code=303, headers=headers)
    return Response(orjson.dumps(answer.body), headers=headers, media_type=JSON)


routes = [
    Route("/delegations", list_delegations, methods=["GET"]),
    Route("/delegations/{prefix:path}", DelegationResource),
    Route(WELL_KNOWN, well_known_thingreg, methods=["GET"]),
]
