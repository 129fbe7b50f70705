"""Device authentication: ``/auth/challenge``, ``/auth/token``, ``/auth/introspect`` and the
registry's public keys at ``/.well-known/jwks.json``.

``/auth/token`` takes the signed assertion as a JWT bearer grant (RFC 7523:
``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=…`` as a form) or as JSON
``{"assertion": "…"}``, and answers like an OAuth token endpoint (RFC 6749 section 5.1).
"""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from thingreg.core.auth.authenticator import Authenticator
from thingreg.core.errors import BadRequest
from thingreg.core.overview import Overview
from thingreg.http.bodies import read_fields, read_json
from thingreg.http.negotiation import JSON, negotiate, settings_of

JWK_SET = "application/jwk-set+json"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
JWKS_PATH = "/.well-known/jwks.json"
_NO_STORE = {"Cache-Control": "no-store"}
_JWKS_MAX_AGE = 60
"""Seconds verifiers may cache the key set; a verifier that meets an unknown kid refetches."""


def authenticator_of(request: Request) -> Authenticator:
    authenticator: Authenticator = request.app.state.authenticator
    return authenticator


def _json(body: object, *, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), media_type=JSON, headers=headers or _NO_STORE)


async def challenge(request: Request) -> Response:
    """A single-use nonce for a device that will prove to be ``thing``."""
    body = await read_json(request, frozenset({JSON}), settings_of(request).max_body_bytes)
    if not isinstance(body, dict) or "thing" not in body:
        raise BadRequest('the body must be {"thing": "<any identifier of the thing>"}')
    issued = await authenticator_of(request).challenge(body["thing"])
    return _json({"nonce": issued.nonce, "expires": issued.expires_at, "audience": issued.audience})


async def token(request: Request) -> Response:
    """A token for the device whose signed assertion answers a challenge."""
    fields = await read_fields(request, settings_of(request).max_body_bytes)
    grant_type = fields.get("grant_type", JWT_BEARER)
    if grant_type != JWT_BEARER:
        raise BadRequest(f"grant_type must be {JWT_BEARER}")
    assertion = fields.get("assertion")
    if not isinstance(assertion, str) or not assertion:
        raise BadRequest("member 'assertion' (the signed challenge, a compact JWS) is required")
    issued = await authenticator_of(request).token(assertion)
    overview: Overview = request.app.state.overview
    overview.authentications.add()
    return _json(
        {
            "access_token": issued.token,
            "token_type": "Bearer",
            "expires_in": issued.expires_in,
            "thing": issued.thing_id,
        }
    )


async def introspect(request: Request) -> Response:
    """RFC 7662: whether a token is still good, and its claims when it is."""
    fields = await read_fields(request, settings_of(request).max_body_bytes)
    presented = fields.get("token")
    if not isinstance(presented, str) or not presented:
        raise BadRequest("member 'token' is required")
    return _json(await authenticator_of(request).introspect(presented))


async def jwks(request: Request) -> Response:
    """The public keys that verify the registry's tokens, retired ones still in use included."""
    kind = negotiate(request, (JSON, JWK_SET))
    return Response(
        authenticator_of(request).keyring.jwks,
        media_type=kind,
        headers={"Cache-Control": f"public, max-age={_JWKS_MAX_AGE}"},
    )


routes = [
    Route("/auth/challenge", challenge, methods=["POST"]),
    Route("/auth/token", token, methods=["POST"]),
    Route("/auth/introspect", introspect, methods=["POST"]),
    Route(JWKS_PATH, jwks, methods=["GET"]),
]
