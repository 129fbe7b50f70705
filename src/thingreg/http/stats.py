"""``GET /stats``: the aggregate figures the console's overview charts are drawn from."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from thingreg.core.overview import Overview
from thingreg.http.negotiation import JSON, negotiate


async def stats(request: Request) -> Response:
    kind = negotiate(request, (JSON,))
    overview: Overview = request.app.state.overview
    body = await overview.figures()
    return Response(orjson.dumps(body), media_type=kind, headers={"Cache-Control": "no-cache"})


routes = [Route("/stats", stats, methods=["GET"])]
