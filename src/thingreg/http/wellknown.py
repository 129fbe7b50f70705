"""Self-description: the directory's own TD (``/.well-known/wot``), OpenAPI, and health."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from thingreg.core.directory_td import directory_td
from thingreg.http.negotiation import JSON, TD_JSON, negotiate
from thingreg.http.openapi import openapi_document


def _base_url(request: Request) -> str:
    return str(request.base_url)


async def well_known_wot(request: Request) -> Response:
    kind = negotiate(request, (TD_JSON, JSON))
    td = directory_td(_base_url(request), write_auth=True)
    return Response(orjson.dumps(td), media_type=kind)


async def openapi(request: Request) -> Response:
    return Response(orjson.dumps(openapi_document(_base_url(request))), media_type=JSON)


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


routes = [
    Route("/.well-known/wot", well_known_wot, methods=["GET"]),
    Route("/openapi.json", openapi, methods=["GET"]),
    Route("/healthz", healthz, methods=["GET"]),
]
