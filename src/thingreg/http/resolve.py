"""``/resolve/{identifier}``: any notation of any identifier to its thing, and ``/ids/{x}``."""

from __future__ import annotations

from functools import partial
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from thingreg.core.access.policy import may_see
from thingreg.core.access.principal import Principal
from thingreg.core.ids.analysis import analyse
from thingreg.core.resolver import resolve
from thingreg.http.delegations import delegated_answer
from thingreg.http.negotiation import JSON, TD_JSON, bool_param, directory_of, negotiate, reader_of
from thingreg.http.things import thing_path
from thingreg.store.base import ThingRecord


async def resolve_identifier(request: Request) -> Response:
    """The thing an identifier names; ``303`` to its TD when asked (``?redirect=true`` or an
    ``Accept`` that prefers ``application/td+json``)."""
    text: str = request.path_params["identifier"]
    kind = negotiate(request, (JSON, TD_JSON))
    principal = await reader_of(request)
    visible = None if principal.is_admin else partial(_visible, principal)
    resolution = await resolve(directory_of(request).store, text, visible)
    body: dict[str, Any] = {
        "input": resolution.input,
        "readings": [r.as_json() for r in resolution.readings],
    }
    if resolution.matched is not None:
        body["identifier"] = resolution.matched.as_json()
    if resolution.thing_id is not None:
        location = thing_path(resolution.thing_id)
        if bool_param(request, "redirect") or kind == TD_JSON:
            return RedirectResponse(location, status_code=303)
        body |= {"id": resolution.thing_id, "href": location}
        return Response(orjson.dumps(body), media_type=JSON)
    return await delegated_answer(request, resolution, body, kind)


def _visible(principal: Principal, record: ThingRecord) -> bool:
    return may_see(principal, record.access, record.id)


async def parse_identifier(request: Request) -> Response:
    """The analysis of an identifier alone: every valid reading, most likely first."""
    text: str = request.path_params["identifier"]
    analysis = analyse(text)
    body = {"input": text, "readings": [r.as_json() for r in analysis.readings]}
    return Response(orjson.dumps(body), media_type=JSON)


routes = [
    Route("/resolve/{identifier:path}", resolve_identifier, methods=["GET"]),
    Route("/ids/{identifier:path}", parse_identifier, methods=["GET"]),
]
