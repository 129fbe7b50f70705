"""``POST /transfers`` (hand things to another owner) and ``GET /transfers/{id}`` (the signed
record, for the two owners and administrators, with whether its signature verifies)."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from thingreg.core.transfers import Transfers, describe
from thingreg.http.bodies import read_json
from thingreg.http.negotiation import JSON, negotiate, principal_of, settings_of


def transfers_of(request: Request) -> Transfers:
    transfers: Transfers = request.app.state.transfers
    return transfers


async def hand_over(request: Request) -> Response:
    principal = await principal_of(request)
    body = await read_json(request, frozenset({JSON}), settings_of(request).max_body_bytes)
    transfer = await transfers_of(request).hand_over(principal, body)
    headers = {"Location": f"/transfers/{transfer.id}"}
    return Response(orjson.dumps(describe(transfer)), 201, headers=headers, media_type=JSON)


async def get_transfer(request: Request) -> Response:
    negotiate(request, (JSON,))
    principal = await principal_of(request)
    transfer = await transfers_of(request).get(principal, request.path_params["transfer_id"])
    return Response(orjson.dumps(describe(transfer)), media_type=JSON)


routes = [
    Route("/transfers", hand_over, methods=["POST"]),
    Route("/transfers/{transfer_id}", get_transfer, methods=["GET"]),
]
