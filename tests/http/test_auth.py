"""Proof of possession in process: challenge, token, introspection, JWKS; every refusal alike."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from starlette.applications import Starlette

from tests.conftest import _client_for
from tests.pki import make_ca, make_leaf, pem
from tests.support import minimal_td
from thingreg.client.device import JWT_BEARER, assertion, token_async
from thingreg.config import Settings
from thingreg.core.auth import jose
from thingreg.core.auth.authenticator import FAILURE_FLOOR
from thingreg.core.auth.keys import did_key

AUDIENCE = "http://thingreg.test"
LAMP = "urn:example:lamp"
OTHER = "urn:example:other"
IMEI = "49-015420-323751-8"
FAILED = {
    "type": "https://thingreg.dev/problems/authentication-failed",
    "title": "Unauthorized",
    "status": 401,
    "detail": "authentication failed",
    "instance": "/auth/token",
}


@dataclasses.dataclass
class Registry:
    http: httpx.AsyncClient
    app: Starlette


async def _registry(settings: Settings, **changes: Any) -> AsyncIterator[Registry]:
    tuned = dataclasses.replace(settings, public_url=AUDIENCE, **changes)
    lifespan = _client_for(tuned)
    async with lifespan as http:
        for thing_id, identifiers in ((LAMP, [IMEI]), (OTHER, [])):
            response = await http.put(
                "/things/" + quote(thing_id, safe=""),
                content=orjson.dumps(minimal_td(thing_id, identifiers=identifiers)),
                headers={"Content-Type": "application/td+json"},
            )
            assert response.status_code == 201
        yield Registry(http, lifespan.app)


@pytest.fixture
async def registry(settings: Settings) -> AsyncIterator[Registry]:
    async for value in _registry(settings):
        yield value


def credential_path(thing_id: str, key: jose.PrivateKey | None = None) -> str:
    path = "/things/" + quote(thing_id, safe="") + "/credentials"
    return path if key is None else f"{path}/{kid_of(key)}"


def kid_of(key: jose.PrivateKey) -> str:
    return jose.thumbprint(jose.public_jwk(key.public_key()))


async def bind(registry: Registry, thing_id: str, key: jose.PrivateKey, **extra: Any) -> None:
    body = {"key": did_key(key.public_key()), **extra}
    response = await registry.http.post(credential_path(thing_id), json=body)
    assert response.status_code == 201, response.text


async def nonce_for(registry: Registry, thing: str) -> str:
    response = await registry.http.post("/auth/challenge", json={"thing": thing})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["audience"] == AUDIENCE
    assert datetime.fromisoformat(body["expires"]) > datetime.now(UTC)
    nonce: str = body["nonce"]
    return nonce


async def exchange(registry: Registry, signed: str) -> httpx.Response:
    return await registry.http.post(
        "/auth/token", data={"grant_type": JWT_BEARER, "assertion": signed}
    )


def claims_of(token: str) -> dict[str, Any]:
    value: dict[str, Any] = jose.parse(token).claims
    return value


async def refused(registry: Registry, signed: str, reason: str = "") -> None:
    """The token request is refused with the generic 401, no sooner than the floor; the log
    (and only the log) says ``reason``."""
    records = _Records()
    logger = logging.getLogger("thingreg.core.auth.authenticator")
    logger.addHandler(records)
    try:
        started = time.monotonic()
        response = await exchange(registry, signed)
        elapsed = time.monotonic() - started
    finally:
        logger.removeHandler(records)
    assert response.status_code == 401, response.text
    assert response.json() == FAILED
    assert response.headers["www-authenticate"] == 'Bearer realm="thingreg"'
    assert elapsed >= FAILURE_FLOOR * 0.9
    assert len(records.messages) == 1 and reason in records.messages[0], records.messages


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def keys() -> list[jose.PrivateKey]:
    return [ed25519.Ed25519PrivateKey.generate(), ec.generate_private_key(ec.SECP256R1())]


@pytest.mark.parametrize("index", [0, 1], ids=["Ed25519", "P-256"])
async def test_a_device_gets_a_token(registry: Registry, index: int) -> None:
    key = keys()[index]
    await bind(registry, LAMP, key)
    answer = await token_async(registry.http, AUDIENCE, LAMP, key)
    assert answer["token_type"] == "Bearer" and answer["thing"] == LAMP
    assert answer["expires_in"] == 300
    token = answer["access_token"]
    claims = claims_of(token)
    assert claims["iss"] == claims["aud"] == AUDIENCE
    assert claims["sub"] == LAMP
    assert claims["aliases"] == [LAMP, "urn:gsma:imei:49015420-323751-0"]
    assert claims["cnf"] == {"jkt": kid_of(key)}
    assert claims["exp"] - claims["iat"] == 300
    assert abs(claims["iat"] - time.time()) < 5
    assert len(claims["jti"]) >= 22 and claims["owner"] == "admin"
    jwks = (await registry.http.get("/.well-known/jwks.json")).json()
    header = jose.parse(token).header
    published = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    assert published["use"] == "sig" and published["alg"] == header["alg"] == "ES256"
    assert jose.verify(jose.parse(token), jose.key_from_jwk(published), "ES256")


async def test_any_identifier_of_the_thing_works(registry: Registry) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    await bind(registry, LAMP, key)
    answer = await token_async(registry.http, AUDIENCE, "490154203237518", key)
    assert claims_of(answer["access_token"])["sub"] == LAMP


async def test_json_body_and_bad_requests(registry: Registry) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    await bind(registry, LAMP, key)
    signed = assertion(key, nonce=await nonce_for(registry, LAMP), audience=AUDIENCE, thing=LAMP)
    response = await registry.http.post("/auth/token", json={"assertion": signed})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    for body in ({}, {"assertion": 1}, {"assertion": signed, "grant_type": "password"}):
        assert (await registry.http.post("/auth/token", json=body)).status_code == 400
    twice = f"assertion={signed}&assertion={signed}"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert (await registry.http.post("/auth/token", content=twice, headers=form)).status_code == 400
    text = {"Content-Type": "text/plain"}
    assert (
        await registry.http.post("/auth/token", content=signed, headers=text)
    ).status_code == 415
    for thing in ("", " ", 5, "x" * 3000):
        response = await registry.http.post("/auth/challenge", json={"thing": thing})
        assert response.status_code == 400
    assert (await registry.http.post("/auth/challenge", json=[LAMP])).status_code == 400


async def test_every_refusal_is_the_same(registry: Registry) -> None:
    lamp, other, stranger = ed25519.Ed25519PrivateKey.generate(), *keys()
    await bind(registry, LAMP, lamp)
    await bind(registry, OTHER, other)

    def sign(nonce: str, **changes: Any) -> str:
        signer = changes.pop("key", lamp)
        claims = {"nonce": nonce, "aud": AUDIENCE, "thing": LAMP, "iat": int(time.time())}
        header = {"kid": kid_of(lamp)} | changes.pop("header", {})
        return jose.sign(header, claims | changes, signer)

    # Replayed nonce.
    signed = sign(await nonce_for(registry, LAMP))
    assert (await exchange(registry, signed)).status_code == 200
    await refused(registry, signed, "replay")
    # A nonce issued for another thing, signed as that thing or as ours.
    for_other = await nonce_for(registry, OTHER)
    await refused(registry, sign(for_other, thing=OTHER), "belongs to thing")
    await refused(registry, sign(await nonce_for(registry, OTHER)), "another thing than")
    # Our nonce, signed by another thing's key (its own kid).
    nonce = await nonce_for(registry, LAMP)
    theirs = sign(nonce, key=other, header={"kid": kid_of(other)})
    await refused(registry, theirs, "belongs to thing")
    # Wrong audience; audience as a list without us.
    evil = "http://evil.example"
    await refused(registry, sign(await nonce_for(registry, LAMP), aud=evil), "audience")
    await refused(registry, sign(await nonce_for(registry, LAMP), aud=[evil]), "audience")
    # Wrong signature: a stranger's key under our kid; an unknown key under its own kid.
    wrong = sign(await nonce_for(registry, LAMP), key=stranger)
    await refused(registry, wrong, "signature does not verify")
    stranger_kid = {"kid": kid_of(stranger)}
    unknown = sign(await nonce_for(registry, LAMP), key=stranger, header=stranger_kid)
    await refused(registry, unknown, "no credential matches")
    # Tampered claims after signing.
    good = sign(await nonce_for(registry, LAMP))
    head, _, rest = good.partition(".")
    _, _, signature = rest.partition(".")
    tampered = claims_of(good) | {"thing": OTHER}
    forged = f"{head}.{jose.b64url(orjson.dumps(tampered))}.{signature}"
    await refused(registry, forged, "another thing than")
    # Unknown nonce, malformed assertions, an unsupported algorithm.
    await refused(registry, sign("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), "unknown nonce")
    await refused(registry, "not-a-jws", "malformed")
    none = jose.b64url(orjson.dumps({"alg": "none"}))
    await refused(registry, f"{none}.{jose.b64url(orjson.dumps({'nonce': 'x'}))}.", "alg")
    # An identifier that names no thing gets a challenge all the same, and no token.
    nobody = "urn:example:nobody"
    await refused(registry, sign(await nonce_for(registry, nobody), thing=nobody), "no thing")
    # After all that, the device still authenticates.
    assert (await exchange(registry, sign(await nonce_for(registry, LAMP)))).status_code == 200


async def test_expired_nonce(settings: Settings) -> None:
    # No maintenance round meanwhile: it would forget the expired challenge ("unknown nonce").
    async for registry in _registry(settings, challenge_ttl=0.05, purge_interval=3600):
        key = ed25519.Ed25519PrivateKey.generate()
        await bind(registry, LAMP, key)
        nonce = await nonce_for(registry, LAMP)
        await asyncio.sleep(0.1)
        signed = assertion(key, nonce=nonce, audience=AUDIENCE, thing=LAMP)
        await refused(registry, signed, "expired")


async def test_disabled_revoked_and_out_of_bounds_credentials(registry: Registry) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    await bind(registry, LAMP, key)
    path = credential_path(LAMP, key)

    async def attempt() -> httpx.Response:
        nonce = await nonce_for(registry, LAMP)
        return await exchange(registry, assertion(key, nonce=nonce, audience=AUDIENCE, thing=LAMP))

    async def patch(body: dict[str, Any]) -> None:
        assert (await registry.http.patch(path, json=body)).status_code == 200

    assert (await attempt()).status_code == 200
    await patch({"state": "disabled"})
    assert (await attempt()).json() == FAILED
    await patch({"state": "active"})
    assert (await attempt()).status_code == 200
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    await patch({"notBefore": future})
    assert (await attempt()).json() == FAILED
    await patch({"notBefore": None, "notAfter": "2020-01-01T00:00:00Z"})
    assert (await attempt()).json() == FAILED
    await patch({"notAfter": None})
    assert (await attempt()).status_code == 200
    await patch({"state": "revoked"})
    assert (await attempt()).json() == FAILED


async def test_rotation_with_overlap(registry: Registry) -> None:
    old, new = ed25519.Ed25519PrivateKey.generate(), ec.generate_private_key(ec.SECP256R1())
    await bind(registry, LAMP, old)
    await bind(registry, LAMP, new)
    for key in (old, new):  # the overlap: both work
        assert (await token_async(registry.http, AUDIENCE, LAMP, key))["thing"] == LAMP
    await registry.http.patch(credential_path(LAMP, old), json={"state": "disabled"})
    assert (await token_async(registry.http, AUDIENCE, LAMP, new))["thing"] == LAMP
    nonce = await nonce_for(registry, LAMP)
    signed = assertion(old, nonce=nonce, audience=AUDIENCE, thing=LAMP)
    await refused(registry, signed, "is disabled")


async def test_without_kid_the_things_only_key_is_used(registry: Registry) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    await bind(registry, LAMP, key)

    def bare(nonce: str) -> str:
        return jose.sign({}, {"nonce": nonce, "aud": AUDIENCE, "thing": LAMP}, key)

    assert (await exchange(registry, bare(await nonce_for(registry, LAMP)))).status_code == 200
    await bind(registry, LAMP, ed25519.Ed25519PrivateKey.generate())  # now ambiguous
    await refused(registry, bare(await nonce_for(registry, LAMP)), "no credential")


def x5c(*certificates: x509.Certificate) -> list[str]:
    return [
        base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in certificates
    ]


async def test_certificate_credentials(registry: Registry) -> None:
    ca = make_ca()
    device = ec.generate_private_key(ec.SECP256R1())
    certificate = make_leaf(ca, device, "lamp-0042")
    response = await registry.http.post(
        credential_path(LAMP), json={"certificate": pem(certificate)}
    )
    assert response.status_code == 201

    def sign(nonce: str, header: dict[str, Any]) -> str:
        claims = {"nonce": nonce, "aud": AUDIENCE, "thing": LAMP}
        return jose.sign(header, claims, device)

    presented = sign(await nonce_for(registry, LAMP), {"x5c": x5c(certificate, ca[1])})
    assert (await exchange(registry, presented)).status_code == 200
    by_kid = sign(await nonce_for(registry, LAMP), {"kid": kid_of(device)})
    assert (await exchange(registry, by_kid)).status_code == 200
    answer = await token_async(registry.http, AUDIENCE, LAMP, device, certificates=[certificate])
    assert claims_of(answer["access_token"])["cnf"] == {"jkt": kid_of(device)}
    # A renewed certificate of the same key is accepted; an expired one is not.
    renewed = make_leaf(ca, device, "lamp-0042")
    renewed_header = {"x5c": x5c(renewed)}
    assert (
        await exchange(registry, sign(await nonce_for(registry, LAMP), renewed_header))
    ).status_code == 200
    past = datetime.now(UTC) - timedelta(days=2)
    expired = make_leaf(
        ca, device, "lamp-0042", not_before=past, not_after=past + timedelta(days=1)
    )
    stale = sign(await nonce_for(registry, LAMP), {"x5c": x5c(expired)})
    await refused(registry, stale, "outside its validity")
    # A certificate of another key does not stand for the bound one.
    other = make_leaf(ca, ec.generate_private_key(ec.SECP256R1()), "lamp-0042")
    mixed = {"kid": kid_of(device), "x5c": x5c(other)}
    await refused(registry, sign(await nonce_for(registry, LAMP), mixed), "different keys")


async def test_introspection(registry: Registry) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    await bind(registry, LAMP, key)
    token = (await token_async(registry.http, AUDIENCE, LAMP, key))["access_token"]

    async def introspect(value: str, *, as_json: bool = False) -> dict[str, Any]:
        if as_json:
            response = await registry.http.post("/auth/introspect", json={"token": value})
        else:
            response = await registry.http.post("/auth/introspect", data={"token": value})
        assert response.status_code == 200
        body: dict[str, Any] = response.json()
        return body

    active = await introspect(token)
    assert active == {"active": True, **claims_of(token)}
    assert (await introspect(token, as_json=True))["active"] is True
    for junk in ("junk", token[:-4] + "AAAA", token.replace(".", ".x", 1)):
        assert await introspect(junk) == {"active": False}
    authenticator = registry.app.state.authenticator
    stale = authenticator.keyring.sign(claims_of(token) | {"exp": int(time.time()) - 1})
    assert await introspect(stale) == {"active": False}
    foreign = authenticator.keyring.sign(claims_of(token) | {"iss": "http://elsewhere.example"})
    assert await introspect(foreign) == {"active": False}
    await registry.http.patch(credential_path(LAMP, key), json={"state": "disabled"})
    assert await introspect(token) == {"active": False}
    await registry.http.patch(credential_path(LAMP, key), json={"state": "active"})
    assert (await introspect(token))["active"] is True
    await registry.http.patch(credential_path(LAMP, key), json={"state": "revoked"})
    assert await introspect(token) == {"active": False}
    assert (await registry.http.post("/auth/introspect", json={})).status_code == 400


async def test_deleting_the_thing_deactivates_its_tokens(registry: Registry) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    await bind(registry, LAMP, key)
    token = (await token_async(registry.http, AUDIENCE, LAMP, key))["access_token"]
    await registry.http.delete("/things/" + quote(LAMP, safe=""))
    response = await registry.http.post("/auth/introspect", data={"token": token})
    assert response.json() == {"active": False}


async def test_jwks_media_types(registry: Registry) -> None:
    response = await registry.http.get(
        "/.well-known/jwks.json", headers={"Accept": "application/jwk-set+json"}
    )
    assert response.headers["content-type"] == "application/jwk-set+json"
    assert "max-age" in response.headers["cache-control"]
    (published,) = response.json()["keys"]
    assert set(published) == {"kty", "crv", "x", "y", "kid", "alg", "use"}
    assert "d" not in published
    refused_type = await registry.http.get(
        "/.well-known/jwks.json", headers={"Accept": "text/html"}
    )
    assert refused_type.status_code == 406


async def test_tokens_issued_are_counted_per_minute(registry: Registry) -> None:
    async def counted() -> int:
        series = (await registry.http.get("/stats")).json()["authentications"]["perMinute"]
        assert len(series) == 60
        assert series[-1]["minute"] == datetime.now(UTC).strftime("%Y-%m-%dT%H:%M") or (
            datetime.now(UTC).second < 2  # the minute just turned
        )
        return sum(int(entry["count"]) for entry in series)

    assert await counted() == 0
    key = keys()[0]
    await bind(registry, LAMP, key)
    await token_async(registry.http, AUDIENCE, LAMP, key)
    await token_async(registry.http, AUDIENCE, IMEI, key)
    await refused(registry, "not-a-jws")
    assert await counted() == 2  # refusals are not authentications
