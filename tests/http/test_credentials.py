"""``/things/{id}/credentials``: bind keys and certificates, change their state, remove them."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from tests.conftest import _client_for
from tests.pki import make_ca, make_leaf, pem, public_pem
from tests.support import minimal_td
from thingreg.config import Settings
from thingreg.core.auth import jose
from thingreg.core.auth.keys import did_key

LAMP = "urn:example:lamp"
JSON = {"Content-Type": "application/json"}
MERGE = {"Content-Type": "application/merge-patch+json"}


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    tuned = dataclasses.replace(settings, public_url="http://thingreg.test")
    async with _client_for(tuned) as http:
        yield http


def things(thing_id: str) -> str:
    return "/things/" + quote(thing_id, safe="")


def credentials(thing_id: str, credential_id: str | None = None) -> str:
    path = things(thing_id) + "/credentials"
    return path if credential_id is None else f"{path}/{credential_id}"


async def register(client: httpx.AsyncClient, thing_id: str = LAMP) -> None:
    response = await client.put(
        things(thing_id),
        content=orjson.dumps(minimal_td(thing_id)),
        headers={"Content-Type": "application/td+json"},
    )
    assert response.status_code == 201, response.text


async def bind(client: httpx.AsyncClient, thing_id: str, **body: Any) -> httpx.Response:
    return await client.post(credentials(thing_id), json=body)


def thumbprint(key: jose.PrivateKey) -> str:
    return jose.thumbprint(jose.public_jwk(key.public_key()))


async def test_bind_a_key_in_each_notation(client: httpx.AsyncClient) -> None:
    await register(client)
    keys: list[jose.PrivateKey] = [
        ed25519.Ed25519PrivateKey.generate(),
        ec.generate_private_key(ec.SECP256R1()),
    ]
    forms: list[object] = [jose.public_jwk(keys[0].public_key()), did_key(keys[1].public_key())]
    for key, form in zip(keys, forms, strict=True):
        response = await bind(client, LAMP, key=form, label="factory")
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["id"] == thumbprint(key)
        assert response.headers["location"] == credentials(LAMP, body["id"])
        assert body["state"] == "active" and body["type"] == "key"
        assert body["jwk"] == jose.public_jwk(key.public_key())
        assert body["did"] == did_key(key.public_key())
    listed = (await client.get(credentials(LAMP))).json()
    assert [c["alg"] for c in listed] == ["EdDSA", "ES256"]
    one = await client.get(credentials(LAMP, thumbprint(keys[1])))
    assert one.json() == listed[1]
    third = ec.generate_private_key(ec.SECP256R1())
    assert (await bind(client, LAMP, key=public_pem(third))).status_code == 201


async def test_bind_a_certificate(client: httpx.AsyncClient) -> None:
    await register(client)
    device = ec.generate_private_key(ec.SECP256R1())
    certificate = make_leaf(make_ca(), device, "lamp-serial-0042")
    response = await bind(client, LAMP, certificate=pem(certificate))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["type"] == "x509" and body["id"] == thumbprint(device)
    assert body["subject"] == "CN=lamp-serial-0042,O=Example Devices"
    assert body["issuer"] == "CN=Example Device CA,O=Example Devices"
    assert body["notAfter"].startswith(certificate.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M"))
    assert body["certificate"] == pem(certificate)
    # The same key as a raw key is the same credential: 409.
    again = await bind(client, LAMP, key=public_pem(device))
    assert again.status_code == 409


async def test_a_key_belongs_to_one_thing_only(client: httpx.AsyncClient) -> None:
    await register(client)
    await register(client, "urn:example:other")
    key = jose.public_jwk(ed25519.Ed25519PrivateKey.generate().public_key())
    assert (await bind(client, LAMP, key=key)).status_code == 201
    response = await bind(client, "urn:example:other", key=key)
    assert response.status_code == 409
    assert response.json()["type"] == "https://thingreg.dev/problems/conflict"
    assert LAMP not in response.text  # which thing holds it is not said


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "exactly one"),
        ({"key": "x", "certificate": "y"}, "exactly one"),
        ({"key": "ssh-ed25519 AAAA"}, "member 'key'"),
        ({"certificate": "not pem"}, "member 'certificate'"),
        ({"key": "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", "x": 1}, "unknown"),
        (
            {"key": "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", "state": "revoked"},
            "state",
        ),
        (
            {"key": "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", "notAfter": "soon"},
            "notAfter",
        ),
        (
            {
                "key": "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
                "notBefore": "2030-01-01T00:00:00Z",
                "notAfter": "2029-01-01T00:00:00Z",
            },
            "before",
        ),
    ],
)
async def test_bad_requests(client: httpx.AsyncClient, body: dict[str, Any], fragment: str) -> None:
    await register(client)
    response = await client.post(credentials(LAMP), json=body)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["detail"]


async def test_unknown_things_and_credentials(client: httpx.AsyncClient) -> None:
    assert (await client.get(credentials("urn:example:none"))).status_code == 404
    key = did_key(ed25519.Ed25519PrivateKey.generate().public_key())
    assert (await bind(client, "urn:example:none", key=key)).status_code == 404
    await register(client)
    assert (await client.get(credentials(LAMP, "nope"))).status_code == 404
    assert (await client.delete(credentials(LAMP, "nope"))).status_code == 404
    assert (
        await client.patch(credentials(LAMP, "nope"), json={}, headers=MERGE)
    ).status_code == 404
    assert (await client.get(credentials("not a uri"))).status_code == 400


async def test_state_changes_and_revocation_is_final(client: httpx.AsyncClient) -> None:
    await register(client)
    key = ed25519.Ed25519PrivateKey.generate()
    await bind(client, LAMP, key=did_key(key.public_key()))
    path = credentials(LAMP, thumbprint(key))

    async def patch(body: dict[str, Any]) -> httpx.Response:
        return await client.patch(path, content=orjson.dumps(body), headers=MERGE)

    disabled = await patch({"state": "disabled", "label": "lost in transit"})
    assert disabled.status_code == 200
    assert disabled.json()["state"] == "disabled" and disabled.json()["label"] == "lost in transit"
    bounded = await patch({"state": "active", "notAfter": "2031-01-01T00:00:00+01:00"})
    assert bounded.json()["notAfter"] == "2030-12-31T23:00:00.000Z"
    assert (await patch({"notAfter": None})).json()["notAfter"] is None
    assert (await patch({"state": "revoked"})).json()["state"] == "revoked"
    refused = await patch({"state": "active"})
    assert refused.status_code == 409
    assert (await patch({"state": "revoked"})).status_code == 200  # nothing changes
    assert (await patch({"state": "gone"})).status_code == 400
    wrong_type = await client.patch(path, content=b"{}", headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    assert (await client.delete(path)).status_code == 204
    assert (await client.get(path)).status_code == 404


async def test_deleting_the_thing_removes_its_credentials(client: httpx.AsyncClient) -> None:
    await register(client)
    key = did_key(ed25519.Ed25519PrivateKey.generate().public_key())
    await bind(client, LAMP, key=key)
    assert (await client.delete(things(LAMP))).status_code == 204
    await register(client)
    assert (await client.get(credentials(LAMP))).json() == []
    assert (await bind(client, LAMP, key=key)).status_code == 201


async def test_ids_with_slashes(client: httpx.AsyncClient) -> None:
    url_id = "https://example.com/things/lamp"
    await register(client, url_id)
    key = did_key(ed25519.Ed25519PrivateKey.generate().public_key())
    assert (await bind(client, url_id, key=key)).status_code == 201
    assert len((await client.get(credentials(url_id))).json()) == 1
    # A thing whose id ends in /credentials is still a thing at /things/{id}.
    odd = "urn:example:a/credentials"
    await register(client, odd)
    assert (await client.get(things(odd))).json()["id"] == odd


async def test_writes_need_the_api_token(settings: Settings) -> None:
    tuned = dataclasses.replace(settings, api_token="s3cret")
    async with _client_for(tuned) as client:
        auth = {"Authorization": "Bearer s3cret"}
        td = orjson.dumps(minimal_td(LAMP))
        headers = {"Content-Type": "application/td+json", **auth}
        assert (await client.put(things(LAMP), content=td, headers=headers)).status_code == 201
        key = ed25519.Ed25519PrivateKey.generate()
        body = {"key": did_key(key.public_key())}
        assert (await client.post(credentials(LAMP), json=body)).status_code == 401
        assert (await client.post(credentials(LAMP), json=body, headers=auth)).status_code == 201
        path = credentials(LAMP, thumbprint(key))
        assert (await client.get(path)).status_code == 401  # only for the owner
        assert (await client.get(path, headers=auth)).status_code == 200
        assert (await client.patch(path, json={}, headers=MERGE)).status_code == 401
        assert (await client.delete(path)).status_code == 401
        assert (await client.delete(path, headers=auth)).status_code == 204
