"""Fleet onboarding end to end, in process: enrollment groups, first-contact registration with
real certificate chains and group keys, bulk files, disabled groups and blocked devices."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from tests.conftest import _client_for
from tests.pki import make_ca, make_leaf, pem, public_pem
from thingreg.client.device import DeviceError, endorse, generate_key, token_async
from thingreg.config import Settings
from thingreg.core.auth import jose
from thingreg.core.auth.keys import did_key

AUDIENCE = "http://thingreg.test"
PREFIX = "urn:dev:ops:32473-sensor-"
TEMPLATE = {
    "@context": "https://www.w3.org/2022/wot/td/v1.1",
    "title": "Sensor {id}",
    "@type": "saref:Sensor",
    "securityDefinitions": {"nosec_sc": {"scheme": "nosec"}},
    "security": "nosec_sc",
}


@pytest.fixture
async def http(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with _client_for(dataclasses.replace(settings, public_url=AUDIENCE)) as client:
        yield client


async def make_group(http: httpx.AsyncClient, group_id: str, **members: Any) -> dict[str, Any]:
    body = {"id": group_id, "template": TEMPLATE, "deviceId": {"prefix": PREFIX}, **members}
    response = await http.post("/enrollment-groups", json=body)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/enrollment-groups/{group_id}"
    group: dict[str, Any] = response.json()
    return group


async def device_token(
    http: httpx.AsyncClient, thing: str, key: jose.PrivateKey, **extra: Any
) -> dict[str, Any]:
    return await token_async(http, AUDIENCE, thing, key, **extra)


async def refused(http: httpx.AsyncClient, thing: str, key: jose.PrivateKey, **extra: Any) -> None:
    with pytest.raises(DeviceError, match="401 Unauthorized: authentication failed"):
        await device_token(http, thing, key, **extra)


async def thing(http: httpx.AsyncClient, thing_id: str) -> dict[str, Any] | None:
    response = await http.get("/things/" + quote(thing_id, safe=""))
    if response.status_code == 404:
        return None
    assert response.status_code == 200
    found: dict[str, Any] = response.json()
    return found


async def credentials(http: httpx.AsyncClient, thing_id: str) -> list[dict[str, Any]]:
    response = await http.get("/things/" + quote(thing_id, safe="") + "/credentials")
    assert response.status_code == 200
    found: list[dict[str, Any]] = response.json()
    return found


# -- groups --------------------------------------------------------------------------------


async def test_group_crud(http: httpx.AsyncClient) -> None:
    ca = make_ca()
    group = await make_group(http, "sensors", caCertificates=pem(ca[1]), title="Sensors")
    assert group["kind"] == "x509" and group["enabled"] is True
    assert group["deviceId"] == {"from": "subject-cn", "prefix": PREFIX}
    assert group["caSubjects"] == [ca[1].subject.rfc4514_string()]
    await make_group(http, "files")
    listed = (await http.get("/enrollment-groups")).json()
    assert [(g["id"], g["kind"]) for g in listed] == [("files", "file"), ("sensors", "x509")]
    patched = await http.patch(
        "/enrollment-groups/sensors",
        json={"enabled": False, "title": "Old sensors"},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200
    assert patched.json()["enabled"] is False and patched.json()["title"] == "Old sensors"
    assert patched.json()["kind"] == "x509"  # untouched members stay
    assert (await http.get("/enrollment-groups/sensors")).json()["enabled"] is False
    assert (await http.delete("/enrollment-groups/sensors")).status_code == 204
    assert (await http.get("/enrollment-groups/sensors")).status_code == 404
    assert (await http.delete("/enrollment-groups/sensors")).status_code == 404
    again = await http.post("/enrollment-groups", json={"id": "files"})
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"id": "bad id"}, "member 'id'"),
        ({"id": "g", "colour": "red"}, "unknown member(s) colour"),
        ({"id": "g", "caCertificates": "nope"}, "caCertificates"),
        ({"id": "g", "groupKey": "nope"}, "groupKey"),
        ({"id": "g", "template": {"title": "no context"}}, "not valid"),
        ({"id": "g", "template": {**TEMPLATE, "id": "urn:x"}}, "must not have 'id'"),
        ({"id": "g", "deviceId": {"from": "mac"}}, "deviceId.from"),
        ({"id": "g", "enabled": "yes"}, "enabled"),
    ],
)
async def test_bad_groups_are_refused(
    http: httpx.AsyncClient, body: dict[str, Any], detail: str
) -> None:
    response = await http.post("/enrollment-groups", json=body)
    assert response.status_code == 400, response.text
    assert detail in response.json()["detail"]


async def test_a_group_needs_a_ca_certificate_and_takes_only_one_attestation(
    http: httpx.AsyncClient,
) -> None:
    ca = make_ca()
    leaf = make_leaf(ca, ec.generate_private_key(ec.SECP256R1()), "device")
    response = await http.post("/enrollment-groups", json={"id": "g", "caCertificates": pem(leaf)})
    assert "not a CA certificate" in response.json()["detail"]
    key = ec.generate_private_key(ec.SECP256R1())
    both = {"id": "g", "caCertificates": pem(ca[1]), "groupKey": public_pem(key)}
    response = await http.post("/enrollment-groups", json=both)
    assert "not both" in response.json()["detail"]


async def test_groups_are_for_administrators(settings: Settings) -> None:
    tuned = dataclasses.replace(settings, public_url=AUDIENCE, api_token="s3cret")
    async with _client_for(tuned) as http:
        assert (await http.post("/enrollment-groups", json={"id": "g"})).status_code == 401
        headers = {"Authorization": "Bearer s3cret"}
        response = await http.post("/enrollment-groups", json={"id": "g"}, headers=headers)
        assert response.status_code == 201
        csv = "id,key\n"
        assert (
            await http.post(
                "/enrollment-groups/g/devices", content=csv, headers={"Content-Type": "text/csv"}
            )
        ).status_code == 401
        # Groups hold the fleet's configuration (CAs, templates): for administrators only.
        assert (await http.get("/enrollment-groups")).status_code == 401
        assert (await http.get("/enrollment-groups", headers=headers)).status_code == 200


# -- first contact with a certificate -----------------------------------------------------


async def test_x509_first_contact_registers_the_device_once(http: httpx.AsyncClient) -> None:
    ca = make_ca()
    await make_group(http, "sensors", caCertificates=pem(ca[1]))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = make_leaf(ca, key, "0001")
    thing_id = PREFIX + "0001"
    assert await thing(http, thing_id) is None
    answer = await device_token(http, thing_id, key, certificates=[leaf])
    assert answer["thing"] == thing_id
    td = await thing(http, thing_id)
    assert td is not None
    assert td["title"] == f"Sensor {thing_id}" and td["@type"] == "saref:Sensor"
    (bound,) = await credentials(http, thing_id)
    assert bound["type"] == "x509" and bound["group"] == "sensors"
    assert bound["serialNumber"] == format(leaf.serial_number, "x")
    # Second contact: the bound certificate, no second registration.
    again = await device_token(http, thing_id, key, certificates=[leaf])
    assert again["thing"] == thing_id
    assert len(await credentials(http, thing_id)) == 1
    claims = jose.parse(again["access_token"]).claims
    assert claims["sub"] == thing_id


async def test_chain_through_an_intermediate_with_ids_from_the_san(
    http: httpx.AsyncClient,
) -> None:
    root = make_ca("Root CA")
    intermediate = make_ca("Factory CA", issuer=root)
    await make_group(
        http, "factory", caCertificates=pem(root[1]), deviceId={"from": "san-uri", "prefix": ""}
    )
    key = ed25519.Ed25519PrivateKey.generate()  # an Ed25519 device key under an ECDSA CA
    device_id = "urn:dev:ops:32473-meter-77"
    mac = "urn:dev:mac:0024befffe804ff1"
    leaf = make_leaf(intermediate, key, "meter 77", san_uris=(device_id, mac))
    # The device may name itself by any identifier its certificate lists.
    answer = await device_token(http, mac, key, certificates=[leaf, intermediate[1]])
    assert answer["thing"] == device_id
    td = await thing(http, device_id)
    assert td is not None and td["identifiers"] == [mac]
    # Without the intermediate, the chain does not reach the group's CA.
    other_key = ed25519.Ed25519PrivateKey.generate()
    other = make_leaf(intermediate, other_key, "m", san_uris=("urn:dev:ops:32473-meter-78",))
    await refused(http, "urn:dev:ops:32473-meter-78", other_key, certificates=[other])
    assert await thing(http, "urn:dev:ops:32473-meter-78") is None


async def test_concurrent_first_contacts_register_one_device(http: httpx.AsyncClient) -> None:
    ca = make_ca()
    await make_group(http, "sensors", caCertificates=pem(ca[1]))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = make_leaf(ca, key, "0002")
    answers = await asyncio.gather(
        *(device_token(http, PREFIX + "0002", key, certificates=[leaf]) for _ in range(4))
    )
    assert {answer["thing"] for answer in answers} == {PREFIX + "0002"}
    assert len(await credentials(http, PREFIX + "0002")) == 1


@pytest.mark.parametrize("problem", ["wrong-ca", "expired", "not-yet", "other-name", "no-chain"])
async def test_certificates_that_do_not_qualify_are_refused(
    http: httpx.AsyncClient, problem: str
) -> None:
    ca = make_ca()
    await make_group(http, "sensors", caCertificates=pem(ca[1]))
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    name, named = "0003", PREFIX + "0003"
    if problem == "wrong-ca":
        leaf = make_leaf(make_ca("Example Device CA"), key, name)  # same name, other key
    elif problem == "expired":
        leaf = make_leaf(
            ca, key, name, not_before=now - timedelta(days=30), not_after=now - timedelta(days=1)
        )
    elif problem == "not-yet":
        leaf = make_leaf(ca, key, name, not_before=now + timedelta(days=1))
    else:
        leaf = make_leaf(ca, key, name)
    if problem == "other-name":
        named = PREFIX + "0004"  # the certificate is for 0003
    if problem == "no-chain":  # the device signs with another key than its certificate's
        key = ec.generate_private_key(ec.SECP256R1())
    await refused(http, named, key, certificates=[leaf])
    assert await thing(http, PREFIX + "0003") is None
    assert await thing(http, PREFIX + "0004") is None


async def test_a_disabled_group_registers_nobody_but_its_devices_keep_working(
    http: httpx.AsyncClient,
) -> None:
    ca = make_ca()
    await make_group(http, "sensors", caCertificates=pem(ca[1]))
    old_key, new_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(2))
    old, new = make_leaf(ca, old_key, "0005"), make_leaf(ca, new_key, "0006")
    await device_token(http, PREFIX + "0005", old_key, certificates=[old])
    await http.patch(
        "/enrollment-groups/sensors",
        json={"enabled": False},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    await refused(http, PREFIX + "0006", new_key, certificates=[new])
    assert await thing(http, PREFIX + "0006") is None
    await device_token(http, PREFIX + "0005", old_key, certificates=[old])


async def test_blocked_devices_are_refused_until_unblocked(http: httpx.AsyncClient) -> None:
    ca = make_ca()
    await make_group(http, "sensors", caCertificates=pem(ca[1]))
    key, late_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(2))
    leaf, late = make_leaf(ca, key, "0007"), make_leaf(ca, late_key, "0008")
    answer = await device_token(http, PREFIX + "0007", key, certificates=[leaf])
    for device in (PREFIX + "0007", PREFIX + "0008"):  # registered, and not yet registered
        response = await http.post("/enrollment-groups/sensors/blocked", json={"device": device})
        assert response.status_code == 201
    assert (await http.get("/enrollment-groups/sensors/blocked")).json() == [
        PREFIX + "0007",
        PREFIX + "0008",
    ]
    await refused(http, PREFIX + "0007", key, certificates=[leaf])
    await refused(http, PREFIX + "0008", late_key, certificates=[late])
    assert await thing(http, PREFIX + "0008") is None
    introspected = await http.post("/auth/introspect", data={"token": answer["access_token"]})
    assert introspected.json() == {"active": False}
    path = "/enrollment-groups/sensors/blocked/" + quote(PREFIX + "0007", safe="")
    assert (await http.delete(path)).status_code == 204
    assert (await http.delete(path)).status_code == 404
    await device_token(http, PREFIX + "0007", key, certificates=[leaf])


# -- first contact with a group key --------------------------------------------------------


@pytest.mark.parametrize("alg", ["ES256", "Ed25519"])
async def test_group_key_endorses_new_devices(http: httpx.AsyncClient, alg: str) -> None:
    group_key = generate_key(alg)
    await make_group(http, "endorsed", groupKey=did_key(group_key.public_key()))
    key = generate_key("Ed25519" if alg == "ES256" else "ES256")
    thing_id = PREFIX + "0100"
    endorsement = endorse(
        group_key,
        group="endorsed",
        thing=thing_id,
        device_key=key.public_key(),
        identifiers=["00:24:be:80:4f:f1"],
        title="Sensor one hundred",
    )
    answer = await device_token(http, thing_id, key, endorsement=endorsement)
    assert answer["thing"] == thing_id
    td = await thing(http, thing_id)
    assert td is not None and td["title"] == "Sensor one hundred"
    assert td["identifiers"] == ["urn:dev:mac:0024beffff804ff1"]
    (bound,) = await credentials(http, thing_id)
    assert bound["type"] == "key" and bound["group"] == "endorsed"
    # Afterwards the key alone is enough.
    await device_token(http, thing_id, key)


async def test_endorsements_that_do_not_qualify_are_refused(http: httpx.AsyncClient) -> None:
    group_key = generate_key("ES256")
    await make_group(http, "endorsed", groupKey=public_pem(group_key))
    key = generate_key("Ed25519")
    cases = {
        "wrong group key": endorse(
            generate_key("ES256"), group="endorsed", thing=PREFIX + "1", device_key=key.public_key()
        ),
        "outside the prefix": endorse(
            group_key, group="endorsed", thing="urn:example:x", device_key=key.public_key()
        ),
        "another device's key": endorse(
            group_key,
            group="endorsed",
            thing=PREFIX + "1",
            device_key=generate_key("Ed25519").public_key(),
        ),
        "expired": endorse(
            group_key, group="endorsed", thing=PREFIX + "1", device_key=key.public_key(), expires=1
        ),
        "unknown group": endorse(
            group_key, group="nope", thing=PREFIX + "1", device_key=key.public_key()
        ),
    }
    for endorsement in cases.values():
        claims = jose.parse(endorsement).claims
        await refused(http, claims["sub"], key, endorsement=endorsement)
    assert (await http.get("/things")).json() == []


# -- bulk ------------------------------------------------------------------------------------


def fleet(count: int, start: int = 0) -> tuple[list[jose.PrivateKey], list[str]]:
    keys = [generate_key("Ed25519") for _ in range(count)]
    ids = [f"{PREFIX}{start + n:04d}" for n in range(count)]
    return keys, ids


async def post_file(
    http: httpx.AsyncClient, group: str, text: str, kind: str = "text/csv"
) -> httpx.Response:
    return await http.post(
        f"/enrollment-groups/{group}/devices", content=text, headers={"Content-Type": kind}
    )


async def test_bulk_csv_reports_each_line_and_is_idempotent(http: httpx.AsyncClient) -> None:
    await make_group(http, "fleet")
    keys, ids = fleet(50)
    rows = [f"{i},{did_key(k.public_key())}" for i, k in zip(ids, keys, strict=True)]
    text = "\n".join(
        [
            "# made at the factory",
            "id,key",
            *rows,
            "not a uri,did:key:z6Mkfoo",
            f"{PREFIX}9999,did:key:zbad",
            "too,many,fields",
            f"{PREFIX}9998,{did_key(keys[0].public_key())}",  # a key listed twice
        ]
    )
    response = await post_file(http, "fleet", text)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["created"], report["unchanged"], report["accepted"]) == (50, 0, 50)
    rejected = {entry["line"]: entry for entry in report["rejected"]}
    assert sorted(rejected) == [53, 54, 55, 56]
    assert "absolute URI" in rejected[53]["reason"]
    assert rejected[54]["id"] == f"{PREFIX}9999" and "key" in rejected[54]["reason"]
    assert "3 fields, expected 2" in rejected[55]["reason"]
    assert "already bound" in rejected[56]["reason"]
    again = (await post_file(http, "fleet", text)).json()
    assert (again["created"], again["unchanged"], len(again["rejected"])) == (0, 50, 4)
    assert (await http.get("/things?limit=1000")).json().__len__() == 50
    answer = await device_token(http, ids[7], keys[7])
    assert answer["thing"] == ids[7]


async def test_bulk_ndjson_with_identifiers_and_titles(http: httpx.AsyncClient) -> None:
    await make_group(http, "fleet")
    keys, ids = fleet(3)
    lines = [
        orjson.dumps(
            {
                "id": ids[0],
                "key": jose.public_jwk(keys[0].public_key()),
                "identifiers": ["49-015420-323751-8"],
                "title": "First",
            }
        ).decode(),
        orjson.dumps({"id": ids[1], "key": public_pem(keys[1])}).decode(),
        "",
        "[1, 2]",
        orjson.dumps({"id": ids[2], "key": did_key(keys[2].public_key()), "x": 1}).decode(),
    ]
    report = (await post_file(http, "fleet", "\n".join(lines), "application/x-ndjson")).json()
    assert report["created"] == 2
    assert [entry["line"] for entry in report["rejected"]] == [4, 5]
    td = await thing(http, ids[0])
    assert td is not None and td["title"] == "First"
    assert td["identifiers"] == ["urn:gsma:imei:49015420-323751-0"]
    td = await thing(http, ids[1])
    assert td is not None and td["title"] == f"Sensor {ids[1]}"


async def test_bulk_refusals(http: httpx.AsyncClient) -> None:
    await make_group(http, "fleet")
    keys, ids = fleet(2)
    await http.post("/enrollment-groups/fleet/blocked", json={"device": ids[1]})
    text = "id,key\n" + "\n".join(
        f"{i},{did_key(k.public_key())}" for i, k in zip(ids, keys, strict=True)
    )
    report = (await post_file(http, "fleet", text)).json()
    assert report["created"] == 1
    assert report["rejected"] == [
        {"line": 3, "id": ids[1], "reason": "the device is on the group's block list"}
    ]
    assert (await post_file(http, "fleet", "id,colour\n")).status_code == 400
    assert (await post_file(http, "fleet", text, "application/json")).status_code == 415
    assert (await post_file(http, "nope", text)).status_code == 404
    await http.patch(
        "/enrollment-groups/fleet",
        json={"enabled": False},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert (await post_file(http, "fleet", text)).status_code == 409


async def test_a_thing_registered_otherwise_is_not_taken_over(http: httpx.AsyncClient) -> None:
    await make_group(http, "fleet")
    keys, ids = fleet(1)
    td = {**TEMPLATE, "id": ids[0], "title": "mine"}
    put = await http.put(
        "/things/" + quote(ids[0], safe=""),
        content=orjson.dumps(td),
        headers={"Content-Type": "application/td+json"},
    )
    assert put.status_code == 201
    report = (
        await post_file(http, "fleet", f"id,key\n{ids[0]},{did_key(keys[0].public_key())}")
    ).json()
    assert report["rejected"][0]["reason"] == (
        "a thing with this id exists already and does not hold this key"
    )
    assert await credentials(http, ids[0]) == []


async def test_a_patch_switches_the_attestation(http: httpx.AsyncClient) -> None:
    ca = make_ca()
    await make_group(http, "g", caCertificates=pem(ca[1]))
    key = generate_key("ES256")
    merge = {"Content-Type": "application/merge-patch+json"}
    both = await http.patch(
        "/enrollment-groups/g", json={"groupKey": public_pem(key)}, headers=merge
    )
    assert both.status_code == 400 and "not both" in both.json()["detail"]
    switched = await http.patch(
        "/enrollment-groups/g",
        json={"caCertificates": None, "groupKey": public_pem(key)},
        headers=merge,
    )
    assert switched.status_code == 200
    assert switched.json()["kind"] == "key" and "caCertificates" not in switched.json()
    assert (await http.patch("/enrollment-groups/x", json={}, headers=merge)).status_code == 404
    wrong_type = await http.patch(
        "/enrollment-groups/g", json={}, headers={"Content-Type": "text/plain"}
    )
    assert wrong_type.status_code == 415
